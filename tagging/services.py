"""The one door from the site into mlcore: a listing's text and photos in, tag suggestions out
(cached per model version), and a renter's search box read.  The model this process serves is
``tagging.serving``; the admin's model card ``tagging.model_card``; Tag rows ``tagging.vocabulary``."""
from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from typing import Callable, Sequence

from django.conf import settings
from django.core.cache import cache

from mlcore.lexicon import default_lexicon
from mlcore.query import ParsedQuery, read_query

from .conflicts import find_conflict
from .metrics import CACHE_LOOKUPS, INFERENCE_SECONDS
from .serving import get_tagger


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
class PhotoSource:
    """A photo to tag, read only when the model runs (a cached answer reads nothing): its SHA-256
    (part of the cache key; "" = read it to know) and how to read its bytes, through Django's
    storage API for a stored photo (any machine can, whatever the storage: disk or S3)."""
    sha256: str
    read: Callable[[], bytes]

    @classmethod
    def from_bytes(cls, content: bytes) -> "PhotoSource":
        return cls(hashlib.sha256(content).hexdigest(), lambda: content)

    @classmethod
    def from_file(cls, field_file, sha256: str = "") -> "PhotoSource":
        """A stored photo (an ImageField's file), read through its storage."""
        def read() -> bytes:
            with field_file.storage.open(field_file.name, "rb") as handle:
                return handle.read()
        return cls(sha256, read)

    def digest(self) -> str:
        return self.sha256 or hashlib.sha256(self.read()).hexdigest()


@dataclass(frozen=True)
class SuggestionResult:
    suggestions: list[Suggestion]
    model_version: str
    mode: str                     # "text-only" | "multimodal"
    images_used: int = 0
    denied: tuple[str, ...] = ()  # tags the text says the room lacks ("không có máy lạnh")


RESULT_CACHE_SECONDS = 7 * 24 * 3600


def _result_key(text: str, photos: Sequence[PhotoSource], version: str) -> str:
    """Same text, same photo bytes, same model version: the same suggestions.  A photo's digest is
    the SHA-256 stored with it (``RoomImage.content_sha256``), read only where there is none."""
    digest = hashlib.sha256(version.encode())
    digest.update(b"\0" + text.encode("utf-8", "surrogatepass"))
    for photo in photos:
        digest.update(b"\0" + bytes.fromhex(photo.digest()))
    return f"suggestions:{digest.hexdigest()}"


def suggest_tags(text: str, photos: Sequence[PhotoSource] = ()) -> SuggestionResult:
    """Suggested tags for a listing, most confident first; answered from the cache when the same
    text and photos were tagged by the same model version (the seed's "cache results for the
    same text").  See :func:`compute_suggestions`."""
    if len(text) > settings.TAGGING_MAX_TEXT_CHARS:
        raise TextTooLong(f"Mô tả quá dài (tối đa {settings.TAGGING_MAX_TEXT_CHARS} ký tự).")
    tagger = get_tagger()
    use_images = tuple(photos) if tagger.supports_images else ()
    key = _result_key(text, use_images, tagger.version)
    try:
        cached = cache.get(key)
    except Exception:        # an unreachable cache only costs the inference
        cached = None
    if cached is not None:
        CACHE_LOOKUPS.labels("hit").inc()
        return cached
    CACHE_LOOKUPS.labels("miss").inc()
    with INFERENCE_SECONDS.labels("multimodal" if use_images else "text-only").time():
        result = compute_suggestions(text, use_images)
    try:
        cache.set(key, result, RESULT_CACHE_SECONDS)
    except Exception:
        pass
    return result


def compute_suggestions(text: str, photos: Sequence[PhotoSource] = ()) -> SuggestionResult:
    """Suggested tags for a listing, most confident first.

    ``text`` is the title and description; ``photos`` its photos (read only by a tagger that reads
    images).  Raises TextTooLong for text over settings.TAGGING_MAX_TEXT_CHARS.
    """
    if len(text) > settings.TAGGING_MAX_TEXT_CHARS:
        raise TextTooLong(f"Mô tả quá dài (tối đa {settings.TAGGING_MAX_TEXT_CHARS} ký tự).")
    tagger = get_tagger()
    vocab = tagger.vocabulary
    use_images = tuple(io.BytesIO(p.read()) for p in photos) if tagger.supports_images else ()
    suggestions = []
    has_text = bool(text.strip())
    reading = tagger.read(text, images=use_images)        # one pass of the lexicon per job
    denied = reading.denied_slugs                           # "không có máy lạnh"
    for m in reading.matches:
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
                            len(use_images), denied)


def read_search_query(text: str) -> ParsedQuery:
    """A renter's search box, read the way listings are (mlcore.query): the features it names or
    excludes, price, area and room type, and the words left over (places and free text)."""
    return read_query(text, default_lexicon())
