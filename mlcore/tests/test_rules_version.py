"""rules_hash: the rules, the vocabulary and the normaliser as data, stable across processes."""
import dataclasses
import subprocess
import sys
from pathlib import Path

from mlcore.lexicon import LexiconTagger
from mlcore.lexicon_rules import LISTING_RULES, RULES
from mlcore.rules_version import rules_hash
from mlcore.vocab import TagVocabulary, default_vocabulary

REPO = Path(__file__).resolve().parents[2]


def test_the_hash_follows_the_rules_the_vocabulary_and_nothing_else():
    vocab = default_vocabulary()
    base = rules_hash(RULES, LISTING_RULES, vocab.tags)
    assert base == rules_hash(list(RULES), list(LISTING_RULES), list(vocab.tags))
    noted = [dataclasses.replace(RULES[0], note="a comment on the rule")] + RULES[1:]
    assert rules_hash(noted, LISTING_RULES, vocab.tags) == base             # a note is not a rule
    stricter = [dataclasses.replace(RULES[0], confidence=0.5)] + RULES[1:]
    assert rules_hash(stricter, LISTING_RULES, vocab.tags) != base
    assert rules_hash(RULES, LISTING_RULES[1:], vocab.tags) != base
    renamed = [dataclasses.replace(vocab.tags[0], aliases=(*vocab.tags[0].aliases, "máy điều hòa mới"))] + vocab.tags[1:]
    assert rules_hash(RULES, LISTING_RULES, renamed) != base


def test_a_lexicon_names_its_rules_in_its_version():
    vocab = default_vocabulary()
    tagger = LexiconTagger(vocab)
    assert tagger.version == f"lexicon-1+rules.{tagger.rules_hash}"
    fewer = TagVocabulary([dataclasses.replace(t, aliases=()) if t.slug == "wifi" else t for t in vocab.tags])
    assert LexiconTagger(fewer).version != tagger.version


def test_the_hash_is_the_same_in_another_process():
    code = "from mlcore.lexicon import LexiconTagger; print(LexiconTagger().rules_hash)"
    other = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"}).stdout.strip()
    assert other == LexiconTagger().rules_hash
