"""Money as people in Vietnam write it: one reader for every money field of the room form and for
the search box.

"3tr5", "3 triệu 5", "3.5 triệu", "3,5tr", "2m5", "4 triệu rưỡi", "3 củ", "3500k", "3k5", "3 nghìn",
"3.500.000đ", "3,500,000", "3 500 000", "3500000", with or without "đ", "vnđ", "/tháng", "/kWh",
"/m3", "/người".  A number without a unit is read in the field's unit (``bare_unit``: a rent of
"3.5" is 3.5 triệu, an electricity price of "3,5" is 3,500 đ).  "25m2" is never money (square
metres).  Everything works on folded text (``mlcore.text.fold_text``: lowercase, accent-free), so
"triệu", "trieu" and "TR" read alike.
"""
from __future__ import annotations

import re

from .text import fold_text

NUMBER = r"\d+(?:[.,]\d+)?"
MILLION = r"(?:trieu|tr|cu|m(?!2(?!\d)|²))"          # "m" but never "m2"/"m²"
THOUSAND = r"(?:nghin|ngan|k)"
_TAIL = r"(?:\s*(?:\d{1,3}|ruoi)(?![.,]?\d))?"         # "3tr5", "3 triệu 2", "4 triệu rưỡi"
CURRENCY = r"(?:\s*(?:vnd|dong|d))?"
# An amount with its unit ("3tr5", "800k", "4 trieu ruoi"), in folded text.
WITH_UNIT = rf"{NUMBER}\s*(?:{MILLION}|{THOUSAND}){_TAIL}"
# Digits a search box can only mean as money: grouped in thousands twice or more, or six digits and up.
LONG_DIGITS = r"\d{1,3}(?:[.,]\d{3}){2,}|\d{6,}"

_UNIT_AMOUNT = re.compile(rf"(?P<n>{NUMBER})\s*(?:(?P<million>{MILLION})|(?P<thousand>{THOUSAND}))\s*"
                          rf"(?P<tail>\d{{1,3}}|ruoi)?")
_GROUPED = re.compile(r"\d{1,3}(?:\.\d{3})+|\d{1,3}(?:,\d{3})+|\d{1,3}(?: \d{3})+")
_PLAIN = re.compile(NUMBER)
_PER = re.compile(r"\s*/\s*[a-z0-9 ]*$")                # "/thang", "/kwh", "/m3", "/nguoi"
_CURRENCY_END = re.compile(r"\s*(?:vnd|dong|d)$")


def money_value(text: str, bare_unit: int = 1) -> int | None:
    """The amount in đồng that ``text`` writes, or None when it is not an amount (the caller
    words the error).  ``bare_unit``: what a number under 1,000 without a unit counts in."""
    if re.match(r"\s*[-−–]", text or ""):               # a negative amount is no amount
        return None
    s = fold_text(text or "").strip()
    s = _PER.sub("", s)
    s = _CURRENCY_END.sub("", s).strip()
    if not s:
        return None
    if m := _UNIT_AMOUNT.fullmatch(s):
        unit = 1_000_000 if m.group("million") else 1_000
        number, tail = m.group("n"), m.group("tail")
        value = float(number.replace(",", ".")) * unit
        if tail:
            if "." in number or "," in number:            # "3.5tr5" says two things
                return None
            value += (0.5 if tail == "ruoi" else int(tail) / 10 ** len(tail)) * unit
        return int(round(value))
    if _GROUPED.fullmatch(s):
        return int(re.sub(r"[., ]", "", s))
    if _PLAIN.fullmatch(s):
        value = float(s.replace(",", "."))
        return int(round(value * bare_unit if value < 1_000 else value))
    return None
