"""Text against photos (tagging.conflicts): flagged only for tags whose photos are trustworthy."""
from pathlib import Path

import pytest
from django.urls import reverse

from tagging.conflicts import MIN_PRECISION, PHOTOS_DENY, RELIABLE_PHOTO_TAGS, TEXT_DENIES, find_conflict

REPO = Path(__file__).resolve().parents[2]
LABELS = REPO.parent / "shared" / "data" / "photos" / "labels.csv"


def test_photos_showing_what_the_text_denies():
    kw = dict(text_evidence=False, photo_threshold=0.6, photo_count=2)
    assert find_conflict("gac_lung", denied=True, photo_confidence=0.9, **kw) == TEXT_DENIES
    assert find_conflict("gac_lung", denied=True, photo_confidence=0.4, **kw) == ""      # not clearly shown
    assert find_conflict("dieu_hoa", denied=True, photo_confidence=0.99, **kw) == ""     # photos not trusted here
    assert find_conflict("gac_lung", denied=False, photo_confidence=0.9, **kw) == ""


def test_text_claiming_what_several_photos_do_not_show():
    kw = dict(text_evidence=True, denied=False, photo_threshold=0.6)
    assert find_conflict("wc_rieng", photo_confidence=0.03, photo_count=3, **kw) == PHOTOS_DENY
    assert find_conflict("wc_rieng", photo_confidence=0.03, photo_count=2, **kw) == ""   # not several photos
    assert find_conflict("wc_rieng", photo_confidence=0.3, photo_count=5, **kw) == ""    # not confident it is absent
    assert find_conflict("wc_rieng", photo_confidence=None, photo_count=5, **kw) == ""   # no photo model


def test_the_landlord_gets_a_gentle_note(landlord_client, room_factory):
    from tagging.models import Tag, TagSuggestion

    room = room_factory(description="Phòng không có gác lửng")
    TagSuggestion.objects.create(room=room, job=room.tagging_jobs.get(), tag=Tag.objects.get(slug="gac_lung"),
                                 confidence=0.3, threshold=0.5, evidence=[{"photo_id": 0}], source="image",
                                 model_version="test", conflict=TEXT_DENIES)
    page = landlord_client.get(reverse("room_tags", args=[room.pk])).content.decode()
    assert "có vẻ cho thấy gác lửng, nhưng mô tả nói không có" in page


@pytest.mark.slow
@pytest.mark.skipif(not LABELS.exists(), reason="../shared/data/photos is not present (measurement data lives outside the repo)")
def test_the_trusted_tags_earn_their_place_on_the_photo_test_split(tmp_path):
    """The shipped model's photo-only precision on the held-out photo test split, per tag (as
    `python -m mlcore evaluate --modality image` measures it)."""
    from mlcore.data import Example
    from mlcore.evaluate import evaluate
    from mlcore.photos import read_photo_labels, split_photos
    from mlcore.taggers import load_tagger

    tagger = load_tagger("default")
    test = split_photos(read_photo_labels(LABELS))["test"]
    examples = [Example(str(p.file), "", list(p.tags), [p.file]) for p in test]
    per_tag = evaluate(examples, tagger, tagger.vocabulary, modality="image")["per_tag"]
    for slug in RELIABLE_PHOTO_TAGS:
        assert per_tag[slug]["predicted"] > 0 and per_tag[slug]["precision"] >= MIN_PRECISION, (slug, per_tag[slug])
