"""The landlord journey in a real browser (Debian's Chromium driven by Playwright), with
screenshots of the tag page and the search page saved under artifacts/screenshots/."""
import os
import shutil
from pathlib import Path

import pytest

from conftest import photo_bytes

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR", REPO / "artifacts")) / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture
def browser_page(live_server):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 414, "height": 900}, locale="vi-VN")  # a phone
        page.set_default_timeout(20_000)
        yield page
        browser.close()


def fill_room_form(page, photo, city="TP. Hồ Chí Minh", **fields):
    """The landlord's "post a room" form: text fields by name, one photo."""
    for name, value in {**fields, "city": city}.items():
        page.fill(f"#id_{name}", value)
    page.set_input_files("#id_photos", str(photo))


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
    page.click(".facet-box summary")
    page.check("input[name=dac_diem][value=ban_cong]")
    page.check("input[name=dac_diem][value=dieu_hoa]")
    page.click("#search-form button[type=submit]")
    page.wait_for_selector(".room-card")
    assert page.locator(".room-card").count() == 1
    assert "Phòng trọ có gác gần ĐH Bách Khoa" in page.inner_text(".room-card h2")
    page.screenshot(path=str(ARTIFACTS / "search-page.png"), full_page=True)
    assert (ARTIFACTS / "tag-page.png").stat().st_size > 0


SHARED_PHOTOS = REPO.parent / "shared" / "data" / "photos" / "labels.csv"


@pytest.mark.skipif(not SHARED_PHOTOS.exists(), reason="../shared/data/photos is not present (real photos are never "
                                                       "copied into the repository)")
def test_a_photo_driven_suggestion_shows_its_photo(browser_page, live_server, settings, vocabulary, django_user_model):
    """The shipped model sees a bed in a real held-out photo that the text never mentions; the tag
    page shows that suggestion with the photo's thumbnail (screenshot: tag-page-photo.png)."""
    from mlcore.photos import read_photo_labels, split_photos
    from mlcore.taggers import load_tagger
    from tagging import services

    settings.MLCORE_CHECKPOINT = "default"
    services._tagger_cache.pop("default", None)
    tagger = load_tagger("default")
    # The test-split bed photo the model is surest of (the model never trained on the test groups).
    beds = [p for p in split_photos(read_photo_labels(SHARED_PHOTOS))["test"] if "giuong" in p.tags][:12]
    photo = max(beds, key=lambda p: next((m.confidence for m in tagger.tag("", [p.path]) if m.slug == "giuong"), 0.0))

    page = browser_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    django_user_model.objects.create_user("chutro_anh", password="mot-mat-khau-rat-dai")
    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("#id_username", "chutro_anh")
    page.fill("#id_password", "mot-mat-khau-rat-dai")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/phong/dang-tin/")
    fill_room_form(page, photo.path, title="Phòng trọ quận 3", description="Cho thuê phòng, giá tốt, liên hệ chủ nhà.",
                   price="3tr", area="20", address="5 Trần Quốc Thảo", district="Quận 3")
    page.click("#room-form button[type=submit]")
    page.wait_for_selector("#suggestions")
    row = page.locator("#suggestions li", has=page.locator("input[value=giuong]"))
    assert row.locator(".witness img").is_visible() and "từ ảnh 1" in row.inner_text()
    page.screenshot(path=str(ARTIFACTS / "tag-page-photo.png"), full_page=True)
