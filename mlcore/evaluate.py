"""Run a tagger over a labelled dataset and score it (``python -m mlcore evaluate``)."""
from __future__ import annotations

from typing import Sequence

from tqdm import tqdm

from .data import Example
from .metrics import multilabel_scores
from .taggers import Tagger
from .vocab import TagVocabulary


MODALITIES = ("both", "text", "image")


def evaluate(examples: Sequence[Example], tagger: Tagger, vocab: TagVocabulary,
             progress: bool = False, modality: str = "both") -> dict:
    """Scores of ``tagger`` on ``examples`` (see :func:`mlcore.metrics.multilabel_scores`).

    ``modality`` "text" ignores the photos, "image" ignores the text, "both" gives the tagger both.
    """
    if modality not in MODALITIES:
        raise ValueError(f"unknown modality {modality!r}; choose one of {', '.join(MODALITIES)}")
    gold = [set(ex.tags) for ex in examples]
    pred = []
    for ex in tqdm(examples, desc="evaluate", unit="listing", disable=not progress, leave=False):
        text = "" if modality == "image" else ex.text
        images = () if modality == "text" or not tagger.supports_images else tuple(ex.images)
        has_text = bool(text.strip())
        pred.append({m.slug for m in tagger.tag(text, images) if tagger.passes(m, has_text)})
    report = multilabel_scores(gold, pred, vocab.slugs)
    # The same figures over the tags a photo can show, and over the rest.
    for group, slugs in (("visual", [t.slug for t in vocab if t.visual]),
                         ("non_visual", [t.slug for t in vocab if not t.visual])):
        keep = set(slugs)
        part = multilabel_scores([g & keep for g in gold], [p & keep for p in pred], slugs)
        report[group] = {k: part[k] for k in ("micro_precision", "micro_recall", "micro_f1", "macro_f1", "macro_tags")}
    report["model"] = tagger.name
    report["model_version"] = tagger.version
    report["modality"] = modality
    return report


def format_report(report: dict, vocab: TagVocabulary) -> str:
    """A plain-text table: overall figures, then per-tag P/R/F1/support, weakest F1 first."""
    lines = [
        f"model {report['model']} ({report['model_version']}), {report['n']} listings",
        f"micro  P {report['micro_precision']:.3f}  R {report['micro_recall']:.3f}  F1 {report['micro_f1']:.3f}",
        f"macro  P {report['macro_precision']:.3f}  R {report['macro_recall']:.3f}  F1 {report['macro_f1']:.3f}"
        f"  (over {report['macro_tags']} tags present in the data)",
        f"visual tags micro F1 {report['visual']['micro_f1']:.3f}, "
        f"other tags micro F1 {report['non_visual']['micro_f1']:.3f}",
        "",
        f"{'tag':<20} {'name':<26} {'P':>6} {'R':>6} {'F1':>6} {'support':>8} {'pred':>6}",
    ]
    rows = sorted(report["per_tag"].items(), key=lambda kv: (kv[1]["support"] == 0, kv[1]["f1"], kv[0]))
    for slug, s in rows:
        name = vocab[slug].name if slug in vocab else ""
        lines.append(f"{slug:<20} {name[:26]:<26} {s['precision']:>6.3f} {s['recall']:>6.3f} {s['f1']:>6.3f}"
                     f" {s['support']:>8} {s['predicted']:>6}")
    return "\n".join(lines)
