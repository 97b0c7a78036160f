"""``python -m mlcore train --config CONFIG --out DIR``: a plain PyTorch training loop.

Data (paths in the config, relative to the working folder; see ``DEFAULT_CONFIG``):
* listing texts with weak labels from the lexicon (rows marked ``in_dev_gold`` excluded), split
  train/val by a hash of the listing's accent-free opening (re-posts land in the same split);
* photos with visual tags (``photos/labels.csv``), split by group;
* multimodal pairs: a training text with 1–3 training photos, labels = text's + photos' tags.
Photo-only rows (empty text) are scored on the visual tags only.

Every row also carries the lexicon's per-tag confidences, the model's third input (see
``mlcore.model``).  Photos are decoded once and kept in memory at training size.

Stages: optional masked-language-model pre-training of a compact text encoder on the texts, then
stage 1 (text encoder frozen, so each text is encoded once; AdamW) and stage 2 (everything
trainable, a lower learning rate).  Only the last ``image_trainable_stages`` stages of the image
trunk are fine-tuned.
The epoch with the best validation micro-F1 is kept; a temperature and per-tag thresholds are then
fitted (thresholds on the threshold data, by default dev_gold, which is never trained on; for
listings without text, thresholds on the validation photos).
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
    "lexicon_prior": True,
    "image_trainable_stages": 3,
    "device": "auto",
    "dim": 256,
    "hidden": 256,
    "batch_size": 16,
    "mlm_epochs": 1,
    "mlm_lr": 5e-4,
    "mlm_max_length": 128,
    "stage1": {"epochs": 2, "lr": 1e-4},                    # + "encoder_lr" (default: lr)
    "stage2": {"epochs": 1, "lr": 1e-5},
    "weight_decay": 0.01,
    "photo_repeat": 1,
    "texts_per_epoch": None,
    "version": "multimodal-1",
}


@dataclass
class Row:
    text: str
    photos: list[Path]
    labels: list[str]
    visual_only: bool = False          # a photo without text: only visual tags are scored
    lexicon: dict[str, float] = field(default_factory=dict)   # the rules' confidence per tag


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


def lexicon_row(lexicon: LexiconTagger, text: str, photos: list[Path] | None = None,
                labels: list[str] | None = None) -> Row:
    """A text row with the lexicon's confidences; its labels are the lexicon's (weak) tags unless given."""
    matches = lexicon.tag(text)
    weak = sorted(m.slug for m in matches if m.confidence >= lexicon.threshold(m.slug))
    return Row(text, list(photos or []), weak if labels is None else list(labels),
               lexicon={m.slug: m.confidence for m in matches})


def weak_text_rows(listings: Path, vocab: TagVocabulary, max_texts: int | None) -> list[Row]:
    lexicon = LexiconTagger(vocab)
    objs = [obj for _, obj in iter_jsonl_objects(listings) if not obj.get("in_dev_gold")]
    texts = [jsonl_text(obj) for obj in (objs[:max_texts] if max_texts else objs)]
    return [lexicon_row(lexicon, t) for t in tqdm([t for t in texts if t and t.strip()], desc="weak labels",
                                                  unit="listing", file=sys.stderr)]


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
    lexicon = {r.text: r.lexicon for r in pair_texts}
    pair_rows = [Row(p.text, list(p.images), list(p.tags), lexicon=lexicon[p.text]) for p in pairs]
    # Photos with their own labels are few next to the texts: each is seen photo_repeat times an epoch.
    photo_train = photo_rows["train"] * int(config.get("photo_repeat", 1))
    return {"train": train_texts + photo_train + pair_rows, "val_text": val_texts,
            "val_photos": photo_rows["val"], "test_photos": photo_rows["test"]}


class PhotoCache:
    """Photos decoded once and kept in memory, resized so their short side is a little above the
    model's input size (crops and flips are then cheap)."""

    def __init__(self, size: int):
        self.size, self.images = int(size * 1.14) + 1, {}

    def __call__(self, path: Path):
        from PIL import Image, ImageOps

        if path not in self.images:
            with Image.open(path) as opened:
                img = ImageOps.exif_transpose(opened).convert("RGB")
            scale = self.size / min(img.size)
            if scale < 1:
                img = img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))),
                                 Image.Resampling.BICUBIC)
            self.images[path] = img
        return self.images[path]


class Batcher:
    """Rows -> model inputs: tokens, lexicon confidences, padded photos with a mask, labels and a
    loss mask; ``text_vectors`` (text -> encoder output), when set, replaces the text encoder."""

    def __init__(self, model: MultimodalTagger, slugs: list[str], visual: set[str], device: torch.device):
        self.model, self.slugs, self.device = model, slugs, device
        self.index = {s: i for i, s in enumerate(slugs)}
        self.visual_mask = torch.tensor([s in visual for s in slugs], dtype=torch.float32)
        self.photos = PhotoCache(model.image_encoder.preprocess.size)
        self.text_vectors: dict[str, torch.Tensor] | None = None

    def __call__(self, rows: list[Row], train: bool) -> dict:
        pre = self.model.image_encoder.preprocess
        tok = self.model.text_encoder.tokenize([r.text for r in rows])
        p = max((len(r.photos) for r in rows), default=0)
        images = torch.zeros(len(rows), p, 3, pre.size, pre.size)
        photo_mask = torch.zeros(len(rows), p, dtype=torch.bool)
        labels = torch.zeros(len(rows), len(self.slugs))
        loss_mask = torch.ones(len(rows), len(self.slugs))
        lexicon = torch.zeros(len(rows), len(self.slugs))
        for b, row in enumerate(rows):
            for j, photo in enumerate(row.photos):
                images[b, j] = load_image(self.photos(photo), pre.size, pre.mean, pre.std, train=train)
                photo_mask[b, j] = True
            for slug in row.labels:
                labels[b, self.index[slug]] = 1.0
            for slug, confidence in row.lexicon.items():
                lexicon[b, self.index[slug]] = confidence
            if row.visual_only:
                loss_mask[b] = self.visual_mask
        batch = {"input_ids": tok["input_ids"], "attention_mask": tok["attention_mask"], "images": images,
                 "photo_mask": photo_mask, "lexicon": lexicon, "labels": labels, "loss_mask": loss_mask}
        if self.text_vectors is not None:
            batch["text_vectors"] = torch.stack([self.text_vectors[r.text] for r in rows])
        return {k: v.to(self.device) for k, v in batch.items()}

    def model_inputs(self, batch: dict) -> dict:
        return {k: batch[k] for k in ("input_ids", "attention_mask", "images", "photo_mask", "lexicon",
                                      "text_vectors") if k in batch}

    def encode_texts(self, rows: list[Row], batch_size: int) -> None:
        """Encode every distinct text once (the text encoder is frozen): ``text_vectors``."""
        texts = sorted({r.text for r in rows})
        self.model.text_encoder.eval()
        vectors = {}
        with torch.inference_mode():
            for i in tqdm(range(0, len(texts), batch_size), desc="encode texts", unit="batch", file=sys.stderr):
                chunk = texts[i:i + batch_size]
                tok = self.model.text_encoder.tokenize(chunk)
                out = self.model.text_encoder(tok["input_ids"].to(self.device), tok["attention_mask"].to(self.device))
                vectors.update(zip(chunk, out.clone()))
        self.text_vectors = vectors


def masked_bce(logits: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    loss = nn.functional.binary_cross_entropy_with_logits(logits, labels, reduction="none")
    return (loss * mask).sum() / mask.sum().clamp(min=1.0)


def predict_logits(model: MultimodalTagger, batcher: Batcher, rows: list[Row], batch_size: int) -> np.ndarray:
    model.eval()
    out = []
    with torch.inference_mode():
        for i in range(0, len(rows), batch_size):
            b = batcher(rows[i:i + batch_size], train=False)
            out.append(model(**batcher.model_inputs(b))["logits"].float().cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, len(batcher.slugs)))


def gold_matrix(rows: list[Row], slugs: list[str]) -> np.ndarray:
    index = {s: i for i, s in enumerate(slugs)}
    gold = np.zeros((len(rows), len(slugs)))
    for b, r in enumerate(rows):
        for s in r.labels:
            gold[b, index[s]] = 1
    return gold


def mlm_pretrain(text_encoder, texts: list[str], epochs: int, lr: float, batch_size: int,
                 max_length: int, device: torch.device) -> list[dict]:
    """Masked-language-model pre-training of a compact encoder on the listing texts."""
    from transformers import DataCollatorForLanguageModeling, RobertaConfig, RobertaForMaskedLM

    if epochs <= 0:
        return []
    cfg: RobertaConfig = text_encoder.model.config
    mlm = RobertaForMaskedLM(cfg)
    mlm.roberta = text_encoder.model
    mlm.lm_head.decoder.weight = text_encoder.model.embeddings.word_embeddings.weight  # tie to our encoder
    mlm.to(device)
    collator = DataCollatorForLanguageModeling(text_encoder.tokenizer, mlm_probability=0.15)
    optimizer = torch.optim.AdamW(mlm.parameters(), lr=lr, weight_decay=0.01)
    history = []
    for epoch in range(epochs):
        random.shuffle(texts)
        mlm.train()
        total, n = 0.0, 0
        bar = tqdm(range(0, len(texts), batch_size), desc=f"MLM {epoch + 1}/{epochs}", unit="batch", file=sys.stderr)
        for i in bar:
            enc = text_encoder.tokenizer(texts[i:i + batch_size], truncation=True, max_length=max_length)
            batch = collator([{"input_ids": ids} for ids in enc["input_ids"]])
            loss = mlm(input_ids=batch["input_ids"].to(device), attention_mask=batch["attention_mask"].to(device),
                       labels=batch["labels"].to(device)).loss
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
    return MultimodalTagger(text, image, num_tags, fusion=config["fusion"], dim=config["dim"], hidden=config["hidden"],
                            lexicon_prior=config["lexicon_prior"])


def epoch_rows(train_rows: list[Row], texts_per_epoch: int | None) -> list[Row]:
    """One epoch's rows, shuffled: every photo and pair, and (when ``texts_per_epoch`` is set) a
    fresh sample of the text-only rows, so thousands of texts do not swamp the photos."""
    texts = [r for r in train_rows if not r.photos]
    rows = [r for r in train_rows if r.photos]
    if texts_per_epoch and texts_per_epoch < len(texts):
        texts = random.sample(texts, texts_per_epoch)
    rows += texts
    random.shuffle(rows)
    return rows


def run_stage(name, model, batcher, train_rows, val, config, stage, freeze_text, history, best):
    for p in model.text_encoder.parameters():
        p.requires_grad = not freeze_text
    model.image_encoder.train_last_stages(config.get("image_trainable_stages"))
    if freeze_text:
        batcher.encode_texts(train_rows + val["val_text"] + val["val_photos"], config["batch_size"])
    # Pretrained encoders move slowly (``encoder_lr``; their batch-norm statistics are frozen, so a
    # large step would blow up their activations); layers trained from scratch take ``lr``.
    encoders = {id(p) for p in [*model.text_encoder.parameters(), *model.image_encoder.parameters()]}
    groups = [{"params": [p for p in model.parameters() if p.requires_grad and id(p) in encoders],
               "lr": stage.get("encoder_lr", stage["lr"])},
              {"params": [p for p in model.parameters() if p.requires_grad and id(p) not in encoders],
               "lr": stage["lr"]}]
    optimizer = torch.optim.AdamW([g for g in groups if g["params"]], weight_decay=config["weight_decay"])
    bs = config["batch_size"]
    for epoch in range(stage["epochs"]):
        model.train()
        if freeze_text:
            model.text_encoder.eval()
        rows = epoch_rows(train_rows, config.get("texts_per_epoch"))
        total, n, start = 0.0, 0, time.time()
        bar = tqdm(range(0, len(rows), bs), desc=f"{name} {epoch + 1}/{stage['epochs']}", unit="batch",
                   file=sys.stderr)
        for i in bar:
            b = batcher(rows[i:i + bs], train=True)
            out = model(**batcher.model_inputs(b))
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
        if record["val_micro_f1"] >= best["f1"]:     # ties go to the later epoch
            best.update(f1=record["val_micro_f1"], state=copy.deepcopy(model.state_dict()))
    batcher.text_vectors = None


def _micro_f1(model, batcher, rows: list[Row], bs: int) -> tuple[float, float]:
    """(micro-F1 at 0.5, mean BCE) over rows; photo-only rows are scored on the visual tags."""
    if not rows:
        return 0.0, 0.0
    logits = predict_logits(model, batcher, rows, bs)
    gold = gold_matrix(rows, batcher.slugs)
    visual = batcher.visual_mask.numpy()
    mask = np.stack([visual if r.visual_only else np.ones_like(visual) for r in rows])
    pred = (sigmoid(logits) >= 0.5) & (mask > 0)
    tp = float((pred & (gold > 0)).sum())
    denom = pred.sum() + ((gold > 0) & (mask > 0)).sum()
    loss = np.maximum(logits, 0) - logits * gold + np.log1p(np.exp(-np.abs(logits)))
    return (2 * tp / denom if denom else 0.0), float((loss * mask).sum() / mask.sum())


def evaluate_val(model, batcher, val: dict[str, list[Row]], bs: int) -> dict:
    """Validation texts and validation photos scored apart; ``val_micro_f1`` (which picks the best
    epoch) is their mean, so that thousands of texts do not drown a few dozen photos."""
    text_f1, text_loss = _micro_f1(model, batcher, val["val_text"], bs)
    photo_f1, photo_loss = _micro_f1(model, batcher, val["val_photos"], bs)
    parts = [f for f, rows in ((text_f1, val["val_text"]), (photo_f1, val["val_photos"])) if rows]
    return {"val_loss": round((text_loss + photo_loss) / 2, 4), "val_text_f1": round(text_f1, 4),
            "val_photo_f1": round(photo_f1, 4), "val_micro_f1": round(sum(parts) / max(len(parts), 1), 4)}


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
    b.plot(x, [h["val_micro_f1"] for h in rows], label="val micro-F1 (mean: picks the epoch)", color="tab:green")
    for key, label, colour in (("val_text_f1", "val texts", "tab:blue"), ("val_photo_f1", "val photos", "tab:red")):
        if all(key in h for h in rows):
            b.plot(x, [h[key] for h in rows], label=label, color=colour, linestyle="--")
    b.set_xlabel("epoch (stage 1, then stage 2)")
    b.set_ylim(0, 1.05)
    b.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def training_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def train(config: dict, out: Path, base: Path = Path(".")) -> Path:
    torch.manual_seed(config["seed"])
    random.seed(config["seed"])
    device = training_device(config.get("device", "auto"))
    vocab = default_vocabulary()
    slugs = vocab.slugs
    visual = {t.slug for t in vocab if t.visual}
    data = build_data(config, vocab, base)
    model = build_model(config, [r.text for r in data["train"] if r.text], len(slugs))
    model.visual_mask.copy_(torch.tensor([s in visual for s in slugs]))
    model.to(device)
    history: list[dict] = []
    if config["text_encoder"]["kind"] == "roberta":
        history += mlm_pretrain(model.text_encoder, [r.text for r in data["train"] if r.text],
                                config["mlm_epochs"], config["mlm_lr"], config["batch_size"],
                                min(config.get("mlm_max_length") or 10 ** 6, model.text_encoder.max_length), device)
    batcher = Batcher(model, slugs, visual, device)
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
            lexicon = LexiconTagger(vocab)
            rows = [lexicon_row(lexicon, e.text, labels=e.tags) for e in examples]
            probs = sigmoid(predict_logits(model, batcher, rows, config["batch_size"]) / temperature)
            thresholds = dict(zip(slugs, tune_thresholds(probs, gold_matrix(rows, slugs))))
    # Listings without text score on another scale (no rules behind them): their own thresholds,
    # tuned on the validation photos.
    photo_thresholds = {s: 0.5 for s in slugs}
    if data["val_photos"]:
        probs = sigmoid(predict_logits(model, batcher, data["val_photos"], config["batch_size"]) / temperature)
        photo_thresholds = dict(zip(slugs, tune_thresholds(probs, gold_matrix(data["val_photos"], slugs))))
    history.append({"stage": "calibration", **report})
    out.mkdir(parents=True, exist_ok=True)
    model.cpu()
    file = save_checkpoint(out, model, slugs, thresholds=thresholds, photo_thresholds=photo_thresholds,
                           temperature=temperature,
                           version=config["version"], history=history, extra={"training": report})
    plot_history(history, out / "training_curves.png")
    return file
