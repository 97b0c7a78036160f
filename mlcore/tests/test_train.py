"""``python -m mlcore train`` end to end on a tiny made-up corpus: files written, model usable."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from conftest import photo_bytes

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_train_writes_a_usable_checkpoint(tmp_path):
    from mlcore.tests.tiny_checkpoint import write_tiny_training_data

    write_tiny_training_data(tmp_path)
    decided = tmp_path / "decided.jsonl"        # as manage.py export_training_data writes it
    decided.write_text(json.dumps({"id": "room-1", "text": "Phòng có máy lạnh, ban công", "tags": ["dieu_hoa"],
                                   "negatives": ["ban_cong"], "images": [str(tmp_path / "p1.jpg")]},
                                  ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "model"
    proc = subprocess.run([sys.executable, "-m", "mlcore", "train", "--config", str(tmp_path / "config.json"),
                           "--out", str(out), "--no-gate", "--extra-labels", str(decided)],
                          cwd=REPO, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert {"best_model.pt", "feature_vocab.json", "training_history.json", "training_curves.png", "tokenizer",
            "runtime"} <= {p.name for p in out.iterdir()}                 # the fast runtime comes with the model
    assert json.loads((out / "runtime" / "runtime.json").read_text())["checks"]["text"]["n"] == 1
    history = json.loads((out / "training_history.json").read_text())
    assert [h["stage"] for h in history] == ["mlm", "photo_probe", "photo", "stage1", "stage2", "calibration"]
    assert "ece_before" in history[-1] and "val_micro_f1" in history[3] and "val_photo_f1" in history[2]
    assert {"val_text_f1", "val_photo_f1"} <= set(history[3])           # texts and photos scored apart
    assert "weak labels" in proc.stderr and "stage1 1/1" in proc.stderr and "photo 1/1" in proc.stderr  # progress
    assert "encode photos" in proc.stderr                                # stage 1 encodes each photo once
    from mlcore.taggers import load_tagger

    served = load_tagger(str(out))                  # the site's path: the export, without PyTorch
    assert served.runtime_name.startswith("onnx") and isinstance(served.tag("Có máy lạnh"), list)
    pipe = load_tagger(str(out), runtime="torch")
    assert pipe.checkpoint_version == "tiny-train" and pipe.version.startswith("tiny-train+rules.")
    assert pipe.model.lexicon_prior and pipe.config["dim"] == 32
    from mlcore.checkpoint import read_checkpoint_meta
    from mlcore.train_config import TrainConfig

    meta = read_checkpoint_meta(out)
    assert TrainConfig.from_dict(meta["train_config"]).version == "tiny-train"          # how it was made
    assert meta["train_config"]["extra_labels"] == [str(decided)]
    assert len(meta["provenance"]["git_commit"] or "") >= 40
    assert set(meta["provenance"]["data_sha256"]) == {str(tmp_path / n) for n in
                                                      ("listings.jsonl", "labels.csv", "gold.jsonl", "decided.jsonl")}
    assert pipe.model.photo_head is not None and pipe.preprocess.size == 48 and pipe.preprocess.resize == "squash"
    assert all(0.3 <= t <= 0.95 for t in pipe.photo_thresholds.values())  # precision-first, never below the floor
    visual = [pipe.vocabulary[s].visual for s in pipe.vocabulary.slugs]
    assert pipe.model.visual_mask.tolist() == visual                   # from the taxonomy, saved with the weights
    assert set(pipe.photo_thresholds) == set(pipe.vocabulary.slugs)
    assert isinstance(pipe.predict_multimodal("Có máy lạnh", str(tmp_path / "p1.jpg")), list)


def test_an_epoch_keeps_every_photo_row_and_samples_the_texts():
    from mlcore.train import Row, epoch_rows

    texts = [Row(f"text {i}", [], []) for i in range(50)]
    photos = [Row("", [Path(f"p{i}.jpg")], ["giuong"], visual_only=True) for i in range(5)]
    pairs = [Row("text 0", [Path("p0.jpg")], ["giuong"])]
    rows = epoch_rows(texts + photos + pairs, texts_per_epoch=10)
    assert len(rows) == 16 and sum(1 for r in rows if r.photos) == 6
    assert len({r.text for r in rows if not r.photos}) == 10
    assert len(epoch_rows(texts + photos + pairs, None)) == 56


def test_peoples_labels_train_with_their_negatives_and_weak_labels_weighted_less(tmp_path):
    from mlcore.train import Batcher, human_rows
    from mlcore.tests.tiny_checkpoint import write_tiny_checkpoint
    from mlcore.checkpoint import load_checkpoint
    from mlcore.vocab import default_vocabulary

    vocab = default_vocabulary()
    (tmp_path / "p.jpg").write_bytes(photo_bytes(size=(64, 48)))
    path = tmp_path / "labels.jsonl"
    path.write_text("\n".join(json.dumps(o, ensure_ascii=False) for o in [
        {"text": "Phòng có máy lạnh, ban công, wifi", "tags": ["dieu_hoa"], "negatives": ["ban_cong"],
         "images": ["p.jpg", "missing.jpg"]},                              # a site decision
        {"text": "Phòng có máy lạnh, ban công", "tags": ["Điều hòa"]},       # an annotated, complete set
    ]) + "\n", encoding="utf-8")
    WEAK_WEIGHT = 0.3
    decided, annotated = human_rows(path, vocab, tmp_path, WEAK_WEIGHT)
    assert decided.photos == [tmp_path / "p.jpg"]
    assert "dieu_hoa" in decided.labels and "ban_cong" not in decided.labels   # the person's no wins
    assert "wifi" in decided.labels and decided.weights["wifi"] == WEAK_WEIGHT  # the rules fill the rest, weighted less
    assert "dieu_hoa" not in decided.weights and "ban_cong" not in decided.weights
    assert annotated.labels == ["dieu_hoa"] and annotated.weights == {}          # complete: ban_cong is a negative
    model, _ = load_checkpoint(write_tiny_checkpoint(tmp_path / "ckpt"))
    batch = Batcher(model, vocab.slugs, set(), torch.device("cpu"))([decided, annotated], train=False)
    i = vocab.slugs.index
    assert batch["labels"][0, i("ban_cong")] == 0 and batch["loss_mask"][0, i("ban_cong")] == 1
    assert batch["loss_mask"][0, i("wifi")] == WEAK_WEIGHT and batch["loss_mask"][1, i("wifi")] == 1
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"text": "x", "tags": ["không có"]}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.jsonl:1"):
        human_rows(bad, vocab, tmp_path, WEAK_WEIGHT)


def test_peoples_labels_validate_the_text_side_and_the_rules_labels_can_weigh_less(tmp_path):
    from mlcore.train_config import load_train_config
    from mlcore.tests.tiny_checkpoint import TINY_TEXTS, write_tiny_training_data
    from mlcore.train import _split_key, build_data
    from mlcore.vocab import default_vocabulary

    vocab = default_vocabulary()
    write_tiny_training_data(tmp_path)
    people = tmp_path / "people.jsonl"
    texts = [f"Phòng số {i}, có máy lạnh" for i in range(40)]
    people.write_text("".join(json.dumps({"text": t, "tags": ["dieu_hoa"]}, ensure_ascii=False) + "\n"
                              for t in texts), encoding="utf-8")
    recipe = load_train_config(tmp_path / "config.json")
    data = build_data(recipe.replace(extra_labels=[str(people)], text_weak_weight=0.25), vocab, tmp_path)
    held_out = {t for t in texts if _split_key(t) < recipe.val_fraction}
    assert held_out and {r.text for r in data["val_text"]} == held_out      # validated on people's labels
    assert not held_out & {r.text for r in data["train"]}                   # and never trained on them
    weak = [r for r in data["train"] if not r.photos and any(r.text.startswith(t) for t in TINY_TEXTS)]
    assert weak and all(set(r.weights.values()) == {0.25} for r in weak)   # the rules' labels weigh less
    people = [r for r in data["train"] if r.text in texts]
    assert people and all(r.weights == {} for r in people)
    plain = build_data(recipe, vocab, tmp_path)                              # no people's labels: the rules' val
    assert plain["val_text"] and all(r.weights == {} for r in plain["train"])
    no_photos = build_data(recipe.replace(photos=None), vocab, tmp_path)       # a text-only recipe
    assert not no_photos["train_photos"] and all(not r.photos for r in no_photos["train"])
