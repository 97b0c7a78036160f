"""Reading a renter's search box the way the tagger reads a listing.

``read_query("may lanh gan truong q10 duoi 3tr5", lexicon)`` -> a :class:`ParsedQuery`: features
to require ("dieu_hoa", "gan_truong") and to exclude ("không máy lạnh"), a price range, an area
range, a room type, and what is left over ("q10"), which the site reads for places and searches as
text.  Every understood part carries its span in the typed text, so the page can show it as a
removable chip and cut exactly those characters out of the box.

The text goes through the listing normaliser (abbreviations, teencode "ko", tone marks) and is
then read accent-free, so "dieu hoa", "điều hoà" and "ĐIỀU HÒA" are one query.  Features come from
the lexicon (its negation scopes decide exclusions); prices and areas from the patterns below.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import money
from .lexicon import LexiconTagger
from .room_types import ROOM_TYPES, TAG_ROOM_TYPES
from .text import normalize

__all__ = ["QueryPart", "ParsedQuery", "read_query", "ROOM_TYPES"]

# Room types a renter names (the one vocabulary: mlcore.room_types); the two that are also tags
# match rooms that carry the tag too.

_NUM = money.NUMBER
_MILLION = rf"{money.MILLION}(?![a-z])"
_THOUSAND = rf"{money.THOUSAND}(?![a-z])"
# money as mlcore.money reads it ("3tr5", "2m5", "4 triệu rưỡi", "3500k", "3.500.000đ"), or long digits
_PRICE = rf"(?:{money.WITH_UNIT}|{money.LONG_DIGITS}){money.CURRENCY}(?![a-z0-9])"
# "giá 3.5", "dưới 3,5": a number after a price word, in triệu (not a size, a count or a distance)
_PRICE_BARE = rf"{_NUM}(?![.,]?\d)(?!\s*(?:m2|m²|m\b|met|nguoi|phong|pn|wc|km|phut|tang|lau|xe|k\b|tr|trieu))"
# the same number without its unit, when a range gives the unit once: "3-4tr", "từ 3 đến 4 triệu"
_BARE = rf"{_NUM}"
_AREA_UNIT = r"\s*(?:m2|m²|m\b|met vuong|met)"
_AREA = rf"{_NUM}{_AREA_UNIT}"

_MAX = r"duoi|toi da|khong qua|max|nho hon|it hon|<=?|re hon"
_MIN = r"tren|toi thieu|it nhat|min|lon hon|hon|>=?|tu"
_ABOUT = r"tam|khoang|gan|co|gia|chung|~"
_RANGE_SEP = r"\s*(?:-|–|den|toi|~)\s*"

_PRICE_RANGE = re.compile(rf"(?:(?:gia\s+)?tu\s+)?(?P<lo>{_BARE})(?P<lo_unit>\s*{_MILLION}\s*\d*|\s*{_THOUSAND})?"
                          rf"{_RANGE_SEP}(?P<hi>{_PRICE})")
_PRICE_BOUND = re.compile(rf"(?:(?:gia\s+)?(?P<op>{_MAX}|{_MIN}|{_ABOUT})\s*)?(?P<v>{_PRICE})")
_PRICE_BARE_BOUND = re.compile(rf"\b(?:gia\s+(?:(?P<op>{_MAX}|{_MIN}|tam|khoang)\s+)?|(?P<op2>duoi|tren|toi da|khong qua|tam|khoang)\s+)"
                               rf"(?P<v>{_PRICE_BARE})")
_AREA_RANGE = re.compile(rf"(?:(?:dien tich\s+)?tu\s+)?(?P<lo>{_NUM})(?:{_AREA_UNIT})?{_RANGE_SEP}(?P<hi>{_NUM}){_AREA_UNIT}")
_AREA_BOUND = re.compile(rf"(?:(?:dien tich|rong)\s+)?(?:(?P<op>{_MAX}|{_MIN}|{_ABOUT})\s*)?(?P<v>{_AREA})(?![a-z0-9])")

ABOUT_PRICE = 0.15      # "tầm 3tr5" = 3tr5 ± 15 %
ABOUT_AREA = 0.2

# A named place to be near: "gần ĐH Bách Khoa", "cạnh chợ Bến Thành", "gần bệnh viện Chợ Rẫy",
# "gần bách khoa".  The generic "gần trường" / "gần chợ" stays a tag (the lexicon's).
_NEAR_WORD = r"(?:gan|canh|ben canh|sat|ke ben|ke|doi dien|ngay|quanh)"
PLACE_KINDS = (r"(?:truong dai hoc|truong hoc|truong|dai hoc|dh|hoc vien|cao dang|cho|sieu thi|benh vien|bv|"
               r"cong vien|ga|ben xe|san bay|nga tu|nga ba|vong xoay|cau|toa nha|khu cong nghiep|kcn|duong|pho|ho)")
_NAMED_PLACE = re.compile(rf"(?<![a-z0-9]){_NEAR_WORD}\s+(?:(?P<kind>{PLACE_KINDS})\s+)?"
                          rf"(?P<name>[a-z0-9]+(?:\s+[a-z0-9]+){{0,3}})")
_KIND_WORDS = frozenset("truong hoc dai dh vien cao dang cho sieu thi benh bv cong ga ben xe san bay nga tu ba "
                        "vong xoay cau toa nha khu nghiep kcn duong pho ho gan canh sat ke doi dien ngay quanh".split())

# Words a renter adds that say nothing a filter or the listing text could check.
STOPWORDS = frozenset("""
    tim kiem can thue cho o phong va voi hoac nhung la co khong ko k mot cai thi nao dang muon minh em anh chi
    gia re dep tot hon nhat duoc tai khu vuc cac de lien he sdt
    """.split())


@dataclass(frozen=True)
class QueryPart:
    """One understood piece of the query: ``kind`` tag | not_tag | price | area | room_type | near
    (a named place to be near, its name accent-free)."""
    kind: str
    value: object            # slug, or (low, high) with None for an open end
    start: int               # span in the typed text
    end: int


@dataclass
class ParsedQuery:
    text: str
    parts: list[QueryPart] = field(default_factory=list)
    leftover: str = ""       # the typed text with every understood part cut out

    def _values(self, kind: str) -> list:
        return [p.value for p in self.parts if p.kind == kind]

    @property
    def tags(self) -> list[str]:
        return self._values("tag")

    @property
    def excluded_tags(self) -> list[str]:
        return self._values("not_tag")

    @property
    def price(self) -> tuple[int | None, int | None] | None:
        return next(iter(self._values("price")), None)

    @property
    def area(self) -> tuple[float | None, float | None] | None:
        return next(iter(self._values("area")), None)

    @property
    def room_type(self) -> str | None:
        return next(iter(self._values("room_type")), None)

    @property
    def near(self) -> list[str]:
        """Named places to be near, accent-free ("bach khoa")."""
        return self._values("near")

    def words(self) -> list[str]:
        """Leftover words worth searching the text for (accent-free, no filler words)."""
        return [w for w in re.findall(r"[a-z0-9]+", _folded(self.leftover)) if w not in STOPWORDS]

    def as_dict(self) -> dict:
        return {"text": self.text, "tags": self.tags, "excluded_tags": self.excluded_tags,
                "price_vnd": _range_dict(self.price), "area_m2": _range_dict(self.area),
                "room_type": self.room_type, "near": self.near, "words": self.words()}


def _range_dict(r):
    return None if r is None else {"min": r[0], "max": r[1]}


def _folded(text: str) -> str:
    return normalize(text, mask_phones=False).folded.text


def without_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with the characters of ``spans`` removed, spaces tidied."""
    keep = [True] * len(text)
    for start, end in spans:
        for i in range(max(0, start), min(len(text), end)):
            keep[i] = False
    out = "".join(c if k else " " for c, k in zip(text, keep))
    return re.sub(r"\s+", " ", re.sub(r"\s*[,;]\s*(?=[,;]|$)", "", out)).strip(" ,;")


def _price_value(token: str) -> int | None:
    return money.money_value(token, bare_unit=1_000_000)


def _bounds(op: str | None, value: float, about: float) -> tuple:
    op = (op or "").strip()
    if op and re.fullmatch(_MAX, op):
        return None, value
    if op and re.fullmatch(_MIN, op):
        return value, None
    return value * (1 - about), value * (1 + about)


def _price_part(folded: str) -> tuple[tuple, tuple[int, int]] | None:
    if m := _PRICE_RANGE.search(folded):
        hi = _price_value(m.group("hi"))
        lo_unit = (m.group("lo_unit") or "").strip()
        lo = _price_value(m.group("lo") + lo_unit) if lo_unit else None
        if lo is None and hi is not None:       # "3-4tr": the low end takes the high end's unit
            unit = re.search(rf"{_MILLION}|{_THOUSAND}", m.group("hi"))
            lo = _price_value(m.group("lo") + (unit.group(0) if unit else ""))
        if lo is not None and hi is not None and lo <= hi:
            return (lo, hi), m.span()
    for m in _PRICE_BOUND.finditer(folded):
        value = _price_value(m.group("v"))
        if value is None or not 100_000 <= value <= 100_000_000:     # "cách 500m" is a distance
            continue
        lo, hi = _bounds(m.group("op"), value, ABOUT_PRICE)
        return (None if lo is None else int(round(lo, -3)), None if hi is None else int(round(hi, -3))), m.span()
    for m in _PRICE_BARE_BOUND.finditer(folded):
        value = _price_value(m.group("v"))
        if value is None or not 300_000 <= value <= 100_000_000:
            continue
        lo, hi = _bounds(m.group("op") or m.group("op2"), value, ABOUT_PRICE)
        return (None if lo is None else int(round(lo, -3)), None if hi is None else int(round(hi, -3))), m.span()
    return None


def _area_part(folded: str) -> tuple[tuple, tuple[int, int]] | None:
    if m := _AREA_RANGE.search(folded):
        lo, hi = float(m.group("lo").replace(",", ".")), float(m.group("hi").replace(",", "."))
        if lo <= hi:
            return (lo, hi), m.span()
    if m := _AREA_BOUND.search(folded):
        value = float(re.match(_NUM, m.group("v")).group(0).replace(",", "."))
        op = m.group("op")
        if op is None:
            return (value, None), m.span()      # "20m2": at least 20 m²
        lo, hi = _bounds(op, value, ABOUT_AREA)
        return (None if lo is None else round(lo, 1), None if hi is None else round(hi, 1)), m.span()
    return None


def read_query(text: str, lexicon: LexiconTagger) -> ParsedQuery:
    """Understand a search box text; see the module docstring."""
    text = (text or "")[:500]
    norm = normalize(text, mask_phones=False)
    folded = norm.folded.text
    parts: list[QueryPart] = []
    taken: list[tuple[int, int]] = []      # spans in ``folded`` already understood

    def add(kind: str, value, span: tuple[int, int]) -> None:
        lo, hi = norm.original_span(*span)
        parts.append(QueryPart(kind, value, lo, hi))
        taken.append(span)

    # Quantities first: "3tr5" must not be read as anything else.
    if found := _price_part(folded):
        add("price", *found)
    masked = _mask(folded, taken)
    if found := _area_part(masked):
        add("area", *found)
    masked = _mask(folded, taken)
    def capitalised(start: int, end: int) -> bool:
        lo, hi = norm.original_span(start, end)
        return text[lo:hi][:1].isupper()

    for found in _named_places(masked, capitalised):   # before the tags: a named school is a place, not "gần trường"
        add("near", *found)
    masked = _mask(folded, taken)
    for slug, pattern in ROOM_TYPES.items():
        m = re.search(rf"(?<![a-z0-9])(?:{pattern})(?![a-z0-9])", masked)
        if m and slug not in {p.value for p in parts if p.kind == "room_type"}:
            add("room_type", slug, m.span())
            masked = _mask(folded, taken)
            break
    for match in lexicon.tag(masked):
        if not lexicon.passes(match):
            continue
        spans = [(e.start, e.end) for e in match.evidence]
        if match.slug in TAG_ROOM_TYPES:
            if not any(p.kind == "room_type" for p in parts):
                add("room_type", match.slug, spans[0])
            taken.extend(spans)
            continue
        add("tag", match.slug, spans[0])
        taken.extend(spans[1:])
    for match in lexicon.denied(masked):
        if match.slug in {p.value for p in parts if p.kind == "tag"}:
            continue
        spans = [(e.start, e.end) for e in match.evidence]
        add("not_tag", match.slug, spans[0])
        taken.extend(spans[1:])
    parts.sort(key=lambda p: p.start)
    leftover_spans = [norm.original_span(s, e) for s, e in taken]
    return ParsedQuery(text, parts, without_spans(text, leftover_spans))


def _named_places(masked: str, capitalised) -> list[tuple[str, tuple[int, int]]]:
    """[(the place's name, accent-free; the span of "gần … name")] for the named places in the box.
    A name is the words after the nearness word (and a kind of place: trường, chợ, bệnh viện…):
    words written with a capital ("Chợ Rẫy", "Gia Định"), or any words but filler and kinds; a
    name alone, without a kind, needs two words ("gần bách khoa").  ``capitalised(start, end)``:
    whether the box wrote that word with a capital."""
    found = []
    for m in _NAMED_PLACE.finditer(masked):
        words, end, at = [], m.start("name"), m.start("name")
        for w in m.group("name").split():
            at = masked.index(w, at)
            proper = capitalised(at, at + len(w))
            if not proper and (w in STOPWORDS or w in _KIND_WORDS or (w.isdigit() and not words)):
                break
            words.append(w)
            at = end = at + len(w)
        if not words or (not m.group("kind") and len(words) < 2):
            continue
        found.append((" ".join(words), (m.start(), end)))
    return found


def _mask(folded: str, spans: list[tuple[int, int]]) -> str:
    """``folded`` with understood spans blanked (same length, so positions stay valid)."""
    chars = list(folded)
    for start, end in spans:
        for i in range(start, end):
            chars[i] = " "
    return "".join(chars)
