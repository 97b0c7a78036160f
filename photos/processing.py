"""Room photo uploads: checked by content, limited in size and pixels, oriented, re-encoded.

Re-encoding drops EXIF (GPS positions, phone models) and anything hidden after the image data.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, ImageOps, UnidentifiedImageError

try:   # HEIC/HEIF, the iPhone's default, through pillow-heif's Pillow plugin
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover - pillow-heif is in requirements; without it HEIC is refused
    pass

# Accepted formats and how each is stored: MPO (the multi-picture JPEG many phones write) keeps
# its first frame as JPEG; HEIC/HEIF become JPEG (browsers cannot show them).
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "MPO": "jpg", "HEIF": "jpg"}
STORED_AS = {"MPO": "JPEG", "HEIF": "JPEG"}


@dataclass(frozen=True)
class ProcessedPhoto:
    content: bytes
    extension: str
    width: int
    height: int
    original_name: str
    thumbnail: bytes = b""      # a small JPEG for lists (search results, the tag page's witnesses)
    thumbnail_webp: bytes = b""  # the same in WebP (about a third smaller), for browsers that take it


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


def check_pixels(name: str, width: int, height: int) -> None:
    """Refuse, before decoding, an image whose decoding would cost too much: too many pixels, an
    absurdly long side, or an absurd shape (a 30000×2 PNG is 263 bytes and seconds of CPU)."""
    if width * height > settings.ROOM_PHOTO_MAX_PIXELS or max(width, height) > settings.ROOM_PHOTO_MAX_EDGE:
        raise ValidationError(f"Ảnh “{name}” có quá nhiều điểm ảnh ({width}×{height}).")
    if min(width, height) == 0 or max(width, height) / min(width, height) > settings.ROOM_PHOTO_MAX_ASPECT:
        raise ValidationError(f"Ảnh “{name}” có kích thước bất thường ({width}×{height}).")


def _jpeg_decode_size(width: int, height: int, longest: int) -> tuple[int, int]:
    """The size to decode a JPEG at (its decoder halves the work per step: 1/2, 1/4, 1/8).  A
    scale whose long side lands between 3/4 of ``longest`` and ``longest`` is stored as decoded,
    without a resampling pass (every common camera size halves into 1,536-2,048: 4000 and 4032 to
    2000 and 2016, 8160 to 2040); otherwise the smallest scale still at least ``longest``, resized
    down once."""
    side = max(width, height)
    scales = [s for s in (8, 4, 2, 1) if -(-side // s) >= longest * 3 // 4]
    fits = [s for s in scales if -(-side // s) <= longest]
    big_enough = [s for s in scales if -(-side // s) >= longest] or [1]
    scale = fits[0] if fits else big_enough[0]
    return -(-width // scale), -(-height // scale)


def image_size(upload) -> tuple[int, int]:
    """(width, height) from the header only; (0, 0) when it cannot be read (process_photo says why)."""
    upload.seek(0)
    try:
        with warnings.catch_warnings():     # a bomb's header warns; check_pixels refuses it anyway
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(upload) as probe:
                return probe.size
    except Exception:
        return 0, 0
    finally:
        upload.seek(0)


def process_photo(upload) -> ProcessedPhoto:
    """Validate an uploaded file and return it re-encoded; raises ValidationError (Vietnamese)."""
    name = getattr(upload, "name", "ảnh")
    max_bytes = settings.ROOM_PHOTO_MAX_BYTES
    if upload.size > max_bytes:
        raise ValidationError(f"Ảnh “{name}” quá lớn ({_mb(upload.size)}); tối đa {_mb(max_bytes)}.")
    upload.seek(0)
    try:
        with Image.open(upload) as probe:
            fmt = probe.format
            width, height = probe.size
            if fmt not in FORMATS:
                raise ValidationError(f"“{name}” không phải ảnh JPEG, PNG, WebP hoặc HEIC.")
            check_pixels(name, width, height)
            if (fmt == "JPEG" or fmt == "MPO") and max(width, height) > settings.ROOM_PHOTO_MAX_SIDE:
                # Decode no larger than needed (the request keeps the photo's shape: a square box
                # would keep a 4000x3000 photo at full size).
                probe.draft("RGB", _jpeg_decode_size(width, height, settings.ROOM_PHOTO_MAX_SIDE))
            probe.seek(0)                   # MPO: the first frame
            probe.load()
            image = ImageOps.exif_transpose(probe)
    except ValidationError:
        raise
    except Image.DecompressionBombError:  # raised by Pillow itself for absurd sizes
        raise ValidationError(f"Ảnh “{name}” có quá nhiều điểm ảnh.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(f"“{name}” không phải ảnh hợp lệ hoặc đã bị hỏng.") from None
    finally:
        upload.seek(0)

    longest = settings.ROOM_PHOTO_MAX_SIDE
    if max(image.size) > longest:
        # Pillow's bilinear is an antialiased (triangle) filter: for the small factors left after a
        # scaled decode it looks like Lanczos at less than half the time.
        image.thumbnail((longest, longest), Image.Resampling.BILINEAR, reducing_gap=2.0)
    fmt = STORED_AS.get(fmt, fmt)
    thumbnail, thumbnail_webp = thumbnails(image)
    out = io.BytesIO()
    if fmt == "JPEG":       # no second Huffman pass (optimize): ~5% bigger, a third less CPU
        image.convert("RGB").save(out, "JPEG", quality=86)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=88)
    return ProcessedPhoto(out.getvalue(), FORMATS[fmt], image.width, image.height, name, thumbnail, thumbnail_webp)


def thumbnails(image: Image.Image) -> tuple[bytes, bytes]:
    """(JPEG, WebP) at most ROOM_PHOTO_THUMB_SIDE long (a search card, a tag page's witness): a
    page of 20 results loads ~31 KB a photo (the WebP less) instead of the stored photo's ~380 KB.
    From the image already decoded: a box reduction by a whole factor, then one bilinear pass on
    the small image (2.9 ms for a 2000x1500 photo, against 5.7 for ``thumbnail`` on the whole)."""
    side = settings.ROOM_PHOTO_THUMB_SIDE
    rgb = image if image.mode == "RGB" else image.convert("RGB")   # reduce() refuses palette, 1-bit, 16-bit
    factor = max(1, max(rgb.size) // side)
    small = rgb.reduce(factor) if factor > 1 else rgb.copy()
    small.thumbnail((side, side), Image.Resampling.BILINEAR)
    jpeg, webp = io.BytesIO(), io.BytesIO()
    small.save(jpeg, "JPEG", quality=82)
    small.save(webp, "WEBP", quality=75, method=4)
    return jpeg.getvalue(), webp.getvalue()
