import pytest
from django.urls import reverse

from rooms.models import Room
from tagging.decisions import save_landlord_tags


@pytest.fixture
def rooms(room_factory, landlord):
    a = room_factory(title="Phòng có điều hòa", description="Phòng có điều hoà, wifi", price=3_000_000, area="20",
                     district="Quận 10")
    b = room_factory(title="Phòng thường", description="Phòng có quạt, wifi", price=2_000_000, area="15",
                     district="Quận 3")
    c = room_factory(title="Căn hộ mini", description="Máy lạnh, ban công, wifi", price=6_000_000, area="35",
                     district="Quận 10")
    save_landlord_tags(a, landlord, {"dieu_hoa", "wifi"})
    save_landlord_tags(b, landlord, {"wifi"})
    save_landlord_tags(c, landlord, {"dieu_hoa", "wifi", "ban_cong"})
    return a, b, c


def titles(response):
    return [r.title for r in response.context["page"]]


def test_a_feature_typed_in_the_box_is_the_tag_filter(client, rooms):
    by_filter = set(titles(client.get(reverse("search"), {"dac_diem": "dieu_hoa"})))
    assert by_filter == {"Phòng có điều hòa", "Căn hộ mini"}
    for typed in ("điều hòa", "dieu hoa", "ĐIỀU HOÀ", "máy lạnh", "may lanh"):
        assert set(titles(client.get(reverse("search"), {"q": typed}))) == by_filter, typed


def test_places_prices_and_negation_in_the_box(client, rooms):
    assert set(titles(client.get(reverse("search"), {"q": "quan 10"}))) == {"Phòng có điều hòa", "Căn hộ mini"}
    assert set(titles(client.get(reverse("search"), {"q": "q10 duoi 4tr"}))) == {"Phòng có điều hòa"}
    assert titles(client.get(reverse("search"), {"q": "không máy lạnh"})) == ["Phòng thường"]
    assert titles(client.get(reverse("search"), {"q": "may lanh ban cong tam 6 trieu"})) == ["Căn hộ mini"]


def test_understood_parts_are_removable_chips(client, rooms):
    response = client.get(reverse("search"), {"q": "máy lạnh q10 dưới 4tr"})
    chips = {c.label: c.remove for c in response.context["rq"].chips}
    assert set(chips) == {"Điều hòa", "Quận 10", "≤ 4 triệu"}
    assert "q=q10+d%C6%B0%E1%BB%9Bi+4tr" in chips["Điều hòa"]       # the box without "máy lạnh"
    body = response.content.decode()
    assert "Điều hòa <span aria-hidden=\"true\">×</span>" in body
    assert set(titles(client.get(reverse("search") + "?" + chips["≤ 4 triệu"]))) == {"Phòng có điều hòa", "Căn hộ mini"}


def test_words_that_are_not_filters_search_the_text(client, rooms):
    assert titles(client.get(reverse("search"), {"q": "quạt"})) == ["Phòng thường"]
    assert titles(client.get(reverse("search"), {"q": "quat"})) == ["Phòng thường"]
    assert titles(client.get(reverse("search"), {"q": "xyzzy"})) == []
    # with a filter understood, other words only rank: the room that says "ban công" comes first
    assert titles(client.get(reverse("search"), {"q": "wifi ban cong"}))[0] == "Căn hộ mini"


def test_the_api_returns_what_it_understood(client, rooms):
    data = client.get("/api/rooms/", {"q": "may lanh quan 10 tam 3tr"}).json()
    assert [r["title"] for r in data["results"]] == ["Phòng có điều hòa"]
    q = data["query"]
    assert q["tags"] == ["dieu_hoa"] and q["districts"] == ["Quận 10"] and q["province_code"] == "79"
    assert q["price_vnd"] == {"min": 2_550_000, "max": 3_450_000}


def test_tags_are_anded_and_counted(client, rooms):
    response = client.get(reverse("search"), {"dac_diem": ["dieu_hoa", "ban_cong"]})
    assert titles(response) == ["Căn hộ mini"]
    response = client.get(reverse("search"), {"dac_diem": ["dieu_hoa"]})
    counts = {tag.slug: n for _, rows in response.context["groups"] for tag, n, _ in rows}
    assert counts["dieu_hoa"] == 2 and counts["wifi"] == 2 and counts["ban_cong"] == 1


def test_only_confirmed_tags_are_searchable(client, rooms, landlord):
    a, b, c = rooms
    save_landlord_tags(c, landlord, {"wifi"})  # the landlord removes dieu_hoa and ban_cong
    assert titles(client.get(reverse("search"), {"dac_diem": "dieu_hoa"})) == ["Phòng có điều hòa"]


def test_price_area_district_and_sorting(client, rooms):
    r = client.get(reverse("search"), {"gia_tu": "2tr5", "gia_den": "7 triệu", "sap_xep": "gia_tang"})
    assert titles(r) == ["Phòng có điều hòa", "Căn hộ mini"]
    r = client.get(reverse("search"), {"dien_tich_tu": "16", "sap_xep": "gia_giam"})
    assert titles(r) == ["Căn hộ mini", "Phòng có điều hòa"]
    assert titles(client.get(reverse("search"), {"quan": "Quận 3"})) == ["Phòng thường"]
    assert titles(client.get(reverse("search"), {"quan": "q3", "tinh": "79"})) == ["Phòng thường"]


def test_bad_filter_shows_a_message(client, rooms):
    response = client.get(reverse("search"), {"gia_tu": "abc"})
    assert "Không hiểu giá" in response.content.decode()


def test_pagination(client, room_factory):
    for i in range(14):
        room_factory(title=f"Phòng số {i}")
    first = client.get(reverse("search"))
    assert len(first.context["page"]) == 12 and first.context["total"] == 14
    second = client.get(reverse("search"), {"trang": 2})
    assert len(second.context["page"]) == 2
    assert "Trang 1/2" in first.content.decode()


def test_words_typed_on_the_home_page_sort_by_relevance_unless_the_renter_chose(client, room_factory):
    """Issue 22: the sort select used to submit "Mới nhất" with the box, so relevance was never
    used.  Its default now submits nothing: words typed rank by relevance; a choice is kept."""
    import re

    older = room_factory(title="Phòng gần Bách Khoa", description="Phòng trọ gần đại học Bách Khoa, có máy lạnh")
    room_factory(title="Phòng mới", description="Phòng có máy lạnh, gần chợ")
    Room.objects.filter(pk=older.pk).update(created_at=older.created_at.replace(year=2020))
    home = client.get(reverse("search")).content.decode()
    assert re.search(r'<select name="sap_xep"><option value="" selected>Mới nhất</option>', home)
    typed = client.get(reverse("search"), {"q": "máy lạnh bách khoa", "sap_xep": ""})
    assert typed.context["rq"].sort == "lien_quan"
    assert [r.pk for r in typed.context["page"]][0] == older.pk          # the words it has rank it first
    assert '<option value="" selected>Phù hợp nhất</option>' in typed.content.decode()
    chosen = client.get(reverse("search"), {"q": "máy lạnh bách khoa", "sap_xep": "moi_nhat"})
    assert chosen.context["rq"].sort == "moi_nhat"
    assert '<option value="moi_nhat" selected>' in chosen.content.decode()


def test_the_ward_list_follows_the_district(client, db):
    """Issue 22: the ward list offered every ward of the city whatever district was typed."""
    city = client.get("/api/places/", {"tinh": "Hồ Chí Minh"}).json()["wards"]
    q10 = client.get("/api/places/", {"tinh": "Hồ Chí Minh", "quan": "Quận 10"}).json()["wards"]
    assert len(city) > 100 and 0 < len(q10) < 20 and set(q10) < set(city)
    assert any("Diên Hồng" in w or "Hòa Hưng" in w for w in q10), q10
    unknown = client.get("/api/places/", {"tinh": "Hồ Chí Minh", "quan": "không có quận này"}).json()["wards"]
    assert unknown == city


def test_the_filter_sheet_count_follows_the_choices(client, room_factory):
    """Issue 22, item 12: the count the sheet shows is the results' for the choices made so far."""
    from tagging.decisions import save_landlord_tags

    a = room_factory(title="A", description="Phòng có máy lạnh, wifi, ban công")
    b = room_factory(title="B", description="Phòng có máy lạnh, wifi")
    save_landlord_tags(a, a.owner, {"dieu_hoa", "wifi", "ban_cong"})
    save_landlord_tags(b, b.owner, {"dieu_hoa", "wifi"})
    both = client.get(reverse("search_count"), {"dac_diem": ["dieu_hoa", "wifi"]}).json()
    assert both["total"] == 2 and both["counts"]["ban_cong"] == 1
    one = client.get(reverse("search_count"), {"dac_diem": ["dieu_hoa", "wifi", "ban_cong"]}).json()
    page = client.get(reverse("search"), {"dac_diem": ["dieu_hoa", "wifi", "ban_cong"]})
    assert one["total"] == page.context["total"] == 1


def test_a_room_type_typed_ranks_and_only_the_sheets_choice_filters(client, room_factory):
    """Issue 22, item 11: "phòng trọ" typed no longer hides a room whose title says "Phòng trọ…"
    but whose type is Căn hộ mini; rooms of the typed type come first."""
    from rooms.models import Room

    mini = room_factory(title="Phòng trọ kiểu căn hộ mini có máy lạnh", description="Phòng có máy lạnh")
    Room.objects.filter(pk=mini.pk).update(room_type="can_ho_mini")
    tro = room_factory(title="Phòng có máy lạnh", description="Phòng có máy lạnh, wifi")
    typed = client.get(reverse("search"), {"q": "phòng trọ"})
    assert [r.pk for r in typed.context["page"]][:1] == [tro.pk]                 # the type typed ranks first
    assert mini.pk in [r.pk for r in typed.context["page"]]                      # and hides nothing
    assert "Ưu tiên phòng trọ" in typed.content.decode()
    picked = client.get(reverse("search"), {"loai": "phong_tro"})
    assert [r.pk for r in picked.context["page"]] == [tro.pk]                    # the sheet's choice filters
