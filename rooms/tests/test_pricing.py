import pytest

from mlcore.lexicon import default_lexicon
from mlcore.query import read_query
from rooms.pricing import PriceError, format_price_vnd, parse_amount_vnd, parse_price_vnd


@pytest.mark.parametrize("text, price", [
    ("3.5 triệu", 3_500_000), ("3,5 triệu", 3_500_000), ("3tr5", 3_500_000), ("3 tr 5", 3_500_000),
    ("3TR5", 3_500_000), ("3tr25", 3_250_000), ("3 triệu", 3_000_000), ("3500000", 3_500_000),
    ("3.500.000", 3_500_000), ("3,500,000", 3_500_000), ("3.500.000đ", 3_500_000),
    ("3.500.000 VNĐ/tháng", 3_500_000), ("3500k", 3_500_000), ("800k", 800_000), ("3.5", 3_500_000),
    ("12 triệu", 12_000_000), ("1tr2", 1_200_000), (" 4 triệu ", 4_000_000),
    ("2m5", 2_500_000), ("4 triệu rưỡi", 4_500_000), ("3 củ", 3_000_000), ("3 500 000", 3_500_000),
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


@pytest.mark.parametrize("typed", ["2m5", "3.5", "4 triệu rưỡi", "3tr5", "3.500.000đ", "800k", "3 củ"])
def test_the_form_and_the_search_box_read_money_alike(typed):
    """One reader: what the form stores is what the box searches around (the box reads "about")."""
    price = parse_price_vnd(typed)
    box = read_query(typed if not typed.replace(".", "").isdigit() else f"giá {typed}", default_lexicon()).price
    assert box is not None and box[0] < price < box[1]


@pytest.mark.parametrize("typed, amount", [("3k5", 3_500), ("3,5k", 3_500), ("3.500", 3_500), ("3,5", 3_500),
                                           ("3500đ/kWh", 3_500), ("3k5/kwh", 3_500)])
def test_small_amounts_as_landlords_write_them(typed, amount):
    assert parse_amount_vnd(typed, low=500, high=20_000, example="3.500") == amount


def test_a_small_amount_out_of_range_or_unreadable_is_a_clear_error():
    with pytest.raises(PriceError, match="Số tiền phải từ 500 đến 20.000"):
        parse_amount_vnd("35k", low=500, high=20_000, example="3.500")
    with pytest.raises(PriceError, match="Không hiểu số tiền"):
        parse_amount_vnd("rẻ", low=500, high=20_000, example="3.500")
    assert parse_amount_vnd("  ", low=500, high=20_000, example="3.500") is None
