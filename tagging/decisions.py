"""People deciding about tags: the landlord's tag page and the admin's review."""
from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from .jobs import current_suggestions
from .models import RoomTag, Tag, TagSuggestion


@dataclass
class TagChoice:
    """One row of the landlord's tag page."""
    tag: Tag
    suggestion: TagSuggestion | None
    checked: bool
    decided: str | None          # RoomTag status when a person already decided, else None
    photo: object | None = None  # the RoomImage that drove a photo suggestion (its thumbnail is the witness)

    @property
    def from_photo(self) -> bool:
        return bool(self.suggestion and self.suggestion.source in ("image", "both"))

    @property
    def photo_number(self) -> int | None:
        """1-based position of the driving photo among the room's photos."""
        return self.suggestion.photo_index + 1 if self.suggestion and self.suggestion.photo_index is not None else None

    @property
    def evidence_words(self) -> list[str]:
        if not self.suggestion:
            return []
        return [e["text"] for e in self.suggestion.evidence if "text" in e]


def tag_choices(room) -> tuple[list[TagChoice], list[TagChoice]]:
    """(suggested rows, other vocabulary rows) for the tag page.

    A suggestion is pre-ticked when its confidence reaches its threshold; a decision the landlord
    or an admin already made (confirmed or removed) wins over the model.
    """
    decisions = {rt.tag_id: rt.status for rt in room.room_tags.all()}
    suggestions = list(current_suggestions(room))
    suggested_ids = {s.tag_id for s in suggestions}
    photos = list(room.images.all())
    suggested = []
    for s in suggestions:
        decided = decisions.get(s.tag_id)
        checked = decided == RoomTag.Status.CONFIRMED if decided else s.above_threshold
        suggested.append(TagChoice(s.tag, s, checked, decided, s.driving_photo(photos)))
    others = [TagChoice(t, None, decisions.get(t.pk) == RoomTag.Status.CONFIRMED, decisions.get(t.pk))
              for t in Tag.objects.exclude(pk__in=suggested_ids)]
    return suggested, others


@transaction.atomic
def save_landlord_tags(room, user, ticked_slugs: set[str]) -> dict[str, int]:
    """Store the landlord's choice: ticked tags confirmed, unticked suggested/confirmed tags removed.

    A kept suggestion is recorded with source "model", a tag the landlord added with "landlord".
    Returns counts {"confirmed", "removed"}.
    """
    tags = {t.slug: t for t in Tag.objects.all()}
    unknown = ticked_slugs - set(tags)
    if unknown:
        raise ValueError(f"unknown tags: {sorted(unknown)}")
    suggested_ids = {s.tag_id for s in current_suggestions(room)}
    existing = {rt.tag_id: rt for rt in room.room_tags.select_for_update()}
    ticked_ids = {tags[s].pk for s in ticked_slugs}
    confirmed = removed = 0
    for tag_id in ticked_ids:
        source = RoomTag.Source.MODEL if tag_id in suggested_ids else RoomTag.Source.LANDLORD
        rt = existing.get(tag_id)
        if rt is None:
            RoomTag.objects.create(room=room, tag_id=tag_id, status=RoomTag.Status.CONFIRMED, source=source, user=user)
        elif rt.status != RoomTag.Status.CONFIRMED:
            rt.status, rt.source, rt.user = RoomTag.Status.CONFIRMED, source, user
            rt.save(update_fields=["status", "source", "user", "updated_at"])
        confirmed += 1
    for tag_id in (suggested_ids | set(existing)) - ticked_ids:
        rt = existing.get(tag_id)
        if rt is None:
            RoomTag.objects.create(room=room, tag_id=tag_id, status=RoomTag.Status.REMOVED,
                                   source=RoomTag.Source.LANDLORD, user=user)
        elif rt.status != RoomTag.Status.REMOVED:
            rt.status, rt.source, rt.user = RoomTag.Status.REMOVED, RoomTag.Source.LANDLORD, user
            rt.save(update_fields=["status", "source", "user", "updated_at"])
        removed += 1
    return {"confirmed": confirmed, "removed": removed}


@transaction.atomic
def accept_pre_ticked(room) -> dict[str, int]:
    """Save the tag page as it is offered: what a landlord who accepts the defaults stores (the
    pre-ticked suggestions confirmed, people's earlier decisions kept)."""
    suggested, others = tag_choices(room)
    ticked = {c.tag.slug for c in suggested + others if c.checked}
    return save_landlord_tags(room, room.owner, ticked)


@transaction.atomic
def review_suggestions(suggestions, user, accept: bool) -> int:
    """Admin review: accepting confirms the tag on the room (source admin); rejecting removes it."""
    status = RoomTag.Status.CONFIRMED if accept else RoomTag.Status.REMOVED
    count = 0
    for s in suggestions.select_related("room", "tag"):
        RoomTag.objects.update_or_create(room=s.room, tag=s.tag, defaults={
            "status": status, "source": RoomTag.Source.ADMIN, "user": user})
        s.review = TagSuggestion.Review.ACCEPTED if accept else TagSuggestion.Review.REJECTED
        s.reviewed_by, s.reviewed_at = user, timezone.now()
        s.save(update_fields=["review", "reviewed_by", "reviewed_at"])
        count += 1
    return count
