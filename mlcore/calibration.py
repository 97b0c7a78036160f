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


def fit_temperature(logits: np.ndarray, gold: np.ndarray, lo: float = 0.05, hi: float = 20.0) -> float:
    """The single temperature T minimising the binary cross-entropy of sigmoid(logits / T)
    (golden-section search on log T; the loss is unimodal in T)."""
    z = np.asarray(logits, dtype=float).ravel()
    y = np.asarray(gold, dtype=float).ravel()

    def nll(log_t: float) -> float:
        s = z / math.exp(log_t)
        # log(1 + e^-|s|) form: stable for large |s|
        return float(np.mean(np.maximum(s, 0) - s * y + np.log1p(np.exp(-np.abs(s)))))

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
