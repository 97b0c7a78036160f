"""The multimodal tagger: the seed's diagram, with attention per listing.

    text ──► TextEncoder ──► t [B, Dt] ───────────────┐
                                                      ├─► fusion ─► head ─► logits [B, tags]
    photos ─► ImageEncoder ─► cells [B, P·h·w, Di] ───┘
              (0–10 photos per listing, masked; a learned null token stands in when there are none)

Fusion: the text vector queries the listing's own image cells plus a null token (cross-modal
attention, masked per listing), then concat [t, attended, mean of the cells] -> head (the mean
keeps every cell in view when a single query cannot: photos without text).  Early and late fusion
were studied and not shipped (docs/studies/fusion.md).

Lexicon prior (``lexicon_prior``): the rule tagger's per-tag confidences [B, tags] are a third
input.  They are added to the text vector (a linear projection) before fusion, and a per-tag
logit ``w * confidence + b`` is added to the head's output, so the network starts from the rules and
learns where the text and the photos should move them.  A listing without text (photos only) gets
no prior, and its non-visual tags are ruled out: a photo cannot show "near a school".

Photo head (``photo_head``): each photo on its own is classified over the visual tags from the
mean and max of its cells, and a listing's photo logit per tag is its strongest photo's (a room
has a washing machine when any one photo shows it; averaging would dilute it across the other
photos).  It is added to the fused logits of the visual tags, and the photo that gave it is the
tag's evidence (``photo_index``).

Unlike the seed, nothing mixes listings of a batch: a listing's output is the same alone or in any
batch (tested).  ``MultimodalTagger(config, text_encoder, image_encoder)``; :func:`build_model`
makes the encoders a config names.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from .config import TaggerConfig
from .encoders import ImageEncoder, TextEncoder, create_image_encoder, create_text_encoder

NO_TAG_LOGIT = -30.0   # a tag ruled out (a non-visual tag of a listing without text)


def classification_head(in_dim: int, hidden: int, num_tags: int, dropout: float = 0.3) -> nn.Sequential:
    """The seed's head: Linear -> ReLU -> Dropout 0.3 -> Linear."""
    return nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, num_tags))


class AttentionProjections(nn.Module):
    """The query/key/value and output projections of multi-head attention (the parameter layout of
    ``torch.nn.MultiheadAttention``, so checkpoints keep their names)."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        if dim % heads:
            raise ValueError(f"attention width {dim} is not divisible by {heads} heads")
        self.dim, self.num_heads = dim, heads
        self.in_proj_weight = nn.Parameter(torch.empty(3 * dim, dim))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * dim))
        self.out_proj = nn.Linear(dim, dim)
        nn.init.xavier_uniform_(self.in_proj_weight)
        nn.init.zeros_(self.out_proj.bias)


class CrossModalAttention(nn.Module):
    """Text queries its own listing's image cells (+ a learned null token); padding is masked.
    One implementation for training, PyTorch inference and the ONNX export (any batch size)."""

    def __init__(self, text_dim: int, image_dim: int, dim: int, heads: int = 4):
        super().__init__()
        self.query = nn.Linear(text_dim, dim)
        self.key_value = nn.Linear(image_dim, dim)
        self.null = nn.Parameter(torch.zeros(1, 1, dim))
        self.attn = AttentionProjections(dim, heads)

    def forward(self, text: torch.Tensor, cells: torch.Tensor, cell_mask: torch.Tensor):
        """text [B, Dt], cells [B, T, Di], cell_mask [B, T] (True = real cell)
        -> attended [B, dim], weights [B, 1 + T] (index 0 = the null token; mean over heads)."""
        b, attn = text.shape[0], self.attn
        d, heads = attn.dim, attn.num_heads
        kv = torch.cat([self.null.expand(b, 1, -1), self.key_value(cells)], dim=1)        # [B, 1+T, D]
        # The null token is never masked (zeros_like keeps the batch size dynamic in the ONNX export).
        null_kept = torch.zeros_like(cell_mask[:, :1]) if cell_mask.shape[1] else cell_mask.new_zeros(b, 1)
        ignore = torch.cat([null_kept, ~cell_mask], dim=1)
        w_q, w_k, w_v = attn.in_proj_weight.chunk(3)
        b_q, b_k, b_v = attn.in_proj_bias.chunk(3)
        q = (self.query(text) @ w_q.T + b_q).reshape(b, heads, 1, d // heads)
        k = (kv @ w_k.T + b_k).reshape(b, -1, heads, d // heads).transpose(1, 2)
        v = (kv @ w_v.T + b_v).reshape(b, -1, heads, d // heads).transpose(1, 2)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(d // heads)
        weights = scores.masked_fill(ignore[:, None, None, :], float("-inf")).softmax(-1)   # [B, H, 1, 1+T]
        return attn.out_proj((weights @ v).reshape(b, d)), weights.mean(1).squeeze(1)


class MultimodalTagger(nn.Module):
    def __init__(self, config: TaggerConfig, text_encoder: TextEncoder, image_encoder: ImageEncoder):
        super().__init__()
        self.config = config
        self.text_encoder, self.image_encoder = text_encoder, image_encoder
        dt, di, dim, num_tags = text_encoder.out_dim, image_encoder.out_dim, config.dim, config.num_tags
        # Which tags a photo can show (the taxonomy's ``visual``); set by training, saved with the weights.
        self.register_buffer("visual_mask", torch.ones(num_tags, dtype=torch.bool))
        if config.lexicon_prior:
            self.lexicon_proj = nn.Linear(num_tags, dt)
            self.lexicon_weight = nn.Parameter(torch.full((num_tags,), 8.0))
            self.lexicon_bias = nn.Parameter(torch.full((num_tags,), -4.0))
        self.photo_head = nn.Sequential(nn.Dropout(config.dropout), nn.Linear(2 * di, num_tags)) \
            if config.photo_head else None
        self.image_proj = nn.Linear(di, dim)
        self.null_image = nn.Parameter(torch.zeros(1, dim))
        self.cross = CrossModalAttention(dt, di, dim)
        self.head = classification_head(dt + 2 * dim, config.hidden, num_tags, config.dropout)

    @property
    def lexicon_prior(self) -> bool:
        return self.config.lexicon_prior

    def image_features(self, images: torch.Tensor, photo_mask: torch.Tensor) -> dict[str, torch.Tensor]:
        """images [B, P, 3, H, W] -> {"cells" [B, P·h·w, Di], "pooled" [B, P, 2·Di] (mean and max
        of each photo's cells)}.  Computed once per photo; training with a frozen image encoder
        caches it."""
        b, p = photo_mask.shape
        if p == 0:
            di = self.image_encoder.out_dim
            return {"cells": photo_mask.new_zeros(b, 0, di, dtype=torch.float32),
                    "pooled": photo_mask.new_zeros(b, 0, 2 * di, dtype=torch.float32)}
        return self.features_from_map(self.image_encoder(images.flatten(0, 1)), b, p)

    def features_from_map(self, fmap: torch.Tensor, b: int, p: int) -> dict[str, torch.Tensor]:
        """The image encoder's output for B·P photos [B·P, Di, h, w] -> :meth:`image_features`'s dict
        (the ONNX heads graph: ``mlcore.export``)."""
        _, di, h, w = fmap.shape
        cells = fmap.flatten(2).transpose(1, 2).reshape(b, p * h * w, di)    # [B, P·h·w, Di]
        pooled = torch.cat([fmap.mean((2, 3)), fmap.amax((2, 3))], 1)
        return {"cells": cells, "pooled": pooled.reshape(b, p, 2 * di)}

    def photo_scores(self, pooled: torch.Tensor) -> torch.Tensor:
        """The photo head on pooled features [..., 2·Di] -> per-photo logits [..., tags]."""
        return self.photo_head(pooled)

    def photo_logits(self, pooled: torch.Tensor, photo_mask: torch.Tensor):
        """pooled [B, P, 2·Di] -> (logits [B, tags]: the strongest photo's per tag, 0 without photos
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
        """-> {"logits": [B, tags], "photo_weights": [B, P] attention mass per photo,
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
        modality_dropout = self.config.modality_dropout
        if self.training and modality_dropout > 0 and photo_mask.numel():
            keep = torch.rand(photo_mask.shape[0], 1, device=photo_mask.device) >= modality_dropout
            photo_mask = photo_mask & keep                                   # whole listings lose photos
        features = image_features if image_features is not None else self.image_features(images, photo_mask)
        out = self._fuse(text, features["cells"], photo_mask)
        photo_logits, photo_index = self.photo_logits(features["pooled"], photo_mask)
        out["photo_logits"], out["photo_index"] = photo_logits, photo_index
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
        attended, weights = self.cross(text, cells, cell_mask)
        if p:
            photo_weights = weights[:, 1:].reshape(b, p, -1).sum(-1)
        return {"logits": self.head(torch.cat([text, attended, pooled], dim=1)), "photo_weights": photo_weights}

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
    trunk).  ``text_kwargs``: the text encoder's ``tokenizer``/``tokenizer_dir``/``texts``."""
    text = create_text_encoder(config.text_encoder, **text_kwargs)
    image = create_image_encoder(config.image_encoder, pretrained=pretrained_image, preprocess=config.image_preprocess)
    return MultimodalTagger(config, text, image)
