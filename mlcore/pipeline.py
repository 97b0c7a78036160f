"""``FeatureExtractionPipeline(model_path)``: a trained checkpoint as a tagger, in PyTorch (for
training, evaluation and networks without a complete export; the site serves a checkpoint's
export without PyTorch: ``mlcore.serving``).

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

from pathlib import Path
from typing import Sequence

import torch

from .checkpoint import load_checkpoint
from .lexicon import Reading
from .photos import load_image
from .suggestions import CheckpointTagger
from .vocab import TagVocabulary


class FeatureExtractionPipeline(CheckpointTagger):

    def __init__(self, model_path: str | Path, vocabulary: TagVocabulary | None = None):
        self.model, meta = load_checkpoint(model_path)
        self._read_meta(meta, vocabulary)
        self.preprocess = self.model.image_encoder.preprocess

    # -- batch inference ------------------------------------------------------------------------
    def probabilities(self, texts: Sequence[str], images: Sequence[Sequence] | None = None,
                      lexical: Sequence[Reading] | None = None):
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
                lexical: Sequence[Reading] | None = None):
        """:meth:`probabilities` from photos already turned into tensors (pixels [B, P, 3, H, W],
        mask [B, P]): the lexicon (unless given), the tokenizer, the encoders and the heads; the
        lexicon's readings are kept in ``self.last_lexical``."""
        p = mask.shape[1]
        feature = {slug: idx for idx, slug in self.id2feature.items()}
        lexical, lexicon, tok = self._read_texts(texts, lexical, feature)
        self.last_lexical = lexical
        with torch.inference_mode():
            out = self.model(tok["input_ids"], tok["attention_mask"], pixels, mask, lexicon=lexicon)
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
        """The text side: (the lexicon's reading of each text, its confidences [B, tags], the tokens)."""
        if lexical is None:
            lexical = [self.lexicon.read(t) for t in texts]       # one pass each: tags and denials
        lexicon = torch.zeros(len(texts), len(feature))
        for b, reading in enumerate(lexical):
            for m in reading.matches:
                if m.slug in feature:
                    lexicon[b, feature[m.slug]] = m.confidence
        return lexical, lexicon, self.model.text_encoder.tokenize(list(texts))

    runtime_name = "pytorch"

    def read_batch(self, texts: Sequence[str], images: Sequence[Sequence] | None = None) -> list[Reading]:
        images = list(images) if images is not None else [()] * len(texts)
        probs, photo_of_tag, photo_support = self.probabilities(texts, images)
        lexical_all = self.last_lexical
        photo_probs = self.last_photo_probabilities
        return self.matches(texts, images, lexical_all, probs, photo_probs, photo_of_tag, photo_support)

