"""Room photo uploads: checked by content, limited in size and pixels, oriented, re-encoded.

Re-encoding drops EXIF (GPS positions, phone models) and anything hidden after the image data.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


@dataclass(frozen=True)
class ProcessedPhoto:
    content: bytes
    extension: str
    width: int
    height: int
    original_name: str


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


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
                raise ValidationError(f"“{name}” không phải ảnh JPEG, PNG hoặc WebP.")
            if width * height > settings.ROOM_PHOTO_MAX_PIXELS:
                raise ValidationError(f"Ảnh “{name}” có quá nhiều điểm ảnh ({width}×{height}).")
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
        image.thumbnail((longest, longest), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=88)
    return ProcessedPhoto(out.getvalue(), FORMATS[fmt], image.width, image.height, name)
