"""Multi-label precision, recall and F1: the one yardstick for every tagging figure we report."""
from __future__ import annotations

from typing import Sequence


def _prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def multilabel_scores(gold: Sequence[set[str]], pred: Sequence[set[str]], labels: Sequence[str]) -> dict:
    """Scores of predicted tag sets against gold tag sets.

    Micro figures pool every (listing, tag) decision.  Macro figures average the per-tag scores
    over the tags that occur in the gold data (a tag nobody labelled has no recall to measure);
    predictions of such tags still count as false positives in the micro figures.
    ``per_tag`` maps every label to precision, recall, f1, support (gold count) and predicted.
    """
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold label sets but {len(pred)} predictions")
    per_tag = {}
    tp_all = pred_all = gold_all = 0
    for label in labels:
        tp = sum(1 for g, p in zip(gold, pred) if label in g and label in p)
        n_pred = sum(1 for p in pred if label in p)
        n_gold = sum(1 for g in gold if label in g)
        precision, recall, f1 = _prf(tp, n_pred, n_gold)
        per_tag[label] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
                          "support": n_gold, "predicted": n_pred}
        tp_all, pred_all, gold_all = tp_all + tp, pred_all + n_pred, gold_all + n_gold
    micro_p, micro_r, micro_f1 = _prf(tp_all, pred_all, gold_all)
    scored = [s for s in per_tag.values() if s["support"] > 0]
    mean = (lambda key: sum(s[key] for s in scored) / len(scored)) if scored else (lambda key: 0.0)
    return {
        "n": len(gold),
        "micro_precision": round(micro_p, 4),
        "micro_recall": round(micro_r, 4),
        "micro_f1": round(micro_f1, 4),
        "macro_precision": round(mean("precision"), 4),
        "macro_recall": round(mean("recall"), 4),
        "macro_f1": round(mean("f1"), 4),
        "macro_tags": len(scored),
        "per_tag": per_tag,
    }


def micro_f1_matrix(pred, gold, mask=None) -> float:
    """Micro-F1 of 0/1 matrices [n, tags] (numpy), counting only the decisions where ``mask`` is 1."""
    import numpy as np

    pred, gold = np.asarray(pred, dtype=bool), np.asarray(gold, dtype=bool)
    if mask is not None:
        keep = np.broadcast_to(np.asarray(mask, dtype=bool), pred.shape)
        pred, gold = pred & keep, gold & keep
    tp, n_pred, n_gold = int((pred & gold).sum()), int(pred.sum()), int(gold.sum())
    return _prf(tp, n_pred, n_gold)[2]
