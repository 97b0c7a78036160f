"""``FeatureExtractionPipeline(model_path)``: a trained checkpoint as a tagger.

``predict(text)``, ``predict_multimodal(text, image)`` and ``predict_batch(texts, images)`` return,
per listing, ``[{"feature", "slug", "confidence", "evidence"}]`` for the tags at or above their
threshold (tuned per tag and stored in the checkpoint; 0.5 where none was tuned).  Evidence is the
lexicon's span where the lexicon agrees, and ``{"photo": i}`` for a visual tag when photos were given
(the photo whose own score for the tag was highest, or, for models without a photo head, the photo
the text attended to most).  ``tag(text, images)`` is the site's interface
(``mlcore.taggers.Tagger``).

Thresholds: a tag the text supports (the lexicon found words for it) uses ``thresholds``, tuned on
human-checked texts; a tag only the photos support uses ``photo_thresholds``, tuned on validation
photos so that such a tag, when it passes, is right at least 4 times in 5 (see
``mlcore.calibration.precision_first_thresholds``).  Photo preprocessing (size, resize, mean/std)
comes from the checkpoint.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Sequence

import torch

from .calibration import FALLBACK_THRESHOLD
from .checkpoint import load_checkpoint
from .encoders import ModelNotAvailable
from .runtime import OnnxEncoders, RuntimeUnavailable, load_runtime, runtime_choice
from .lexicon import LexiconTagger, TagMatch
from .photos import load_image
from .vocab import TagVocabulary, default_vocabulary

# Suggestions below this are not worth showing even unticked.
MIN_SHOWN_CONFIDENCE = 0.2


class FeatureExtractionPipeline:
    name = "multimodal"
    supports_images = True

    def __init__(self, model_path: str | Path, vocabulary: TagVocabulary | None = None, runtime: str | None = None):
        self.model, meta = load_checkpoint(model_path)
        self.encoders = _encoders(model_path, self.model, runtime or runtime_choice())
        self.vocabulary = vocabulary or default_vocabulary()
        self.id2feature: dict[int, str] = meta["id2feature"]
        unknown = [s for s in self.id2feature.values() if s not in self.vocabulary]
        if unknown:
            raise ValueError(f"checkpoint tags missing from the vocabulary: {unknown}")
        self.thresholds: dict[str, float] = meta.get("thresholds") or {}
        self.photo_thresholds: dict[str, float] = meta.get("photo_thresholds") or {}
        self.temperature = float(meta.get("temperature") or 1.0)
        # Checkpoints before the photo head used photo thresholds only for listings without text;
        # they keep scoring as they did.
        self.photo_evidence_rule = meta.get("threshold_rule") == "photo_evidence"
        self.version = meta.get("version", "multimodal")
        self.evaluation: dict = meta.get("evaluation") or {}      # the figures it was promoted with
        self.config = meta["config"]
        self.preprocess = self.model.image_encoder.preprocess
        self.lexicon = LexiconTagger(self.vocabulary)

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

    # -- batch inference ------------------------------------------------------------------------
    def probabilities(self, texts: Sequence[str], images: Sequence[Sequence] | None = None,
                      lexical: Sequence[dict[str, TagMatch]] | None = None):
        """(probabilities [B, tags], the photo behind each tag [B, tags], whether the photos support
        each tag [B, tags]) for listings with 0..P photos; ``lexical``: the lexicon's matches per
        text, when already computed.  With a photo head, photos support a tag when the photo head
        alone gives it at least even odds; without one, whenever there are photos.  The photo
        head's own probabilities (NaN where there are no photos or no head) are kept in
        ``self.last_photo_probabilities`` for ``tag_batch``."""
        images = list(images) if images is not None else [()] * len(texts)
        if len(images) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(images)} photo lists")
        p = max((len(i) for i in images), default=0)
        size = self.preprocess.size
        pixels = torch.zeros(len(texts), p, 3, size, size)
        mask = torch.zeros(len(texts), p, dtype=torch.bool)
        for b, photos in enumerate(images):
            for j, photo in enumerate(photos):
                pixels[b, j] = load_image(photo, self.preprocess)
                mask[b, j] = True
        return self.forward(texts, pixels, mask, lexical)

    def forward(self, texts: Sequence[str], pixels: torch.Tensor, mask: torch.Tensor,
                lexical: Sequence[dict[str, TagMatch]] | None = None):
        """:meth:`probabilities` from photos already turned into tensors (pixels [B, P, 3, H, W],
        mask [B, P]): the lexicon (unless given), the tokenizer, the encoders and the heads.  With
        the fast runtime the text side runs on another thread while this one runs the image trunk
        (ONNX Runtime releases the GIL, so the lexicon's Python runs meanwhile); the lexicon's
        matches are kept in ``self.last_lexical``."""
        p = mask.shape[1]
        feature = {slug: idx for idx, slug in self.id2feature.items()}
        fast_photos = self.encoders is not None and self.encoders.image is not None and bool(mask.any())
        if fast_photos:
            photo_side = self.encoders.submit(self._photo_features, pixels, mask)
            time.sleep(0.0002)      # hands the GIL to the photo thread, which then waits in ONNX Runtime
            lexical, lexicon, tok, text_vectors = self._read_texts(texts, lexical, feature)
            image_features = photo_side.result()
        else:
            lexical, lexicon, tok, text_vectors = self._read_texts(texts, lexical, feature)
            image_features = None           # computed by the model (PyTorch)
        self.last_lexical = lexical
        with torch.inference_mode():
            out = self.model(tok["input_ids"], tok["attention_mask"], pixels, mask, lexicon=lexicon,
                             text_vectors=text_vectors, image_features=image_features)
        has_photos = mask.any(dim=1, keepdim=True).expand(-1, len(feature))
        self.last_photo_probabilities = torch.full((len(texts), len(feature)), float("nan"))
        if self.model.photo_head is not None:
            photo_of_tag = out["photo_index"]
            supported = has_photos & (out["photo_logits"] >= 0)
            self.last_photo_probabilities = torch.sigmoid(out["photo_logits"]).masked_fill(~has_photos, float("nan"))
        else:   # the photo the text attended to most (padding excluded), for every tag
            weights = out["photo_weights"].masked_fill(~mask, -1.0)
            photo_of_tag = weights.argmax(dim=1, keepdim=True).expand(-1, len(feature)) if p else \
                torch.zeros(len(texts), len(feature), dtype=torch.long)
            supported = has_photos
        return torch.sigmoid(out["logits"] / self.temperature), photo_of_tag, supported

    def _read_texts(self, texts: Sequence[str], lexical, feature: dict[str, int]):
        """The text side: (the lexicon's matches per text, their confidences [B, tags], the
        tokens, the text vectors from the fast runtime or None)."""
        if lexical is None:
            lexical = [{m.slug: m for m in self.lexicon.tag(t)} for t in texts]
        lexicon = torch.zeros(len(texts), len(feature))
        for b, matches in enumerate(lexical):
            for slug, m in matches.items():
                if slug in feature:
                    lexicon[b, feature[slug]] = m.confidence
        tok = self.model.text_encoder.tokenize(list(texts))
        text_vectors = None
        if self.encoders is not None and self.encoders.text is not None:
            text_vectors = self.encoders.text_vectors(tok["input_ids"], tok["attention_mask"])
        return lexical, lexicon, tok, text_vectors

    def _photo_features(self, pixels: torch.Tensor, mask: torch.Tensor) -> dict[str, torch.Tensor]:
        """The fast runtime's image trunk over the real photos; padding slots get zeros."""
        real = self.encoders.feature_map(pixels.flatten(0, 1)[mask.flatten()])
        b, p = mask.shape
        fmap = real.new_zeros(b * p, *real.shape[1:])
        fmap[mask.flatten()] = real
        return self.model.features_from_map(fmap, b, p)

    @property
    def runtime_name(self) -> str:
        return self.encoders.describe() if self.encoders is not None else "pytorch"

    def tag_batch(self, texts: Sequence[str], images: Sequence[Sequence] | None = None) -> list[list[TagMatch]]:
        images = list(images) if images is not None else [()] * len(texts)
        probs, photo_of_tag, photo_support = self.probabilities(texts, images)
        lexical_all = self.last_lexical
        photo_probs = self.last_photo_probabilities
        results = []
        for b, lexical in enumerate(lexical_all):
            matches = []
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
                matches.append(TagMatch(slug, round(conf, 4), evidence, photos, seen))
            results.append(sorted(matches, key=lambda m: (-m.confidence, m.slug)))
        return results

    # -- the site's interface -------------------------------------------------------------------
    def tag(self, text: str, images: Sequence = ()) -> list[TagMatch]:
        return self.tag_batch([text], [tuple(images)])[0]

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


def _encoders(model_path, model, choice: str) -> OnnxEncoders | None:
    """The fast runtime's encoders for ``MLCORE_RUNTIME`` ``choice`` (None: PyTorch)."""
    if choice == "torch":
        return None
    try:
        return load_runtime(model_path, model)
    except RuntimeUnavailable as exc:
        if choice == "onnx":
            raise ModelNotAvailable(str(exc)) from exc
        logging.getLogger(__name__).info("PyTorch inference: %s", exc)
        return None
