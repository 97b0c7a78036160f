"""The learning curve of issue 13: dev_gold text micro-F1 of a model trained with 0, 200, 400 and
800 human-labelled listings (``train_gold.jsonl``, a fixed shuffle, the first N rows), the rules'
weak labels everywhere else.

    .venv/bin/python scripts/learning_curve.py [--config configs/learning_curve.json] [--sizes 0 200 400 800]
        [--out docs/learning_curve.png] [--json]

Each point is one training run of the recipe (the default recipe with ``--config``'s keys over it;
``configs/learning_curve.json`` is a reduced one that takes a few minutes a run on a 2-core CPU)
and one ``mlcore evaluate`` of its checkpoint on dev_gold, text only; the lexicon's figure is the
horizontal line.  Training data stays in ``../shared/data``: the subsets are written to a temporary
folder, never into the repository.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def text_f1(model: str, data: Path) -> dict:
    """dev_gold micro- and macro-F1 of ``model`` ("lexicon" or a checkpoint folder), text only, as
    ``python -m mlcore evaluate --modality text`` computes them."""
    from mlcore.data import read_dataset
    from mlcore.evaluate import evaluate
    from mlcore.taggers import load_tagger
    from mlcore.vocab import default_vocabulary

    vocab = default_vocabulary()
    report = evaluate(read_dataset(data, vocab, check_images=False), load_tagger(model, vocab, runtime="torch"),
                      vocab, modality="text")
    return {"micro_f1": round(report["micro_f1"], 4), "macro_f1": round(report["macro_f1"], 4)}


def subset(rows: list[str], n: int, folder: Path) -> Path:
    path = folder / f"train_gold_{n}.jsonl"
    path.write_text("".join(rows[:n]), encoding="utf-8")
    return path


def plot(points: list[dict], lexicon: dict, path: Path, title: str, target: float | None = None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    sizes = [p["human_labelled"] for p in points]
    ax.plot(sizes, [p["micro_f1"] for p in points], "o-", label="model, micro-F1")
    ax.plot(sizes, [p["macro_f1"] for p in points], "s--", label="model, macro-F1")
    ax.axhline(lexicon["micro_f1"], color="grey", linestyle=":", label=f"lexicon, micro-F1 {lexicon['micro_f1']:.4f}")
    if target is not None:
        ax.axhline(target, color="tab:red", linestyle="-.", label=f"target, micro-F1 {target:.3f}")
    for p in points:
        ax.annotate(f"{p['micro_f1']:.4f}", (p["human_labelled"], p["micro_f1"]), textcoords="offset points",
                    xytext=(0, 6), ha="center", fontsize=8)
    ax.set_xlabel("human-labelled listings in training (train_gold)")
    ax.set_ylabel("dev_gold, text only")
    ax.set_xticks(sizes)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, default=ROOT / "configs" / "learning_curve.json")
    parser.add_argument("--sizes", type=int, nargs="+", default=[0, 200, 400, 800])
    parser.add_argument("--train-gold", type=Path, default=ROOT.parent / "shared" / "data" / "train_gold.jsonl")
    parser.add_argument("--dev-gold", type=Path, default=ROOT.parent / "shared" / "data" / "dev_gold.jsonl")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "learning_curve.png")
    parser.add_argument("--target", type=float, default=0.958, help="a micro-F1 to draw as a line (issue 13's)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if not args.train_gold.is_file() or not args.dev_gold.is_file():
        print(f"needs {args.train_gold} and {args.dev_gold} (the shared data folder)", file=sys.stderr)
        return 2

    from mlcore.train_config import load_train_config
    from mlcore.train import train

    rows = [line if line.endswith("\n") else line + "\n"
            for line in args.train_gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    random.Random(13).shuffle(rows)
    points = []
    with tempfile.TemporaryDirectory(prefix="learning-curve-") as tmp:
        tmp = Path(tmp)
        for n in args.sizes:
            recipe = load_train_config(args.config).replace(
                version=f"learning-curve-{n}", extra_labels=[str(subset(rows, n, tmp))] if n else [])
            start = time.time()
            train(recipe, tmp / f"model_{n}", base=ROOT)
            point = {"human_labelled": n, **text_f1(str(tmp / f"model_{n}"), args.dev_gold),
                     "train_s": round(time.time() - start)}
            print(json.dumps(point), file=sys.stderr)
            points.append(point)
    lexicon = text_f1("lexicon", args.dev_gold)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    plot(points, lexicon, args.out, f"Learning curve ({args.config.name}, one run per point)", args.target)
    result = {"config": args.config.name, "points": points, "lexicon": lexicon, "plot": str(args.out)}
    print(json.dumps(result, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
