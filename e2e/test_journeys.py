"""Journeys without a stumble (issue 22), in a real browser at a phone's size (390x844) and a
desk's (1366x768); screenshots under $ARTIFACTS_DIR/screenshots/."""
import pytest
from playwright.sync_api import expect

from e2e.conftest import ARTIFACTS, log_in, log_in_admin

PHONE, DESK = {"width": 390, "height": 844}, {"width": 1366, "height": 768}


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_header_links_never_break_and_the_search_placeholder_fits(browser_page, live_server, landlord, viewport):
    """Item 13: "Phòng của tôi" is one line, not "Phòng của" over "tôi"; the box's example fits."""
    page = browser_page
    page.set_viewport_size(viewport)
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/")
    heights = page.eval_on_selector_all(
        "header nav a, header nav button",
        "els => els.map(e => [e.textContent.trim(), e.getClientRects().length, e.getBoundingClientRect().height])")
    line = page.evaluate("parseFloat(getComputedStyle(document.body).lineHeight)")
    assert heights and all(rects == 1 and h <= line * 1.6 for _, rects, h in heights), heights
    fits = page.eval_on_selector("#id_q", """el => {
        const c = document.createElement('canvas').getContext('2d'); const s = getComputedStyle(el);
        c.font = `${s.fontSize} ${s.fontFamily}`;
        const room = el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
        return [c.measureText(el.placeholder).width, room]; }""")
    assert fits[0] <= fits[1], f"placeholder {fits[0]:.0f} px in a box of {fits[1]:.0f} px"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"search-{viewport['width']}x{viewport['height']}.png"))


def test_the_tag_page_keeps_save_in_reach_and_other_tags_folded(browser_page, live_server, landlord, room_factory):
    """Item 6: on a phone "Lưu đặc điểm" stays on screen (a sticky bar) and the other ~35 tags wait
    behind their groups and a search-as-you-type field instead of making a 3,000 px page."""
    room = room_factory(description="Phòng có máy lạnh, wifi, gác lửng, WC riêng, gần chợ, giờ giấc tự do")
    page = browser_page
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/phong/{room.pk}/dac-diem/")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 2600, f"the tag page is {height} px tall"       # 3,186 px before, with every tag open
    save = page.locator(".save-bar button")
    box = save.bounding_box()
    assert box and box["y"] + box["height"] <= PHONE["height"], box                  # in view without scrolling
    assert "đặc điểm đã chọn" in page.inner_text("#chosen-count")
    assert not page.is_visible("#other-tags input[value=ban_cong]")                  # folded in its group
    page.fill("#tag-filter", "ban cong")
    assert page.is_visible("#other-tags input[value=ban_cong]")                      # the search opens it
    page.check("#other-tags input[value=ban_cong]")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "tag-page-390x844.png"))
    page.set_viewport_size(DESK)
    page.screenshot(path=str(ARTIFACTS / "tag-page-1366x768.png"))
    save.click()
    page.wait_for_url(f"**/phong/{room.pk}/")
    assert "Ban công" in page.inner_text(".chips")


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_a_form_error_is_summed_up_at_the_top(browser_page, live_server, landlord, vocabulary, viewport):
    """Item 4 (and part of 1): the form in sections; an error is listed at the top, beside its field."""
    page = browser_page
    page.set_viewport_size(viewport)
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/phong/dang-tin/")
    page.select_option("#id_city", "Hồ Chí Minh")
    for name, value in {"title": "Phòng trọ Bình Thạnh", "description": "Phòng có máy lạnh", "price": "rẻ lắm",
                        "area": "18", "address": "12 Xô Viết Nghệ Tĩnh", "district": "Bình Thạnh"}.items():
        page.fill(f"#id_{name}", value)
    page.click("#room-form button[type=submit]")
    page.wait_for_selector("#form-errors")
    assert "Chưa lưu được" in page.inner_text("#form-errors")
    assert page.evaluate("document.activeElement.id") == "form-errors"           # the page opens at the summary
    page.click("#form-errors a[href='#id_price']")                               # a link to the field
    assert page.evaluate("location.hash") == "#id_price"
    assert "Không hiểu giá" in page.inner_text(".field-price")
    assert page.locator(".form-section.has-errors summary").inner_text() == "Giá và chi phí"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"form-error-{viewport['width']}x{viewport['height']}.png"), full_page=True)


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_the_filter_sheet_button_counts_what_the_choices_leave(browser_page, live_server, room_factory, viewport):
    """Item 12: after four filters the sheet's button says how many rooms they leave (it said
    "Xem 7 phòng" when one was left)."""
    from tagging.decisions import save_landlord_tags

    specs = [({"dieu_hoa", "wifi", "ban_cong", "gac_lung"}, "A"), ({"dieu_hoa", "wifi", "ban_cong"}, "B"),
             ({"dieu_hoa", "wifi"}, "C"), ({"dieu_hoa"}, "D")]
    for tags, title in specs:
        room = room_factory(title=f"Phòng {title}", description="Phòng trọ")
        save_landlord_tags(room, room.owner, tags)
    page = browser_page
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/")
    page.click("#filter-sheet summary")
    assert page.inner_text("#sheet-apply") == "Xem 4 phòng"
    for slug, left in (("dieu_hoa", 4), ("wifi", 3), ("ban_cong", 2), ("gac_lung", 1)):
        page.check(f"input[name=dac_diem][value={slug}]")
        expect(page.locator("#sheet-apply")).to_have_text(f"Xem {left} phòng")
    assert page.inner_text("[data-tag=gac_lung]") == "1"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"filter-sheet-{viewport['width']}x{viewport['height']}.png"))
    page.click("#sheet-apply")
    page.wait_for_selector(".room-card")
    assert page.locator(".room-card").count() == 1 and "Phòng A" in page.inner_text(".room-card h2")


def test_the_admin_sees_eight_rows_of_the_queue_and_the_whole_jobs_table(browser_page, live_server, room_factory,
                                                                         django_user_model):
    """Item 17: compact rows (at least 8 on a 1366x768 screen), the model panel folded, the tagging
    jobs table inside its box."""
    from tagging.models import Tag, TagSuggestion

    for i in range(10):
        room = room_factory(title=f"Phòng {i} gần chợ Bến Thành, có máy lạnh và ban công rộng",
                            description="Phòng có máy lạnh, ban công rộng, gần chợ, giờ giấc tự do, wifi mạnh")
        TagSuggestion.objects.create(room=room, job=room.tagging_jobs.get(), tag=Tag.objects.get(slug="tivi"),
                                     confidence=0.45, threshold=0.5, model_version="test", source="text")
    page = browser_page
    page.set_viewport_size(DESK)
    log_in_admin(page, live_server.url, django_user_model)
    page.goto(f"{live_server.url}/admin/tagging/tagsuggestion/")
    page.wait_for_selector("#result_list")
    assert not page.evaluate("document.getElementById('model-card').open")           # folded
    bottoms = page.eval_on_selector_all("#result_list tbody tr", "rows => rows.map(r => r.getBoundingClientRect().bottom)")
    assert sum(1 for b in bottoms if b <= DESK["height"]) >= 8, bottoms
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review-queue-1366x768.png"))
    page.goto(f"{live_server.url}/admin/tagging/taggingjob/")
    table = page.locator("#result_list").bounding_box()
    box = page.locator("#changelist .results").bounding_box()
    assert table["width"] <= box["width"] + 1, (table, box)
    assert page.evaluate("document.documentElement.scrollWidth") <= DESK["width"]
    page.screenshot(path=str(ARTIFACTS / "jobs-1366x768.png"))
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(ARTIFACTS / "jobs-390x844.png"))


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_a_form_error_keeps_the_chosen_photos_and_a_bad_photo_is_refused_alone(browser_page, live_server, landlord,
                                                                                vocabulary, tmp_path, viewport):
    """Item 1: photos go up as they are chosen; an unreadable one is refused beside its preview
    while the others stay; a form error afterwards asks for none of them again."""
    from conftest import photo_bytes
    from rooms.models import Room

    good = [tmp_path / "phong-1.jpg", tmp_path / "phong-2.jpg"]
    for n, path in enumerate(good):
        path.write_bytes(photo_bytes(size=(640, 480), color=(60 + 80 * n, 120, 160)))
    broken = tmp_path / "hong.jpg"
    broken.write_bytes(b"\xff\xd8 this is not a photo")
    page = browser_page
    page.set_viewport_size(viewport)
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/phong/dang-tin/")
    page.select_option("#id_city", "Hồ Chí Minh")
    for name, value in {"title": "Phòng có ba ảnh", "description": "Phòng có máy lạnh", "price": "rẻ lắm",
                        "area": "18", "address": "12 Lý Thường Kiệt", "district": "Quận 10"}.items():
        page.fill(f"#id_{name}", value)
    page.set_input_files("#id_photos", [str(p) for p in (*good, broken)])
    page.wait_for_selector("#room-form[data-photos-uploaded]")
    assert page.locator("#photo-previews figure.uploaded").count() == 2, page.inner_text("#photo-previews")
    assert "không phải ảnh hợp lệ" in page.inner_text("#photo-previews figure.refused")   # refused alone, at once
    page.click("#room-form button[type=submit]")
    page.wait_for_selector("#form-errors")
    assert page.locator("#photo-previews figure.uploaded").count() == 2                    # nothing to pick again
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"form-error-photos-{viewport['width']}x{viewport['height']}.png"),
                    full_page=True)
    page.fill("#id_price", "3tr5")
    page.click("#room-form button[type=submit]")
    page.wait_for_selector("#suggestions, #analysing")
    assert Room.objects.get(title="Phòng có ba ảnh").images.count() == 2


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_a_named_place_in_the_box_finds_the_room_that_names_it(browser_page, live_server, room_factory, viewport):
    """Item 10: "gần bách khoa" from the home page finds the Bách Khoa room first (it used to become
    "Gần trường" with "gan" left over, and that room came last)."""
    from tagging.decisions import save_landlord_tags

    for title, text in (("Phòng gần trường Văn Lang", "Phòng có máy lạnh, gần trường đại học Văn Lang"),
                        ("Phòng trọ gần ĐH Bách Khoa", "Phòng mát, cách ĐH Bách Khoa 5 phút đi bộ, có gác"),
                        ("Phòng gần chợ", "Phòng có wifi, gần chợ và trường học")):
        room = room_factory(title=title, description=text)
        save_landlord_tags(room, room.owner, {"gan_truong"})
    page = browser_page
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/")
    page.fill("#id_q", "gần bách khoa")
    page.click("#search-form button.go")
    page.wait_for_selector(".room-card")
    assert "Bách Khoa" in page.locator(".room-card h2").first.inner_text()
    assert page.locator(".room-card").count() == 1
    assert "Gần bách khoa" in page.inner_text(".understood")                        # said back as a chip
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"named-place-{viewport['width']}x{viewport['height']}.png"), full_page=True)


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_my_rooms_show_photo_state_and_what_to_confirm(browser_page, live_server, landlord, room_factory, viewport):
    """Item 8: "Phòng của tôi" with each room's photo, whether renters see it, and what to confirm."""
    from conftest import photo_bytes
    from photos.processing import ProcessedPhoto

    room_factory(title="Phòng có ảnh", photos=[ProcessedPhoto(photo_bytes(size=(640, 480)), "jpg", 640, 480, "a.jpg",
                                                              photo_bytes(size=(480, 360)), b"")])
    page = browser_page
    page.set_viewport_size(viewport)
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/phong-cua-toi/")
    assert page.locator(".my-room .thumb img").first.evaluate("i => i.complete && i.naturalWidth > 0")
    assert "Đang hiện khi tìm kiếm" in page.inner_text(".my-room")
    assert "Chưa xác nhận đặc điểm" in page.inner_text(".my-room")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"my-rooms-{viewport['width']}x{viewport['height']}.png"), full_page=True)


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_an_unlikely_rent_is_questioned_and_saved_once_confirmed(browser_page, live_server, landlord, vocabulary,
                                                                 viewport):
    """Item 3: "350tr" for an 18 m² room in Bình Thạnh gets "giá này có đúng không?"; "3k5/kwh" is read."""
    from rooms.models import Room

    page = browser_page
    page.set_viewport_size(viewport)
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/phong/dang-tin/")
    page.select_option("#id_city", "Hồ Chí Minh")
    for name, value in {"title": "Phòng Bình Thạnh", "description": "Phòng có máy lạnh", "price": "350tr",
                        "area": "18", "address": "12 Xô Viết Nghệ Tĩnh", "district": "Bình Thạnh",
                        "electricity_price": "3k5/kwh"}.items():
        page.fill(f"#id_{name}", value)
    page.click("#room-form button[type=submit]")
    page.wait_for_selector("#form-errors")
    assert "có đúng không?" in page.inner_text(".field-price")
    page.check("input[type=checkbox][name=price_confirmed]")
    page.click("#room-form button[type=submit]")
    page.wait_for_selector("#suggestions, #analysing")
    room = Room.objects.get(title="Phòng Bình Thạnh")
    assert room.price_vnd == 350_000_000 and room.electricity_price_vnd == 3_500


def test_the_ward_list_follows_the_district_typed(browser_page, live_server, landlord, vocabulary):
    """Item 5: after "Quận 1" the ward suggestions are the new wards of Quận 1, not the city's 168."""
    page = browser_page
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/phong/dang-tin/")
    page.select_option("#id_city", "Hồ Chí Minh")
    expect(page.locator("#ward-list option")).not_to_have_count(0)
    everywhere = page.locator("#ward-list option").count()
    page.fill("#id_district", "Quận 1")
    expect(page.locator("#ward-list option")).not_to_have_count(everywhere)
    wards = page.eval_on_selector_all("#ward-list option", "os => os.map(o => o.value)")
    assert 0 < len(wards) < 10 < everywhere and any("Bến Thành" in w for w in wards), wards


def test_words_typed_on_the_home_page_sort_by_relevance(browser_page, live_server, room_factory):
    """Item 9: a search from the home page is sorted by relevance, and the renter's own choice is kept."""
    room_factory(title="Phòng có máy lạnh và ban công", description="Phòng có máy lạnh, ban công, wifi")
    page = browser_page
    page.goto(f"{live_server.url}/")
    page.fill("#id_q", "ban công")
    page.click("#search-form button.go")
    page.wait_for_selector(".room-card")
    assert page.locator("select[name=sap_xep] option:checked").inner_text() == "Phù hợp nhất"
    page.select_option("select[name=sap_xep]", "moi_nhat")
    page.click("#search-form button.go")
    page.wait_for_selector(".room-card")
    assert page.locator("select[name=sap_xep] option:checked").inner_text() == "Mới nhất"


def test_the_default_review_queue_holds_a_text_photo_conflict(browser_page, live_server, room_factory,
                                                               django_user_model):
    """Item 15: a photo shows an air conditioner, the text says "không có máy lạnh": the default
    queue has it (it was "0 kết quả"); at a phone's size too."""
    from tagging.models import Tag, TagSuggestion

    room = room_factory(title="Phòng không có máy lạnh", description="Phòng không có máy lạnh, có quạt")
    TagSuggestion.objects.create(room=room, job=room.tagging_jobs.get(), tag=Tag.objects.get(slug="dieu_hoa"),
                                 confidence=0.3, threshold=0.6, model_version="test", source="image",
                                 conflict="text_denies", evidence=[])
    page = browser_page
    page.set_viewport_size(DESK)
    log_in_admin(page, live_server.url, django_user_model)
    page.goto(f"{live_server.url}/admin/tagging/tagsuggestion/")
    page.wait_for_selector("#result_list")
    assert "Phòng không có máy lạnh" in page.inner_text("#result_list")
    page.set_viewport_size(PHONE)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review-queue-390x844.png"))
