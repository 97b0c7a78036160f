"""People's tag decisions out of the site, as labelled data for mlcore (``export_training_data``).

One JSON object a line, mlcore's JSONL format plus the decisions' provenance:
``{"id", "title", "description", "text", "tags", "negatives", "images", "decided_by", "decided_at"}``:
``tags`` the confirmed tags, ``negatives`` the removed ones (explicit negatives for training),
``images`` the photos as absolute paths, ``decided_by``/``decided_at`` per tag ("landlord" or
"admin", ISO time).  Only final decisions count: an admin's, or a landlord's saved tag page
(automatic tags and tags waiting for another look are left out); where an admin decided, the
admin's decision is the one exported.
"""
from __future__ import annotations

import json
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .models import RoomTag

FINAL = [RoomTag.Status.CONFIRMED, RoomTag.Status.REMOVED]
PEOPLE = [RoomTag.Source.MODEL, RoomTag.Source.LANDLORD, RoomTag.Source.ADMIN]


@dataclass
class ExportReport:
    rooms: int = 0
    positives: Counter = field(default_factory=Counter)
    negatives: Counter = field(default_factory=Counter)
    admin_decisions: int = 0
    overturned: int = 0           # admin decisions that changed what the landlord had decided

    @property
    def overturn_rate(self) -> float:
        return self.overturned / self.admin_decisions if self.admin_decisions else 0.0


def decisions(since=None):
    """The final decisions, grouped per room (room, [RoomTag])."""
    rows = (RoomTag.objects.filter(status__in=FINAL, source__in=PEOPLE)
            .select_related("room", "tag").order_by("room_id", "tag__position"))
    if since is not None:
        rows = rows.filter(room__in=RoomTag.objects.filter(updated_at__gte=since, source__in=PEOPLE)
                           .values("room_id"))
    current, group = None, []
    for rt in rows:
        if current is not None and rt.room_id != current.pk:
            yield current, group
            group = []
        current = rt.room
        group.append(rt)
    if current is not None:
        yield current, group


def copy_photos(room, photos_dir: Path | None) -> list[str]:
    """The room's photos copied from their storage (disk or object store) into ``photos_dir``;
    their paths relative to the export file's folder (as mlcore reads them).  None: no photos."""
    if photos_dir is None:
        return []
    photos_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, img in enumerate(room.images.all(), start=1):
        target = photos_dir / f"room-{room.pk}-{n}{Path(img.image.name).suffix or '.jpg'}"
        with img.image.storage.open(img.image.name, "rb") as source, target.open("wb") as copy:
            shutil.copyfileobj(source, copy)
        paths.append(f"{photos_dir.name}/{target.name}")
    return paths


def room_record(room, rows: list[RoomTag], photos_dir: Path | None = None) -> dict:
    who = {rt.tag.slug: "admin" if rt.source == RoomTag.Source.ADMIN else "landlord" for rt in rows}
    return {
        "id": f"room-{room.pk}", "title": room.title, "description": room.description,
        "text": room.text_for_tagging,
        "tags": [rt.tag.slug for rt in rows if rt.status == RoomTag.Status.CONFIRMED],
        "negatives": [rt.tag.slug for rt in rows if rt.status == RoomTag.Status.REMOVED],
        "images": copy_photos(room, photos_dir),
        "decided_by": who, "decided_at": {rt.tag.slug: rt.updated_at.isoformat() for rt in rows},
    }


def export_training_data(out, since=None, photos_dir: Path | None = None) -> ExportReport:
    """Write the decisions to the text stream ``out``; the rooms' photos are copied into
    ``photos_dir`` (a folder beside the export file; None: no photos).  Returns the counts."""
    report = ExportReport()
    for room, rows in decisions(since):
        record = room_record(room, rows, photos_dir)
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        report.rooms += 1
        report.positives.update(record["tags"])
        report.negatives.update(record["negatives"])
        admin = [rt for rt in rows if rt.source == RoomTag.Source.ADMIN]
        report.admin_decisions += len(admin)
        report.overturned += sum(1 for rt in admin if rt.overturned_landlord)
    return report
