"""Vietnamese normalisation: each step on its own, then the whole pipeline with offsets."""
import unicodedata

import pytest

from mlcore.text import (
    PHONE_TOKEN, MappedText, clean_symbols_str, expand_abbreviations_str, fold_text, has_diacritics,
    mask_phone_numbers_str, nfc_str, normalize, normalize_text, segment_words, strip_diacritics_str,
    unify_tone_marks_str,
)


@pytest.mark.parametrize("new_style, traditional", [
    ("hoà", "hòa"), ("điều hoà", "điều hòa"), ("thuỷ", "thủy"), ("khoẻ", "khỏe"), ("loà", "lòa"),
    ("uỷ ban", "ủy ban"), ("HOÀ", "HÒA"), ("Hoà Bình", "Hòa Bình"), ("xoá", "xóa"), ("toà nhà", "tòa nhà"),
])
def test_tone_marks_unified_to_traditional_placement(new_style, traditional):
    assert unify_tone_marks_str(new_style) == traditional
    assert unify_tone_marks_str(traditional) == traditional


@pytest.mark.parametrize("word", ["quý", "quỳnh", "hoàng", "thuyền", "khoảng", "hòa", "giá", "quả"])
def test_tone_marks_left_alone_where_placement_is_fixed(word):
    assert unify_tone_marks_str(word) == word


def test_nfc_composes_combining_marks():
    decomposed = unicodedata.normalize("NFD", "điều hòa")
    assert decomposed != "điều hòa"
    assert nfc_str(decomposed) == "điều hòa"


@pytest.mark.parametrize("text, folded", [
    ("điều hòa", "dieu hoa"), ("Đà Nẵng", "Da Nang"), ("ưu tiên nữ", "uu tien nu"),
    ("máy lạnh", "may lanh"), ("thoáng mát", "thoang mat"), ("giường", "giuong"),
])
def test_strip_diacritics(text, folded):
    assert strip_diacritics_str(text) == folded
    assert len(strip_diacritics_str(text)) == len(text)  # positions are shared with the accented form


def test_fold_text_makes_accent_styles_and_case_equal():
    assert fold_text("Điều Hoà") == fold_text("dieu hoa") == fold_text("điều hòa") == "dieu hoa"


def test_has_diacritics():
    assert has_diacritics("phòng") and has_diacritics("đi")
    assert not has_diacritics("phong tro gan truong")


@pytest.mark.parametrize("text, expected", [
    ("có ml", "máy lạnh"),
    ("gần đh Bách Khoa", "đại học"),
    ("gần ĐH Sư Phạm", "đại học"),
    ("có ĐH, NL, TL", "điều hòa, nóng lạnh, tủ lạnh"),
    ("wc riêng", "nhà vệ sinh riêng"),
    ("toilet riêng", "nhà vệ sinh riêng"),
    ("nvs riêng", "nhà vệ sinh riêng"),
    ("vs riêng", "vệ sinh riêng"),
    ("ưu tiên sv", "sinh viên"),
    ("cho hssv", "học sinh sinh viên"),
    ("ktx giá rẻ", "ký túc xá"),
    ("ccmn quận 7", "chung cư mini"),
    ("chdv cao cấp", "căn hộ dịch vụ"),
    ("nhà hxh", "hẻm xe hơi"),
    ("gần tttm", "trung tâm thương mại"),
    ("ko chung chủ", "không chung chủ"),
    ("k chung chủ", "không chung chủ"),
    ("hok nuôi pet", "không nuôi pet"),
    ("ở đc 3 người", "được"),
    ("Đc: 12 Lê Lợi", "địa chỉ"),
    ("full nt", "full nội thất"),
    ("căn 2pn", "phòng ngủ"),
    ("có tv", "tivi"),
    ("phù hợp gđ", "gia đình"),
    ("không tiếp mg", "môi giới"),
])
def test_each_abbreviation_expands(text, expected):
    assert expected in expand_abbreviations_str(text).lower()


@pytest.mark.parametrize("text", [
    "chai 500ml", "giá 500k", "điện 3.5k", "gần Circle K", "giá 3tr (TL)", "20tr tl",
])
def test_abbreviation_lookalikes_are_kept(text):
    assert expand_abbreviations_str(text) == text


def test_clean_symbols_turns_bullets_and_emoji_into_line_breaks():
    cleaned = clean_symbols_str("✅ máy lạnh ✅ tủ lạnh 🔥🔥 • wifi")
    assert [part.strip() for part in cleaned.split("\n") if part.strip()] == ["máy lạnh", "tủ lạnh", "wifi"]


def test_clean_symbols_collapses_repeated_punctuation_and_list_dashes():
    assert clean_symbols_str("Giá rẻ!!!! Liên hệ ngay...") == "Giá rẻ! Liên hệ ngay."
    assert clean_symbols_str("- máy lạnh\n+ wifi\n1. bếp") == "máy lạnh\nwifi\nbếp"


def test_invisible_characters_removed():
    assert normalize_text("điều\u200b hòa\ufeff") == "điều hòa"


@pytest.mark.parametrize("phone", ["0909 123 456", "0896.119.779", "0912345678", "+84 909-123-456",
                                   "028 3823 4567"])
def test_phone_numbers_masked(phone):
    assert mask_phone_numbers_str(f"LH {phone} gặp Lan") == f"LH {PHONE_TOKEN} gặp Lan"


@pytest.mark.parametrize("not_phone", ["giá 3.500.000đ", "1.400.000 đồng", "diện tích 25m2", "năm 2022"])
def test_prices_and_numbers_not_masked(not_phone):
    assert mask_phone_numbers_str(not_phone) == not_phone


def test_normalize_maps_every_character_back_to_the_original():
    original = "✅ Phòng có ĐIỀU HOÀ, ko chung chủ!!! LH 0909.123.456"
    norm = normalize(original)
    text = norm.normalized.text
    assert "điều hòa" in text and "không chung chủ" in text and PHONE_TOKEN in text
    start = text.index("điều hòa")
    lo, hi = norm.original_span(start, start + len("điều hòa"))
    assert original[lo:hi] == "ĐIỀU HOÀ"
    start = text.index("không")
    lo, hi = norm.original_span(start, start + len("không"))
    assert original[lo:hi] == "ko"
    start = text.index(PHONE_TOKEN)
    lo, hi = norm.original_span(start, start + len(PHONE_TOKEN))
    assert original[lo:hi] == "0909.123.456"
    assert len(norm.folded.text) == len(text)


def test_offsets_cover_combining_marks_of_decomposed_input():
    original = unicodedata.normalize("NFD", "Phòng mát")
    norm = normalize(original)
    start = norm.normalized.text.index("mát")
    lo, hi = norm.original_span(start, start + 3)
    assert unicodedata.normalize("NFC", original[lo:hi]) == "mát"


def test_mapped_text_rejects_spans_outside_the_text():
    with pytest.raises(ValueError):
        MappedText.identity("abc").original_span(2, 5)


def test_segment_words_joins_multi_syllable_words():
    segmented = segment_words("phòng có điều hòa gần trường đại học")
    assert "điều_hòa" in segmented or "đại_học" in segmented
    assert segmented.replace("_", " ").split() == "phòng có điều hòa gần trường đại học".split()
