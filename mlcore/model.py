"""The multimodal tagger: the seed's diagram, with attention per listing.

    text ──► TextEncoder ──► t [B, Dt] ───────────────┐
                                                      ├─► fusion ─► head ─► logits [B, tags]
    photos ─► ImageEncoder ─► cells [B, P·h·w, Di] ───┘
              (0–10 photos per listing, masked; a learned null token stands in when there are none)

Fusion strategies:
* ``attention`` (default): the text vector queries the listing's own image cells plus a null token
  (cross-modal attention, masked per listing), then concat [t, attended] -> head;
* ``early``: concat [t, masked mean of the cells (or the null token)] -> head;
* ``late``: the average of a text head's and an image head's logits (text head alone without photos).

Unlike the seed, nothing mixes listings of a batch: a listing's output is the same alone or in any
batch (tested).
"""
from __future__ import annotations

import torch
from torch import nn

from .encoders import ImageEncoder, TextEncoder

FUSIONS = ("attention", "early", "late")


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
                 modality_dropout: float = 0.3):
        super().__init__()
        if fusion not in FUSIONS:
            raise ValueError(f"unknown fusion {fusion!r}; choose one of {', '.join(FUSIONS)}")
        self.text_encoder, self.image_encoder, self.fusion = text_encoder, image_encoder, fusion
        self.modality_dropout, self.dim, self.hidden = modality_dropout, dim, hidden
        dt, di = text_encoder.out_dim, image_encoder.out_dim
        if fusion == "attention":
            self.cross = CrossModalAttention(dt, di, dim)
            self.head = classification_head(dt + dim, hidden, num_tags, dropout)
        else:
            self.image_proj = nn.Linear(di, dim)
            self.null_image = nn.Parameter(torch.zeros(1, dim))
            if fusion == "early":
                self.head = classification_head(dt + dim, hidden, num_tags, dropout)
            else:
                self.text_head = classification_head(dt, hidden, num_tags, dropout)
                self.image_head = classification_head(dim, hidden, num_tags, dropout)

    def image_cells(self, images: torch.Tensor, photo_mask: torch.Tensor):
        """images [B, P, 3, H, W], photo_mask [B, P] -> cells [B, P·h·w, Di], cell_mask [B, P·h·w]."""
        b, p = photo_mask.shape
        if p == 0:
            return images.new_zeros(b, 0, self.image_encoder.out_dim), photo_mask.new_zeros(b, 0)
        fmap = self.image_encoder(images.flatten(0, 1))                      # [B·P, Di, h, w]
        _, di, h, w = fmap.shape
        cells = fmap.flatten(2).transpose(1, 2).reshape(b, p * h * w, di)    # [B, P·h·w, Di]
        cell_mask = photo_mask.repeat_interleave(h * w, dim=1)               # [B, P·h·w]
        return cells, cell_mask

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, images: torch.Tensor,
                photo_mask: torch.Tensor) -> dict[str, torch.Tensor]:
        """-> {"logits": [B, tags], "photo_weights": [B, P] attention mass per photo (or zeros)}."""
        text = self.text_encoder(input_ids, attention_mask)                  # [B, Dt]
        if self.training and self.modality_dropout > 0 and photo_mask.numel():
            keep = torch.rand(photo_mask.shape[0], 1, device=photo_mask.device) >= self.modality_dropout
            photo_mask = photo_mask & keep                                   # whole listings lose photos
        cells, cell_mask = self.image_cells(images, photo_mask)
        b, p = photo_mask.shape
        photo_weights = text.new_zeros(b, p)
        if self.fusion == "attention":
            attended, weights = self.cross(text, cells, cell_mask)
            if p:
                photo_weights = weights[:, 1:].reshape(b, p, -1).sum(-1)
            return {"logits": self.head(torch.cat([text, attended], dim=1)), "photo_weights": photo_weights}
        pooled = self._masked_mean(cells, cell_mask)                          # [B, dim]
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
