"""The multimodal tagger: the seed's diagram, with attention per listing.

    text ──► TextEncoder ──► t [B, Dt] ───────────────┐
                                                      ├─► fusion ─► head ─► logits [B, tags]
    photos ─► ImageEncoder ─► cells [B, P·h·w, Di] ───┘
              (0–10 photos per listing, masked; a learned null token stands in when there are none)

Fusion strategies:
* ``attention`` (default): the text vector queries the listing's own image cells plus a null token
  (cross-modal attention, masked per listing), then concat [t, attended, mean of the cells] -> head
  (the mean keeps every cell in view when a single query cannot: photos without text);
* ``early``: concat [t, masked mean of the cells (or the null token)] -> head;
* ``late``: the average of a text head's and an image head's logits (text head alone without photos).

Lexicon prior (``lexicon_prior=True``): the rule tagger's per-tag confidences [B, tags] are a third
input.  They are added to the text vector (a linear projection) before fusion, and a per-tag
logit ``w * confidence + b`` is added to the head's output, so the network starts from the rules and
learns where the text and the photos should move them.  A listing without text (photos only) gets
no prior, and its non-visual tags are ruled out: a photo cannot show "near a school".

Photo head (``photo_head=True``): each photo on its own is classified over the visual tags from
the mean and max of its cells, and a listing's photo logit per tag is its strongest photo's (a
room has a washing machine when any one photo shows it; averaging would dilute it across the
other photos).  It is added to the fused logits of the visual tags, and the photo that gave it is
the tag's evidence (``photo_index``).  With ``photo_regions`` each photo is read as five regions
of its feature map (the whole, and four overlapping corners of two thirds of each side) and a tag's
strongest region counts: the same one pass of the image encoder, pooled five ways.

Unlike the seed, nothing mixes listings of a batch: a listing's output is the same alone or in any
batch (tested).
"""
from __future__ import annotations

import torch
from torch import nn

from .config import TaggerConfig
from .encoders import ImageEncoder, TextEncoder, create_image_encoder, create_text_encoder

FUSIONS = ("attention", "early", "late")
NO_TAG_LOGIT = -30.0   # a tag ruled out (a non-visual tag of a listing without text)


def classification_head(in_dim: int, hidden: int, num_tags: int, dropout: float = 0.3) -> nn.Sequential:
    """The seed's head: Linear -> ReLU -> Dropout 0.3 -> Linear."""
    return nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, num_tags))


class CrossModalAttention(nn.Module):
    """Text queries its own listing's image cells (+ a learned null token); padding is masked."""

    def __init__(self, text_dim: int, image_dim: int, dim: int, heads: int = 4):
        super().__init__()
        self.query = nn.Linear(text_dim, dim)
        self.key_value = nn.Linear(image_dim, dim)
        self.null = nn.Parameter(torch.zeros(1, 1, dim))
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)

    def forward(self, text: torch.Tensor, cells: torch.Tensor, cell_mask: torch.Tensor):
        """text [B, Dt], cells [B, T, Di], cell_mask [B, T] (True = real cell)
        -> attended [B, dim], weights [B, 1 + T] (index 0 = the null token)."""
        b = text.shape[0]
        q = self.query(text).unsqueeze(1)                                    # [B, 1, D]
        kv = torch.cat([self.null.expand(b, 1, -1), self.key_value(cells)], dim=1)  # [B, 1+T, D]
        ignore = torch.cat([torch.zeros(b, 1, dtype=torch.bool, device=text.device), ~cell_mask], dim=1)
        out, weights = self.attn(q, kv, kv, key_padding_mask=ignore, need_weights=True)
        return out.squeeze(1), weights.squeeze(1)


class MultimodalTagger(nn.Module):
    def __init__(self, text_encoder: TextEncoder, image_encoder: ImageEncoder, num_tags: int,
                 fusion: str = "attention", dim: int = 256, hidden: int = 256, dropout: float = 0.3,
                 modality_dropout: float = 0.3, lexicon_prior: bool = False, photo_head: bool = False,
                 photo_head_hidden: int = 0, photo_regions: bool = False, photos_add_only: bool = False):
        super().__init__()
        if fusion not in FUSIONS:
            raise ValueError(f"unknown fusion {fusion!r}; choose one of {', '.join(FUSIONS)}")
        self.text_encoder, self.image_encoder, self.fusion = text_encoder, image_encoder, fusion
        self.modality_dropout, self.dim, self.hidden = modality_dropout, dim, hidden
        dt, di = text_encoder.out_dim, image_encoder.out_dim
        self.lexicon_prior = lexicon_prior
        # Which tags a photo can show (the taxonomy's ``visual``); set by training, saved with the weights.
        self.register_buffer("visual_mask", torch.ones(num_tags, dtype=torch.bool))
        if lexicon_prior:
            self.lexicon_proj = nn.Linear(num_tags, dt)
            self.lexicon_weight = nn.Parameter(torch.full((num_tags,), 8.0))
            self.lexicon_bias = nn.Parameter(torch.full((num_tags,), -4.0))
        self.photo_head_hidden, self.photo_regions = photo_head_hidden, photo_regions
        self.photos_add_only = photos_add_only
        self.photo_head = None
        if photo_head and photo_head_hidden:
            self.photo_head = nn.Sequential(nn.LayerNorm(2 * di), nn.Dropout(dropout), nn.Linear(2 * di, photo_head_hidden),
                                            nn.GELU(), nn.Dropout(dropout), nn.Linear(photo_head_hidden, num_tags))
        elif photo_head:
            self.photo_head = nn.Sequential(nn.Dropout(dropout), nn.Linear(2 * di, num_tags))
        self.image_proj = nn.Linear(di, dim)
        self.null_image = nn.Parameter(torch.zeros(1, dim))
        if fusion == "attention":
            self.cross = CrossModalAttention(dt, di, dim)
            self.head = classification_head(dt + 2 * dim, hidden, num_tags, dropout)
        else:
            if fusion == "early":
                self.head = classification_head(dt + dim, hidden, num_tags, dropout)
            else:
                self.text_head = classification_head(dt, hidden, num_tags, dropout)
                self.image_head = classification_head(dim, hidden, num_tags, dropout)

    @property
    def regions_per_photo(self) -> int:
        return 5 if self.photo_regions else 1

    def image_features(self, images: torch.Tensor, photo_mask: torch.Tensor) -> dict[str, torch.Tensor]:
        """images [B, P, 3, H, W] -> {"cells" [B, P·h·w, Di], "pooled" [B, P, R·2·Di] (mean and max
        of each photo's cells, then of its R-1 corner regions with ``photo_regions``)}.  Computed
        once per photo; training with a frozen image encoder caches it."""
        b, p = photo_mask.shape
        if p == 0:
            return {"cells": photo_mask.new_zeros(b, 0, self.image_encoder.out_dim, dtype=torch.float32),
                    "pooled": photo_mask.new_zeros(b, 0, self.regions_per_photo * 2 * self.image_encoder.out_dim,
                                                   dtype=torch.float32)}
        return self.features_from_map(self.image_encoder(images.flatten(0, 1)), b, p)

    def features_from_map(self, fmap: torch.Tensor, b: int, p: int) -> dict[str, torch.Tensor]:
        """The image encoder's output for B·P photos [B·P, Di, h, w] -> :meth:`image_features`'s dict
        (for encoders run elsewhere: ``mlcore.runtime``)."""
        _, di, h, w = fmap.shape
        cells = fmap.flatten(2).transpose(1, 2).reshape(b, p * h * w, di)    # [B, P·h·w, Di]
        regions = [fmap]
        if self.photo_regions:
            kh, kw = max(1, (2 * int(h) + 1) // 3), max(1, (2 * int(w) + 1) // 3)   # fixed by the photo size
            regions += [fmap[:, :, r:r + kh, c:c + kw] for r in (0, h - kh) for c in (0, w - kw)]
        pooled = torch.cat([torch.cat([m.mean((2, 3)), m.amax((2, 3))], 1) for m in regions], 1)
        return {"cells": cells, "pooled": pooled.reshape(b, p, len(regions) * 2 * di)}

    def photo_scores(self, pooled: torch.Tensor) -> torch.Tensor:
        """The photo head on pooled features [..., R·2·Di] -> per-photo logits [..., tags] (the
        strongest region's per tag)."""
        regions = pooled.reshape(*pooled.shape[:-1], self.regions_per_photo, -1)
        return self.photo_head(regions).amax(dim=-2)

    def photo_logits(self, pooled: torch.Tensor, photo_mask: torch.Tensor):
        """pooled [B, P, R·2·Di] -> (logits [B, tags]: the strongest photo's per tag, 0 without photos
        or without a photo head; index [B, tags]: which photo that was)."""
        b, p = photo_mask.shape
        tags = self.visual_mask.shape[0]
        if p == 0 or self.photo_head is None:
            return pooled.new_zeros(b, tags), torch.zeros(b, tags, dtype=torch.long, device=pooled.device)
        per_photo = self.photo_scores(pooled)                                # [B, P, tags]
        per_photo = per_photo.masked_fill(~photo_mask.unsqueeze(-1), float("-inf"))
        best, index = per_photo.max(dim=1)                                   # [B, tags]
        has_photo = photo_mask.any(dim=1, keepdim=True)
        return torch.where(has_photo & self.visual_mask, best, 0.0), index

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, images: torch.Tensor | None,
                photo_mask: torch.Tensor, lexicon: torch.Tensor | None = None,
                text_vectors: torch.Tensor | None = None,
                image_features: dict[str, torch.Tensor] | None = None) -> dict[str, torch.Tensor]:
        """-> {"logits": [B, tags], "photo_weights": [B, P] attention mass per photo (or zeros),
        "photo_logits" [B, tags] and "photo_index" [B, tags] (the photo head's; zeros without one)}.

        ``lexicon`` [B, tags]: the rules' confidences (zeros when None); ``text_vectors`` [B, Dt]:
        the text encoder's output computed beforehand (training with a frozen text encoder);
        ``image_features``: :meth:`image_features` computed beforehand (``images`` is then unused).
        """
        has_text = attention_mask.sum(dim=1, keepdim=True) > 2               # more than <s> </s>
        text = text_vectors if text_vectors is not None else self.text_encoder(input_ids, attention_mask)
        prior = None
        if self.lexicon_prior:
            if lexicon is None:
                lexicon = text.new_zeros(text.shape[0], self.lexicon_weight.shape[0])
            text = text + self.lexicon_proj(lexicon)
            prior = torch.where(has_text, self.lexicon_weight * lexicon + self.lexicon_bias, 0.0)
        if self.training and self.modality_dropout > 0 and photo_mask.numel():
            keep = torch.rand(photo_mask.shape[0], 1, device=photo_mask.device) >= self.modality_dropout
            photo_mask = photo_mask & keep                                   # whole listings lose photos
        features = image_features if image_features is not None else self.image_features(images, photo_mask)
        out = self._fuse(text, features["cells"], photo_mask)
        photo_logits, photo_index = self.photo_logits(features["pooled"], photo_mask)
        out["photo_logits"], out["photo_index"] = photo_logits, photo_index
        if self.photos_add_only:     # beside a text, photos add evidence but veto nothing
            photo_logits = torch.where(has_text, photo_logits.clamp(min=0.0), photo_logits)
        logits = out["logits"] + photo_logits
        logits = logits + prior if prior is not None else logits
        # Without text only what a photo can show is possible.
        out["logits"] = torch.where(has_text | self.visual_mask, logits, NO_TAG_LOGIT)
        return out

    def _fuse(self, text: torch.Tensor, cells: torch.Tensor, photo_mask: torch.Tensor) -> dict[str, torch.Tensor]:
        b, p = photo_mask.shape
        cell_mask = photo_mask.repeat_interleave(cells.shape[1] // p if p else 0, dim=1)   # [B, P·h·w]
        photo_weights = text.new_zeros(b, p)
        pooled = self._masked_mean(cells, cell_mask)                          # [B, dim]
        if self.fusion == "attention":
            attended, weights = self.cross(text, cells, cell_mask)
            if p:
                photo_weights = weights[:, 1:].reshape(b, p, -1).sum(-1)
            return {"logits": self.head(torch.cat([text, attended, pooled], dim=1)), "photo_weights": photo_weights}
        if self.fusion == "early":
            return {"logits": self.head(torch.cat([text, pooled], dim=1)), "photo_weights": photo_weights}
        has_photo = photo_mask.any(dim=1, keepdim=True)
        text_logits, image_logits = self.text_head(text), self.image_head(pooled)
        logits = torch.where(has_photo, (text_logits + image_logits) / 2, text_logits)
        return {"logits": logits, "photo_weights": photo_weights}

    def _masked_mean(self, cells: torch.Tensor, cell_mask: torch.Tensor) -> torch.Tensor:
        b = cell_mask.shape[0]
        if cells.shape[1] == 0:
            return self.null_image.expand(b, -1)
        projected = self.image_proj(cells)                                   # [B, T, dim]
        weights = cell_mask.unsqueeze(-1).to(projected.dtype)
        count = weights.sum(1)
        mean = (projected * weights).sum(1) / count.clamp(min=1.0)
        return torch.where(count > 0, mean, self.null_image.expand(b, -1))


def build_model(config: TaggerConfig, *, pretrained_image: bool = False, **text_kwargs) -> MultimodalTagger:
    """The network a :class:`TaggerConfig` describes (weights random, or ImageNet's for the image
    trunk).  ``text_kwargs``: the text encoder's ``tokenizer``/``tokenizer_dir``/``texts``.
    :func:`mlcore.checkpoint.tagger_config` reads the config back off a model."""
    text = create_text_encoder(config.text_encoder, **text_kwargs)
    image = create_image_encoder(config.image_encoder, pretrained=pretrained_image, preprocess=config.image_preprocess)
    return MultimodalTagger(text, image, config.num_tags, fusion=config.fusion, dim=config.dim, hidden=config.hidden,
                            lexicon_prior=config.lexicon_prior, photo_head=config.photo_head,
                            photo_head_hidden=config.photo_head_hidden, photo_regions=config.photo_regions,
                            photos_add_only=config.photos_add_only)
