"""Per-tag thresholds and confidence calibration (temperature scaling, expected calibration error).

All functions take plain lists/arrays of probabilities or logits [n, tags] and gold 0/1 labels
[n, tags], so they serve any model.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

FALLBACK_THRESHOLD = 0.5


def tune_thresholds(probs: np.ndarray, gold: np.ndarray, min_support: int = 3,
                    grid: Sequence[float] = tuple(np.round(np.arange(0.05, 0.96, 0.05), 2))) -> list[float]:
    """For each tag, the threshold on the grid that maximises its F1 on validation data.

    Tags with fewer than ``min_support`` positives keep :data:`FALLBACK_THRESHOLD`: too little data to
    move it.  Ties go to the threshold closest to 0.5.
    """
    probs, gold = np.asarray(probs, dtype=float), np.asarray(gold, dtype=bool)
    thresholds = []
    for j in range(probs.shape[1]):
        if gold[:, j].sum() < min_support:
            thresholds.append(FALLBACK_THRESHOLD)
            continue
        best, best_f1 = FALLBACK_THRESHOLD, -1.0
        for t in sorted(grid, key=lambda t: abs(t - 0.5)):
            pred = probs[:, j] >= t
            tp = float((pred & gold[:, j]).sum())
            f1 = 2 * tp / (pred.sum() + gold[:, j].sum()) if pred.sum() + gold[:, j].sum() else 0.0
            if f1 > best_f1 + 1e-12:
                best, best_f1 = float(t), f1
        thresholds.append(best)
    return thresholds


def expected_calibration_error(probs: np.ndarray, gold: np.ndarray, bins: int = 10) -> float:
    """ECE over all (listing, tag) decisions: the gap between confidence and accuracy, binned."""
    p = np.asarray(probs, dtype=float).ravel()
    y = np.asarray(gold, dtype=float).ravel()
    if p.size == 0:
        return 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    ece = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        in_bin = (p >= lo) & ((p < hi) if hi < 1.0 else (p <= hi))
        if in_bin.any():
            ece += in_bin.mean() * abs(p[in_bin].mean() - y[in_bin].mean())
    return float(ece)


def precision_first_thresholds(probs: np.ndarray, gold: np.ndarray, target: float = 0.8, floor: float = 0.3,
                               prior_strength: float = 10.0,
                               grid: Sequence[float] = tuple(np.round(np.arange(0.3, 0.96, 0.025), 3))) -> list[float]:
    """Per-tag thresholds for evidence that must be right at least ``target`` of the time (photo-only
    tags): for each tag, the threshold with the best F1 among those whose precision reaches
    ``target`` and that gets at least one right; where none does, the grid's top (the tag is then
    offered unticked).

    Few validation photos show a rare tag, so its precision at each threshold is shrunk toward
    the precision of all tags together at that threshold (``prior_strength`` pseudo-decisions);
    no threshold goes below ``floor`` (a 0.05 threshold is how a washing machine gets invented).
    """
    probs, gold = np.asarray(probs, dtype=float), np.asarray(gold, dtype=bool)
    grid = [t for t in grid if t >= floor]
    pooled = {}
    for t in grid:
        pred = probs >= t
        pooled[t] = (pred & gold).sum() / pred.sum() if pred.sum() else 1.0
    thresholds = []
    for j in range(probs.shape[1]):
        best, best_f1 = max(grid), -1.0
        for t in grid:
            pred = probs[:, j] >= t
            tp, n_pred, n_gold = float((pred & gold[:, j]).sum()), float(pred.sum()), float(gold[:, j].sum())
            if n_pred == 0:
                continue
            precision = (tp + prior_strength * pooled[t]) / (n_pred + prior_strength)
            f1 = 2 * tp / (n_pred + n_gold) if n_pred + n_gold else 0.0
            if precision >= target and tp > 0 and f1 > best_f1 + 1e-12:
                best, best_f1 = float(t), f1
        thresholds.append(best)
    return thresholds


def binary_cross_entropy(logits: np.ndarray, gold: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Mean binary cross-entropy of sigmoid(logits) against 0/1 gold over the decisions where ``mask``
    is 1 (all when None); the stable ``log(1 + e^-|z|)`` form."""
    z, y = np.asarray(logits, dtype=float), np.asarray(gold, dtype=float)
    loss = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    if mask is None:
        return float(loss.mean()) if loss.size else 0.0
    mask = np.broadcast_to(np.asarray(mask, dtype=float), loss.shape)
    return float((loss * mask).sum() / max(mask.sum(), 1.0))


def fit_temperature(logits: np.ndarray, gold: np.ndarray, lo: float = 0.05, hi: float = 20.0) -> float:
    """The single temperature T minimising the binary cross-entropy of sigmoid(logits / T)
    (golden-section search on log T; the loss is unimodal in T)."""
    z = np.asarray(logits, dtype=float).ravel()
    y = np.asarray(gold, dtype=float).ravel()

    def nll(log_t: float) -> float:
        return binary_cross_entropy(z / math.exp(log_t), y)

    a, b = math.log(lo), math.log(hi)
    ratio = (math.sqrt(5) - 1) / 2
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    for _ in range(80):
        if nll(c) < nll(d):
            b = d
        else:
            a = c
        c, d = b - ratio * (b - a), a + ratio * (b - a)
    return float(math.exp((a + b) / 2))


def sigmoid(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))))
