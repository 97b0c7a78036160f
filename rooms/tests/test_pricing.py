import pytest

from rooms.pricing import PriceError, format_price_vnd, parse_price_vnd


@pytest.mark.parametrize("text, price", [
    ("3.5 triệu", 3_500_000), ("3,5 triệu", 3_500_000), ("3tr5", 3_500_000), ("3 tr 5", 3_500_000),
    ("3TR5", 3_500_000), ("3tr25", 3_250_000), ("3 triệu", 3_000_000), ("3500000", 3_500_000),
    ("3.500.000", 3_500_000), ("3,500,000", 3_500_000), ("3.500.000đ", 3_500_000),
    ("3.500.000 VNĐ/tháng", 3_500_000), ("3500k", 3_500_000), ("800k", 800_000), ("3.5", 3_500_000),
    ("12 triệu", 12_000_000), ("1tr2", 1_200_000), (" 4 triệu ", 4_000_000),
])
def test_prices_as_landlords_type_them(text, price):
    assert parse_price_vnd(text) == price


@pytest.mark.parametrize("text, message", [
    ("", "Vui lòng nhập giá"), ("rẻ lắm", "Không hiểu giá"), ("50000", "quá thấp"),
    ("2000 triệu", "quá cao"), ("3.5tr5", "Không hiểu giá"),
])
def test_bad_prices_have_a_clear_message(text, message):
    with pytest.raises(PriceError, match=message):
        parse_price_vnd(text)


def test_format():
    assert format_price_vnd(3_500_000) == "3,5 triệu"
    assert format_price_vnd(3_000_000) == "3 triệu"
    assert format_price_vnd(800_000) == "800.000 đ"
