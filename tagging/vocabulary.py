"""The tag vocabulary (mlcore's taxonomy) as Tag rows: ``manage.py load_tags`` and migrations."""
from __future__ import annotations

from django.db import transaction

from mlcore.vocab import default_vocabulary

from .models import Tag


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
