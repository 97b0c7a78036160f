"""The tag rules, in one place: who decides which tags a room shows.

1. An admin's decision wins over the landlord's, and the landlord's over the model's.
2. Until the landlord saves the tag page, a room shows its confidently pre-ticked suggestions as
   its tags, marked automatic (``RoomTag.Source.AUTO``), so it can be found from the first minute;
   the landlord is reminded after posting and in "Phòng của tôi".
3. After an edit, re-tagging reconciles (``reconcile``):
   * a confirmed suggestion whose evidence is gone in kind (its words left the text and no photo
     shows it any more), or that the new text denies, moves to "cần xác nhận lại": hidden from
     renters, the landlord warned with the true reason on the tag page and in "Phòng của tôi";
     it is restored if its evidence comes back.  A model's confidence drifting across its
     threshold with the same words and photos never reopens a person's decision;
   * a tag the landlord added by hand stays, unless the new text denies it;
   * a suggestion the landlord removed comes back only when the text about it changed;
   * automatic tags follow the latest suggestions.
4. Saving the tag page records what the landlord ticked (confirmed) and which offered suggestions
   they unticked (removed, with the words that supported them); a suggestion that was never
   pre-ticked and stays unticked is not a decision.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from mlcore.vocab import GROUP_NAMES

from .models import RoomTag, Tag, TagSuggestion

PHOTO_EVIDENCE = "ảnh"


@dataclass
class TagChoice:
    """One row of the landlord's tag page."""
    tag: Tag
    suggestion: TagSuggestion | None
    checked: bool
    decided: str | None          # RoomTag status when a person already decided, else None
    photo: object | None = None  # the RoomImage that drove a photo suggestion (its thumbnail is the witness)
    by_admin: bool = False       # an admin decided: the landlord cannot change it
    note: str = ""               # why the tag needs another look
    photo_number: int | None = None   # 1-based place of ``photo`` among the room's photos, as shown now

    @property
    def from_photo(self) -> bool:
        return bool(self.suggestion and self.suggestion.source in ("image", "both"))


    @property
    def evidence_words(self) -> list[str]:
        """The words behind the suggestion, each once ("wc riêng" written twice is shown once)."""
        if not self.suggestion:
            return []
        seen, words = set(), []
        for e in self.suggestion.evidence:
            key = " ".join(e.get("text", "").lower().split())
            if key and key not in seen:
                seen.add(key)
                words.append(e["text"])
        return words


def evidence_key(suggestion: TagSuggestion | None) -> str:
    """What supported a suggestion, comparable across re-taggings: its words, lowercase, sorted
    (and "ảnh" for a photo); "" when there was no suggestion."""
    if suggestion is None:
        return ""
    words = sorted({" ".join(e["text"].lower().split()) for e in suggestion.evidence if "text" in e})
    if suggestion.photo_id is not None:
        words.append(PHOTO_EVIDENCE)
    return " | ".join(words)


def evidence_gone(rt: RoomTag, suggestion: TagSuggestion | None, room) -> str:
    """Why a person's confirmation of a suggested tag no longer stands, or "" while it does.

    Only evidence that changed in kind reopens a decision: the words that supported it are no
    longer in the text and no photo shows it any more (its photo was removed).  A model's
    confidence drifting across the threshold with the same words and photos reopens nothing."""
    recorded = [part for part in rt.evidence_text.split(" | ") if part]
    words = [part for part in recorded if part != PHOTO_EVIDENCE]
    text = " ".join(room.text_for_tagging.lower().split())
    if any(word in text for word in words):
        return ""
    if suggestion is not None and suggestion.photo_id is not None and (PHOTO_EVIDENCE in recorded or not words):
        return ""                                      # a photo still shows it
    if not recorded:                                   # decided before evidence was recorded
        return "" if suggestion is not None and suggestion.above_threshold else \
            "Mô tả và ảnh mới không còn cho thấy đặc điểm này."
    if words and PHOTO_EVIDENCE in recorded:
        return f"Mô tả mới không còn “{words[0]}”, và ảnh cho thấy đặc điểm này đã bị xóa."
    if words:
        return f"Mô tả mới không còn “{'”, “'.join(words)}”."
    return "Ảnh cho thấy đặc điểm này đã bị xóa."


def by_group(choices: list[TagChoice]) -> list[tuple[str, list[TagChoice], bool]]:
    """The tag page's other tags as the taxonomy groups them: [(group name, rows, open)]; a group
    is open when one of its rows is ticked or waits for another look."""
    groups: dict[str, list[TagChoice]] = {}
    for c in sorted(choices, key=lambda c: c.tag.position):
        groups.setdefault(c.tag.group, []).append(c)
    return [(GROUP_NAMES.get(g, g), rows, any(c.checked or c.decided == RoomTag.Status.NEEDS_RECHECK for c in rows))
            for g, rows in groups.items()]


def tag_choices(room) -> tuple[list[TagChoice], list[TagChoice]]:
    """(suggested rows, other vocabulary rows) for the tag page.

    A suggestion is pre-ticked when its confidence reaches its threshold; a decision a person made
    (confirmed or removed) wins over the model; a tag waiting for another look is offered unticked.
    """
    decisions = {rt.tag_id: rt for rt in room.room_tags.all()}
    suggestions = list(TagSuggestion.objects.current_for(room))
    suggested_ids = {s.tag_id for s in suggestions}
    photos = list(room.images.all())

    def choice(tag, s):
        rt = decisions.get(tag.pk)
        if rt is None or rt.source == RoomTag.Source.AUTO:
            checked, decided = (s.above_threshold if s else False), None
        else:   # a tag waiting for another look is offered unticked: the new text or photos no longer say it
            checked = rt.status == RoomTag.Status.CONFIRMED
            decided = rt.status
        photo = s.driving_photo(photos) if s else None
        return TagChoice(tag, s, checked, decided, photo, by_admin=bool(rt and rt.source == RoomTag.Source.ADMIN),
                         note=rt.note if rt else "", photo_number=photos.index(photo) + 1 if photo else None)

    suggested = [choice(s.tag, s) for s in suggestions]
    others = [choice(t, None) for t in Tag.objects.exclude(pk__in=suggested_ids)]
    return suggested, others


@transaction.atomic
def save_landlord_tags(room, user, ticked_slugs: set[str]) -> dict[str, int]:
    """Store the landlord's tag page: ticked tags confirmed, offered suggestions they unticked
    removed; admin decisions untouched.  A kept suggestion is recorded with source "model", a tag
    added by hand with "landlord".  Returns counts {"confirmed", "removed"}."""
    tags = {t.slug: t for t in Tag.objects.all()}
    unknown = ticked_slugs - set(tags)
    if unknown:
        raise ValueError(f"unknown tags: {sorted(unknown)}")
    suggestions = {s.tag_id: s for s in TagSuggestion.objects.current_for(room)}
    existing = {rt.tag_id: rt for rt in room.room_tags.select_for_update()}
    ticked_ids = {tags[s].pk for s in ticked_slugs}
    confirmed = removed = 0
    for tag_id in set(suggestions) | set(existing) | ticked_ids:
        rt, s = existing.get(tag_id), suggestions.get(tag_id)
        if rt is not None and rt.source == RoomTag.Source.ADMIN:
            continue                                   # an admin's decision wins
        if tag_id in ticked_ids:
            status = RoomTag.Status.CONFIRMED
            source = RoomTag.Source.MODEL if s is not None else RoomTag.Source.LANDLORD
            confirmed += 1
        else:
            offered = (s is not None and s.above_threshold) or (
                rt is not None and rt.source != RoomTag.Source.AUTO and rt.status != RoomTag.Status.REMOVED)
            if not offered and rt is None:
                continue                               # never pre-ticked, left unticked: no decision
            status, source = RoomTag.Status.REMOVED, RoomTag.Source.LANDLORD
            removed += 1
        fields = {"status": status, "source": source, "user": user, "evidence_text": evidence_key(s), "note": ""}
        if rt is None:
            RoomTag.objects.create(room=room, tag_id=tag_id, **fields)
        elif any(getattr(rt, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(rt, k, v)
            rt.save(update_fields=[*fields, "updated_at"])
    room.mark_tags_confirmed()
    return {"confirmed": confirmed, "removed": removed}


@transaction.atomic
def accept_pre_ticked(room) -> dict[str, int]:
    """Save the tag page as it is offered: what a landlord who accepts the defaults stores (the
    pre-ticked suggestions confirmed, people's earlier decisions kept)."""
    suggested, others = tag_choices(room)
    ticked = {c.tag.slug for c in suggested + others if c.checked}
    return save_landlord_tags(room, room.owner, ticked)


@transaction.atomic
def reconcile(room, denied: set[str] = frozenset()) -> dict[str, int]:
    """Bring the room's tags in line with its newest suggestions (rules 2 and 3 above); ``denied``
    are the tags its text now explicitly denies ("không có máy lạnh").  Called when a tagging job
    finishes.  Returns counts of what changed."""
    suggestions = {s.tag_id: s for s in TagSuggestion.objects.current_for(room)}
    pre_ticked = {tag_id for tag_id, s in suggestions.items() if s.above_threshold}
    denied_ids = set(Tag.objects.filter(slug__in=denied).values_list("pk", flat=True))
    rows = {rt.tag_id: rt for rt in room.room_tags.select_for_update()}
    counts = {"automatic": 0, "recheck": 0, "restored": 0, "returned": 0}
    for tag_id, rt in rows.items():
        s = suggestions.get(tag_id)
        if rt.source == RoomTag.Source.ADMIN:
            continue
        if rt.source == RoomTag.Source.AUTO:
            if tag_id not in pre_ticked or tag_id in denied_ids:
                rt.delete()
                counts["automatic"] += 1
            continue
        if rt.status == RoomTag.Status.REMOVED:
            if tag_id in pre_ticked and evidence_key(s) != rt.evidence_text:
                rt.delete()                            # the text about it changed: offered again
                counts["returned"] += 1
            continue
        gone = evidence_gone(rt, s, room) if rt.source == RoomTag.Source.MODEL else ""
        if rt.status == RoomTag.Status.NEEDS_RECHECK:
            if tag_id not in denied_ids and not gone:
                rt.restore()
                counts["restored"] += 1
            continue
        if tag_id in denied_ids:
            rt.ask_again("Mô tả mới nói không có đặc điểm này.")
            counts["recheck"] += 1
        elif gone:
            rt.ask_again(gone)
            counts["recheck"] += 1
    if room.tags_confirmed_at is None:                 # not decided yet: the confident suggestions show
        for tag_id in pre_ticked - set(rows) - denied_ids:
            RoomTag.objects.create(room=room, tag_id=tag_id, status=RoomTag.Status.CONFIRMED,
                                   source=RoomTag.Source.AUTO, evidence_text=evidence_key(suggestions[tag_id]))
            counts["automatic"] += 1
    return counts


def needs_recheck(room) -> list[RoomTag]:
    """The room's tags waiting for the landlord's second look."""
    return list(room.room_tags.filter(status=RoomTag.Status.NEEDS_RECHECK).select_related("tag"))


@transaction.atomic
def review_suggestions(suggestions, user, accept: bool) -> int:
    """Admin review: accepting confirms the tag on the room (source admin); rejecting removes it."""
    status = RoomTag.Status.CONFIRMED if accept else RoomTag.Status.REMOVED
    count = 0
    for s in suggestions.select_related("room", "tag"):
        before = RoomTag.objects.filter(room=s.room, tag=s.tag).first()
        by_landlord = before is not None and before.source in (RoomTag.Source.MODEL, RoomTag.Source.LANDLORD)
        overturned = before.status if by_landlord and before.status != status else (
            before.overturned_landlord if before is not None else "")
        RoomTag.objects.update_or_create(room=s.room, tag=s.tag, defaults={
            "status": status, "source": RoomTag.Source.ADMIN, "user": user, "note": "",
            "evidence_text": evidence_key(s), "overturned_landlord": overturned})
        s.review = TagSuggestion.Review.ACCEPTED if accept else TagSuggestion.Review.REJECTED
        s.reviewed_by, s.reviewed_at = user, timezone.now()
        s.save(update_fields=["review", "reviewed_by", "reviewed_at"])
        count += 1
    return count
