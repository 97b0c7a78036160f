import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from conftest import photo_bytes
from photos.processing import process_photo


@pytest.mark.parametrize("fmt, ext", [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")])
def test_accepted_formats_are_reencoded(make_upload, fmt, ext):
    photo = process_photo(make_upload(f"a.{ext}", fmt))
    assert photo.extension == ext and (photo.width, photo.height) == (64, 48)
    assert Image.open(io.BytesIO(photo.content)).format == fmt


def test_content_decides_not_the_file_name(make_upload):
    with pytest.raises(ValidationError, match="không phải ảnh hợp lệ"):
        process_photo(make_upload("virus.jpg", content=b"MZ\x90\x00 not an image at all"))
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, "GIF")
    with pytest.raises(ValidationError, match="không phải ảnh JPEG, PNG, WebP hoặc HEIC"):
        process_photo(make_upload("a.jpg", content=gif.getvalue()))


def test_truncated_image_is_refused(make_upload):
    data = photo_bytes(size=(400, 300))
    with pytest.raises(ValidationError, match="không phải ảnh hợp lệ"):
        process_photo(make_upload("cut.jpg", content=data[: len(data) // 3]))


def test_too_many_bytes(make_upload, settings):
    settings.ROOM_PHOTO_MAX_BYTES = 1000
    with pytest.raises(ValidationError, match="quá lớn"):
        process_photo(make_upload("big.jpg", content=photo_bytes(size=(300, 300)) + b"\0" * 2000))


def _png_header_only(width, height):
    """A tiny PNG that claims huge dimensions: a decompression bomb's calling card."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")


def test_decompression_bomb_is_refused_before_decoding(make_upload):
    with pytest.raises(ValidationError, match="quá nhiều điểm ảnh"):
        process_photo(make_upload("bomb.png", content=_png_header_only(30000, 30000)))


def test_exif_orientation_applied_and_metadata_dropped(make_upload):
    # Orientation 6 = rotate 90°: a 64x48 sensor image is shown 48x64.
    photo = process_photo(make_upload("rot.jpg", exif_orientation=6))
    assert (photo.width, photo.height) == (48, 64)
    reopened = Image.open(io.BytesIO(photo.content))
    assert reopened.size == (48, 64)
    assert not reopened.getexif()


def test_large_photos_are_scaled_down(make_upload, settings):
    settings.ROOM_PHOTO_MAX_SIDE = 100
    photo = process_photo(make_upload("wide.jpg", size=(400, 200)))
    assert (photo.width, photo.height) == (100, 50)


def test_a_camera_photo_is_stored_as_the_decoder_halves_it_without_resampling(make_upload, settings,
                                                                           monkeypatch):
    settings.ROOM_PHOTO_MAX_SIDE = 2048
    resized = []
    original = Image.Image.resize

    def resize(self, *args, **kwargs):
        if max(self.size) > 1000:           # the photo's own resampling, not the thumbnail's
            resized.append(self.size)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "resize", resize)
    photo = process_photo(make_upload("IMG_0001.jpg", size=(4000, 3000)))      # a 12 MP phone photo
    assert (photo.width, photo.height) == (2000, 1500) and resized == []
    assert Image.open(io.BytesIO(photo.content)).size == (2000, 1500)
    # 16 MP: halving gives 2312, quartering 1156 (too small): decoded at 2312, resized once to 2048
    photo = process_photo(make_upload("IMG_0002.jpg", size=(4624, 3468)))
    assert (photo.width, photo.height) == (2048, 1536) and len(resized) == 1
    # not a JPEG: decoded whole and resized
    photo = process_photo(make_upload("scan.png", fmt="PNG", size=(3000, 2000)))
    assert (photo.width, photo.height) == (2048, 1365)
