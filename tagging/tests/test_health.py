import pytest
from django.urls import reverse

from mlcore.checkpoint import checkpoint_version
from mlcore.taggers import DEFAULT_CHECKPOINT

DEFAULT_VERSION = checkpoint_version(DEFAULT_CHECKPOINT)   # the site's default tagger is the shipped model


@pytest.mark.django_db
def test_health_reports_database_and_model(client, settings):
    import time

    settings.MLCORE_CHECKPOINT = "default"
    started = time.monotonic()
    response = client.get(reverse("health"))        # answers at once, loading the model meanwhile
    assert time.monotonic() - started < 2.0
    deadline = time.monotonic() + 60
    while response.status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.5)
        response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "in-process",
                               "model_loaded": True, "model_version": DEFAULT_VERSION,
                               "model_runtime": "onnxruntime, no PyTorch (text int8, image fp32)"}


@pytest.mark.django_db
def test_health_is_503_when_the_database_is_down(client, monkeypatch):
    from django.db.backends.base.base import BaseDatabaseWrapper

    def broken_cursor(*args, **kwargs):
        raise RuntimeError("connection refused")

    # every connection, the health check's helper thread's included
    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", broken_cursor)
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["database"] == "down"
