"""Per-tag F1 on a labelled set (text only): the lexicon as it was at earlier commits, the lexicon
now and a model now, as a Markdown table (``docs/dev_gold_per_tag.md`` is its output).

    .venv/bin/python scripts/per_tag_table.py --before 540e574~1 --before 8c434be [--model default]
        [--data ../shared/data/dev_gold.jsonl] > docs/dev_gold_per_tag.md

An earlier lexicon is rebuilt from ``git show REV:mlcore/lexicon_rules.py`` (the rule tables; the
matching code is today's), so only the rules differ between the columns.
"""
from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rules_at(rev: str):
    source = subprocess.run(["git", "show", f"{rev}:mlcore/lexicon_rules.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False, encoding="utf-8") as f:
        f.write(source)
    spec = importlib.util.spec_from_file_location(f"lexicon_rules_{abs(hash(rev))}", f.name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module             # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    Path(f.name).unlink()
    return module


def as_rule(old):
    """An earlier table's rule as today's ``Rule`` (fields added since keep their defaults)."""
    from dataclasses import fields

    from mlcore.lexicon_rules import Rule

    return Rule(**{f.name: getattr(old, f.name) for f in fields(Rule) if hasattr(old, f.name)})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", action="append", default=[], metavar="REV",
                        help="a commit whose lexicon rules make a column (repeatable)")
    parser.add_argument("--model", default="default", help="a tagger for the last column ('default', a folder)")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "dev_gold.jsonl")
    args = parser.parse_args(argv)

    from mlcore.data import read_dataset
    from mlcore.evaluate import evaluate
    from mlcore.lexicon import LexiconTagger
    from mlcore.taggers import load_tagger
    from mlcore.vocab import default_vocabulary

    vocab = default_vocabulary()
    examples = read_dataset(args.data, vocab, check_images=False)
    columns = {}
    for rev in args.before:
        module = rules_at(rev)
        tagger = LexiconTagger(vocab, rules=[as_rule(r) for r in module.RULES],
                               listing_rules=getattr(module, "LISTING_RULES", []))
        columns[f"lexicon at {rev}"] = evaluate(examples, tagger, vocab, modality="text")
    columns["lexicon now"] = evaluate(examples, LexiconTagger(vocab), vocab, modality="text")
    columns[f"{args.model} now"] = evaluate(examples, load_tagger(args.model, vocab), vocab, modality="text")

    names = list(columns)
    first = columns[names[0]]["per_tag"]
    tags = sorted((s for s, v in first.items() if v["support"]), key=lambda s: (first[s]["f1"], s))
    print(f"# {args.data.stem} per tag: {', '.join(names)}\n")
    print(f"Text only, {len(examples)} listings (`{args.data.name}`), F1 per tag, weakest in the first column "
          f"first. Made by `scripts/per_tag_table.py`; the rules were changed from train_gold's "
          f"disagreements only: this set was measured, never read.\n")
    print("| tag | support | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    for slug in tags:
        print(f"| {slug} | {first[slug]['support']} | "
              + " | ".join(f"{columns[n]['per_tag'][slug]['f1']:.3f}" for n in names) + " |")
    print("| **micro-F1** | | " + " | ".join(f"**{columns[n]['micro_f1']:.4f}**" for n in names) + " |")
    print("| **macro-F1** | | " + " | ".join(f"**{columns[n]['macro_f1']:.4f}**" for n in names) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
