"""Property tests (Hypothesis) for the Vietnamese normaliser and the search box reader: any text,
no crash; spans map back inside the original; folding is stable."""
from hypothesis import given, settings, strategies as st

from mlcore.lexicon import default_lexicon
from mlcore.query import read_query
from mlcore.text import fold_text, normalize

VIETNAMESE = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=120) | st.text(
    alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ "
             "0123456789,.;:!?-/()\n\u200b\u0301\u0300",
    max_size=200)


@settings(max_examples=300, deadline=None)
@given(VIETNAMESE)
def test_normalise_maps_every_position_back_into_the_original(text):
    norm = normalize(text)
    assert len(norm.normalized.text) == len(norm.folded.text)
    for start in range(0, len(norm.normalized.text), 7):
        lo, hi = norm.original_span(start, min(len(norm.normalized.text), start + 5))
        assert 0 <= lo <= hi <= len(text)


@settings(max_examples=300, deadline=None)
@given(VIETNAMESE)
def test_folding_is_stable(text):
    folded = fold_text(text)
    assert fold_text(folded) == folded
    assert folded == folded.lower()


@settings(max_examples=200, deadline=None)
@given(VIETNAMESE)
def test_the_search_box_reader_never_fails_and_its_spans_are_in_the_text(text):
    parsed = read_query(text, default_lexicon())
    for part in parsed.parts:
        assert 0 <= part.start <= part.end <= len(text)
    assert len(parsed.leftover) <= len(text[:500])
