"""The one door from the site into mlcore: a listing's text and photos in, tag suggestions out."""
from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from mlcore.lexicon import default_lexicon
from mlcore.query import ParsedQuery, read_query
from mlcore.taggers import Tagger, load_tagger
from mlcore.vocab import default_vocabulary

from . import wording
from .conflicts import find_conflict
from .metrics import CACHE_LOOKUPS, INFERENCE_SECONDS
from .models import Tag


log = logging.getLogger(__name__)


class TextTooLong(ValueError):
    pass


@dataclass(frozen=True)
class Suggestion:
    slug: str
    name: str
    confidence: float
    threshold: float
    evidence: list[dict]          # [{"start", "end", "text"}] spans of the text, or [{"photo": i}]
    source: str                   # "text" | "image" | "both"
    conflict: str = ""            # text and photos disagree: "text_denies" | "photos_deny" (tagging.conflicts)

    @property
    def above_threshold(self) -> bool:
        return self.confidence >= self.threshold


@dataclass(frozen=True)
class SuggestionResult:
    suggestions: list[Suggestion]
    model_version: str
    mode: str                     # "text-only" | "multimodal"
    images_used: int = 0
    denied: tuple[str, ...] = ()  # tags the text says the room lacks ("không có máy lạnh")


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


# The checkpoint's promotion figures shown beside the model version (mlcore.gate's names).
MODEL_FIGURES = [("dev_gold_micro_f1", "văn bản (dev_gold), micro-F1"), ("dev_gold_macro_f1", "văn bản, macro-F1"),
                 ("photo_test_visual_micro_f1", "chỉ ảnh (tập ảnh kiểm tra), micro-F1"),
                 ("pairs_both_visual_f1", "văn bản + ảnh, đặc điểm nhìn thấy được, F1")]


def model_card() -> dict:
    """The tagger in use for people to see: version, runtime, and the figures it was promoted with."""
    tagger = get_tagger()
    evaluation = getattr(tagger, "evaluation", {}) or {}
    rules_now = getattr(tagger, "rules_hash", None)
    measured = getattr(tagger, "measured_rules_hash", rules_now)
    return {"version": tagger.version, "runtime": wording.runtime(getattr(tagger, "runtime_name", "quy tắc (lexicon)")),
            # the figures were measured with other rules than the ones read now (or unknown ones)
            "rules_now": rules_now, "rules_measured": measured, "rules_differ": bool(evaluation) and measured != rules_now,
            "figures": [(label, evaluation[key]) for key, label in MODEL_FIGURES if key in evaluation],
            "gate": [wording.gate_reason(r) for r in (evaluation.get("gate") or {}).get("reasons", [])],
            "replaced": (evaluation.get("gate") or {}).get("shipped_version")}


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


RESULT_CACHE_SECONDS = 7 * 24 * 3600


def _result_key(text: str, images, version: str, digests=()) -> str:
    """Same text, same photo bytes, same model version: the same suggestions.  A photo's digest is
    the SHA-256 stored with it (``RoomImage.content_sha256``) where given, else read from its file."""
    digest = hashlib.sha256(version.encode())
    digest.update(b"\0" + text.encode("utf-8", "surrogatepass"))
    for i, path in enumerate(images):
        known = digests[i] if i < len(digests) else ""
        digest.update(b"\0" + (bytes.fromhex(known) if known else hashlib.sha256(Path(path).read_bytes()).digest()))
    return f"suggestions:{digest.hexdigest()}"


def suggest_tags(text: str, images: list[str | Path] | tuple = (), digests: list[str] | tuple = ()) -> SuggestionResult:
    """Suggested tags for a listing, most confident first; answered from the cache when the same
    text and photos were tagged by the same model version (the seed's "cache results for the
    same text").  ``digests``: the photos' stored SHA-256, in order (spares reading them to hash).
    See :func:`compute_suggestions`."""
    if len(text) > settings.TAGGING_MAX_TEXT_CHARS:
        raise TextTooLong(f"Mô tả quá dài (tối đa {settings.TAGGING_MAX_TEXT_CHARS} ký tự).")
    tagger = get_tagger()
    use_images = tuple(images) if tagger.supports_images else ()
    key = _result_key(text, use_images, tagger.version, tuple(digests) if use_images else ())
    try:
        cached = cache.get(key)
    except Exception:        # an unreachable cache only costs the inference
        cached = None
    if cached is not None:
        CACHE_LOOKUPS.labels("hit").inc()
        return cached
    CACHE_LOOKUPS.labels("miss").inc()
    with INFERENCE_SECONDS.labels("multimodal" if use_images else "text-only").time():
        result = compute_suggestions(text, images)
    try:
        cache.set(key, result, RESULT_CACHE_SECONDS)
    except Exception:
        pass
    return result


def compute_suggestions(text: str, images: list[str | Path] | tuple = ()) -> SuggestionResult:
    """Suggested tags for a listing, most confident first.

    ``text`` is the title and description; ``images`` are paths of its photos (used only by a
    tagger that reads images).  Raises TextTooLong for text over settings.TAGGING_MAX_TEXT_CHARS.
    """
    if len(text) > settings.TAGGING_MAX_TEXT_CHARS:
        raise TextTooLong(f"Mô tả quá dài (tối đa {settings.TAGGING_MAX_TEXT_CHARS} ký tự).")
    tagger = get_tagger()
    vocab = tagger.vocabulary
    use_images = tuple(images) if tagger.supports_images else ()
    suggestions = []
    has_text = bool(text.strip())
    denied = sorted(m.slug for m in default_lexicon().denied(text))   # "không có máy lạnh"
    for m in tagger.tag(text, images=use_images):
        evidence = [{"start": e.start, "end": e.end, "text": e.text} for e in m.evidence]
        photos = [{"photo": i} for i in getattr(m, "photos", ())]
        source = "both" if evidence and photos else ("image" if photos else "text")
        threshold = tagger.threshold(m.slug, has_text, photo_only=source == "image")
        conflict = find_conflict(m.slug, text_evidence=bool(evidence), denied=m.slug in denied,
                                 photo_confidence=getattr(m, "photo_confidence", None),
                                 photo_threshold=tagger.threshold(m.slug, False, photo_only=True),
                                 photo_count=len(use_images))
        suggestions.append(Suggestion(m.slug, vocab[m.slug].name, m.confidence, threshold, evidence + photos, source,
                                      conflict))
    return SuggestionResult(suggestions, tagger.version, "multimodal" if use_images else "text-only",
                            len(use_images), tuple(denied))


def read_search_query(text: str) -> ParsedQuery:
    """A renter's search box, read the way listings are (mlcore.query): the features it names or
    excludes, price, area and room type, and the words left over (places and free text)."""
    return read_query(text, default_lexicon())


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
