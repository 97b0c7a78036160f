"""The evaluation gate: a newly trained checkpoint against the shipped one, on the same sets.

Sets (built from a ``TrainConfig``'s paths, relative to the working folder):
* ``dev_gold``: the human-checked texts (``threshold_data``), text only;
* ``photo_test``: the photo test groups (``photos``), image only;
* ``pairs``: each dev_gold text with 1–3 photos of the test groups (as ``python -m mlcore
  photo-split --split test --pair-with dev_gold.jsonl`` writes them), scored text-only and with
  the photos, on the visual tags and on the rest.

A candidate replaces the shipped model only when it wins on photos (photo-test visual micro-F1
higher) and does not lose on text (dev_gold micro-F1 no lower than the shipped one's minus
``text_tolerance``).
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from .data import Example, read_dataset
from .evaluate import evaluate
from .photos import multimodal_pairs, read_photo_labels, split_photos
from .taggers import Tagger, load_tagger
from .train_config import TrainConfig, resolve_path
from .vocab import TagVocabulary, default_vocabulary


def evaluation_sets(config: TrainConfig, base: Path = Path("."),
                    vocab: TagVocabulary | None = None) -> dict[str, list[Example]]:
    """{"dev_gold", "photo_test", "pairs"} from the config's ``threshold_data`` and ``photos``."""
    vocab = vocab or default_vocabulary()
    if not config.threshold_data or not config.photos:
        raise ValueError("the gate needs threshold_data and photos")
    gold_path = resolve_path(base, config.gate.pairs or config.threshold_data)
    texts = read_dataset(resolve_path(base, config.threshold_data), vocab, check_images=False)
    test_photos = split_photos(read_photo_labels(resolve_path(base, config.photos), vocab))["test"]
    photo_rows = [Example(id=p.file.name, text="", tags=list(p.tags), images=[p.file]) for p in test_photos]
    pair_texts = read_dataset(gold_path, vocab, check_images=False)
    return {"dev_gold": texts, "photo_test": photo_rows, "pairs": multimodal_pairs(pair_texts, test_photos, vocab)}


def figures(tagger: Tagger, sets: dict[str, list[Example]], vocab: TagVocabulary | None = None) -> dict:
    """The gate's figures for one tagger (each an ``evaluate`` report's headline numbers)."""
    vocab = vocab or default_vocabulary()
    text = evaluate(sets["dev_gold"], tagger, vocab, modality="text")
    photos = evaluate(sets["photo_test"], tagger, vocab, modality="image")
    pairs_text = evaluate(sets["pairs"], tagger, vocab, modality="text")
    pairs_both = evaluate(sets["pairs"], tagger, vocab, modality="both")
    return {
        "version": tagger.version,
        "rules_hash": getattr(tagger, "rules_hash", None),      # the rules these figures were measured with
        "dev_gold_micro_f1": text["micro_f1"], "dev_gold_macro_f1": text["macro_f1"],
        "photo_test_visual_micro_f1": photos["visual"]["micro_f1"],
        "photo_test_visual_precision": photos["visual"]["micro_precision"],
        "photo_test_visual_recall": photos["visual"]["micro_recall"],
        "pairs_text_visual_f1": pairs_text["visual"]["micro_f1"],
        "pairs_text_other_f1": pairs_text["non_visual"]["micro_f1"],
        "pairs_both_visual_f1": pairs_both["visual"]["micro_f1"],
        "pairs_both_other_f1": pairs_both["non_visual"]["micro_f1"],
        "photo_test_per_tag": {s: v for s, v in photos["per_tag"].items() if v["support"] or v["predicted"]},
    }


@dataclass
class GateResult:
    passed: bool
    reasons: list[str]
    candidate: dict
    shipped: dict | None


def decide(candidate: dict, shipped: dict | None, text_tolerance: float = 0.002, photo_tolerance: float = 0.005,
           text_margin: float = 0.003, pairs_tolerance: float | None = None) -> GateResult:
    """Whether ``candidate`` may replace ``shipped`` (both from :func:`figures`): it must win somewhere
    and lose nowhere.  It wins on photos (photo test visual micro-F1 higher) or on text (dev_gold
    micro-F1 at least ``text_margin`` higher: people's labels improve the text side, issue "The
    learning loop"); it holds on text within ``text_tolerance`` and on photos within
    ``photo_tolerance``, and on the text + photo pairs too (visual tags within ``photo_tolerance``,
    the others within ``text_tolerance``, or both within ``pairs_tolerance`` when given): photos
    that help alone but hurt beside a text lose."""
    if shipped is None:
        return GateResult(True, ["no shipped model to compare with"], candidate, None)
    c_photo, s_photo = candidate["photo_test_visual_micro_f1"], shipped["photo_test_visual_micro_f1"]
    c_text, s_text = candidate["dev_gold_micro_f1"], shipped["dev_gold_micro_f1"]
    photo_win, text_win = c_photo > s_photo, c_text >= s_text + text_margin
    photo_hold, text_hold = c_photo >= s_photo - photo_tolerance, c_text >= s_text - text_tolerance
    reasons = [f"wins on photos ({c_photo:.3f} > {s_photo:.3f})" if photo_win else
               f"holds on photos ({c_photo:.3f} vs {s_photo:.3f})" if photo_hold else
               f"loses on photos ({c_photo:.3f} < {s_photo:.3f} - {photo_tolerance})",
               f"wins on text ({c_text:.3f} >= {s_text:.3f} + {text_margin})" if text_win else
               f"holds on text ({c_text:.3f} vs {s_text:.3f})" if text_hold else
               f"loses on text ({c_text:.3f} < {s_text:.3f} - {text_tolerance})"]
    pairs_hold = True
    for key, label, tolerance in (("pairs_both_visual_f1", "visual", photo_tolerance),
                                  ("pairs_both_other_f1", "other", text_tolerance)):
        tolerance = tolerance if pairs_tolerance is None else pairs_tolerance
        if key in candidate and key in shipped and candidate[key] < shipped[key] - tolerance:
            pairs_hold = False
            reasons.append(f"loses on text + photo pairs, {label} tags ({candidate[key]:.3f} < "
                           f"{shipped[key]:.3f} - {tolerance})")
    if not (photo_win or text_win):
        reasons.append("wins nowhere")
    passed = ((photo_win and text_hold) or (text_win and photo_hold)) and pairs_hold
    return GateResult(passed, reasons, candidate, shipped)


ROWS = [("dev_gold text micro-F1", "dev_gold_micro_f1"), ("dev_gold text macro-F1", "dev_gold_macro_f1"),
        ("photo test, image only: visual micro-F1", "photo_test_visual_micro_f1"),
        ("photo test, image only: visual precision", "photo_test_visual_precision"),
        ("photo test, image only: visual recall", "photo_test_visual_recall"),
        ("pairs, text only: visual F1", "pairs_text_visual_f1"), ("pairs, text only: other F1", "pairs_text_other_f1"),
        ("pairs, text + photos: visual F1", "pairs_both_visual_f1"),
        ("pairs, text + photos: other F1", "pairs_both_other_f1")]


def format_gate(result: GateResult) -> str:
    c, s = result.candidate, result.shipped or {}
    lines = [f"{'evaluation set':<42} {'shipped ' + str(s.get('version', '-')):>22} {'new ' + c['version']:>22}"]
    for label, key in ROWS:
        shipped = f"{s[key]:.4f}" if key in s else "-"
        lines.append(f"{label:<42} {shipped:>22} {c[key]:>22.4f}")
    lines.append(("PROMOTE: " if result.passed else "KEEP SHIPPED: ") + "; ".join(result.reasons))
    return "\n".join(lines)


def run_gate(candidate_dir: Path, shipped_dir: Path | None, config: TrainConfig, base: Path = Path("."),
             promote_to: Path | None = None) -> GateResult:
    """Evaluate ``candidate_dir`` (and ``shipped_dir`` when it holds a checkpoint) on the config's
    sets, print the table, and when ``promote_to`` is given and the gate passes, move the
    candidate there (replacing what was shipped).  The figures are saved in the candidate's
    checkpoint (``evaluation``).  The shipped model cannot be its own candidate: the comparison
    would rewrite its checkpoint."""
    import sys

    import torch

    if shipped_dir is not None and Path(candidate_dir).resolve() == Path(shipped_dir).resolve():
        raise ValueError(f"{candidate_dir} is the shipped model itself: train a candidate into another "
                         f"folder (training into the shipped folder writes it beside, as .candidate)")

    from .checkpoint import checkpoint_file

    vocab = default_vocabulary()
    sets = evaluation_sets(config, base, vocab)
    candidate = figures(load_tagger(str(candidate_dir), vocab), sets, vocab)
    shipped = None
    if shipped_dir is not None and checkpoint_file(shipped_dir).is_file():
        shipped = figures(load_tagger(str(shipped_dir), vocab), sets, vocab)
    result = decide(candidate, shipped, config.gate.text_tolerance, pairs_tolerance=config.gate.pairs_tolerance)
    print(format_gate(result), file=sys.stderr)
    file = checkpoint_file(candidate_dir)
    data = torch.load(file, map_location="cpu", weights_only=False)
    data["evaluation"] = {k: v for k, v in candidate.items() if k != "photo_test_per_tag"}
    data["rules_hash"] = candidate["rules_hash"]
    data["evaluation"]["gate"] = {"passed": result.passed, "reasons": result.reasons,
                                  "shipped_version": shipped["version"] if shipped else None}
    torch.save(data, file)
    from .export import refresh_manifest

    refresh_manifest(candidate_dir)        # its export still serves the same weights
    if promote_to is not None and result.passed:
        promote_to = Path(promote_to)
        if promote_to.exists():
            shutil.rmtree(promote_to)
        shutil.move(str(candidate_dir), str(promote_to))
        print(f"promoted {candidate_dir} -> {promote_to}", file=sys.stderr)
    return result
