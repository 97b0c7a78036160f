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
