"""The tagger in use, for people to see (the admin's model panel): version, runtime, and the
figures it was promoted with."""
from __future__ import annotations

from . import wording
from .serving import get_tagger

# The checkpoint's promotion figures shown beside the model version (mlcore.gate's names).
MODEL_FIGURES = [("dev_gold_micro_f1", "văn bản (dev_gold), micro-F1"), ("dev_gold_macro_f1", "văn bản, macro-F1"),
                 ("photo_test_visual_micro_f1", "chỉ ảnh (tập ảnh kiểm tra), micro-F1"),
                 ("pairs_both_visual_f1", "văn bản + ảnh, đặc điểm nhìn thấy được, F1")]


def model_card() -> dict:
    """The tagger in use for people to see: version, runtime, and the figures it was promoted with."""
    tagger = get_tagger()
    evaluation = getattr(tagger, "evaluation", {}) or {}
    rules_now = getattr(tagger, "rules_hash", None)
    measured = getattr(tagger, "measured_rules_hash", rules_now)
    return {"version": tagger.version, "runtime": wording.runtime(getattr(tagger, "runtime_name", "quy tắc (lexicon)")),
            # the figures were measured with other rules than the ones read now (or unknown ones)
            "rules_now": rules_now, "rules_measured": measured, "rules_differ": bool(evaluation) and measured != rules_now,
            "figures": [(label, evaluation[key]) for key, label in MODEL_FIGURES if key in evaluation],
            "gate": [wording.gate_reason(r) for r in (evaluation.get("gate") or {}).get("reasons", [])],
            "replaced": (evaluation.get("gate") or {}).get("shipped_version")}
