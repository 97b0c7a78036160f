"""``python -m mlcore``: evaluate taggers, weak-label listings, tag a text, normalise a text."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tqdm import tqdm

from .data import DatasetError, Example, iter_jsonl_objects, jsonl_text, read_dataset, write_jsonl
from .evaluate import evaluate, format_report
from .lexicon import LexiconTagger
from .taggers import TaggerNotFound, load_tagger
from .text import normalize, segment_words, fold_text
from .vocab import TagVocabulary, default_vocabulary


def _vocab(args) -> TagVocabulary:
    return TagVocabulary.from_file(args.taxonomy) if args.taxonomy else default_vocabulary()


def cmd_evaluate(args) -> int:
    vocab = _vocab(args)
    examples = read_dataset(args.data, vocab, check_images=args.modality != "text")
    tagger = load_tagger(args.model, vocab, runtime=args.runtime)
    report = evaluate(examples, tagger, vocab, progress=not args.json and sys.stderr.isatty(),
                      modality=args.modality)
    report["data"] = str(args.data)
    report["runtime"] = getattr(tagger, "runtime_name", "rules")
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(format_report(report, vocab))
    short = [f"{name} {report[key]:.4f} < {bar}" for name, key, bar in
             (("micro-F1", "micro_f1", args.min_micro_f1), ("macro-F1", "macro_f1", args.min_macro_f1))
             if bar is not None and report[key] < bar]
    if short:       # a quality bar (CI checks the shipped models' figures this way, not in pytest)
        print(f"below the bar on {args.data}: {'; '.join(short)}", file=sys.stderr)
        return 1
    return 0


def cmd_photo_split(args) -> int:
    from .data import write_csv
    from .photos import read_photo_labels, split_photos

    vocab = _vocab(args)
    photos = split_photos(read_photo_labels(args.labels, vocab))[args.split]
    if args.pair_with:
        from .photos import multimodal_pairs

        texts = read_dataset(args.pair_with, vocab, check_images=False)
        pairs = multimodal_pairs(texts, photos, vocab, seed=args.seed)
        write_jsonl(pairs, args.out)
        print(f"wrote {len(pairs)} listings of {args.pair_with.name} with 1-3 {args.split} photos each to {args.out}",
              file=sys.stderr)
        return 0
    write_csv([Example(id=p.file.name, text="", tags=list(p.tags), images=[p.file]) for p in photos], args.out)
    print(f"wrote {len(photos)} {args.split} photos to {args.out}", file=sys.stderr)
    return 0


def cmd_weak_label(args) -> int:
    vocab = _vocab(args)
    tagger = LexiconTagger(vocab)
    rows = list(iter_jsonl_objects(args.input))
    out, skipped_gold, skipped_empty = [], 0, 0
    for lineno, obj in tqdm(rows, desc="weak-label", unit="listing", file=sys.stderr):
        if obj.get("in_dev_gold") and not args.keep_dev_gold:
            skipped_gold += 1
            continue
        text = jsonl_text(obj)
        if not text or not text.strip():
            skipped_empty += 1
            continue
        tags = tagger.predict_tags(text, threshold=args.threshold)
        out.append(Example(id=str(obj.get("id") or f"{Path(args.input).stem}:{lineno}"), text=text,
                           tags=[s for s in vocab.slugs if s in tags]))
    write_jsonl(out, args.out)
    print(f"wrote {len(out)} labelled listings to {args.out} "
          f"(skipped {skipped_gold} dev_gold rows, {skipped_empty} without text)", file=sys.stderr)
    return 0


def cmd_tag(args) -> int:
    text = args.text if args.text != "-" else sys.stdin.read()
    matches = LexiconTagger(_vocab(args)).tag(text)
    print(json.dumps([m.as_dict() for m in matches], ensure_ascii=False, indent=1))
    return 0


def cmd_normalize(args) -> int:
    text = args.text if args.text != "-" else sys.stdin.read()
    norm = normalize(text)
    result = {"normalized": norm.normalized.text, "folded": fold_text(text)}
    if args.segment:
        result["segmented"] = segment_words(norm.normalized.text)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


def cmd_train(args) -> int:
    """Train into ``--out``; then the evaluation gate against the shipped model.  Training into the
    shipped model's own folder writes a candidate beside it, which replaces it only if it passes."""
    from .gate import run_gate
    from .taggers import DEFAULT_CHECKPOINT
    from .train import train
    from .train_config import load_train_config

    config = load_train_config(args.config)
    if args.extra_labels:       # people's labels: annotated sets, or the site's export_training_data
        config = config.replace(extra_labels=[*config.extra_labels, *map(str, args.extra_labels)])
    out = Path(args.out)
    into_shipped = out.resolve() == DEFAULT_CHECKPOINT.resolve()
    target = out.with_name(out.name + ".candidate") if into_shipped else out
    file = train(config, target, base=Path.cwd())
    print(f"wrote {file} (history, feature vocabulary and training_curves.png beside it)", file=sys.stderr)
    # The fast runtime is part of the model: exported (and checked) before the gate times and scores it.
    from .export import export_with_data

    try:
        manifest = export_with_data(target, _config_path(config, "threshold_data"))
    except ValueError as exc:               # a network the export does not cover serves with PyTorch
        print(str(exc), file=sys.stderr)
    else:
        print(f"wrote {target / 'runtime'} (text {'int8' if manifest['text']['int8'] else 'fp32'}, "
              f"image fp32, heads)", file=sys.stderr)
    if args.no_gate:
        return 0
    result = run_gate(target, DEFAULT_CHECKPOINT, config, base=Path.cwd(), promote_to=out if into_shipped else None)
    if into_shipped and not result.passed:
        print(f"the shipped model stays; the candidate is in {target}", file=sys.stderr)
    return 0


def cmd_gate(args) -> int:
    from .gate import run_gate
    from .taggers import DEFAULT_CHECKPOINT
    from .train_config import load_train_config

    result = run_gate(args.candidate, args.shipped or DEFAULT_CHECKPOINT, load_train_config(args.config),
                      base=Path.cwd(), promote_to=(args.shipped or DEFAULT_CHECKPOINT) if args.promote else None)
    return 0 if result.passed else 1


def cmd_export_runtime(args) -> int:
    from .export import export_with_data
    from .taggers import DEFAULT_CHECKPOINT
    from .train_config import load_train_config

    config = load_train_config(args.config)
    model = DEFAULT_CHECKPOINT if args.model == "default" else Path(args.model)
    manifest = export_with_data(model, args.texts or _config_path(config, "threshold_data"), int8=not args.fp32)
    print(json.dumps(manifest, indent=1))
    return 0


def _config_path(config, key: str) -> Path | None:
    """A data path of a ``TrainConfig``, relative to the working folder (None when unset)."""
    from .train_config import resolve_path

    value = getattr(config, key)
    return resolve_path(Path.cwd(), value) if value else None


def cmd_bench(args) -> int:
    from .bench import format_bench, run_bench

    result = run_bench(args.repeats, args.repeats_b32, compare=args.compare, accuracy=not args.no_accuracy)
    print(json.dumps(result) if args.json else format_bench(result))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m mlcore", description=__doc__)
    parser.add_argument("--taxonomy", help="tag taxonomy JSON (default: the shipped vocabulary)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("evaluate", help="score a tagger on a labelled CSV or JSONL file")
    p.add_argument("--data", required=True, type=Path, help="labelled listings (.csv seed format or .jsonl)")
    p.add_argument("--model", default="lexicon", help="'lexicon' or a checkpoint path")
    p.add_argument("--modality", choices=["both", "text", "image"], default="both",
                   help="text: ignore photos; image: ignore text (a photo-only row has an empty mota)")
    p.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")
    p.add_argument("--min-micro-f1", type=float, default=None, metavar="F1",
                   help="exit 1 when micro-F1 is below this bar (a figure check for CI)")
    p.add_argument("--min-macro-f1", type=float, default=None, metavar="F1",
                   help="exit 1 when macro-F1 is below this bar")
    p.add_argument("--runtime", choices=["auto", "onnx", "torch"], default=None,
                   help="a checkpoint's encoders: its ONNX export or PyTorch (default: MLCORE_RUNTIME, else auto)")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("photo-split", help="write one split of the photo labels as a seed-format CSV")
    p.add_argument("--labels", required=True, type=Path, help="photos/labels.csv")
    p.add_argument("--split", choices=["train", "val", "test"], default="test")
    p.add_argument("--out", required=True, type=Path,
                   help="CSV mota,dacdiem,image_path (mota empty); JSONL with --pair-with")
    p.add_argument("--pair-with", type=Path, default=None,
                   help="labelled texts (e.g. dev_gold.jsonl): write each with 1-3 photos of the split; "
                        "its tags become the text's plus the photos'")
    p.add_argument("--seed", type=int, default=0, help="which photos go with which text (--pair-with)")
    p.set_defaults(func=cmd_photo_split)

    p = sub.add_parser("weak-label", help="label raw listings with the lexicon tagger")
    p.add_argument("--in", dest="input", required=True, type=Path, help="listings JSONL")
    p.add_argument("--out", required=True, type=Path, help="output JSONL {id,text,tags,images}")
    p.add_argument("--threshold", type=float, default=None,
                   help="confidence at or above which a tag is kept (default: the tagger's own)")
    p.add_argument("--keep-dev-gold", action="store_true",
                   help="keep rows marked in_dev_gold (never do this for training data)")
    p.set_defaults(func=cmd_weak_label)

    p = sub.add_parser("tag", help="tag one text with the lexicon and show the evidence")
    p.add_argument("text", help="listing text, or - to read standard input")
    p.set_defaults(func=cmd_tag)

    p = sub.add_parser("normalize", help="show the normalised and accent-free forms of a text")
    p.add_argument("text", help="text, or - to read standard input")
    p.add_argument("--segment", action="store_true", help="also word-segment it (pyvi)")
    p.set_defaults(func=cmd_normalize)
    p = sub.add_parser("train", help="train the multimodal tagger (progress bars on stderr), then gate it")
    p.add_argument("--config", type=Path, help="JSON of TrainConfig keys over its defaults (the shipped model's)")
    p.add_argument("--out", required=True, type=Path,
                   help="folder for best_model.pt and its companions; the shipped model's folder "
                        "(mlcore/resources/default_model) is replaced only if the new model passes the gate")
    p.add_argument("--no-gate", action="store_true", help="skip the comparison with the shipped model")
    p.add_argument("--extra-labels", type=Path, action="append", default=[], metavar="FILE.jsonl",
                   help="people-labelled listings to train on (repeatable): complete tag sets, or the "
                        "site's export_training_data (tags, explicit negatives)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("gate", help="compare a checkpoint with the shipped one on the evaluation sets")
    p.add_argument("--candidate", required=True, type=Path, help="the new checkpoint folder")
    p.add_argument("--shipped", type=Path, default=None, help="default: mlcore/resources/default_model")
    p.add_argument("--config", type=Path, help="TrainConfig JSON whose data paths name the sets")
    p.add_argument("--promote", action="store_true", help="replace the shipped folder when the gate passes")
    p.set_defaults(func=cmd_gate)

    p = sub.add_parser("export-runtime", help="export a checkpoint's encoders to ONNX Runtime (int8 where F1 holds)")
    p.add_argument("--model", default="default", help="'default' or a checkpoint folder")
    p.add_argument("--config", type=Path, help="TrainConfig JSON whose data paths give the checks")
    p.add_argument("--texts", type=Path, default=None, help="labelled JSONL for the text check (dev_gold)")
    p.add_argument("--fp32", action="store_true", help="no int8: float32 ONNX for both encoders")
    p.set_defaults(func=cmd_export_runtime)

    p = sub.add_parser("bench", help="ms per listing and peak RSS: default model vs the seed stack")
    p.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")
    p.add_argument("--repeats", type=int, default=10, help="timed runs at batch 1 (median)")
    p.add_argument("--repeats-b32", type=int, default=2, help="timed runs at batch 32 (median)")
    p.add_argument("--compare", default=None, metavar="DIR",
                   help="also time this checkpoint as it serves (e.g. a candidate)")
    p.add_argument("--no-accuracy", action="store_true",
                   help="skip the F1 comparison of the fast runtime with PyTorch (dev_gold, photo test split)")
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (DatasetError, TaggerNotFound, ValueError, OSError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
