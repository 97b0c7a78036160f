"""What a trained checkpoint's scores become: suggestions with thresholds and evidence.

Shared by both ways of running a checkpoint, ``mlcore.pipeline.FeatureExtractionPipeline``
(PyTorch, with or without its ONNX encoders) and ``mlcore.serving.OnnxTagger`` (ONNX Runtime
only, no PyTorch in the process), so the two cannot drift apart.  Plain Python and numpy.

Thresholds: a tag the text supports (the lexicon found words for it) uses ``thresholds``, tuned on
human-checked texts; a tag only the photos support uses ``photo_thresholds``, tuned on validation
photos so that such a tag, when it passes, is right at least 4 times in 5.
"""
from __future__ import annotations

from typing import Sequence

from .calibration import FALLBACK_THRESHOLD
from .lexicon import LexiconTagger, Reading, TagMatch
from .rules_version import versioned
from .vocab import TagVocabulary, default_vocabulary

# Suggestions below this are not worth showing even unticked.
MIN_SHOWN_CONFIDENCE = 0.2


class CheckpointTagger:
    """The site's and the seed's interfaces over ``tag_batch`` (subclasses compute the scores)."""
    name = "multimodal"
    supports_images = True

    def _read_meta(self, meta: dict, vocabulary: TagVocabulary | None) -> None:
        self.vocabulary = vocabulary or default_vocabulary()
        self.id2feature: dict[int, str] = {int(k): v for k, v in meta["id2feature"].items()}
        unknown = [s for s in self.id2feature.values() if s not in self.vocabulary]
        if unknown:
            raise ValueError(f"checkpoint tags missing from the vocabulary: {unknown}")
        self.thresholds: dict[str, float] = meta.get("thresholds") or {}
        self.photo_thresholds: dict[str, float] = meta.get("photo_thresholds") or {}
        self.temperature = float(meta.get("temperature") or 1.0)
        # Checkpoints before the photo head used photo thresholds only for listings without text;
        # they keep scoring as they did.
        self.photo_evidence_rule = meta.get("threshold_rule") == "photo_evidence"
        self.evaluation: dict = meta.get("evaluation") or {}      # the figures it was promoted with
        self.config = meta["config"]
        self.lexicon = LexiconTagger(self.vocabulary)
        # The checkpoint's own name, the rules it reads now, and the rules its figures were
        # measured with (None for checkpoints saved before rules were hashed).
        self.checkpoint_version = meta.get("version", "multimodal")
        self.rules_hash = self.lexicon.rules_hash
        self.measured_rules_hash = meta.get("rules_hash")
        self.version = versioned(self.checkpoint_version, self.rules_hash)

    def threshold(self, slug: str, has_text: bool = True, photo_only: bool = False) -> float:
        """The tag's threshold: ``photo_thresholds`` when only photos support it (a listing without
        text, or ``photo_only``: photo evidence and no words for it), else ``thresholds``."""
        photo_side = not has_text or (photo_only and self.photo_evidence_rule)
        table = self.photo_thresholds if photo_side and self.photo_thresholds else self.thresholds
        return float(table.get(slug, FALLBACK_THRESHOLD))

    def passes(self, match: TagMatch, has_text: bool) -> bool:
        """Whether a suggested tag is at or above its threshold (pre-ticked on the tag page)."""
        return match.confidence >= self.threshold(match.slug, has_text, photo_only=bool(match.photos)
                                                  and not match.evidence)

    def matches(self, texts: Sequence[str], images: Sequence[Sequence], readings: Sequence[Reading], probs,
                photo_probs, photo_of_tag, photo_support) -> list[Reading]:
        """Per listing, its suggestions from the scores ([B, tags] each; ``photo_probs`` NaN where
        there are no photos or no photo head), most confident first, with the lexicon's denials
        (``readings``: the lexicon's pass over each text)."""
        results = []
        for b, reading in enumerate(readings):
            lexical = reading.by_slug
            found = []
            for idx, slug in self.id2feature.items():
                conf = float(probs[b, idx])
                seen = float(photo_probs[b, idx])
                seen = None if seen != seen else round(seen, 4)     # NaN: no photos or no photo head
                # Shown when the listing as a whole suggests it, or when its photos clearly show it
                # even though the text says otherwise (offered unticked; tagging.conflicts flags it).
                clearly_seen = seen is not None and seen >= self.threshold(slug, False, photo_only=True)
                if conf < MIN_SHOWN_CONFIDENCE and not (clearly_seen and self.vocabulary[slug].visual):
                    continue
                evidence = lexical[slug].evidence if slug in lexical else ()
                photos = ()
                # A listing without text has only its photos to go on; otherwise a photo is named as
                # evidence only where it supports the tag.
                if images[b] and self.vocabulary[slug].visual and (photo_support[b, idx] or not texts[b].strip()):
                    photos = (int(photo_of_tag[b, idx]),)
                found.append(TagMatch(slug, round(conf, 4), evidence, photos, seen))
            results.append(Reading(tuple(sorted(found, key=lambda m: (-m.confidence, m.slug))), reading.denied))
        return results

    def read_batch(self, texts: Sequence[str], images: Sequence[Sequence] | None = None) -> list[Reading]:
        """Per listing: its suggestions and the tags its text denies (one lexicon pass each)."""
        raise NotImplementedError

    def tag_batch(self, texts: Sequence[str], images: Sequence[Sequence] | None = None) -> list[list[TagMatch]]:
        return [list(r.matches) for r in self.read_batch(texts, images)]

    # -- the site's interface -------------------------------------------------------------------
    def read(self, text: str, images: Sequence = ()) -> Reading:
        return self.read_batch([text], [tuple(images)])[0]

    def tag(self, text: str, images: Sequence = ()) -> list[TagMatch]:
        return list(self.read(text, images).matches)

    def predict_tags(self, text: str, threshold: float | None = None) -> set[str]:
        return {m.slug for m in self.tag(text)
                if (self.passes(m, bool(text.strip())) if threshold is None else m.confidence >= threshold)}

    # -- the seed's interface -------------------------------------------------------------------
    def _features(self, matches: list[TagMatch], text: str) -> list[dict]:
        return [{"feature": self.vocabulary[m.slug].name, "slug": m.slug, "confidence": m.confidence,
                 "evidence": m.as_dict()["evidence"]}
                for m in matches if self.passes(m, bool(text.strip()))]

    def predict(self, text: str) -> list[dict]:
        return self._features(self.tag(text), text)

    def predict_multimodal(self, text: str, image) -> list[dict]:
        return self._features(self.tag(text, [image] if image is not None else []), text)

    def predict_batch(self, texts: Sequence[str], images: Sequence | None = None) -> list[list[dict]]:
        """``images``: per listing a photo, a list of photos, or None."""
        photo_lists = []
        for item in (images if images is not None else [None] * len(texts)):
            photo_lists.append(() if item is None else (tuple(item) if isinstance(item, (list, tuple)) else (item,)))
        return [self._features(m, t) for m, t in zip(self.tag_batch(texts, photo_lists), texts)]
