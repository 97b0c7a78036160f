"""The evaluation gate: a new model replaces the shipped one only when it wins on photos and
holds on text."""
import pytest
from mlcore.gate import decide, format_gate
from mlcore.train_config import TrainConfig


def figures(version, text, photos):
    keys = ["dev_gold_macro_f1", "photo_test_visual_precision", "photo_test_visual_recall", "pairs_text_visual_f1",
            "pairs_text_other_f1", "pairs_both_visual_f1", "pairs_both_other_f1"]
    return {"version": version, "dev_gold_micro_f1": text, "photo_test_visual_micro_f1": photos,
            **{k: 0.5 for k in keys}}


def test_a_model_that_wins_on_photos_and_holds_on_text_is_promoted():
    result = decide(figures("new", 0.944, 0.70), figures("old", 0.945, 0.52), text_tolerance=0.002)
    assert result.passed and "wins on photos" in result.reasons[0]
    assert "PROMOTE" in format_gate(result) and "shipped old" in format_gate(result)


def test_losing_somewhere_or_winning_nowhere_keeps_the_shipped_model():
    assert not decide(figures("new", 0.930, 0.80), figures("old", 0.945, 0.52)).passed     # loses on text
    assert not decide(figures("new", 0.960, 0.50), figures("old", 0.945, 0.52)).passed     # loses on photos
    result = decide(figures("new", 0.946, 0.52), figures("old", 0.945, 0.52))
    assert not result.passed and "wins nowhere" in result.reasons
    assert "KEEP SHIPPED" in format_gate(result)


def test_a_model_that_wins_on_text_and_holds_on_photos_is_promoted():
    result = decide(figures("new", 0.950, 0.518), figures("old", 0.945, 0.52))
    assert result.passed and result.reasons == ["holds on photos (0.518 vs 0.520)",
                                                "wins on text (0.950 >= 0.945 + 0.003)"]


def test_a_model_whose_photos_hurt_beside_a_text_keeps_the_shipped_model():
    # measured: a photo head that won alone (0.615 vs 0.584) took the pairs' visual F1 from 0.878 to 0.784
    new, old = figures("new", 0.9534, 0.615), figures("old", 0.9529, 0.584)
    new["pairs_both_visual_f1"], old["pairs_both_visual_f1"] = 0.784, 0.878
    result = decide(new, old)
    assert not result.passed and "loses on text + photo pairs, visual tags (0.784 < 0.878 - 0.005)" in result.reasons
    new["pairs_both_visual_f1"] = 0.875                                   # within the tolerance: promoted
    assert decide(new, old).passed


def test_with_nothing_shipped_the_first_model_passes():
    assert decide(figures("new", 0.9, 0.6), None).passed


def test_the_shipped_model_is_not_its_own_candidate(tmp_path):
    import pytest

    from mlcore.gate import run_gate

    (tmp_path / "shipped").mkdir()
    with pytest.raises(ValueError, match="is the shipped model itself"):
        run_gate(tmp_path / "shipped" / ".." / "shipped", tmp_path / "shipped", TrainConfig())


@pytest.mark.slow
def test_run_gate_scores_both_models_saves_the_figures_and_promotes_a_winner(tmp_path):
    import json

    from conftest import photo_bytes
    from mlcore.checkpoint import read_checkpoint_meta
    from mlcore.gate import run_gate
    from mlcore.tests.tiny_checkpoint import write_tiny_checkpoint

    rows = ["file,tags,room_type,group,source"]
    for i in range(40):
        (tmp_path / f"p{i}.jpg").write_bytes(photo_bytes(size=(64, 48), color=(5 * i, 90, 160)))
        rows.append(f"p{i}.jpg,dieu_hoa,bedroom,g{i},vn")
    (tmp_path / "labels.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "a", "text": "Có máy lạnh", "tags": ["dieu_hoa"]}) + "\n", encoding="utf-8")
    from mlcore.train_config import TrainConfig

    recipe = TrainConfig(threshold_data=str(gold), photos=str(tmp_path / "labels.csv"))
    # The shipped model sees an air conditioner nowhere in a photo alone; the candidate sees it.
    shipped = write_tiny_checkpoint(tmp_path / "shipped", version="old", photo_thresholds={"dieu_hoa": 1.01})
    candidate = write_tiny_checkpoint(tmp_path / "candidate", version="new")
    result = run_gate(candidate, shipped, recipe, base=tmp_path, promote_to=shipped)
    assert result.passed and result.shipped["photo_test_visual_micro_f1"] == 0.0
    assert result.candidate["photo_test_visual_micro_f1"] == 1.0 and result.candidate["dev_gold_micro_f1"] == 1.0
    meta = read_checkpoint_meta(shipped)                 # the candidate now sits where the shipped one was
    assert meta["version"] == "new" and meta["evaluation"]["gate"]["passed"] is True
    assert not candidate.exists()
