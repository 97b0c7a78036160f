"""Saving a room: its fields and photos in one transaction, tagging queued when it commits."""
from __future__ import annotations

import hashlib

from django.db import transaction

from tagging.jobs import queue_tagging

from photos.processing import ProcessedPhoto
from .models import Room, RoomImage


def save_room(room: Room, *, price_vnd: int, area_m2, photos: list[ProcessedPhoto],
              remove_photo_ids: list[int] = (), photo_order: list[int] = (), cover_id: int | None = None,
              accept_suggestions: bool = False) -> tuple[Room, bool]:
    """Save ``room`` (new or edited) with its photos; returns (room, tagging_queued).

    All or nothing: if anything fails, no row is written and no photo file is left behind.
    Tagging is queued for a new room, and for an edited one whose title, description or photos
    changed; people's earlier tag decisions are kept (see tagging.decisions).  ``photo_order``
    lists existing photo ids in the landlord's order (new photos follow); ``cover_id`` is the
    photo the landlord chose as cover.  ``accept_suggestions``: confirm the pre-ticked suggestions
    once tagging finishes (bulk import).
    """
    is_new = room.pk is None
    text_changed = is_new
    if not is_new:
        before = Room.objects.get(pk=room.pk)
        text_changed = (before.title, before.description) != (room.title, room.description)
    room.price_vnd, room.area_m2 = price_vnd, area_m2
    written: list[RoomImage] = []
    try:
        with transaction.atomic():
            room.save()
            removed = list(room.images.filter(pk__in=remove_photo_ids)) if remove_photo_ids else []
            for img in removed:
                img.delete()
            reordered = False
            if photo_order:
                kept = {img.pk: img for img in room.images.all()}
                ordered = [kept[i] for i in photo_order if i in kept] + [
                    img for i, img in kept.items() if i not in photo_order]
                for position, img in enumerate(ordered):
                    if img.position != position:
                        img.position = position
                        img.save(update_fields=["position"])
                        reordered = True   # a suggestion names its photo by position: tag again
            last = room.images.order_by("-position").values_list("position", flat=True).first()
            start = 0 if last is None else last + 1
            for offset, photo in enumerate(photos):
                img = RoomImage(room=room, position=start + offset, width=photo.width, height=photo.height,
                                content_sha256=hashlib.sha256(photo.content).hexdigest())
                written.append(img)
                img.store(photo)
                img.save()
            if cover_id is not None and room.cover_id != cover_id and room.images.filter(pk=cover_id).exists():
                room.cover_id = cover_id
                room.save(update_fields=["cover"])
            queued = text_changed or bool(photos) or bool(removed) or reordered
            if queued:
                queue_tagging(room, reason="created" if is_new else "edited", accept_suggestions=accept_suggestions)
    except BaseException:
        for img in written:
            for storage, name in img.files():
                storage.delete(name)
        if is_new:
            room.pk = None
        raise
    for storage, name in (file for img in removed for file in img.files()):
        transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))
    return room, queued


def save_room_form(form, accept_suggestions: bool = False) -> tuple[Room, bool]:
    """Save a valid RoomForm: the landlord's post and edit, and each row of a bulk import."""
    data = form.cleaned_data
    room = form.instance
    room.deposit_vnd = data["deposit"]
    room.electricity_price_vnd, room.water_price_vnd = data["electricity_price"], data["water_price"]
    return save_room(room, price_vnd=data["price"], area_m2=data["area"], photos=data["photos"],
                     remove_photo_ids=data.get("remove_photos") or [], photo_order=form.photo_order(),
                     cover_id=data.get("cover_photo"), accept_suggestions=accept_suggestions)


def delete_room(room: Room) -> None:
    """Delete a room with its photos, tags and jobs; photo files go once the deletion commits."""
    files = [file for img in room.images.all() for file in img.files()]
    with transaction.atomic():
        room.delete()
        for storage, name in files:
            transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))
