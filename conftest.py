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
