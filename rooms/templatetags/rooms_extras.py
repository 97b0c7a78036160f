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
def percent(value) -> int:
    return int(round(float(value) * 100))
