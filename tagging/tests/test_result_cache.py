"""Same text and photos, same model version: suggestions from the cache, no inference."""
import pytest

from tagging import services

from tagging import serving


@pytest.fixture
def counted(monkeypatch):
    calls = []
    real = services.compute_suggestions
    monkeypatch.setattr(services, "compute_suggestions", lambda text, photos=(): calls.append(text) or real(text, photos))
    return calls


def test_the_same_listing_is_tagged_once(counted, db):
    first = services.suggest_tags("Phòng có máy lạnh, wifi")
    again = services.suggest_tags("Phòng có máy lạnh, wifi")
    assert counted == ["Phòng có máy lạnh, wifi"]
    assert [s.slug for s in again.suggestions] == [s.slug for s in first.suggestions] == ["dieu_hoa", "wifi"]
    services.suggest_tags("Phòng có máy lạnh, wifi, ban công")
    assert len(counted) == 2


def test_other_photo_bytes_or_another_model_version_tag_again(counted, db, tmp_path, settings, monkeypatch):
    from conftest import photo_bytes

    path = tmp_path / "a.jpg"
    path.write_bytes(photo_bytes(color=(1, 2, 3)))
    photo = services.PhotoSource("", path.read_bytes)               # no stored digest: read to hash
    tagger = serving.get_tagger()
    monkeypatch.setattr(type(tagger), "supports_images", True, raising=False)
    services.suggest_tags("Phòng có wifi", [photo])
    services.suggest_tags("Phòng có wifi", [photo])
    assert len(counted) == 1
    path.write_bytes(photo_bytes(color=(9, 9, 9)))                  # same file, other content
    services.suggest_tags("Phòng có wifi", [photo])
    assert len(counted) == 2
    monkeypatch.setattr(tagger, "version", "lexicon-next")
    services.suggest_tags("Phòng có wifi", [photo])
    assert len(counted) == 3


def test_a_starting_worker_warms_the_model(monkeypatch):
    from celery.signals import worker_init, worker_process_init

    from tagging import tasks  # noqa: F401 - connects the signal handlers

    warmed = []
    monkeypatch.setattr(serving, "warm_up", lambda: warmed.append(1) or "lexicon-1")
    worker_process_init.send(sender=None)
    worker_init.send(sender=type("Worker", (), {"pool_cls": "celery.concurrency.solo:TaskPool"})())
    worker_init.send(sender=type("Worker", (), {"pool_cls": "celery.concurrency.prefork:TaskPool"})())
    assert warmed == [1, 1]                  # a prefork parent does not load it: its children do


def test_stored_photo_digests_key_the_cache_without_reading_the_photos(counted, db, tmp_path, monkeypatch):
    from conftest import photo_bytes

    content = photo_bytes(color=(4, 5, 6))
    reads = []
    tagger = serving.get_tagger()
    monkeypatch.setattr(type(tagger), "supports_images", True, raising=False)
    stored = services.PhotoSource("ab" * 32, lambda: reads.append(1) or content)
    services.suggest_tags("Phòng có wifi", [stored])
    reads.clear()
    services.suggest_tags("Phòng có wifi", [stored])
    assert len(counted) == 1 and reads == []          # a hit, keyed by the stored digest: nothing read
    services.suggest_tags("Phòng có wifi", [services.PhotoSource("cd" * 32, lambda: content)])   # another photo
    assert len(counted) == 2
