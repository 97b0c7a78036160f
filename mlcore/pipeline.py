"""``FeatureExtractionPipeline(model_path)``: a trained checkpoint as a tagger.

``predict(text)``, ``predict_multimodal(text, image)`` and ``predict_batch(texts, images)`` return,
per listing, ``[{"feature", "slug", "confidence", "evidence"}]`` for the tags at or above their
threshold (tuned per tag and stored in the checkpoint; 0.5 where none was tuned).  Evidence is the
lexicon's span where the lexicon agrees, and ``{"photo": i}`` for a visual tag when photos were given
(the photo the text attended to most).  ``tag(text, images)`` is the site's interface
(``mlcore.taggers.Tagger``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import torch

from .calibration import FALLBACK_THRESHOLD
from .checkpoint import load_checkpoint
from .lexicon import LexiconTagger, TagMatch
from .photos import load_image
from .vocab import TagVocabulary, default_vocabulary

# Suggestions below this are not worth showing even unticked.
MIN_SHOWN_CONFIDENCE = 0.2


class FeatureExtractionPipeline:
    name = "multimodal"
    supports_images = True

    def __init__(self, model_path: str | Path, vocabulary: TagVocabulary | None = None):
        self.model, meta = load_checkpoint(model_path)
        self.vocabulary = vocabulary or default_vocabulary()
        self.id2feature: dict[int, str] = meta["id2feature"]
        unknown = [s for s in self.id2feature.values() if s not in self.vocabulary]
        if unknown:
            raise ValueError(f"checkpoint tags missing from the vocabulary: {unknown}")
        self.thresholds: dict[str, float] = meta.get("thresholds") or {}
        self.photo_thresholds: dict[str, float] = meta.get("photo_thresholds") or {}
        self.temperature = float(meta.get("temperature") or 1.0)
        self.version = meta.get("version", "multimodal")
        self.config = meta["config"]
        self.preprocess = self.model.image_encoder.preprocess
        self.lexicon = LexiconTagger(self.vocabulary)

    def threshold(self, slug: str, has_text: bool = True) -> float:
        """The tag's threshold; listings without text (photos only) have their own."""
        table = self.thresholds if has_text else (self.photo_thresholds or self.thresholds)
        return float(table.get(slug, FALLBACK_THRESHOLD))

    # -- batch inference ------------------------------------------------------------------------
    def probabilities(self, texts: Sequence[str], images: Sequence[Sequence] | None = None,
                      lexical: Sequence[dict[str, TagMatch]] | None = None):
        """(probabilities [B, tags], photo attention weights [B, P]) for listings with 0..P photos;
        ``lexical``: the lexicon's matches per text, when already computed."""
        images = list(images) if images is not None else [()] * len(texts)
        if len(images) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(images)} photo lists")
        p = max((len(i) for i in images), default=0)
        size = self.preprocess.size
        pixels = torch.zeros(len(texts), p, 3, size, size)
        mask = torch.zeros(len(texts), p, dtype=torch.bool)
        for b, photos in enumerate(images):
            for j, photo in enumerate(photos):
                pixels[b, j] = load_image(photo, size, self.preprocess.mean, self.preprocess.std)
                mask[b, j] = True
        if lexical is None:
            lexical = [{m.slug: m for m in self.lexicon.tag(t)} for t in texts]
        feature = {slug: idx for idx, slug in self.id2feature.items()}
        lexicon = torch.zeros(len(texts), len(feature))
        for b, matches in enumerate(lexical):
            for slug, m in matches.items():
                if slug in feature:
                    lexicon[b, feature[slug]] = m.confidence
        tok = self.model.text_encoder.tokenize(list(texts))
        with torch.inference_mode():
            out = self.model(tok["input_ids"], tok["attention_mask"], pixels, mask, lexicon=lexicon)
        return torch.sigmoid(out["logits"] / self.temperature), out["photo_weights"]

    def tag_batch(self, texts: Sequence[str], images: Sequence[Sequence] | None = None) -> list[list[TagMatch]]:
        images = list(images) if images is not None else [()] * len(texts)
        lexical_all = [{m.slug: m for m in self.lexicon.tag(t)} for t in texts]
        probs, photo_weights = self.probabilities(texts, images, lexical_all)
        results = []
        for b, lexical in enumerate(lexical_all):
            matches = []
            for idx, slug in self.id2feature.items():
                conf = float(probs[b, idx])
                if conf < MIN_SHOWN_CONFIDENCE:
                    continue
                evidence = lexical[slug].evidence if slug in lexical else ()
                photos = ()
                if images[b] and self.vocabulary[slug].visual:
                    photos = (int(photo_weights[b, :len(images[b])].argmax()),)
                matches.append(TagMatch(slug, round(conf, 4), evidence, photos))
            results.append(sorted(matches, key=lambda m: (-m.confidence, m.slug)))
        return results

    # -- the site's interface -------------------------------------------------------------------
    def tag(self, text: str, images: Sequence = ()) -> list[TagMatch]:
        return self.tag_batch([text], [tuple(images)])[0]

    def predict_tags(self, text: str, threshold: float | None = None) -> set[str]:
        return {m.slug for m in self.tag(text)
                if m.confidence >= (self.threshold(m.slug, bool(text.strip())) if threshold is None else threshold)}

    # -- the seed's interface -------------------------------------------------------------------
    def _features(self, matches: list[TagMatch], text: str) -> list[dict]:
        return [{"feature": self.vocabulary[m.slug].name, "slug": m.slug, "confidence": m.confidence,
                 "evidence": m.as_dict()["evidence"]}
                for m in matches if m.confidence >= self.threshold(m.slug, bool(text.strip()))]

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
