import numpy as np
import pytest

from mlcore.calibration import (
    FALLBACK_THRESHOLD, expected_calibration_error, fit_temperature, sigmoid, tune_thresholds,
)


def test_thresholds_maximise_each_tags_f1_and_fall_back_without_data():
    probs = np.array([[0.30, 0.9], [0.35, 0.8], [0.10, 0.2], [0.32, 0.1], [0.05, 0.7]])
    gold = np.array([[1, 0], [1, 0], [0, 0], [1, 0], [0, 0]])
    thresholds = tune_thresholds(probs, gold, min_support=3)
    assert 0.1 < thresholds[0] <= 0.30          # all three positives sit at 0.30-0.35
    assert thresholds[1] == FALLBACK_THRESHOLD  # no positives: keep 0.5


def test_ece_is_zero_when_confidence_matches_accuracy():
    probs = np.array([0.8] * 10 + [0.2] * 10)
    gold = np.array([1] * 8 + [0] * 2 + [1] * 2 + [0] * 8)
    assert expected_calibration_error(probs, gold) == pytest.approx(0.0, abs=1e-9)
    assert expected_calibration_error(np.full(10, 0.99), np.zeros(10)) == pytest.approx(0.99, abs=1e-9)


def test_temperature_scaling_fixes_overconfident_logits():
    rng = np.random.default_rng(0)
    true_logits = rng.normal(0, 2, size=(4000,))
    gold = (rng.random(4000) < sigmoid(true_logits)).astype(float)
    overconfident = true_logits * 3
    t = fit_temperature(overconfident, gold)
    assert t == pytest.approx(3.0, rel=0.15)
    before = expected_calibration_error(sigmoid(overconfident), gold)
    after = expected_calibration_error(sigmoid(overconfident / t), gold)
    assert after < before / 2


def test_sigmoid_is_stable_for_large_values():
    assert sigmoid(np.array([-1000.0, 0.0, 1000.0])).tolist() == [0.0, 0.5, 1.0]


def test_precision_first_thresholds_pick_the_best_f1_that_is_right_4_times_in_5():
    import numpy as np

    from mlcore.calibration import precision_first_thresholds

    # tag 0: scores above 0.6 are all right, 0.4-0.6 half right; tag 1: never reliably right
    probs = np.array([[0.9, 0.9], [0.8, 0.8], [0.7, 0.7], [0.65, 0.6], [0.5, 0.5], [0.45, 0.4], [0.2, 0.2]])
    gold = np.array([[1, 0], [1, 1], [1, 0], [1, 0], [1, 0], [0, 1], [0, 0]])
    t0, t1 = precision_first_thresholds(probs, gold, target=0.8, prior_strength=0.0)
    assert 0.45 < t0 <= 0.5          # 5 of 5 right at 0.5; at 0.45 only 5 of 6
    assert t1 == pytest.approx(0.95)   # no threshold makes tag 1 right 4 times in 5: offered unticked
    # never below the floor, even where a lower threshold would pass
    t_floor, _ = precision_first_thresholds(np.full((4, 2), 0.1), np.ones((4, 2)), target=0.8, floor=0.3)
    assert t_floor == pytest.approx(0.95)


def test_binary_cross_entropy_counts_only_masked_decisions():
    import numpy as np

    from mlcore.calibration import binary_cross_entropy

    logits, gold = np.array([[0.0, 100.0]]), np.array([[1, 0]])
    assert binary_cross_entropy(logits, gold, np.array([[1, 0]])) == pytest.approx(np.log(2))
    assert binary_cross_entropy(logits, gold) == pytest.approx((np.log(2) + 100) / 2)
