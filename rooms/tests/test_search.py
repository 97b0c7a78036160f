import pytest
from django.urls import reverse

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


def test_accent_insensitive_text(client, rooms):
    assert titles(client.get(reverse("search"), {"q": "dieu hoa"})) == ["Phòng có điều hòa"]
    assert titles(client.get(reverse("search"), {"q": "ĐIỀU HOÀ"})) == ["Phòng có điều hòa"]
    assert set(titles(client.get(reverse("search"), {"q": "quan 10"}))) == {"Phòng có điều hòa", "Căn hộ mini"}


def test_tags_are_anded_and_counted(client, rooms):
    response = client.get(reverse("search"), {"dac_diem": ["dieu_hoa", "ban_cong"]})
    assert titles(response) == ["Căn hộ mini"]
    response = client.get(reverse("search"), {"dac_diem": ["dieu_hoa"]})
    counts = {tag.slug: n for tag, n, _ in response.context["facets"]}
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
