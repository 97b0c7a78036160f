"""The lexicon's fast scanning finds exactly what the plain regexes find (``mlcore.fast_patterns``).

The judge is Python's own ``re``: for every rule of the lexicon and every text (real listings
where the data is here, generated text always), the matches of the fast path equal
``re.compile(_bounded(pattern)).finditer`` on the accented text and, for the accent-free twin, on
the folded text where the writer typed no accents."""
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from mlcore.fast_patterns import LeftBounded, StartIndex, may_match, required_literals, start_literals
from mlcore.lexicon import _bounded, default_lexicon
from mlcore.lexicon_rules import Rule
from mlcore.text import normalize, strip_diacritics_str

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"

WORDS = ["máy lạnh", "điều hòa", "không", "có", "bao", "gồm", "điện", "nước", "để xe", "bãi xe", "chỗ",
         "gác lửng", "wc", "riêng", "gần", "chợ", "trường", "dieu hoa", "may lanh", "khong", "x", "ab",
         "1", "25m2", "q1", "quận 1", ",", ".", "\n", "(", ")", "đ", "nhà vệ sinh", "tự do", "giờ giấc"]
TEXTS = st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join) | st.text(
    alphabet="abcdđeghiklmnoqrstuvxyáàảãạâấầêếềôốồơớờưứừ 0123456789,.:;-\n", max_size=150)


def _reference(cr, text: str, folded: str):
    accented = [m.span() for m in re.compile(_bounded(cr.rule.pattern)).finditer(text)]
    if cr.folded is None:
        return accented, []
    twin = re.compile(_bounded(strip_diacritics_str(cr.rule.pattern)))
    return accented, [m.span() for m in twin.finditer(folded) if text[m.start():m.end()] == m.group(0)]


def _fast(lexicon, cr, text: str, folded: str):
    at, at_folded = lexicon._starts.positions(text), lexicon._starts.positions(folded)
    accented, twin = lexicon._rule_matches(cr, text, folded, at, at_folded)
    return [m.span() for m in accented], [m.span() for m in twin]


def _assert_same_matches(lexicon, raw: str):
    norm = normalize(raw)
    text, folded = norm.normalized.text, norm.folded.text
    for cr in lexicon._rules:
        assert _fast(lexicon, cr, text, folded) == _reference(cr, text, folded), cr.rule.pattern


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_every_rule_finds_what_its_plain_regex_finds(raw):
    _assert_same_matches(default_lexicon(), raw)


def test_every_rule_finds_what_its_plain_regex_finds_on_real_listings():
    path = DATA / "dev_gold.jsonl"
    if not path.is_file():
        pytest.skip(f"{path} is not on this machine")
    lexicon = default_lexicon()
    texts = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for raw in texts[:120] + [strip_diacritics_str(t) for t in texts[:60]]:
        _assert_same_matches(lexicon, raw)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_left_bounded_equals_its_lookbehind_regex(text):
    for left, body in [(r"[^\W_]", r"(?:máy lạnh|điều hòa(?: nhiệt độ)?)(?![^\W_])"),
                       (r"[^\W_]", r"(?:x|ab)(?![^\W_])"),                       # no start strings
                       (r"[^\W\d_]", r"(?:ko|không|kh(?=\s))(?![^\W_])"),
                       (r"\w", r"(?:không|có)(?:\s+(?:có|bao))*\s*$")]:
        for flags in (0, re.IGNORECASE):
            fast = LeftBounded(left, body, flags)
            plain = re.compile(f"(?<!{left})(?:{body})", flags)
            assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)]
            index = StartIndex([fast])
            places = index.positions(text).get(fast, [])
            if fast.starts is not None:
                assert [m.span() for m in fast.finditer(text, 0, places)] == \
                       [m.span() for m in plain.finditer(text)]


def test_literals_read_off_a_pattern():
    assert required_literals("máy lạnh|điều hòa(?: nhiệt độ)?") == (("máy lạnh", "điều hòa"),)
    assert required_literals("bao (?:gồm )?điện") == (("bao ",), ("điện",))
    assert required_literals("[a-z]+") is None
    assert required_literals("(?i)ktx") is None                 # case-folded: no shortcut
    assert start_literals("(?:chỗ |nơi )?để xe|bãi (?:xe|đỗ)") == ("bãi x", "bãi đ", "chỗ đ", "nơi đ", "để xe")
    assert start_literals(r"\d+ ?m2") is None
    assert may_match((("bao ",), ("điện",)), "bao luôn tiền điện")
    assert not may_match((("bao ",), ("điện",)), "bao luôn tiền nước")
    with pytest.raises(ValueError):
        LeftBounded(r"\w", r"a*")


def test_a_rule_with_a_leading_character_class_still_matches():
    lexicon = type(default_lexicon())(rules=[Rule(r"\d+ ?(?:nhà vệ sinh|wc)", ("wc_rieng",))], listing_rules=[])
    assert {m.slug for m in lexicon.tag("Nhà có 2 nhà vệ sinh")} == {"wc_rieng"}
