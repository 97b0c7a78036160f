"""Photos uploaded as they are chosen (``PhotoDraft``): stored at once, adopted by the room when
its form is saved, deleted when abandoned.  Through the storage API only (disk or object store)."""
from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from photos.processing import process_photo

from .models import PhotoDraft, Room, RoomImage


class TooManyDrafts(ValidationError):
    pass


def store_draft(owner, upload) -> PhotoDraft:
    """Check and store one chosen photo for ``owner``; a ValidationError (Vietnamese) names what is
    wrong with it.  An owner keeps at most ``PHOTO_DRAFT_MAX`` drafts at once."""
    if PhotoDraft.objects.filter(owner=owner).count() >= settings.PHOTO_DRAFT_MAX:
        raise TooManyDrafts(f"Bạn đang có {settings.PHOTO_DRAFT_MAX} ảnh chưa đăng; hãy đăng phòng hoặc bỏ bớt ảnh.")
    photo = process_photo(upload)
    draft = PhotoDraft(owner=owner, width=photo.width, height=photo.height, original_name=photo.original_name[:255],
                       content_sha256=hashlib.sha256(photo.content).hexdigest())
    draft.store(photo)
    try:
        draft.save()
    except BaseException:
        for storage, name in draft.files():
            storage.delete(name)
        raise
    return draft


def owned_drafts(owner, ids) -> list[PhotoDraft]:
    """The drafts of ``ids`` that belong to ``owner``, in the order given (others are ignored)."""
    wanted = [int(i) for i in ids if str(i).isdigit()]
    found = {d.pk: d for d in PhotoDraft.objects.filter(owner=owner, pk__in=wanted)}
    return [found[i] for i in dict.fromkeys(wanted) if i in found]


def adopt(draft: PhotoDraft, room: Room, position: int) -> RoomImage:
    """The draft becomes one of ``room``'s photos: its files are kept where they are (the row moves),
    inside the caller's transaction."""
    img = RoomImage(room=room, position=position, width=draft.width, height=draft.height,
                    content_sha256=draft.content_sha256)
    img.image.name, img.thumbnail.name, img.thumbnail_webp.name = (draft.image.name, draft.thumbnail.name,
                                                                   draft.thumbnail_webp.name)
    img.save()
    PhotoDraft.objects.filter(pk=draft.pk).delete()        # the row only: the files are the photo's now
    return img


def clean_abandoned(hours: float | None = None) -> int:
    """Delete the drafts no post adopted within ``hours`` (default PHOTO_DRAFT_HOURS), files first."""
    before = timezone.now() - timedelta(hours=settings.PHOTO_DRAFT_HOURS if hours is None else hours)
    done = 0
    for draft in PhotoDraft.objects.filter(created_at__lt=before).iterator():
        with transaction.atomic():
            if not PhotoDraft.objects.filter(pk=draft.pk).delete()[0]:
                continue                                    # adopted meanwhile: its files are a photo's now
            for storage, name in draft.files():
                transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))
        done += 1
    return done
