"""The landlord journey in a real browser (Debian's Chromium driven by Playwright), with
screenshots of the tag page and the search page saved under artifacts/screenshots/."""
from pathlib import Path

import pytest

from conftest import photo_bytes
from e2e.conftest import ARTIFACTS, fill_room_form, log_in_admin

REPO = Path(__file__).resolve().parents[1]


def test_landlord_journey_in_a_browser(browser_page, live_server, tmp_path, vocabulary):
    page = browser_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    photo = tmp_path / "phong.jpg"
    photo.write_bytes(photo_bytes(size=(640, 480), color=(180, 200, 230)))

    page.goto(f"{live_server.url}/dang-ky/")
    page.fill("#id_username", "chutro_trinh_duyet")
    page.fill("#id_password1", "mot-mat-khau-rat-dai")
    page.fill("#id_password2", "mot-mat-khau-rat-dai")
    page.click("button[type=submit]")
    page.wait_for_url("**/phong/dang-tin/")

    fill_room_form(page, photo, title="Phòng trọ có gác gần ĐH Bách Khoa",
                   description="Phòng mát, có điều hoà, gác lửng, gần trường. Không nuôi thú cưng.", price="3tr5",
                   area="22", address="12 Lý Thường Kiệt", district="Quận 10")
    page.wait_for_selector("#photo-previews img")          # preview before upload
    page.click("#room-form button[type=submit]")

    page.wait_for_selector("#suggestions")                 # suggestions arrived on the tag page
    assert page.is_checked("input[value=dieu_hoa]") and page.is_checked("input[value=gac_lung]")
    assert not page.is_visible("#analysing")
    assert page.locator("#suggestions").inner_text().count("%") >= 3
    assert "“điều hoà”" in page.locator("#suggestions").inner_text()
    page.screenshot(path=str(ARTIFACTS / "tag-page.png"), full_page=True)

    page.uncheck("input[value=thoang_mat]")
    page.fill("#tag-filter", "ban cong")                    # search the vocabulary without accents
    assert page.is_visible("#other-tags input[value=ban_cong]")
    assert not page.is_visible("#other-tags input[value=wifi]")
    page.check("#other-tags input[value=ban_cong]")
    page.click("#tag-form button[type=submit]")
    page.wait_for_url("**/phong/*/")
    assert "Ban công" in page.inner_text(".chips") and "Thoáng mát" not in page.inner_text(".chips")

    page.goto(f"{live_server.url}/")
    page.fill("#id_q", "gac lung")
    page.click("#filter-sheet summary")
    page.check("input[name=dac_diem][value=ban_cong]")
    page.check("input[name=dac_diem][value=dieu_hoa]")
    page.click(".sheet-apply button")
    page.wait_for_selector(".room-card")
    assert page.locator(".room-card").count() == 1
    assert "Phòng trọ có gác gần ĐH Bách Khoa" in page.inner_text(".room-card h2")
    page.screenshot(path=str(ARTIFACTS / "search-page.png"), full_page=True)
    assert (ARTIFACTS / "tag-page.png").stat().st_size > 0


def test_search_on_a_phone_puts_results_first(browser_page, live_server, room_factory, landlord, make_upload):
    """390×844 (a common phone): after a search the first result card is on the first screen;
    what the box understood shows as removable chips; the filter sheet opens over the results with
    the tags grouped and a sticky apply button.  Screenshots: search-phone.png, filter-sheet.png."""
    from tagging.decisions import save_landlord_tags

    for i in range(14):
        room = room_factory(title=f"Phòng {i} có máy lạnh", description="Phòng có máy lạnh, wifi, ban công",
                            district="Quận 10" if i % 2 else "Bình Thạnh", city="Hồ Chí Minh",
                            price=2_500_000 + i * 100_000, photos=[])
        save_landlord_tags(room, landlord, {"dieu_hoa", "wifi"} | ({"ban_cong"} if i % 3 == 0 else set()))
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/")
    page.fill("#id_q", "may lanh q10 duoi 4tr")
    page.press("#id_q", "Enter")
    page.wait_for_selector(".understood")
    chips = page.inner_text(".understood")
    assert "Điều hòa" in chips and "Quận 10" in chips and "≤ 4 triệu" in chips
    first = page.locator(".room-card").first.bounding_box()
    price = page.locator(".room-card .price").first.bounding_box()
    assert first["y"] < 844 and price["y"] + price["height"] <= 844, (first, price)
    assert page.locator(".room-card").count() == 7
    page.screenshot(path=str(ARTIFACTS / "search-phone.png"))

    page.click("#filter-sheet summary")
    apply = page.locator(".sheet-apply button")
    box = apply.bounding_box()
    assert apply.is_visible() and box["y"] + box["height"] <= 844       # sticky at the bottom
    assert page.locator(".sheet-body legend", has_text="Tiện nghi").is_visible()
    page.screenshot(path=str(ARTIFACTS / "filter-sheet.png"))
    page.click(".sheet-close")
    assert not apply.is_visible()
    page.click("#filter-sheet summary")
    page.check("input[name=dac_diem][value=ban_cong]")
    apply.click()
    page.wait_for_selector(".understood")
    assert "Ban công" in page.inner_text(".understood")
    assert page.locator(".room-card").count() == 2        # rooms 3 and 9: Quận 10, ban công, ≤ 4 triệu
    page.click(".understood a:has-text('Quận 10')")       # remove a chip
    page.wait_for_selector(".room-card")
    assert "Quận 10" not in page.inner_text(".understood") and page.locator(".room-card").count() == 5


SHARED_PHOTOS = REPO.parent / "shared" / "data" / "photos" / "labels.csv"


@pytest.mark.skipif(not SHARED_PHOTOS.exists(), reason="../shared/data/photos is not present (real photos are never "
                                                       "copied into the repository)")
def test_a_photo_driven_suggestion_shows_its_photo(browser_page, live_server, settings, vocabulary, django_user_model):
    """The shipped model sees a bed in a real held-out photo that the text never mentions; the tag
    page shows that suggestion with the photo's thumbnail (screenshot: tag-page-photo.png)."""
    from mlcore.photos import read_photo_labels, split_photos
    from mlcore.taggers import load_tagger
    from tagging import serving

    settings.MLCORE_CHECKPOINT = "default"
    serving._tagger_cache.pop("default", None)
    tagger = load_tagger("default")
    # The test-split bed photo the model is surest of (the model never trained on the test groups).
    beds = [p for p in split_photos(read_photo_labels(SHARED_PHOTOS))["test"] if "giuong" in p.tags][:12]
    photo = max(beds, key=lambda p: next((m.confidence for m in tagger.tag("", [p.file]) if m.slug == "giuong"), 0.0))

    page = browser_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    django_user_model.objects.create_user("chutro_anh", password="mot-mat-khau-rat-dai")
    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("#id_username", "chutro_anh")
    page.fill("#id_password", "mot-mat-khau-rat-dai")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/phong/dang-tin/")
    fill_room_form(page, photo.file, title="Phòng trọ quận 3", description="Cho thuê phòng, giá tốt, liên hệ chủ nhà.",
                   price="3tr", area="20", address="5 Trần Quốc Thảo", district="Quận 3")
    page.click("#room-form button[type=submit]")
    page.wait_for_selector("#suggestions")
    row = page.locator("#suggestions li", has=page.locator("input[value=giuong]"))
    assert row.locator(".witness img").is_visible() and "từ ảnh 1" in row.inner_text()
    page.screenshot(path=str(ARTIFACTS / "tag-page-photo.png"), full_page=True)


def test_the_review_queue_at_1366_px_from_the_keyboard(browser_page, live_server, room_factory, django_user_model):
    """The admin review queue on a 1366×768 screen: no sideways scrolling, the decision column in
    view, accept from the keyboard (j, x, a).  Screenshot: admin-review-queue.png."""
    from tagging.models import RoomTag, Tag, TagSuggestion

    for i in range(6):
        room = room_factory(title=f"Phòng {i} gần chợ Bến Thành, có máy lạnh và ban công rộng",
                            description="Phòng có máy lạnh, ban công rộng, gần chợ, giờ giấc tự do, wifi mạnh")
        job = room.tagging_jobs.get()
        TagSuggestion.objects.filter(job=job, tag__slug="wifi").update(confidence=0.55)   # unsure: a person looks
        TagSuggestion.objects.create(room=room, job=job, tag=Tag.objects.get(slug="tivi"), confidence=0.45,
                                     threshold=0.5, model_version="test", source="text")
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in_admin(page, live_server.url, django_user_model)
    page.goto(f"{live_server.url}/admin/tagging/tagsuggestion/")
    page.wait_for_selector("#result_list")
    assert page.locator("#result_list tbody tr").count() == 12
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    review = page.locator("#result_list thead th.column-review").bounding_box()
    results = page.locator("#changelist .results").bounding_box()      # no scrolling inside the table either
    assert review["x"] + review["width"] <= results["x"] + results["width"] + 1 <= 1366 + 1
    assert page.evaluate("document.querySelector('#changelist .results').scrollWidth") <= results["width"] + 1
    assert "Phím tắt" in page.inner_text("#changelist")
    page.screenshot(path=str(ARTIFACTS / "admin-review-queue.png"))
    page.locator("body").click(position={"x": 5, "y": 300})
    for key in ("j", "x", "j", "x"):
        page.keyboard.press(key)
    page.keyboard.press("a")
    page.wait_for_selector(".messagelist")
    assert "Đã chấp nhận 2 gợi ý" in page.inner_text(".messagelist")
    assert RoomTag.objects.filter(source="admin", status="confirmed").count() == 2
    assert page.locator("#result_list tbody tr").count() == 10


@pytest.mark.slow
def test_the_browser_shrinks_phone_photos_before_uploading(browser_page, live_server, tmp_path, vocabulary,
                                                           django_user_model):
    """A 12 MP camera photo with EXIF orientation 6 is scaled down and turned upright in the
    browser: the upload is a fraction of the file, and the stored photo is portrait."""
    import numpy as np
    from PIL import Image

    from rooms.models import Room

    rng = np.random.default_rng(7)
    base = np.linspace(60, 200, 4000, dtype=np.float32)[None, :, None].repeat(3000, 0).repeat(3, 2)
    pixels = np.clip(base + rng.normal(0, 18, (3000, 4000, 3)), 0, 255).astype("uint8")   # camera-like grain
    exif = Image.Exif()
    exif[0x0112] = 6                                          # "rotate 90°": a portrait shot held upright
    photo = tmp_path / "IMG_4032.jpg"
    Image.fromarray(pixels).save(photo, "JPEG", quality=92, exif=exif.tobytes())
    original = photo.stat().st_size
    assert original > 3 * 1024 * 1024

    django_user_model.objects.create_user("chutro_4g", password="mot-mat-khau-rat-dai")
    page = browser_page
    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("#id_username", "chutro_4g")
    page.fill("#id_password", "mot-mat-khau-rat-dai")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/phong/dang-tin/")
    fill_room_form(page, photo, title="Phòng chụp bằng điện thoại", description="Phòng có máy lạnh.", price="3tr",
                   area="20", address="5 Trần Quốc Thảo", district="Quận 3")
    page.wait_for_selector("#room-form[data-photos-shrunk]")
    sent = page.evaluate("Array.from(document.querySelector('#id_photos').files).map(f => f.size)")  # what uploads
    page.click("#room-form button[type=submit]")
    page.wait_for_selector("#suggestions, #analysing")
    assert len(sent) == 1 and sent[0] < original / 4, (sent, original)
    stored = Room.objects.get(title="Phòng chụp bằng điện thoại").images.get()
    assert (stored.width, stored.height) == (1200, 1600)          # upright, longest side 1600
    print(f"\nphone photo: {original / 1048576:.1f} MB on the phone, {sent[0] / 1048576:.2f} MB uploaded")
