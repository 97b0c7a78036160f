import json

import pytest

from mlcore.vocab import TagVocabulary, UnknownTagError, default_vocabulary


def test_default_vocabulary_is_the_shipped_taxonomy():
    vocab = default_vocabulary()
    assert len(vocab) == 44
    assert vocab["dieu_hoa"].name == "Điều hòa" and vocab["dieu_hoa"].visual
    assert not vocab["wifi"].visual


@pytest.mark.parametrize("spelling", ["dieu_hoa", "Điều hòa", "điều hoà", "ĐIỀU HÒA", " Điều hòa ", "dieu hoa"])
def test_resolve_accepts_slug_and_any_spelling_of_the_name(spelling):
    assert default_vocabulary().resolve(spelling).slug == "dieu_hoa"


def test_unknown_tag():
    with pytest.raises(UnknownTagError, match="hồ bơi"):
        default_vocabulary().resolve("hồ bơi")


def test_malformed_taxonomy_file(tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"tags": [{"name": "x"}]}), encoding="utf-8")
    with pytest.raises(ValueError, match="slug"):
        TagVocabulary.from_file(path)
