"""``python -m mlcore train --config CONFIG --out DIR``: a plain PyTorch training loop.

Data (paths in the config, relative to the working folder; see ``DEFAULT_CONFIG``):
* listing texts with weak labels from the lexicon (rows marked ``in_dev_gold`` excluded), split
  train/val by a hash of the listing's accent-free opening (re-posts land in the same split);
* photos with visual tags (``photos/labels.csv``), split by group;
* multimodal pairs: a training text with 1–3 training photos, labels = text's + photos' tags.
Photo-only rows (empty text) are scored on the visual tags only.

Stages: optional masked-language-model pre-training of a compact text encoder on the texts, then
stage 1 (text encoder frozen, AdamW) and stage 2 (everything trainable, a lower learning rate).
The epoch with the best validation micro-F1 is kept; a temperature and per-tag thresholds are then
fitted (thresholds on the threshold data, by default dev_gold, which is never trained on).
Writes ``best_model.pt``, ``feature_vocab.json``, ``training_history.json`` and ``training_curves.png``.
"""
from __future__ import annotations

import copy
import hashlib
import json
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from .calibration import expected_calibration_error, fit_temperature, sigmoid, tune_thresholds
from .checkpoint import save_checkpoint
from .data import Example, iter_jsonl_objects, jsonl_text, read_dataset
from .encoders import create_image_encoder, hf_text_encoder, roberta_text_encoder, train_tokenizer
from .lexicon import LexiconTagger
from .model import MultimodalTagger
from .photos import load_image, multimodal_pairs, read_photo_labels, split_photos
from .text import fold_text
from .vocab import TagVocabulary, default_vocabulary

DEFAULT_CONFIG: dict = {
    "seed": 0,
    "listings": "../shared/data/listings.jsonl",
    "photos": "../shared/data/photos/labels.csv",
    "threshold_data": "../shared/data/dev_gold.jsonl",
    "max_texts": None,
    "val_fraction": 0.1,
    "pairs": 1500,
    "text_encoder": {"kind": "roberta", "vocab_size": 8000, "hidden": 256, "layers": 4, "heads": 4,
                     "intermediate": 1024, "max_length": 256},
    "image_encoder": "efficientnet_lite0",
    "pretrained_image": True,
    "fusion": "attention",
    "dim": 256,
    "hidden": 256,
    "batch_size": 16,
    "mlm_epochs": 1,
    "mlm_lr": 5e-4,
    "stage1": {"epochs": 2, "lr": 1e-4},
    "stage2": {"epochs": 1, "lr": 1e-5},
    "weight_decay": 0.01,
    "version": "multimodal-1",
}


@dataclass
class Row:
    text: str
    photos: list[Path]
    labels: list[str]
    visual_only: bool = False          # a photo without text: only visual tags are scored
    meta: dict = field(default_factory=dict)


def load_config(path: str | Path | None) -> dict:
    config = copy.deepcopy(DEFAULT_CONFIG)
    if path:
        user = json.loads(Path(path).read_text(encoding="utf-8"))
        for key, value in user.items():
            if isinstance(value, dict) and isinstance(config.get(key), dict):
                config[key].update(value)
            else:
                config[key] = value
    return config


def _split_key(text: str) -> float:
    """Near-duplicate re-posts share their opening: hash it to a number in [0, 1)."""
    digest = hashlib.sha256(fold_text(text)[:120].encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64


def weak_text_rows(listings: Path, vocab: TagVocabulary, max_texts: int | None) -> list[Row]:
    lexicon = LexiconTagger(vocab)
    objs = [obj for _, obj in iter_jsonl_objects(listings) if not obj.get("in_dev_gold")]
    rows = []
    for obj in tqdm(objs[:max_texts] if max_texts else objs, desc="weak labels", unit="listing", file=sys.stderr):
        text = jsonl_text(obj)
        if text and text.strip():
            rows.append(Row(text, [], sorted(lexicon.predict_tags(text))))
    return rows


def build_data(config: dict, vocab: TagVocabulary, base: Path) -> dict[str, list[Row]]:
    resolve = lambda p: (base / p) if not Path(p).is_absolute() else Path(p)  # noqa: E731
    texts = weak_text_rows(resolve(config["listings"]), vocab, config.get("max_texts"))
    train_texts = [r for r in texts if _split_key(r.text) >= config["val_fraction"]]
    val_texts = [r for r in texts if _split_key(r.text) < config["val_fraction"]]
    photos = split_photos(read_photo_labels(resolve(config["photos"]), vocab))
    photo_rows = {name: [Row("", [p.path], list(p.tags), visual_only=True) for p in ps]
                  for name, ps in photos.items()}
    rng = random.Random(config["seed"])
    pair_texts = rng.sample(train_texts, k=min(config["pairs"], len(train_texts)))
    pairs = multimodal_pairs([Example(str(i), r.text, r.labels) for i, r in enumerate(pair_texts)],
                             photos["train"], vocab, seed=config["seed"])
    pair_rows = [Row(p.text, list(p.images), list(p.tags)) for p in pairs]
    return {"train": train_texts + photo_rows["train"] + pair_rows, "val_text": val_texts,
            "val_photos": photo_rows["val"], "test_photos": photo_rows["test"]}


class Batcher:
    """Rows -> model inputs: tokens, padded photos with a mask, labels and a loss mask."""

    def __init__(self, model: MultimodalTagger, slugs: list[str], visual: set[str]):
        self.model, self.slugs = model, slugs
        self.index = {s: i for i, s in enumerate(slugs)}
        self.visual_mask = torch.tensor([s in visual for s in slugs], dtype=torch.float32)

    def __call__(self, rows: list[Row], train: bool) -> dict:
        pre = self.model.image_encoder.preprocess
        tok = self.model.text_encoder.tokenize([r.text for r in rows])
        p = max((len(r.photos) for r in rows), default=0)
        images = torch.zeros(len(rows), p, 3, pre.size, pre.size)
        photo_mask = torch.zeros(len(rows), p, dtype=torch.bool)
        labels = torch.zeros(len(rows), len(self.slugs))
        loss_mask = torch.ones(len(rows), len(self.slugs))
        for b, row in enumerate(rows):
            for j, photo in enumerate(row.photos):
                images[b, j] = load_image(photo, pre.size, pre.mean, pre.std, train=train)
                photo_mask[b, j] = True
            for slug in row.labels:
                labels[b, self.index[slug]] = 1.0
            if row.visual_only:
                loss_mask[b] = self.visual_mask
        return {"input_ids": tok["input_ids"], "attention_mask": tok["attention_mask"], "images": images,
                "photo_mask": photo_mask, "labels": labels, "loss_mask": loss_mask}


def masked_bce(logits: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    loss = nn.functional.binary_cross_entropy_with_logits(logits, labels, reduction="none")
    return (loss * mask).sum() / mask.sum().clamp(min=1.0)


def predict_logits(model: MultimodalTagger, batcher: Batcher, rows: list[Row], batch_size: int) -> np.ndarray:
    model.eval()
    out = []
    with torch.inference_mode():
        for i in range(0, len(rows), batch_size):
            b = batcher(rows[i:i + batch_size], train=False)
            out.append(model(b["input_ids"], b["attention_mask"], b["images"], b["photo_mask"])["logits"].numpy())
    return np.concatenate(out) if out else np.zeros((0, len(batcher.slugs)))


def gold_matrix(rows: list[Row], slugs: list[str]) -> np.ndarray:
    index = {s: i for i, s in enumerate(slugs)}
    gold = np.zeros((len(rows), len(slugs)))
    for b, r in enumerate(rows):
        for s in r.labels:
            gold[b, index[s]] = 1
    return gold


def mlm_pretrain(text_encoder, texts: list[str], epochs: int, lr: float, batch_size: int) -> list[dict]:
    """Masked-language-model pre-training of a compact encoder on the listing texts."""
    from transformers import DataCollatorForLanguageModeling, RobertaConfig, RobertaForMaskedLM

    if epochs <= 0:
        return []
    cfg: RobertaConfig = text_encoder.model.config
    mlm = RobertaForMaskedLM(cfg)
    mlm.roberta = text_encoder.model
    mlm.lm_head.decoder.weight = text_encoder.model.embeddings.word_embeddings.weight  # tie to our encoder
    collator = DataCollatorForLanguageModeling(text_encoder.tokenizer, mlm_probability=0.15)
    optimizer = torch.optim.AdamW(mlm.parameters(), lr=lr, weight_decay=0.01)
    history = []
    for epoch in range(epochs):
        random.shuffle(texts)
        mlm.train()
        total, n = 0.0, 0
        bar = tqdm(range(0, len(texts), batch_size), desc=f"MLM {epoch + 1}/{epochs}", unit="batch", file=sys.stderr)
        for i in bar:
            enc = text_encoder.tokenizer(texts[i:i + batch_size], truncation=True, max_length=text_encoder.max_length)
            batch = collator([{"input_ids": ids} for ids in enc["input_ids"]])
            loss = mlm(input_ids=batch["input_ids"], labels=batch["labels"]).loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total, n = total + loss.item(), n + 1
            bar.set_postfix(loss=f"{total / n:.3f}")
        history.append({"stage": "mlm", "epoch": epoch + 1, "train_loss": round(total / max(n, 1), 4)})
    return history


def build_model(config: dict, vocab_size_texts: list[str], num_tags: int) -> MultimodalTagger:
    t = config["text_encoder"]
    if t["kind"] == "hf":
        text = hf_text_encoder(t["name_or_path"], max_length=t.get("max_length", 256))
    else:
        tokenizer = train_tokenizer(vocab_size_texts, vocab_size=t["vocab_size"])
        text = roberta_text_encoder(tokenizer, hidden=t["hidden"], layers=t["layers"], heads=t["heads"],
                                    intermediate=t["intermediate"], max_length=t["max_length"])
    image = create_image_encoder(config["image_encoder"], pretrained=config.get("pretrained_image", True))
    return MultimodalTagger(text, image, num_tags, fusion=config["fusion"], dim=config["dim"], hidden=config["hidden"])


def run_stage(name, model, batcher, train_rows, val, config, stage, freeze_text, history, best):
    for p in model.text_encoder.parameters():
        p.requires_grad = not freeze_text
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=stage["lr"], weight_decay=config["weight_decay"])
    bs = config["batch_size"]
    for epoch in range(stage["epochs"]):
        model.train()
        rows = train_rows[:]
        random.shuffle(rows)
        total, n, start = 0.0, 0, time.time()
        bar = tqdm(range(0, len(rows), bs), desc=f"{name} {epoch + 1}/{stage['epochs']}", unit="batch",
                   file=sys.stderr)
        for i in bar:
            b = batcher(rows[i:i + bs], train=True)
            out = model(b["input_ids"], b["attention_mask"], b["images"], b["photo_mask"])
            loss = masked_bce(out["logits"], b["labels"], b["loss_mask"])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total, n = total + loss.item(), n + 1
            bar.set_postfix(loss=f"{total / n:.3f}")
        record = {"stage": name, "epoch": epoch + 1, "train_loss": round(total / max(n, 1), 4),
                  "seconds": round(time.time() - start, 1), **evaluate_val(model, batcher, val, bs)}
        history.append(record)
        print(json.dumps(record), file=sys.stderr)
        if record["val_micro_f1"] > best["f1"]:
            best.update(f1=record["val_micro_f1"], state=copy.deepcopy(model.state_dict()))


def evaluate_val(model, batcher, val: dict[str, list[Row]], bs: int) -> dict:
    rows = val["val_text"] + val["val_photos"]
    logits = predict_logits(model, batcher, rows, bs)
    gold = gold_matrix(rows, batcher.slugs)
    visual = batcher.visual_mask.numpy()
    mask = np.stack([visual if r.visual_only else np.ones_like(visual) for r in rows]) if rows \
        else np.zeros((0, len(batcher.slugs)))
    probs = sigmoid(logits)
    pred = (probs >= 0.5) & (mask > 0)
    tp = float((pred & (gold > 0)).sum())
    denom = pred.sum() + ((gold > 0) & (mask > 0)).sum()
    loss = float(np.mean(np.maximum(logits, 0) - logits * gold + np.log1p(np.exp(-np.abs(logits))))) if rows else 0.0
    return {"val_loss": round(loss, 4), "val_micro_f1": round(2 * tp / denom if denom else 0.0, 4)}


def plot_history(history: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [h for h in history if "val_micro_f1" in h]
    if not rows:
        return
    x = list(range(1, len(rows) + 1))
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    a.plot(x, [h["train_loss"] for h in rows], label="train loss")
    a.plot(x, [h["val_loss"] for h in rows], label="val loss")
    a.set_xlabel("epoch (stage 1, then stage 2)")
    a.legend()
    b.plot(x, [h["val_micro_f1"] for h in rows], label="val micro-F1", color="tab:green")
    b.set_xlabel("epoch")
    b.set_ylim(0, 1)
    b.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def train(config: dict, out: Path, base: Path = Path(".")) -> Path:
    torch.manual_seed(config["seed"])
    random.seed(config["seed"])
    vocab = default_vocabulary()
    slugs = vocab.slugs
    data = build_data(config, vocab, base)
    model = build_model(config, [r.text for r in data["train"] if r.text], len(slugs))
    history: list[dict] = []
    if config["text_encoder"]["kind"] == "roberta":
        history += mlm_pretrain(model.text_encoder, [r.text for r in data["train"] if r.text],
                                config["mlm_epochs"], config["mlm_lr"], config["batch_size"])
    batcher = Batcher(model, slugs, {t.slug for t in vocab if t.visual})
    best = {"f1": -1.0, "state": copy.deepcopy(model.state_dict())}
    run_stage("stage1", model, batcher, data["train"], data, config, config["stage1"], True, history, best)
    run_stage("stage2", model, batcher, data["train"], data, config, config["stage2"], False, history, best)
    model.load_state_dict(best["state"])

    # Calibration and thresholds: a temperature on the validation rows, thresholds on the threshold data.
    val_rows = data["val_text"] + data["val_photos"]
    logits = predict_logits(model, batcher, val_rows, config["batch_size"])
    gold = gold_matrix(val_rows, slugs)
    temperature = fit_temperature(logits, gold) if len(val_rows) else 1.0
    report = {"ece_before": round(expected_calibration_error(sigmoid(logits), gold), 4),
              "ece_after": round(expected_calibration_error(sigmoid(logits / temperature), gold), 4),
              "temperature": round(temperature, 4)}
    thresholds = {s: 0.5 for s in slugs}
    if config.get("threshold_data"):
        path = (base / config["threshold_data"]) if not Path(config["threshold_data"]).is_absolute() \
            else Path(config["threshold_data"])
        if path.exists():
            examples = read_dataset(path, vocab, check_images=False)
            rows = [Row(e.text, [], list(e.tags)) for e in examples] + data["val_photos"]
            probs = sigmoid(predict_logits(model, batcher, rows, config["batch_size"]) / temperature)
            tuned = tune_thresholds(probs, gold_matrix(rows, slugs))
            thresholds = dict(zip(slugs, tuned))
    history.append({"stage": "calibration", **report})
    out.mkdir(parents=True, exist_ok=True)
    file = save_checkpoint(out, model, slugs, thresholds=thresholds, temperature=temperature,
                           version=config["version"], history=history, extra={"training": report})
    plot_history(history, out / "training_curves.png")
    return file
