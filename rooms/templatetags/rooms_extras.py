from django import template

from rooms.pricing import format_price_vnd

register = template.Library()


@register.filter
def vnd(price) -> str:
    """3500000 -> "3,5 triệu"."""
    return format_price_vnd(int(price)) if price not in (None, "") else ""


@register.filter
def dots(value) -> str:
    """3500 -> "3.500" (Vietnamese thousands separator)."""
    return f"{int(value):,}".replace(",", ".") if value not in (None, "") else ""


@register.filter
def phone(value) -> str:
    """"0909123456" -> "0909 123 456", "02838123456" -> "028 3812 3456": grouped as people read them."""
    digits = "".join(ch for ch in str(value or "") if ch.isdigit())
    if len(digits) == 10:
        return f"{digits[:4]} {digits[4:7]} {digits[7:]}"
    if len(digits) == 11:
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    return str(value or "")


@register.filter
def percent(value) -> int:
    return int(round(float(value) * 100))
