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
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.exceptions import ValidationError
from django.db import transaction
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


def _photo_uploads(row: dict, base: Path) -> list[SimpleUploadedFile]:
    images = row.get("images") or []
    if not isinstance(images, list) or not all(isinstance(i, str) for i in images):
        raise RowError("“images” phải là danh sách đường dẫn ảnh")
    uploads = []
    root = base.resolve()
    for rel in images:
        path = (base / rel).resolve()
        if not path.is_relative_to(root):
            raise RowError(f"ảnh “{rel}” nằm ngoài thư mục của tệp nhập")
        if not path.is_file():
            raise RowError(f"không tìm thấy ảnh “{rel}”")
        uploads.append(SimpleUploadedFile(path.name, path.read_bytes()))
    return uploads


def _form_data(row: dict, room: Room | None) -> dict:
    data = {name: _text(row.get(key)) for key, name in FORM_FIELDS.items()}
    listed = row.get("is_listed", True if room is None else room.is_listed)
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
    uploads = _photo_uploads(row, base)
    data = _form_data(row, room)
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
    form = RoomForm(_multi(data), _multi({"photos": uploads}),
                    instance=room or Room(owner=owner, external_id=external_id))
    if not form.is_valid():
        raise RowError("; ".join(f"{_label(form, name)}: {' '.join(errs)}" for name, errs in form.errors.items()))
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


def import_listings(path: Path, owner, *, accept_suggestions: bool = False, progress=None) -> ImportReport:
    """Import every line of ``path``; ``progress`` (a tqdm-like object) is advanced per line."""
    report = ImportReport()
    base = path.parent
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if progress is not None:
                progress.update(1)
            if not line.strip():
                continue
            try:
                try:
                    row = json.loads(line.strip())
                except json.JSONDecodeError as exc:
                    raise RowError(f"không phải JSON hợp lệ ({exc.msg}, cột {exc.colno})") from None
                with transaction.atomic():
                    outcome = import_row(row, owner, base, accept_suggestions)
            except RowError as exc:
                report.errors.append(f"{path}:{number}: {exc}")
                continue
            setattr(report, outcome, getattr(report, outcome) + 1)
    return report
