"""Read a monthly rent the way landlords type it: "3.5 triệu", "3tr5", "3500000", "3.500.000đ"."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

MIN_PRICE_VND = 100_000
MAX_PRICE_VND = 1_000_000_000

_MILLION = re.compile(r"^(\d+(?:[.,]\d+)?)\s*(?:triệu|trieu|tr|củ|m)\s*(\d*)$")
_THOUSAND = re.compile(r"^(\d+(?:[.,]\d+)?)\s*(?:k|nghìn|ngàn|ngan|nghin)$")
_GROUPED = re.compile(r"^\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*$")
_PLAIN = re.compile(r"^\d+(?:[.,]\d+)?$")
_NOISE = re.compile(r"(?:vnđ|vnd|đồng|dong|đ|/\s*(?:tháng|th|thang))$")


class PriceError(ValueError):
    pass


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def parse_price_vnd(text: str) -> int:
    """Monthly rent in VND from free text; raises PriceError with a Vietnamese message."""
    raw = (text or "").strip().lower()
    s = raw.replace(" ", "") if not re.search(r"[a-zđ]", raw) else re.sub(r"\s+", " ", raw)
    for _ in range(2):
        s = _NOISE.sub("", s).strip()
    if not s:
        raise PriceError("Vui lòng nhập giá thuê.")
    if m := _MILLION.match(s):
        value = _number(m.group(1)) * 1_000_000
        if m.group(2):  # "3tr5" = 3.5 triệu, "3tr25" = 3.25 triệu
            if "." in m.group(1) or "," in m.group(1):
                raise PriceError(f"Không hiểu giá “{text}”.")
            value += int(m.group(2)) / 10 ** len(m.group(2)) * 1_000_000
    elif m := _THOUSAND.match(s):
        value = _number(m.group(1)) * 1_000
    elif _GROUPED.match(s):
        value = float(re.sub(r"[.,]", "", s))
    elif _PLAIN.match(s):
        value = _number(s)
        if value < 1_000:  # "3.5" in a rent field means 3.5 triệu
            value *= 1_000_000
    else:
        raise PriceError(f"Không hiểu giá “{text}”. Ví dụ: 3.5 triệu, 3tr5 hoặc 3500000.")
    price = int(round(value))
    if price < MIN_PRICE_VND:
        raise PriceError("Giá thuê quá thấp (tối thiểu 100.000 đ/tháng).")
    if price > MAX_PRICE_VND:
        raise PriceError("Giá thuê quá cao (tối đa 1 tỷ đ/tháng).")
    return price


def format_price_vnd(price: int) -> str:
    """3500000 -> "3,5 triệu"; 800000 -> "800.000 đ"."""
    if price >= 1_000_000:
        millions = f"{price / 1_000_000:.2f}".rstrip("0").rstrip(".")
        return f"{millions.replace('.', ',')} triệu"
    return f"{price:,} đ".replace(",", ".")


class AreaError(ValueError):
    pass


def parse_area_m2(text: str) -> Decimal:
    """Floor area in m² from "25", "25,5", "25.5m2", "25 m²"; raises AreaError (Vietnamese)."""
    raw = (text or "").strip().lower().replace("m2", "").replace("m²", "").replace(",", ".").strip()
    try:
        area = Decimal(raw)
    except InvalidOperation:
        area = None
    if area is None or not area.is_finite():        # "NaN", "sNaN", "Infinity" are Decimals too
        raise AreaError("Diện tích phải là một số, ví dụ 25 hoặc 25,5.")
    if not Decimal("1") <= area <= Decimal("10000"):
        raise AreaError("Diện tích phải từ 1 đến 10.000 m².")
    return area.quantize(Decimal("0.1"))
