"""The site with a trained checkpoint named by MLCORE_CHECKPOINT: photo evidence reaches the page."""
import pytest
from django.urls import reverse


from mlcore.tests.tiny_checkpoint import write_tiny_checkpoint  # noqa: E402
from tagging import services  # noqa: E402
from tagging import serving
from tagging.models import TagSuggestion  # noqa: E402


@pytest.fixture
def checkpoint_tagger(settings, tmp_path, monkeypatch):
    settings.MLCORE_CHECKPOINT = str(write_tiny_checkpoint(tmp_path / "ckpt", version="tiny-1"))
    monkeypatch.setattr(serving, "_tagger_cache", {})
    yield
    serving._tagger_cache.clear()


def test_room_photos_reach_the_model_and_the_tag_page(checkpoint_tagger, landlord_client, make_upload, committed):
    with committed():
        landlord_client.post(reverse("room_create"), {
            "title": "Phòng trọ", "description": "Phòng có máy lạnh", "price": "3tr", "area": "20",
            "address": "1 Đường A", "district": "Quận 1", "city": "TP. Hồ Chí Minh",
            "photos": [make_upload("a.jpg"), make_upload("b.jpg")]})
    s = TagSuggestion.objects.get(tag__slug="dieu_hoa")
    assert s.model_version.startswith("tiny-1+rules.") and s.source == "both" and s.job.mode == "multimodal"
    span = next(e for e in s.evidence if "text" in e)
    assert s.room.text_for_tagging[span["start"]:span["end"]] == span["text"] == "máy lạnh"
    assert any("photo_id" in e for e in s.evidence)
    assert s.driving_photo() in s.room.images.all()
    page = landlord_client.get(reverse("room_tags", args=[s.room_id])).content.decode()
    assert "từ ảnh" in page


def test_extract_features_with_an_image_is_multimodal(checkpoint_tagger, client, make_upload, vocabulary):
    body = client.post(reverse("api_extract_features"),
                       {"description": "Có máy lạnh", "image": make_upload("p.jpg")}).json()
    assert body["mode"] == "multimodal" and body["model_version"].startswith("tiny-1+rules.")
    assert [f["slug"] for f in body["features"]] == ["dieu_hoa"]


@pytest.mark.parametrize("spec", ["lexicon", "default"])
def test_a_job_reads_its_text_with_the_lexicon_once(spec, settings, monkeypatch, tmp_path):
    """Suggestions and denials ("không có máy lạnh") come from one pass of the rules: the lexicon
    searches its rules once per job, whichever tagger serves."""
    from mlcore.lexicon import LexiconTagger

    settings.MLCORE_CHECKPOINT = spec
    monkeypatch.setattr(serving, "_tagger_cache", {})
    serving.get_tagger()                        # loading (and a warm-up) is not the job
    calls = []
    search = LexiconTagger._candidates
    monkeypatch.setattr(LexiconTagger, "_candidates", lambda self, norm: calls.append(1) or search(self, norm))
    result = services.compute_suggestions("Phòng có wifi, không có máy lạnh")
    assert len(calls) == 1
    assert result.denied == ("dieu_hoa",) and "wifi" in {s.slug for s in result.suggestions}
    serving._tagger_cache.clear()
