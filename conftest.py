"""Fixtures shared by the Django apps' tests."""
import io
import os
import tempfile
from pathlib import Path

import pytest
from PIL import Image

# Where tests put what people look at afterwards (screenshots, relevance reports): never inside
# the checkout.  ARTIFACTS_DIR chooses; CI prints where they are.
ARTIFACTS_DIR = Path(os.environ.get("ARTIFACTS_DIR") or Path(tempfile.gettempdir()) / "phongtro-artifacts")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploads go to a temporary folder, never to the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache (cached suggestions, rate-limit counts)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _site_tagger_is_the_lexicon(settings):
    """Site tests tag with the rules, so that retraining the shipped model never breaks a plumbing
    test; a test that needs a checkpoint names one (the tiny one, or "default")."""
    settings.MLCORE_CHECKPOINT = "lexicon"


def photo_bytes(fmt="JPEG", size=(64, 48), color=(200, 120, 40), exif_orientation=None) -> bytes:
    """A small real image made here (no photo files in the repository)."""
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    kwargs = {}
    if exif_orientation:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        exif[0x010F] = "PhoneMaker"  # camera make: must not survive re-encoding
        kwargs["exif"] = exif
    image.save(out, fmt, **kwargs)
    return out.getvalue()


@pytest.fixture
def make_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    def make(name="phong.jpg", fmt="JPEG", content=None, **kwargs):
        data = content if content is not None else photo_bytes(fmt, **kwargs)
        mime = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}.get(fmt, "application/octet-stream")
        return SimpleUploadedFile(name, data, content_type=mime)
    return make


@pytest.fixture
def vocabulary(db):
    from tagging.vocabulary import load_vocabulary

    load_vocabulary()


@pytest.fixture
def landlord(db, django_user_model):
    return django_user_model.objects.create_user("chutro", password="mat-khau-dai-123")


@pytest.fixture
def landlord_client(client, landlord, vocabulary):
    client.force_login(landlord)
    return client


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed(): ...`` runs what the block queued with transaction.on_commit (the
    tagging job hand-off) when the block ends, as a real commit would; tests run inside a
    transaction that never commits."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def room_factory(landlord, vocabulary, committed):
    from decimal import Decimal

    from rooms.models import Room
    from rooms.services import save_room

    def make(owner=None, title="Phòng trọ", description="Phòng có máy lạnh", price=3_000_000, area="20",
             district="Quận 10", city="TP. Hồ Chí Minh", address="1 Đường A", photos=()):
        room = Room(owner=owner or landlord, title=title, description=description, district=district,
                    city=city, address=address)
        with committed():
            room, _ = save_room(room, price_vnd=price, area_m2=Decimal(area), photos=list(photos))
        return room
    return make


@pytest.fixture(scope="session")
def s3_server():
    """An S3-protocol server over HTTP (moto's server mode) for the session: the object store the
    site writes photos to when S3_BUCKET is set.  Yields its endpoint URL."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(endpoint + "/moto-api/", timeout=2).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("the S3 server (moto) did not start")
            time.sleep(0.2)
    yield endpoint
    proc.terminate()
    proc.wait(timeout=20)


S3_KEYS = {"S3_ACCESS_KEY_ID": "testing", "S3_SECRET_ACCESS_KEY": "testing", "S3_REGION": "us-east-1"}


@pytest.fixture
def s3_photos(s3_server, settings, monkeypatch):
    """Photos stored in a fresh bucket of ``s3_server`` through django-storages, as a site on several
    machines stores them (S3_BUCKET and friends; config.settings.base.photo_storage).  Yields
    ``(bucket, env)``: ``env`` the variables another process needs to use the same store."""
    import uuid

    import boto3

    from config.settings.base import photo_storage

    bucket = f"photos-{uuid.uuid4().hex[:12]}"
    env = {"S3_BUCKET": bucket, "S3_ENDPOINT_URL": s3_server, **S3_KEYS}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    client.create_bucket(Bucket=bucket)
    settings.STORAGES = {**settings.STORAGES, "default": photo_storage()}
    yield bucket, env, client
