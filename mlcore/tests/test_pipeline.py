"""Checkpoints round-trip, and a checkpoint serves as a tagger (pipeline, CLI, site interface)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

import torch

from conftest import photo_bytes  # noqa: E402
from mlcore.checkpoint import load_checkpoint  # noqa: E402
from mlcore.taggers import load_tagger  # noqa: E402
from mlcore.tests.tiny_checkpoint import write_tiny_checkpoint  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    folder = write_tiny_checkpoint(tmp_path_factory.mktemp("ckpt"))
    model, _ = load_checkpoint(folder)
    return folder, model


def test_checkpoint_files_and_round_trip(checkpoint):
    folder, model = checkpoint
    assert {p.name for p in folder.iterdir()} >= {"best_model.pt", "feature_vocab.json", "training_history.json",
                                                 "tokenizer"}
    loaded, meta = load_checkpoint(folder)
    assert meta["version"] == "test-1" and meta["id2feature"][0] == "dieu_hoa"
    assert set(meta) >= {"feature_vocab", "id2feature", "config", "thresholds", "temperature"}
    tok = model.text_encoder.tokenize(["Phòng có máy lạnh"])
    empty = torch.zeros(1, 0, 3, 64, 64), torch.zeros(1, 0, dtype=torch.bool)
    with torch.no_grad():
        a = model(tok["input_ids"], tok["attention_mask"], *empty)["logits"]
        b = loaded(tok["input_ids"], tok["attention_mask"], *empty)["logits"]
    assert torch.allclose(a, b, atol=1e-6)  # loaded twice from the same float16 file


def test_pipeline_predicts_with_the_seed_interface(checkpoint, tmp_path):
    folder, _ = checkpoint
    pipe = load_tagger(str(folder))
    text = "Phòng có điều hoà, gần trường"
    features = pipe.predict(text)
    assert [f["slug"] for f in features] == ["dieu_hoa"]
    assert features[0]["feature"] == "Điều hòa" and features[0]["evidence"][0]["text"] == "điều hoà"
    photo = tmp_path / "p.jpg"
    photo.write_bytes(photo_bytes(size=(80, 60)))
    multi = pipe.predict_multimodal(text, str(photo))
    assert multi[0]["slug"] == "dieu_hoa" and {"photo": 0} in multi[0]["evidence"]  # a visual tag
    batch = pipe.predict_batch([text, "Căn hộ mini"], [str(photo), None])
    assert len(batch) == 2 and batch[0][0]["confidence"] == pytest.approx(multi[0]["confidence"], abs=1e-4)
    alone = pipe.predict("Căn hộ mini")
    assert batch[1][0]["confidence"] == pytest.approx(alone[0]["confidence"], abs=1e-5)


@pytest.mark.slow
def test_evaluate_cli_reads_a_checkpoint(checkpoint, tmp_path):
    folder, _ = checkpoint
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps({"id": "a", "text": "Có máy lạnh", "tags": ["dieu_hoa"]}) + "\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "mlcore", "evaluate", "--data", str(data), "--model", str(folder),
                           "--json"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-1500:]
    report = json.loads(proc.stdout)
    assert report["micro_f1"] == 1.0 and report["model_version"].startswith("test-1+rules.")


def test_photo_only_listings_have_their_own_thresholds(tmp_path):
    folder = write_tiny_checkpoint(tmp_path / "ckpt", photo_thresholds={"dieu_hoa": 1.01})
    pipe = load_tagger(str(folder))
    assert pipe.threshold("dieu_hoa") == 0.5 and pipe.threshold("dieu_hoa", has_text=False) == 1.01
    photo = tmp_path / "p.jpg"
    photo.write_bytes(photo_bytes(size=(80, 60)))
    with_text = {f["slug"]: f["confidence"] for f in pipe.predict_multimodal("Có máy lạnh", str(photo))}
    photo_only = {m.slug: m.confidence for m in pipe.tag("", [str(photo)])}
    assert with_text["dieu_hoa"] > 0.99 and photo_only["dieu_hoa"] > 0.99     # the head says "dieu_hoa"
    assert "dieu_hoa" not in {f["slug"] for f in pipe.predict_multimodal("", str(photo))}   # a higher bar


def test_a_checkpoint_with_the_lexicon_prior_reads_the_rules(tmp_path):
    folder = write_tiny_checkpoint(tmp_path / "ckpt", lexicon_prior=True)
    pipe = load_tagger(str(folder))
    assert pipe.model.lexicon_prior
    with_rule, = pipe.probabilities(["Phòng có wifi"])[0]
    without, = pipe.probabilities(["Phòng rộng"])[0]
    wifi = pipe.vocabulary.slugs.index("wifi")
    assert with_rule[wifi] > 100 * without[wifi]       # the rule's confidence moved the model's


def test_a_missing_default_checkpoint_is_a_clear_error(tmp_path, monkeypatch):
    from mlcore import taggers

    monkeypatch.setattr(taggers, "DEFAULT_CHECKPOINT", tmp_path / "gone")
    with pytest.raises(taggers.TaggerNotFound, match="default checkpoint is missing.*mlcore train --out"):
        load_tagger("default")


def test_the_shipped_default_checkpoint_tags_text_and_photos():
    """The committed default model: rules' evidence for text tags, a photo index for photo tags."""
    from PIL import Image

    tagger = load_tagger("default")
    assert tagger.name == "multimodal" and tagger.supports_images
    text = "Phòng mới, có máy lạnh, wc riêng, gần trường đại học, giờ giấc tự do"
    found = {m.slug: m for m in tagger.tag(text) if m.confidence >= tagger.threshold(m.slug)}
    assert {"dieu_hoa", "wc_rieng", "gan_truong", "gio_tu_do"} <= set(found)
    assert found["dieu_hoa"].evidence and found["dieu_hoa"].evidence[0].text == "máy lạnh"
    # A photo alone can only suggest what a photo can show.
    photo_only = tagger.tag("", [Image.new("RGB", (320, 240), (200, 190, 170))])
    assert all(tagger.vocabulary[m.slug].visual for m in photo_only)
