"""Bulk import of listings from a JSONL file, one listing a line, through the landlord's own path.

Each row is checked by the room form (the same messages a landlord sees), its photos by the same
photo checks, and saved by ``save_room_form``, which queues tagging.  Rows are matched to rooms
by ``external_id`` (per owner): a row that says what its room already says changes nothing, a
changed row updates the room as the landlord's edit would (re-tagging when the text or photos
changed; people's tag decisions kept).  A bad row stores nothing and the others go on.
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.datastructures import MultiValueDict

from .forms import RoomForm
from photos.processing import process_photo
from .models import Room
from .services import save_room_form

# Row keys and the room form's field names where they differ.
FORM_FIELDS = {"title": "title", "description": "description", "price": "price", "area_m2": "area",
               "city": "city", "district": "district", "ward": "ward", "address": "address",
               "room_type": "room_type", "deposit": "deposit", "electricity_price": "electricity_price",
               "water_price": "water_price", "water_price_unit": "water_price_unit",
               "max_occupants": "max_occupants", "available_from": "available_from",
               "contact_phone": "contact_phone"}
ROW_KEYS = {"external_id", "images", "is_listed", *FORM_FIELDS}
COMPARED = ["title", "description", "price_vnd", "area_m2", "city", "district", "ward", "address", "room_type",
            "deposit_vnd", "electricity_price_vnd", "water_price_vnd", "water_price_unit", "max_occupants",
            "available_from", "contact_phone", "is_listed"]


log = logging.getLogger(__name__)

MAX_LINE_BYTES = 1024 * 1024   # a listing with the longest description is ~100 KB


class RowError(ValueError):
    """A row that cannot be imported; the message is the problem, in Vietnamese."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)   # "FILE:LINE: problem"

    @property
    def failed(self) -> int:
        return len(self.errors)


def import_owner(username: str):
    """The importing account; created (without a usable password) when missing."""
    user, created = get_user_model().objects.get_or_create(username=username)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise RowError(f"giá trị không hợp lệ: {value!r}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _boolean(row: dict, key: str, default: bool) -> bool:
    """A yes/no column read strictly: true/false, 1/0, "true"/"false", "1"/"0"; anything else
    (a typo, "no", 2) is the row's error, never a guess (a rented room must not be published)."""
    value = row.get(key, default)
    if value is None:
        return default
    if isinstance(value, (bool, int)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    raise RowError(f"“{key}” phải là true/false hoặc 1/0, không phải {str(value)[:40]!r}")


def _photo_uploads(row: dict, base: Path) -> list[SimpleUploadedFile]:
    """The row's photo files, each checked (inside the file's folder, a file, not too large) before
    any is read."""
    images = row.get("images") or []
    if not isinstance(images, list) or not all(isinstance(i, str) for i in images):
        raise RowError("“images” phải là danh sách đường dẫn ảnh")
    if len(images) > settings.ROOM_MAX_PHOTOS:
        raise RowError(f"tối đa {settings.ROOM_MAX_PHOTOS} ảnh mỗi phòng (dòng này có {len(images)})")
    root = base.resolve()
    paths = []
    for rel in images:
        shown = rel if len(rel) <= 80 else rel[:77] + "…"
        try:
            path = (base / rel).resolve()
            inside = path.is_relative_to(root)
            size = path.stat().st_size if inside and path.is_file() else None
        except (OSError, ValueError, RuntimeError):   # a NUL byte, a name too long, a symlink loop
            raise RowError(f"đường dẫn ảnh không hợp lệ: {shown!r}") from None
        if not inside:
            raise RowError(f"ảnh “{shown}” nằm ngoài thư mục của tệp nhập")
        if size is None:
            raise RowError(f"không tìm thấy ảnh “{shown}”")
        if size > settings.ROOM_PHOTO_MAX_BYTES:
            raise RowError(f"ảnh “{shown}” quá lớn ({size / 1024 / 1024:.0f} MB; tối đa "
                           f"{settings.ROOM_PHOTO_MAX_BYTES / 1024 / 1024:.0f} MB)")
        paths.append((path, shown))
    uploads = []
    for path, shown in paths:
        try:
            uploads.append(SimpleUploadedFile(path.name, path.read_bytes()))
        except OSError as exc:
            raise RowError(f"không đọc được ảnh “{shown}” ({exc.strerror or exc})") from None
    return uploads


def _form_data(row: dict, room: Room | None, listed: bool) -> dict:
    data = {name: _text(row.get(key)) for key, name in FORM_FIELDS.items()}
    if listed:
        data["is_listed"] = "on"
    if room is not None:   # keep the landlord's cover and order on an update
        data["cover_photo"] = str(room.cover_id or "")
        for img in room.images.all():
            data[f"photo_position_{img.pk}"] = str(img.position + 1)
    return data


def _snapshot(room: Room) -> dict:
    return {f: getattr(room, f) for f in COMPARED}


def import_row(row: dict, owner, base: Path, accept_suggestions: bool = False) -> str:
    """Import one parsed row; returns "created", "updated" or "unchanged"; raises RowError."""
    if not isinstance(row, dict):
        raise RowError("mỗi dòng phải là một đối tượng JSON")
    unknown = set(row) - ROW_KEYS
    if unknown:
        raise RowError(f"trường lạ: {', '.join(sorted(unknown))}")
    external_id = _text(row.get("external_id")).strip()
    if not external_id:
        raise RowError("thiếu “external_id”")
    if len(external_id) > 100:
        raise RowError("“external_id” dài quá 100 ký tự")
    room = Room.objects.filter(owner=owner, external_id=external_id).first()
    listed = _boolean(row, "is_listed", True if room is None else room.is_listed)
    uploads = _photo_uploads(row, base)
    data = _form_data(row, room, listed)
    photos_changed = bool(uploads)
    if room is not None:    # photos already there (same content) are kept, not uploaded again
        try:
            hashes = [hashlib.sha256(process_photo(u).content).hexdigest() for u in uploads]
        except ValidationError as exc:
            raise RowError(" ".join(exc.messages)) from None
        old = {img.content_sha256: img.pk for img in room.images.all()}
        data["remove_photos"] = [str(pk) for h, pk in old.items() if h not in hashes]
        uploads = [u for u, h in zip(uploads, hashes) if h not in old]
        photos_changed = bool(uploads or data["remove_photos"])
    form = RoomForm(_multi(data), _multi({"photos": uploads}), ask_about_price=False,
                    instance=room or Room(owner=owner, external_id=external_id))
    if not form.is_valid():
        raise RowError("; ".join(f"{_label(form, name)}: {' '.join(errs)}" for name, errs in form.errors.items()))
    form.instance.is_listed = listed    # a new room's form has no such field (a landlord's post is listed)
    if room is not None and not photos_changed and _unchanged(form, before=_snapshot(Room.objects.get(pk=room.pk))):
        return "unchanged"
    save_room_form(form, accept_suggestions=accept_suggestions)
    return "updated" if room is not None else "created"


def _unchanged(form, before: dict) -> bool:
    """Would saving the form leave the room as it is?"""
    after, data = form.instance, form.cleaned_data
    after.deposit_vnd, after.electricity_price_vnd = data["deposit"], data["electricity_price"]
    after.water_price_vnd, after.price_vnd, after.area_m2 = data["water_price"], data["price"], data["area"]
    after.locate()
    return _snapshot(after) == before


def _multi(data: dict) -> MultiValueDict:
    return MultiValueDict({k: v if isinstance(v, list) else [v] for k, v in data.items()})


def _label(form, name: str) -> str:
    return str(form.fields[name].label) if name in form.fields else "phòng"


def read_lines(path: Path):
    """(line number, text or RowError) for each line, read in binary one bounded line at a time:
    a line over MAX_LINE_BYTES is skipped unread (never held whole), and an undecodable one is
    that line's error alone."""
    with path.open("rb") as f:
        number = 0
        while True:
            raw = f.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            number += 1
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                while (rest := f.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                    pass
                yield number, RowError(f"dòng quá dài (tối đa {MAX_LINE_BYTES // 1024} KB)")
                continue
            try:
                yield number, raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield number, RowError(f"dòng không phải UTF-8 (byte lỗi ở vị trí {exc.start + 1})")


def parse_row(line: str):
    try:
        return json.loads(line.strip())
    except json.JSONDecodeError as exc:
        raise RowError(f"không phải JSON hợp lệ ({exc.msg}, cột {exc.colno})") from None
    except RecursionError:
        raise RowError("JSON lồng nhau quá sâu") from None


def import_listings(path: Path, owner, *, accept_suggestions: bool = False, progress=None) -> ImportReport:
    """Import every line of ``path``; ``progress`` (a tqdm-like object) is advanced per line.
    Whatever goes wrong with a line becomes ``FILE:LINE: problem`` and the other lines go on."""
    report = ImportReport()
    base = path.parent
    for number, line in read_lines(path):
        if progress is not None:
            progress.update(1)
        try:
            if isinstance(line, RowError):
                raise line
            if not line.strip():
                continue
            row = parse_row(line)
            outcome = _import_once_more_if_raced(row, owner, base, accept_suggestions)
        except RowError as exc:
            report.errors.append(f"{path}:{number}: {exc}")
            continue
        except Exception as exc:   # never abort the others: the row's problem is reported, and logged
            log.exception("import %s:%s failed", path, number)
            report.errors.append(f"{path}:{number}: lỗi không mong đợi ({type(exc).__name__}); dòng bị bỏ qua")
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _import_once_more_if_raced(row, owner, base: Path, accept_suggestions: bool) -> str:
    """Import a row in its own transaction; if another import of the same listing created its room
    meanwhile (the unique external id), the row is read again as an update of that room."""
    try:
        with transaction.atomic():
            return import_row(row, owner, base, accept_suggestions)
    except IntegrityError:
        pass
    try:
        with transaction.atomic():
            return import_row(row, owner, base, accept_suggestions)
    except IntegrityError:
        raise RowError("phòng này đang được nhập ở nơi khác cùng lúc; hãy chạy lại") from None
