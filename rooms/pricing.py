"""Money and area fields of the room form and the filters: read as people type them (one money
reader for the form and the search box: ``mlcore.money``), shown as people read them."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from mlcore.money import money_value

MIN_PRICE_VND = 100_000
MAX_PRICE_VND = 1_000_000_000



class PriceError(ValueError):
    pass


def parse_price_vnd(text: str) -> int:
    """Monthly rent (or deposit) in VND as people write it (``mlcore.money``: "3tr5", "2m5",
    "4 triệu rưỡi", "3.5" = 3,5 triệu); raises PriceError with a Vietnamese message."""
    if not (text or "").strip():
        raise PriceError("Vui lòng nhập giá thuê.")
    price = money_value(text, bare_unit=1_000_000)
    if price is None:
        raise PriceError(f"Không hiểu giá “{text}”. Ví dụ: 3.5 triệu, 3tr5 hoặc 3500000.")
    if price < MIN_PRICE_VND:
        raise PriceError("Giá thuê quá thấp (tối thiểu 100.000 đ/tháng).")
    if price > MAX_PRICE_VND:
        raise PriceError("Giá thuê quá cao (tối đa 1 tỷ đ/tháng).")
    return price


def parse_amount_vnd(text: str, *, low: int, high: int, example: str) -> int | None:
    """A small amount in VND (electricity per kWh, water per m³ or per person) as people write it:
    "3500", "3.500", "3k5", "3,5k", "3,5" (= 3.500 đ), "20k/m3"; blank = None; else PriceError."""
    if not (text or "").strip():
        return None
    value = money_value(text, bare_unit=1_000)
    if value is None:
        raise PriceError(f"Không hiểu số tiền “{text}”. Ví dụ: {example}.")
    if not low <= value <= high:
        raise PriceError(f"Số tiền phải từ {low:,} đến {high:,} đ.".replace(",", "."))
    return value


# Sensible monthly rents by room type when the site has too few rooms to say (VND).
PLAUSIBLE_RENT = {"phong_tro": (500_000, 15_000_000), "can_ho_mini": (2_000_000, 40_000_000),
                  "nha_nguyen_can": (3_000_000, 200_000_000), "o_ghep": (300_000, 6_000_000)}
# A price this many times beyond the usual range (10th-90th percentile) is worth a question.
UNUSUAL_FACTOR = 3


def unusual_price(price: int, room_type: str, type_label: str, usual: tuple[int, int, str] | None) -> str:
    """A gentle question when ``price`` is far outside what rooms of that type (and place) cost:
    "" when it is not.  ``usual``: ``RoomQuerySet.usual_prices``'s answer (None: too few rooms)."""
    if usual is not None:
        lo, hi, where = usual
        low, high = lo / UNUSUAL_FACTOR, hi * UNUSUAL_FACTOR
        said = f"{type_label}{f' ở {where}' if where else ''} trên trang thường {format_price_vnd(lo)}–{format_price_vnd(hi)}"
    else:
        low, high = PLAUSIBLE_RENT.get(room_type, (300_000, 200_000_000))
        said = f"{type_label} thường trong khoảng {format_price_vnd(low)}–{format_price_vnd(high)}"
    if low <= price <= high:
        return ""
    return (f"Giá {format_price_vnd(price)}/tháng có đúng không? {said}/tháng. "
            f"Nếu đúng, đánh dấu ô xác nhận bên dưới rồi lưu lại.")


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
