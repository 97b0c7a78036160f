"""The search box reader: features, exclusions, prices, areas, room types; the rest left over."""
import pytest

from mlcore.lexicon import default_lexicon
from mlcore.query import read_query, without_spans


@pytest.fixture(scope="module")
def read():
    lexicon = default_lexicon()
    return lambda text: read_query(text, lexicon)


@pytest.mark.parametrize("text, tags", [
    ("may lanh gan truong", ["dieu_hoa", "gan_truong"]),
    ("giờ giấc tự do, không chung chủ", ["gio_tu_do", "khong_chung_chu"]),
    ("ko chung chu", ["khong_chung_chu"]),
    ("có gác lửng wc riêng", ["gac_lung", "wc_rieng"]),
    ("ĐIỀU HOÀ", ["dieu_hoa"]),
])
def test_features_become_tags(read, text, tags):
    q = read(text)
    assert sorted(q.tags) == sorted(tags) and q.excluded_tags == [] and q.words() == []


def test_negated_features_are_excluded(read):
    q = read("không máy lạnh, có ban công")
    assert q.tags == ["ban_cong"] and q.excluded_tags == ["dieu_hoa"]
    assert read("khong nuoi thu cung").excluded_tags == ["thu_cung"]


@pytest.mark.parametrize("text, price", [
    ("dưới 3 triệu", (None, 3_000_000)),
    ("duoi 3tr", (None, 3_000_000)),
    ("3-4tr", (3_000_000, 4_000_000)),
    ("từ 3 đến 4 triệu", (3_000_000, 4_000_000)),
    ("tầm 3tr5", (2_975_000, 4_025_000)),
    ("trên 2.500.000đ", (2_500_000, None)),
    ("max 1500k", (None, 1_500_000)),
])
def test_prices(read, text, price):
    q = read(text)
    assert q.price == price and q.leftover == ""


@pytest.mark.parametrize("text, area", [
    ("trên 20m2", (20.0, None)),
    ("dưới 30 mét vuông", (None, 30.0)),
    ("20-30m2", (20.0, 30.0)),
    ("25m2", (25.0, None)),
])
def test_areas_are_not_prices(read, text, area):
    q = read(text)
    assert q.area == area and q.price is None


def test_room_types_and_leftover_words(read):
    q = read("căn hộ mini bình thạnh 5 triệu")
    assert q.room_type == "can_ho_mini" and q.price == (4_250_000, 5_750_000)
    assert q.leftover == "bình thạnh" and q.words() == ["binh", "thanh"]
    assert read("o ghep gan cho").room_type == "o_ghep"
    q = read("phòng trọ quận 10")
    assert q.room_type == "phong_tro" and q.leftover == "quận 10"


def test_spans_point_into_the_typed_text(read):
    text = "Phòng có Máy Lạnh q10 dưới 4tr"
    q = read(text)
    spans = {p.kind: text[p.start:p.end] for p in q.parts}
    assert spans == {"tag": "Máy Lạnh", "price": "dưới 4tr"}
    assert without_spans(text, [(q.parts[0].start, q.parts[0].end)]) == "Phòng có q10 dưới 4tr"
    assert q.as_dict()["price_vnd"] == {"min": None, "max": 4_000_000}



@pytest.mark.parametrize("typed, price", [
    ("2m5", 2_500_000), ("4 triệu rưỡi", 4_500_000), ("4tr rưỡi", 4_500_000), ("3 củ", 3_000_000),
    ("3.500.000đ", 3_500_000), ("3tr5/tháng", 3_500_000),
])
def test_the_box_reads_money_with_the_one_money_reader(read, typed, price):
    from mlcore.money import money_value

    assert money_value(typed, bare_unit=1_000_000) == price
    lo, hi = read(typed).price
    assert lo < price < hi and abs((lo + hi) / 2 - price) <= 1000         # "about" the same amount


@pytest.mark.parametrize("typed, price", [("giá 3.5", (2_975_000, 4_025_000)), ("dưới 3,5", (None, 3_500_000))])
def test_a_bare_number_after_a_price_word_is_in_trieu_as_in_the_form(read, typed, price):
    assert read(typed).price == price


@pytest.mark.parametrize("typed", ["gần 2 trường", "phòng cho 2 người", "cách 500m", "25m2"])
def test_counts_distances_and_sizes_are_not_prices(read, typed):
    assert read(typed).price is None


@pytest.mark.parametrize("typed, place", [
    ("gần bách khoa", "bach khoa"), ("tìm phòng gần ĐH Bách Khoa giá rẻ", "bach khoa"),
    ("gần chợ Bến Thành", "ben thanh"), ("gần bệnh viện Chợ Rẫy", "cho ray"),
    ("gần công viên Gia Định", "gia dinh"), ("phòng gần đại học Văn Lang có máy lạnh", "van lang"),
])
def test_a_named_place_is_a_place_to_be_near_not_the_generic_tag(read, typed, place):
    """Issue 22, item 10: "gần ĐH Bách Khoa" names a place (searched in the listings' text and
    address); only "gần trường" alone is the tag."""
    parsed = read(typed)
    assert parsed.near == [place]
    assert "gan_truong" not in parsed.tags and "gan_cho" not in parsed.tags


@pytest.mark.parametrize("typed, tag", [("gần trường", "gan_truong"), ("gần chợ, siêu thị", "gan_cho"),
                                        ("gần trường học và chợ", "gan_truong")])
def test_generic_words_stay_the_tag(read, typed, tag):
    parsed = read(typed)
    assert parsed.near == [] and tag in parsed.tags
