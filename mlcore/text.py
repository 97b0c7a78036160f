"""Vietnamese text normalisation for listing texts.

Every step is a small function over a :class:`MappedText`, a string that remembers, for each of its
characters, which characters of the original text it came from.  Taggers work on the normalised
text but report evidence spans in the *original* text, which is what the site highlights.

The steps, in the order :func:`normalize` applies them:

1. :func:`nfc`                   Unicode NFC (combining marks composed onto their letters)
2. :func:`remove_invisible`      zero-width spaces, soft hyphens, BOMs removed
3. :func:`unify_tone_marks`      old/new tone placement unified to one form ("hoà" -> "hòa")
4. :func:`expand_abbreviations`  listing abbreviations and teencode ("ml", "ko", "ktx", ...)
5. :func:`lowercase`
6. :func:`clean_symbols`         bullets/emoji -> line breaks, repeated punctuation collapsed
7. :func:`mask_phone_numbers`    "0909 123 456" -> "<sdt>"
8. :func:`collapse_whitespace`

:func:`strip_diacritics` then gives the accent-free form ("điều hòa" -> "dieu hoa") with the same
character positions as the normalised form, for listings typed without accents.
:func:`segment_words` (pyvi) joins multi-syllable words with "_" for PhoBERT-style encoders.

Plain-string helpers (``*_str``) wrap each step for callers that do not need offsets.
"""
from __future__ import annotations

import re
import unicodedata
from re._casefix import _EXTRA_CASES
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from .fast_patterns import LeftBounded, may_match, required_literals

__all__ = [
    "MappedText", "NormalizedText", "normalize", "normalize_text", "fold_text",
    "nfc", "remove_invisible", "unify_tone_marks", "expand_abbreviations", "lowercase",
    "clean_symbols", "mask_phone_numbers", "collapse_whitespace", "strip_diacritics",
    "has_diacritics", "segment_words", "PHONE_TOKEN",
]

PHONE_TOKEN = "<sdt>"


# --------------------------------------------------------------------------------------------
# Offset-tracking string
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MappedText:
    """A derived string plus, per character, the ``[start, end)`` range it covers in the original."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @classmethod
    def identity(cls, text: str) -> "MappedText":
        return cls(text, tuple(range(len(text))), tuple(range(1, len(text) + 1)))

    def __len__(self) -> int:
        return len(self.text)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map the derived range ``[start, end)`` to a range of the original text."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"span [{start}, {end}) outside text of length {len(self.text)}")
        return min(self.starts[start:end]), max(self.ends[start:end])

    def sub(self, pattern: re.Pattern | LeftBounded | str, repl: str | Callable[[re.Match], str],
            flags: int = 0) -> "MappedText":
        """Regex substitution that keeps offsets: each replacement maps to the whole match."""
        if isinstance(pattern, str):
            pattern = re.compile(pattern, flags)
        plain = isinstance(repl, str) and "\\" not in repl    # no group references to expand
        if not pattern.search(self.text):
            return self
        out: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        pos = 0
        for m in pattern.finditer(self.text):
            if m.start() == m.end():
                continue
            out.append(self.text[pos:m.start()])
            starts.extend(self.starts[pos:m.start()])
            ends.extend(self.ends[pos:m.start()])
            new = repl if plain else repl(m) if callable(repl) else m.expand(repl)
            if new == m.group(0):  # unchanged: keep the per-character mapping
                starts.extend(self.starts[m.start():m.end()])
                ends.extend(self.ends[m.start():m.end()])
            else:
                lo, hi = self.original_span(m.start(), m.end())
                starts.extend([lo] * len(new))
                ends.extend([hi] * len(new))
            out.append(new)
            pos = m.end()
        out.append(self.text[pos:])
        starts.extend(self.starts[pos:])
        ends.extend(self.ends[pos:])
        return MappedText("".join(out), tuple(starts), tuple(ends))

    def map_chars(self, fn: Callable[[str], str]) -> "MappedText":
        """Apply ``fn`` to every character; a character may become zero or more characters."""
        table = {ch: fn(ch) for ch in set(self.text)}      # a listing has ~100 distinct characters
        if all(len(new) == 1 for new in table.values()):   # one character each: positions are unchanged
            if all(ch == new for ch, new in table.items()):
                return self
            return MappedText(self.text.translate({ord(ch): new for ch, new in table.items()}),
                              self.starts, self.ends)
        pieces = [table[ch] for ch in self.text]
        if all(len(p) == 1 for p in pieces):  # one character each: positions are unchanged
            return MappedText("".join(pieces), self.starts, self.ends)
        out: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        for ch, s, e in zip(self.text, self.starts, self.ends):
            new = table[ch]
            out.append(new)
            starts.extend([s] * len(new))
            ends.extend([e] * len(new))
        return MappedText("".join(out), tuple(starts), tuple(ends))


# --------------------------------------------------------------------------------------------
# Steps
# --------------------------------------------------------------------------------------------
_COMBINING_MARK = re.compile("[\u0300-\u036f]")


def nfc(t: MappedText) -> MappedText:
    """Unicode NFC: a letter followed by combining marks becomes one precomposed character."""
    if unicodedata.is_normalized("NFC", t.text) and not _COMBINING_MARK.search(t.text):
        return t
    # A base character with its following combining marks is one cluster; NFC each cluster, and
    # drop a mark that cannot join its letter ("Ù" + a second grave): no Vietnamese letter has it.
    return t.sub(re.compile(r".[\u0300-\u036f]+", re.S), _compose_cluster)


def _compose_cluster(m: re.Match) -> str:
    composed = unicodedata.normalize("NFC", m.group(0))
    return composed[0] + "".join(c for c in composed[1:] if not unicodedata.combining(c))


_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\ufe0e\ufe0f]")


def remove_invisible(t: MappedText) -> MappedText:
    """Remove zero-width characters, soft hyphens, direction marks, variation selectors, BOMs."""
    return t.sub(_INVISIBLE, "")


_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền, sắc, ngã, hỏi, nặng
# Open syllables ending in these vowel pairs carry the tone on the first vowel in the traditional
# placement ("hòa", "khỏe", "thủy") and on the second in the "new" one ("hoà", "khoẻ", "thuỷ").
_OPEN_PAIRS = ("oa", "oe", "uy")


def _split_tone(ch: str) -> tuple[str, str]:
    decomposed = unicodedata.normalize("NFD", ch)
    tone = "".join(c for c in decomposed if c in _TONES)
    base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
    return base, tone


def _unify_syllable(word: str) -> str:
    if len(word) < 2:
        return word
    bases, tones = zip(*(_split_tone(c) for c in word))
    plain = "".join(bases).lower()
    if not plain.endswith(_OPEN_PAIRS) or not tones[-1] or tones[-2]:
        return word
    if plain.endswith("uy") and plain[:-2].endswith("q"):  # "quý": the u belongs to "qu"
        return word
    first = unicodedata.normalize("NFC", bases[-2] + tones[-1])
    return word[:-2] + first + bases[-1]


# Only syllables ending in o+toned a/e or u+toned y can need a change.
_NEW_STYLE_CANDIDATE = re.compile(r"[^\W\d_]*(?:o[àáảãạ]|o[èéẻẽẹ]|u[ỳýỷỹỵ])(?![^\W\d_])", re.I)


def unify_tone_marks(t: MappedText) -> MappedText:
    """Traditional tone placement for open oa/oe/uy syllables: "hoà"→"hòa", "thuỷ"→"thủy"."""
    return t.sub(_NEW_STYLE_CANDIDATE, lambda m: _unify_syllable(m.group(0)))


def lowercase(t: MappedText) -> MappedText:
    return t.map_chars(str.lower)


_BULLETS = "•●○◦▪▫■□►▶▸➤➢➔→⇒✓✔✗✘✅❌☑★☆✦✧❖◆◇♦❤♥✨⭐🔥"


def _is_symbol(ch: str) -> bool:
    if ch in _BULLETS:
        return True
    cat = unicodedata.category(ch)
    # So: emoji and pictographs; Cs: stray surrogates; Co: private use (icon fonts).
    return cat in ("So", "Cs", "Co")


# Any blank before a list dash ("\x1f", a no-break space...) counts: the whitespace step drops it
# later, and the dash must not then start a line of its own (normalising twice changes nothing).
_LINE_START_DASH = re.compile(r"(?m)^[^\S\n]*(?:[-+*=>~_]+|\d{1,2}[.)](?!\d))[ \t]*")
_REPEATED_PUNCT = re.compile(r"([!?.,;:~*=_\-])\1+|…+")


def clean_symbols(t: MappedText) -> MappedText:
    """Bullets and emoji become line breaks (they separate list items); list dashes at the start
    of a line and runs of repeated punctuation ("!!!", "...", "…") are reduced."""
    t = t.map_chars(lambda ch: "\n" if _is_symbol(ch) else ch)
    t = t.sub(_LINE_START_DASH, "")
    return t.sub(_REPEATED_PUNCT, lambda m: "." if m.group(0)[0] in ".…" else m.group(1))


# Vietnamese mobile and landline numbers, grouped by spaces, dots or dashes: 0909 123 456,
# 0896.119.779, +84 909-123-456, 028 3823 4567.
_PHONE = LeftBounded(r"[\w.,]", r"(?:\+?84[\s.\-]?|0)(?:\d[\s.\-]?){8,9}\d(?![\w])")


def mask_phone_numbers(t: MappedText) -> MappedText:
    """Replace phone numbers with ``<sdt>`` so neither models nor logs see them."""
    return t.sub(_PHONE, PHONE_TOKEN)


# Runs of spaces and tabs; a lone " " is already what it would become, so it is not a match.
_SPACE_RUN = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200a\u3000]{2,}|[\t\r\f\v\u00a0\u2000-\u200a\u3000]")


def collapse_whitespace(t: MappedText) -> MappedText:
    t = t.sub(_SPACE_RUN, " ")
    t = t.sub(re.compile(r" ?\n[\s]*"), "\n")
    return t.sub(re.compile(r"^\s+|\s+$"), "")


# ---- abbreviations ----------------------------------------------------------------------------
_W = r"[^\W_]"  # a word character that is not "_"
_L = r"[^\W\d_]"  # a letter
_APPLIANCES = (r"máy lạnh|điều hòa|tủ lạnh|máy giặt|nóng lạnh|tivi|tv|giường|nệm|tủ|bếp|wifi|quạt|"
               r"ml|đh|tl|nl|mg|wc|kệ|bàn|ghế|lò vi sóng")
_APPLIANCE_NEAR = LeftBounded(_W, rf"(?:{_APPLIANCES})(?!{_W})", re.I)
_SCHOOL_CONTEXT = re.compile(
    r"(?:gần|cách|ngay|sát|đối diện|kế|cạnh|các|trường|cổng|khu|làng|sinh viên|sv|tới|đến|"
    r"qua|về|bên|học|và|,)\s*$", re.I)


def _clause_around(text: str, start: int, end: int) -> str:
    # a clause runs between sentence marks or line breaks
    lo = max(text.rfind(c, 0, start) for c in ".;\n!?()") + 1
    his = [text.find(c, end) for c in ".;\n!?()"]
    his = [h for h in his if h >= 0]
    hi = min(his) if his else len(text)
    return text[lo:start] + " " + text[end:hi]


def _in_appliance_list(text: str, start: int, end: int) -> bool:
    return bool(_APPLIANCE_NEAR.search(_clause_around(text, start, end)))


def _expand_dh(m: re.Match) -> str:
    text, s, e = m.string, m.start(), m.end()
    after = text[e:e + 3].lstrip(" :.")
    if _SCHOOL_CONTEXT.search(text[max(0, s - 25):s]) or (after[:1].isupper() and not
                                                             _in_appliance_list(text, s, e)):
        return "đại học"
    return "điều hòa" if _in_appliance_list(text, s, e) else "đại học"


def _if_appliance_list(expansion: str) -> Callable[[re.Match], str]:
    def expand(m: re.Match) -> str:
        return expansion if _in_appliance_list(m.string, m.start(), m.end()) else m.group(0)
    return expand


def _expand_dc(m: re.Match) -> str:
    return "địa chỉ" if m.string[m.end():m.end() + 2].lstrip().startswith(":") else "được"


def _expand_nt(m: re.Match) -> str:
    return "nội thất" if re.search(r"(?:full|đủ|có|đầy)\s*$", m.string[:m.start()], re.I) else m.group(0)


# (pattern, expansion); patterns are matched case-insensitively on whole words.
ABBREVIATIONS: list[tuple[str, str | Callable[[re.Match], str]]] = [
    (r"(?<!\d)(?<!\d )ml", "máy lạnh"),            # "500ml" stays a volume
    (r"đh", _expand_dh),                           # đại học by default, điều hòa in appliance lists
    (r"tl", _if_appliance_list("tủ lạnh")),        # otherwise "thương lượng" (price negotiable)
    (r"nl", _if_appliance_list("nóng lạnh")),
    (r"dh", lambda m: "đại học" if _SCHOOL_CONTEXT.search(m.string[max(0, m.start() - 25):m.start()])
     else m.group(0)),
    (r"wc|toilet|toilette|tolet|nvs|nhà wc", "nhà vệ sinh"),
    (r"vs(?=\s*(?:riêng|chung|khép kín|trong))", "vệ sinh"),
    (r"hs[\s\-/]*sv", "học sinh sinh viên"),
    (r"sv", "sinh viên"),
    (r"ktx", "ký túc xá"),
    (r"ccmn", "chung cư mini"),
    (r"chdv", "căn hộ dịch vụ"),
    (r"hxh", "hẻm xe hơi"),
    (r"tttm", "trung tâm thương mại"),
    (r"ko|hok|hông|khg|khum|kh(?=\s)", "không"),
    (r"(?<!\d)(?<!\d )(?<!circle )(?<!circle-)k(?!\s*\d)", "không"),  # "500k" and "Circle K" stay
    (r"đc|dc", _expand_dc),
    (r"nt", _expand_nt),                            # "full nt" = full nội thất
    (r"(?<=\d)pn|(?<=\d )pn", "phòng ngủ"),
    (r"tv|ti vi", "tivi"),
    (r"gđ", "gia đình"),
    (r"mg|mtg", "môi giới"),
]
_ABBREVIATION_RES = [(LeftBounded(_L, rf"(?:{p})(?!{_W})", re.I), r) for p, r in ABBREVIATIONS]
# Lower-case words each abbreviation's matches contain: most listings have few of them, and a
# pattern whose words are absent from the lower-cased text is not run.
_ABBREVIATION_WORDS = [tuple(tuple(s.lower() for s in g) for g in required_literals(rf"(?:{p})") or ())
                       or None for p, _ in ABBREVIATIONS]
# Characters that case-insensitive matching pairs with letters other than their lower case
# ("ſ" matches "s"): with one of them in the text, every pattern runs.
_UNUSUAL_CASES = {ch for k, v in _EXTRA_CASES.items() for ch in (chr(k), *map(chr, v)) if not ch.isascii()} | {"Σ"}


def expand_abbreviations(t: MappedText) -> MappedText:
    """Expand listing abbreviations and teencode where the context makes them unambiguous.

    Runs on cased text (a capitalised name after "ĐH" means a university); expansions are
    lowercase.  Ambiguous forms are left alone rather than guessed ("tl" after a price is
    "thương lượng", not "tủ lạnh").
    """
    lowered = None
    for (pattern, repl), words in zip(_ABBREVIATION_RES, _ABBREVIATION_WORDS):
        if lowered is None:
            lowered = t.text.lower()
            if len(lowered) != len(t.text) or not _UNUSUAL_CASES.isdisjoint(t.text):
                lowered = ""        # no shortcut for this text
        if lowered and not may_match(words, lowered):
            continue
        expanded = t.sub(pattern, repl)
        if expanded is not t:
            t, lowered = expanded, None
    return t


# ---- accent-free form -------------------------------------------------------------------------
@lru_cache(maxsize=4096)
def _strip_char(ch: str) -> str:
    if ch in "đĐ":
        return "d" if ch == "đ" else "D"
    decomposed = unicodedata.normalize("NFD", ch)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return base if len(base) == 1 else ch


def strip_diacritics(t: MappedText) -> MappedText:
    """"điều hòa" -> "dieu hoa"; one character out per character in, so positions are shared."""
    return t.map_chars(_strip_char)


def fold_chars(text: str) -> str:
    """Plain-string :func:`strip_diacritics` (same length as ``text``)."""
    return "".join(map(_strip_char, text))


def has_diacritics(text: str) -> bool:
    """True when ``text`` contains a Vietnamese accented letter or đ."""
    return any(_strip_char(c) != c for c in set(text))


# --------------------------------------------------------------------------------------------
# The whole pipeline
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NormalizedText:
    original: str
    normalized: MappedText   # NFC, tone-unified, expanded, lowercase, cleaned, phones masked
    folded: MappedText       # the same without diacritics; positions equal those of `normalized`

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        return self.normalized.original_span(start, end)


def _pipeline(text: str, *, expand: bool, mask_phones: bool) -> MappedText:
    t = MappedText.identity(text)
    t = remove_invisible(nfc(t))
    t = unify_tone_marks(t)
    if expand:
        t = expand_abbreviations(t)
    t = clean_symbols(lowercase(t))
    if mask_phones:
        t = mask_phone_numbers(t)
    return collapse_whitespace(t)


def normalize(text: str, *, expand: bool = True, mask_phones: bool = True) -> NormalizedText:
    """Normalise a listing text; see the module docstring for the steps."""
    normalized = _pipeline(text, expand=expand, mask_phones=mask_phones)
    return NormalizedText(text, normalized, strip_diacritics(normalized))


def normalize_text(text: str, *, expand: bool = True, mask_phones: bool = True) -> str:
    """Plain-string form of :func:`normalize`."""
    return _pipeline(text, expand=expand, mask_phones=mask_phones).text


def fold_text(text: str) -> str:
    """Normalised and accent-free: the key for accent-insensitive comparison ("dieu hoa")."""
    return strip_diacritics(_pipeline(text, expand=False, mask_phones=False)).text


def _str_step(step: Callable[[MappedText], MappedText]) -> Callable[[str], str]:
    def run(text: str) -> str:
        return step(MappedText.identity(text)).text
    run.__name__ = step.__name__ + "_str"
    run.__doc__ = f"Plain-string form of :func:`{step.__name__}`."
    return run


nfc_str = _str_step(nfc)
unify_tone_marks_str = _str_step(unify_tone_marks)
expand_abbreviations_str = _str_step(expand_abbreviations)
clean_symbols_str = _str_step(clean_symbols)
mask_phone_numbers_str = _str_step(mask_phone_numbers)
strip_diacritics_str = fold_chars


# --------------------------------------------------------------------------------------------
# Word segmentation (optional, for PhoBERT-style encoders)
# --------------------------------------------------------------------------------------------
def segment_words(text: str) -> str:
    """Join the syllables of multi-syllable words with "_" ("điều hòa" -> "điều_hòa").

    PhoBERT was pre-trained on word-segmented text.  Uses pyvi (its CRF model ships inside the
    package, nothing is downloaded).  Raises RuntimeError naming the package when it is absent.
    """
    try:
        from pyvi import ViTokenizer
    except ImportError as exc:  # pragma: no cover - exercised only without the dependency
        raise RuntimeError("word segmentation needs the 'pyvi' package: pip install pyvi") from exc
    return ViTokenizer.tokenize(text)
