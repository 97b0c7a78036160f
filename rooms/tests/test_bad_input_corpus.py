"""A bad-input corpus (built here, nothing stored in the repo) sent through the landlord's form and
the API on every CI run: no 5xx, JSON errors on the API, Vietnamese messages in the form, nothing
half-stored (no rows, no files).  The count of cases and their outcomes is printed."""
from __future__ import annotations

import io
import re
import struct
import zlib
from collections import Counter
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from rooms.models import Room

GOOD_FORM = {"title": "Phòng trọ thử", "description": "Phòng có máy lạnh", "price": "3tr", "area": "20",
             "address": "1 Đường A", "district": "Quận 10", "city": "Hồ Chí Minh"}
VIETNAMESE = re.compile(r"[ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]", re.I)


def _image(fmt="JPEG", size=(64, 48), mode="RGB", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 120, 40) if mode == "RGB" else 128).save(out, fmt, **save)
    return out.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width``×``height`` (a decompression bomb's calling card)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def _flat_png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("1", (width, height), 0).save(out, "PNG", optimize=True)
    return out.getvalue()


def _mpo() -> bytes:
    out = io.BytesIO()
    first, second = Image.new("RGB", (80, 60), (10, 120, 200)), Image.new("RGB", (80, 60), (200, 10, 10))
    first.save(out, "MPO", save_all=True, append_images=[second])
    return out.getvalue()


def _heic() -> bytes:
    import pillow_heif

    out = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", (96, 64), (30, 160, 90))).save(out, quality=60)
    return out.getvalue()


def _cmyk_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("CMYK", (40, 40), (10, 20, 30, 40)).save(out, "JPEG")
    return out.getvalue()


def _exif_orientation(value: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = value
    return _image(exif=exif.tobytes())


# (name, file name, bytes or a function making them, expected: "ok" accepted | "refused")
PHOTOS = [
    ("decompression bomb header", "bom.png", lambda: _png_header_only(100_000, 100_000), "refused"),
    ("30000x2 sliver", "soi.png", lambda: _flat_png(30_000, 2), "refused"),
    ("12000x12000 flat", "phang.png", lambda: _png_header_only(12_000, 12_000), "refused"),
    ("truncated JPEG", "cut.jpg", lambda: _image()[: len(_image()) // 2], "refused"),
    ("truncated PNG", "cut.png", lambda: _image("PNG")[:60], "refused"),
    ("truncated WebP", "cut.webp", lambda: _image("WEBP")[:40], "refused"),
    ("empty file", "rong.jpg", b"", "refused"),
    ("one byte", "mot.jpg", b"\xff", "refused"),
    ("text named .jpg", "chu.jpg", "Xin chào, đây không phải ảnh".encode(), "refused"),
    ("HTML disguised as PNG", "trang.png", b"<html><script>alert(1)</script></html>", "refused"),
    ("PDF disguised as JPEG", "tai-lieu.jpg", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "refused"),
    ("SVG with script", "hinh.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "refused"),
    ("GIF", "dong.gif", lambda: _image("GIF", mode="P"), "refused"),
    ("BMP", "anh.bmp", lambda: _image("BMP"), "refused"),
    ("TIFF", "anh.tiff", lambda: _image("TIFF"), "refused"),
    ("ICO", "anh.ico", lambda: _image("ICO", size=(32, 32)), "refused"),
    ("PNG with a broken end chunk", "crc.png", lambda: _image("PNG")[:-5] + b"XXXXX", "ok"),
    ("PNG cut inside its pixels", "nua.png", lambda: _flat_png(400, 400)[:-30], "refused"),
    ("over the size limit", "lon.jpg", lambda: _image() + b"\x00" * (10 * 1024 * 1024), "refused"),
    ("JPEG with junk after its end", "duoi.jpg", lambda: _image() + b"PK\x03\x04 hidden zip", "ok"),
    ("JPEG named .png", "nham.png", lambda: _image(), "ok"),
    ("CMYK JPEG", "cmyk.jpg", _cmyk_jpeg, "ok"),
    ("16-bit grey PNG", "xam16.png", lambda: _image("PNG", mode="I;16"), "ok"),
    ("grey+alpha PNG", "la.png", lambda: _image("PNG", mode="LA"), "ok"),
    ("palette PNG", "p.png", lambda: _image("PNG", mode="P"), "ok"),
    ("invalid EXIF orientation", "xoay.jpg", lambda: _exif_orientation(9), "ok"),
    ("MPO (multi-picture JPEG)", "dien-thoai.jpg", _mpo, "ok"),
    ("HEIC (iPhone)", "IMG_0001.HEIC", _heic, "ok"),
    ("hostile name: path", "../../etc/passwd.jpg", lambda: _image(), "ok"),
    ("hostile name: 400 characters", "a" * 400 + ".jpg", lambda: _image(), "ok"),
    ("hostile name: markup", "<script>alert(1)</script>.jpg", lambda: _image(), "ok"),
    ("hostile name: RTL override", "anh\u202egpj.exe", lambda: _image(), "ok"),
]

# (name, changed fields, expected)
TEXTS = [
    ("description over the tagging limit", {"description": "Phòng đẹp. " * 2100}, "refused"),
    ("title of 10,000 characters", {"title": "Phòng " * 2000}, "refused"),
    ("NUL in the description", {"description": "Phòng\x00có máy lạnh"}, "refused"),
    ("price NaN", {"price": "NaN"}, "refused"),
    ("price 1e309", {"price": "1e309"}, "refused"),
    ("negative price", {"price": "-3tr"}, "refused"),
    ("price of emoji", {"price": "💰💰💰"}, "refused"),
    ("area Infinity", {"area": "Infinity"}, "refused"),
    ("area sNaN", {"area": "sNaN"}, "refused"),
    ("area 1e10", {"area": "1e10"}, "refused"),
    ("district of 5,000 characters", {"district": "Q" * 5000}, "refused"),
    ("phone with markup", {"contact_phone": "+84 <script>"}, "refused"),
    ("impossible date", {"available_from": "2026-02-30"}, "refused"),
    ("occupants overflow", {"max_occupants": "9" * 30}, "refused"),
    ("electricity price as words", {"electricity_price": "rẻ lắm"}, "refused"),
    ("unknown room type", {"room_type": "lau-dai"}, "refused"),
    ("markup in the title", {"title": "<img src=x onerror=alert(1)> Phòng"}, "ok"),
    ("zero-width and RTL characters", {"title": "Phòng\u200b\u202e trọ"}, "ok"),
    ("emoji-only description", {"description": "🏠❄️📶"}, "ok"),
    ("SQL in the address", {"address": "1'; DROP TABLE rooms_room; --"}, "ok"),
    ("full-width digits (an IME's)", {"price": "３tr"}, "ok"),
]


def _content(data) -> bytes:
    return data() if callable(data) else data


def _media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _form_errors(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", m).strip() for m in re.findall(r'class="error"[^>]*>(.*?)</', html, re.S)]


@pytest.fixture(scope="module")
def outcomes():
    tally = Counter()
    yield tally
    print(f"\nbad-input corpus: {len(PHOTOS)} photo cases × (form, API) + {len(TEXTS)} text cases "
          f"+ API cases = {sum(tally.values())} requests; outcomes: {dict(sorted(tally.items()))}")


def _check_form(client, settings, data, files, expected, outcomes, name):
    rooms, media = Room.objects.count(), _media_files(settings)
    response = client.post(reverse("room_create"), {**data, **files})
    assert response.status_code < 500, name
    if expected == "refused":
        assert response.status_code == 400, f"{name}: accepted"
        errors = _form_errors(response.content.decode())
        assert errors and all(VIETNAMESE.search(e) for e in errors), f"{name}: {errors}"
        assert Room.objects.count() == rooms and _media_files(settings) == media, f"{name}: half-stored"
        outcomes["form: refused with a Vietnamese message"] += 1
    else:
        assert response.status_code == 302, f"{name}: {_form_errors(response.content.decode())}"
        room = Room.objects.order_by("-pk").first()
        stored = list(room.images.all())     # text cases post no photo; photo cases store theirs
        assert all(img.image.name.endswith((".jpg", ".png", ".webp")) for img in stored)
        assert all(Path(img.image.path).is_relative_to(Path(settings.MEDIA_ROOT)) for img in stored)
        outcomes["form: accepted, stored cleanly"] += 1


@pytest.mark.parametrize("name, filename, data, expected", PHOTOS, ids=[p[0] for p in PHOTOS])
def test_bad_photos_through_the_form_and_the_api(name, filename, data, expected, landlord_client, client, settings,
                                                 outcomes):
    content = _content(data)
    upload = SimpleUploadedFile(filename, content, content_type="image/jpeg")
    _check_form(landlord_client, settings, GOOD_FORM, {"photos": [upload]}, expected, outcomes, name)
    response = client.post("/api/extract-features", {"description": "Phòng có máy lạnh",
                                                      "image": SimpleUploadedFile(filename, content)})
    assert response.status_code < 500 and response["Content-Type"].startswith("application/json"), name
    body = response.json()
    if expected == "refused":
        assert response.status_code in (400, 413) and body["success"] is False and VIETNAMESE.search(body["error"])
        outcomes["API: JSON 4xx in Vietnamese"] += 1
    else:
        assert response.status_code == 200 and body["success"] is True, body
        outcomes["API: accepted"] += 1


@pytest.mark.parametrize("name, changes, expected", TEXTS, ids=[t[0] for t in TEXTS])
def test_bad_text_through_the_form(name, changes, expected, landlord_client, settings, outcomes):
    _check_form(landlord_client, settings, {**GOOD_FORM, **changes}, {}, expected, outcomes, name)


def test_eleven_photos_are_refused_before_any_is_decoded(landlord_client, settings, outcomes, monkeypatch):
    import photos.processing

    decoded = []
    real = photos.processing.process_photo
    monkeypatch.setattr("rooms.forms.process_photo", lambda f: decoded.append(f) or real(f))
    files = [SimpleUploadedFile(f"{i}.jpg", _image()) for i in range(11)]
    _check_form(landlord_client, settings, GOOD_FORM, {"photos": files}, "refused", outcomes, "eleven photos")
    assert decoded == []


def test_many_big_flat_photos_are_refused_by_their_pixel_cost(landlord_client, settings, outcomes):
    settings.REQUEST_MAX_PIXELS = 20_000_000
    files = [SimpleUploadedFile(f"{i}.png", _flat_png(3000, 2000)) for i in range(4)]     # 24 MP together
    _check_form(landlord_client, settings, GOOD_FORM, {"photos": files}, "refused", outcomes, "pixel budget")


@pytest.mark.parametrize("name, request_kwargs", [
    ("description sent as a file", {"data": {"description": SimpleUploadedFile("d.txt", b"hello")}}),
    ("image sent as text", {"data": {"description": "Phòng", "image": "not a file"}}),
    ("JSON body", {"data": '{"description": "Phòng"}', "content_type": "application/json"}),
    ("no description", {"data": {}}),
    ("description over the limit", {"data": {"description": "Phòng đẹp. " * 2100}}),
    ("declared body of 300 MB", {"data": {"description": "Phòng"}, "CONTENT_LENGTH": str(300 * 1024 * 1024)}),
])
def test_bad_api_requests_get_json_errors(name, request_kwargs, client, outcomes):
    kwargs = dict(request_kwargs)
    data = kwargs.pop("data")
    response = client.post("/api/extract-features", data, **kwargs)
    assert 400 <= response.status_code < 500, (name, response.status_code)
    assert response["Content-Type"].startswith("application/json"), name
    assert response.json()["success"] is False and VIETNAMESE.search(response.json()["error"]), response.json()
    outcomes["API: JSON 4xx in Vietnamese"] += 1


def test_api_paths_answer_json_even_when_nothing_is_there(client, db, outcomes):
    for url in ("/api/khong-co/", "/api/rooms/999999/", "/api/jobs/999999/"):
        response = client.get(url)
        assert response.status_code in (403, 404) and response["Content-Type"].startswith("application/json"), url
        outcomes["API: JSON 4xx in Vietnamese"] += 1
    page = client.get("/khong-co-trang-nay/")
    assert page.status_code == 404 and "Không tìm thấy trang" in page.content.decode()
    outcomes["page: Vietnamese 404"] += 1
