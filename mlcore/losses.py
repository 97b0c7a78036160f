"""Training objectives for multi-label tagging (the reported metrics live in ``metrics`` and
``calibration``; these are what gradient descent minimises)."""
from __future__ import annotations

import torch
from torch import nn


def masked_bce(logits: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy averaged over the (listing, tag) decisions where ``mask`` is 1."""
    loss = nn.functional.binary_cross_entropy_with_logits(logits, labels, reduction="none")
    return (loss * mask).sum() / mask.sum().clamp(min=1.0)


def masked_asymmetric(logits: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor, gamma_neg: float = 2.0,
                      clip: float = 0.05) -> torch.Tensor:
    """Asymmetric loss (Ridnik et al., 2021) over the masked decisions: easy negatives are
    down-weighted (``(p - clip)^gamma_neg``) so that the many "not in this photo" decisions do not
    drown a rare tag's few positives; positives keep plain cross-entropy."""
    p = torch.sigmoid(logits)
    p_neg = (p - clip).clamp(min=0.0)
    log_pos = nn.functional.logsigmoid(logits)
    log_neg = torch.log((1.0 - p_neg).clamp(min=1e-8))
    loss = -(labels * log_pos + (1.0 - labels) * p_neg.pow(gamma_neg) * log_neg)
    return (loss * mask).sum() / mask.sum().clamp(min=1.0)


LOSSES = {"bce": masked_bce, "asymmetric": masked_asymmetric}


def loss_function(name: str):
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; choose one of {', '.join(LOSSES)}") from None
