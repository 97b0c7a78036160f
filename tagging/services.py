"""The one door from the site into mlcore: text in, tag suggestions out."""
from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from mlcore.lexicon import default_lexicon
from mlcore.vocab import default_vocabulary

from .models import Tag


class TextTooLong(ValueError):
    pass


@dataclass(frozen=True)
class Suggestion:
    slug: str
    name: str
    confidence: float
    evidence: list[dict]          # [{"start", "end", "text"}] spans of the submitted text
    model_version: str


def suggest_tags(text: str) -> list[Suggestion]:
    """Suggested tags for a listing text, most confident first, with evidence spans."""
    if len(text) > settings.TAGGING_MAX_TEXT_CHARS:
        raise TextTooLong(f"Mô tả quá dài (tối đa {settings.TAGGING_MAX_TEXT_CHARS} ký tự).")
    tagger = default_lexicon()
    vocab = tagger.vocabulary
    return [Suggestion(m.slug, vocab[m.slug].name, m.confidence,
                       [{"start": e.start, "end": e.end, "text": e.text} for e in m.evidence],
                       tagger.version)
            for m in tagger.tag(text)]


@transaction.atomic
def load_vocabulary() -> tuple[int, int]:
    """Create or update a Tag per vocabulary entry; returns (created, updated)."""
    created = updated = 0
    for position, tag in enumerate(default_vocabulary()):
        _, was_created = Tag.objects.update_or_create(
            slug=tag.slug,
            defaults={"name": tag.name, "group": tag.group, "visual": tag.visual,
                      "aliases": list(tag.aliases), "position": position})
        created += was_created
        updated += not was_created
    return created, updated
