"""What a tagger's output depends on besides its weights, as one short hash.

A suggestion depends on the lexicon's rules (phrases, contexts, listing rules), on the tag
vocabulary (names, aliases, which tags exist) and on the normaliser every text goes through
first.  ``rules_hash`` reads them as data — the rules' and tags' fields, the normaliser's syntax
tree (its code without comments or layout) — so a changed rule, alias or normalisation gives
another hash, and a tagger's version (``<checkpoint>+rules.<hash>``) names it.  Caches,
re-tagging and stored suggestions key on that version.
"""
from __future__ import annotations

import ast
import dataclasses
import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Iterable

HASH_CHARS = 10


def _plain(value):
    """A JSON-able, order-stable form of rules and tags (dataclasses, tuples, sets)."""
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.compare}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


@lru_cache(maxsize=1)
def normaliser_digest() -> str:
    """The normaliser (mlcore.text) as its syntax tree: comments and layout do not count."""
    source = (Path(__file__).parent / "text.py").read_text(encoding="utf-8")
    return hashlib.sha256(ast.dump(ast.parse(source)).encode()).hexdigest()


def rules_hash(rules: Iterable, listing_rules: Iterable, vocabulary_tags: Iterable) -> str:
    """The hash of the rules, the vocabulary and the normaliser (HASH_CHARS hex digits)."""
    data = {"rules": _plain(list(rules)), "listing_rules": _plain(list(listing_rules)),
            "vocabulary": _plain(list(vocabulary_tags)), "normaliser": normaliser_digest()}
    blob = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:HASH_CHARS]


def versioned(base: str, rules: str) -> str:
    """"multimodal-2" + "3fa2…" -> "multimodal-2+rules.3fa2…"."""
    return f"{base}+rules.{rules}"
