"""Run a tagger over a labelled dataset and score it (``python -m mlcore evaluate``)."""
from __future__ import annotations

from typing import Sequence

from tqdm import tqdm

from .data import Example
from .metrics import multilabel_scores
from .taggers import Tagger
from .vocab import TagVocabulary


def evaluate(examples: Sequence[Example], tagger: Tagger, vocab: TagVocabulary,
             progress: bool = False) -> dict:
    """Scores of ``tagger`` on ``examples`` (see :func:`mlcore.metrics.multilabel_scores`)."""
    gold = [set(ex.tags) for ex in examples]
    pred = [tagger.predict_tags(ex.text) for ex in tqdm(examples, desc="evaluate", unit="listing",
                                                         disable=not progress, leave=False)]
    report = multilabel_scores(gold, pred, vocab.slugs)
    report["model"] = tagger.name
    report["model_version"] = tagger.version
    return report


def format_report(report: dict, vocab: TagVocabulary) -> str:
    """A plain-text table: overall figures, then per-tag P/R/F1/support, weakest F1 first."""
    lines = [
        f"model {report['model']} ({report['model_version']}), {report['n']} listings",
        f"micro  P {report['micro_precision']:.3f}  R {report['micro_recall']:.3f}  F1 {report['micro_f1']:.3f}",
        f"macro  P {report['macro_precision']:.3f}  R {report['macro_recall']:.3f}  F1 {report['macro_f1']:.3f}"
        f"  (over {report['macro_tags']} tags present in the data)",
        "",
        f"{'tag':<20} {'name':<26} {'P':>6} {'R':>6} {'F1':>6} {'support':>8} {'pred':>6}",
    ]
    rows = sorted(report["per_tag"].items(), key=lambda kv: (kv[1]["support"] == 0, kv[1]["f1"], kv[0]))
    for slug, s in rows:
        name = vocab[slug].name if slug in vocab else ""
        lines.append(f"{slug:<20} {name[:26]:<26} {s['precision']:>6.3f} {s['recall']:>6.3f} {s['f1']:>6.3f}"
                     f" {s['support']:>8} {s['predicted']:>6}")
    return "\n".join(lines)
