import pytest

from mlcore.metrics import multilabel_scores


def test_micro_and_macro_by_hand():
    gold = [{"a", "b"}, {"a"}, {"c"}]
    pred = [{"a"}, {"a", "b"}, set()]
    s = multilabel_scores(gold, pred, ["a", "b", "c", "d"])
    # a: tp 2, pred 2, gold 2 -> 1/1/1;  b: tp 0, pred 1, gold 1 -> 0;  c: tp 0, pred 0, gold 1 -> 0
    assert s["per_tag"]["a"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2, "predicted": 2}
    assert s["per_tag"]["b"]["f1"] == 0.0 and s["per_tag"]["c"]["recall"] == 0.0
    assert s["micro_precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert s["micro_recall"] == pytest.approx(2 / 4, abs=1e-4)
    assert s["micro_f1"] == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5), abs=1e-4)
    assert s["macro_f1"] == pytest.approx(1 / 3, abs=1e-4)  # d has no support: not averaged
    assert s["macro_tags"] == 3 and s["n"] == 3


def test_length_mismatch_is_refused():
    with pytest.raises(ValueError):
        multilabel_scores([set()], [], ["a"])
