"""Saving a room: its fields and photos in one transaction, tagging queued when it commits."""
from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import transaction

from tagging.jobs import queue_tagging

from photos.processing import ProcessedPhoto
from .drafts import adopt
from .models import Room, RoomImage


class EditConflict(Exception):
    """The room was saved elsewhere (another tab, another device) after this edit's form was loaded."""

    message = ("Phòng đã được sửa ở nơi khác (một tab hoặc thiết bị khác) sau khi bạn mở trang này. "
               "Dưới đây là thông tin mới nhất; hãy sửa lại rồi lưu.")


class TooManyPhotos(Exception):
    """Saving would leave the room with more than ROOM_MAX_PHOTOS photos (counted under the lock)."""

    def __init__(self, existing: int, adding: int):
        super().__init__(f"Mỗi phòng có tối đa {settings.ROOM_MAX_PHOTOS} ảnh (đang có {existing}, thêm {adding}).")


def save_room(room: Room, *, price_vnd: int, area_m2, photos: list[ProcessedPhoto], drafts: list = (),
              remove_photo_ids: list[int] = (), photo_order: list[int] = (), cover_id: int | None = None,
              accept_suggestions: bool = False, loaded_version: str = "") -> tuple[Room, bool]:
    """Save ``room`` (new or edited) with its photos; returns (room, tagging_queued).

    All or nothing: if anything fails, no row is written and no photo file is left behind.
    Tagging is queued for a new room, and for an edited one whose title, description or photos
    changed; people's earlier tag decisions are kept (see tagging.decisions).  ``photo_order``
    lists existing photo ids in the landlord's order (new photos follow); ``cover_id`` is the
    photo the landlord chose as cover.  ``drafts``: photos already uploaded as they were chosen
    (``rooms.drafts``), adopted in order after ``photos``.  ``accept_suggestions``: confirm the pre-ticked suggestions
    once tagging finishes (bulk import).

    Edits of one room are serialised: the room's row is locked for the transaction, the photo
    limit is checked under the lock (TooManyPhotos), and an edit whose form was loaded before the
    room's last save (``loaded_version``, its ``Room.edit_version`` then) is refused (EditConflict) instead
    of overwriting what the other edit saved.
    """
    is_new = room.pk is None
    text_changed = is_new
    room.price_vnd, room.area_m2 = price_vnd, area_m2
    written: list[RoomImage] = []
    try:
        with transaction.atomic():
            if not is_new:
                before = Room.objects.select_for_update().get(pk=room.pk)
                if loaded_version and before.edit_version != loaded_version:
                    raise EditConflict(EditConflict.message)
                text_changed = (before.title, before.description) != (room.title, room.description)
                room.cover_id = before.cover_id      # the cover as stored now (a removed photo is no cover)
                existing = before.images.count()
                leaving = before.images.filter(pk__in=remove_photo_ids).count() if remove_photo_ids else 0
                if existing - leaving + len(photos) + len(drafts) > settings.ROOM_MAX_PHOTOS:
                    raise TooManyPhotos(existing - leaving, len(photos) + len(drafts))
            room.save()
            removed = list(room.images.filter(pk__in=remove_photo_ids)) if remove_photo_ids else []
            for img in removed:
                img.delete()
            if photo_order:         # the order people see; suggestions name photos by id: nothing to re-tag
                kept = {img.pk: img for img in room.images.all()}
                ordered = [kept[i] for i in photo_order if i in kept] + [
                    img for i, img in kept.items() if i not in photo_order]
                for position, img in enumerate(ordered):
                    if img.position != position:
                        img.position = position
                        img.save(update_fields=["position"])
            last = room.images.order_by("-position").values_list("position", flat=True).first()
            start = 0 if last is None else last + 1
            for offset, photo in enumerate(photos):
                img = RoomImage(room=room, position=start + offset, width=photo.width, height=photo.height,
                                content_sha256=hashlib.sha256(photo.content).hexdigest())
                written.append(img)
                img.store(photo)
                img.save()
            for offset, draft in enumerate(drafts, start=len(photos)):
                adopt(draft, room, start + offset)         # its files stay; on a rollback the draft stays too
            if cover_id is not None and room.cover_id != cover_id and room.images.filter(pk=cover_id).exists():
                room.cover_id = cover_id
                room.save(update_fields=["cover"])
            queued = text_changed or bool(photos) or bool(drafts) or bool(removed)
            if queued:
                queue_tagging(room, reason="created" if is_new else "edited", accept_suggestions=accept_suggestions)
    except BaseException:
        for img in written:
            for storage, name in img.files():
                storage.delete(name)
        if is_new:
            room.pk = None
        raise
    return room, queued     # removed photos' files go once this commits (rooms.signals)


def save_room_form(form, accept_suggestions: bool = False) -> tuple[Room, bool]:
    """Save a valid RoomForm: the landlord's post and edit, and each row of a bulk import."""
    data = form.cleaned_data
    room = form.instance
    room.deposit_vnd = data["deposit"]
    room.electricity_price_vnd, room.water_price_vnd = data["electricity_price"], data["water_price"]
    return save_room(room, price_vnd=data["price"], area_m2=data["area"], photos=data["photos"],
                     drafts=data.get("draft_photos") or [],
                     remove_photo_ids=data.get("remove_photos") or [], photo_order=form.photo_order(),
                     cover_id=data.get("cover_photo"), accept_suggestions=accept_suggestions,
                     loaded_version=data.get("loaded_version") or "")


def delete_room(room: Room) -> None:
    """Delete a room with its photos, tags and jobs; photo files go once the deletion commits
    (rooms.signals, as for every other way a room or photo is deleted)."""
    room.delete()
