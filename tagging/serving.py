"""The model this process serves: the tagger named by settings.MLCORE_CHECKPOINT, loaded once per
process (``get_tagger``), and warmed before the first job or request (``warm_up``)."""
from __future__ import annotations

import logging
import threading

from django.conf import settings

from mlcore.taggers import Tagger, load_tagger

log = logging.getLogger(__name__)

_tagger_lock = threading.Lock()
_tagger_cache: dict[str, Tagger] = {}


def get_tagger() -> Tagger:
    """The tagger named by settings.MLCORE_CHECKPOINT, loaded once per process."""
    spec = settings.MLCORE_CHECKPOINT
    tagger = _tagger_cache.get(spec)
    if tagger is None:
        with _tagger_lock:
            tagger = _tagger_cache.get(spec)
            if tagger is None:
                tagger = _tagger_cache[spec] = load_tagger(spec, runtime=settings.MLCORE_RUNTIME)
    return tagger


def loaded_tagger() -> Tagger | None:
    """The tagger if this process has loaded it already (nothing is loaded here)."""
    return _tagger_cache.get(settings.MLCORE_CHECKPOINT)


def warm_up_in_background() -> threading.Thread:
    """Load and warm the tagger in a daemon thread (a web process at start: ready sooner)."""
    def run():
        try:
            warm_up()
        except Exception:   # /ready reports it; a request that needs the model tries again
            log.exception("could not load the tagger")

    thread = threading.Thread(target=run, name="tagger-warm-up", daemon=True)
    thread.start()
    return thread


def warm_up() -> str:
    """Load the tagger and run it once, so that the first real job pays neither (called when a
    Celery worker process starts).  Returns the model version."""
    tagger = get_tagger()
    photos = ()
    if tagger.supports_images:       # the image side too (its runtime session, its first allocations)
        from PIL import Image

        photos = (Image.new("RGB", (64, 48), (128, 128, 128)),)
    tagger.tag("Phòng có máy lạnh, wifi, gần trường", photos)
    return tagger.version
