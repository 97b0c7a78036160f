"""``python -m mlcore train [--config FILE.json] --out DIR``: a plain PyTorch training loop.

What to train and how is one :class:`mlcore.train_config.TrainConfig` (its defaults are the
shipped model's; ``--config``'s keys go over them): ``model`` is the
:class:`mlcore.config.TaggerConfig` that builds the network; the config, the git commit and the
data files' hashes are saved in the checkpoint.

Data (paths relative to the working folder):
* listing texts with weak labels from the lexicon (rows marked ``in_dev_gold`` excluded), split
  train/val by a hash of the listing's accent-free opening (re-posts land in the same split);
* photos with visual tags (``photos/labels.csv``), split by group;
* multimodal pairs: a training text with 1–3 training photos, labels = text's + photos' tags.
Photo-only rows (empty text) are scored on the visual tags only.  Every row also carries the
lexicon's per-tag confidences, the model's third input (see ``mlcore.model``).

Stages, each a function that returns its history:
1. ``mlm_pretrain``: masked-language-model pre-training of a compact text encoder on the texts;
2. ``photo_stage``: the image encoder learns the rooms' objects from the labelled photos alone —
   first the photo head on frozen features (a linear probe, cheap: features computed once), then
   the last ``trainable_stages`` of the trunk with the head, on augmented photos (crops, flips,
   colour, blur, JPEG), with a loss that does not drown rare tags;
3. ``fusion_stage`` "stage1": both encoders frozen, so each text and each photo is encoded once
   (cached); the text side, attention, fusion and lexicon prior are trained on texts, photos and
   pairs; optional "stage2": everything trainable at lower learning rates.
The epoch with the best mean of validation-text and validation-photo micro-F1 is kept; then a
temperature, per-tag thresholds for text-supported tags (tuned on the threshold data, dev_gold,
never trained on) and precision-first thresholds for photo-only tags (tuned on the validation
photos).  Writes ``best_model.pt``, ``feature_vocab.json``, ``training_history.json`` and
``training_curves.png``; :mod:`mlcore.gate` then compares it with the shipped model.
"""
from __future__ import annotations

import copy
import hashlib
import json
import math
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from .calibration import (binary_cross_entropy, expected_calibration_error, fit_temperature,
                          precision_first_thresholds, sigmoid, tune_thresholds)
from .checkpoint import save_checkpoint
from .data import Example, iter_jsonl_objects, jsonl_text, read_dataset
from .lexicon import LexiconTagger
from .losses import loss_function, masked_bce
from .metrics import micro_f1_matrix
from .model import MultimodalTagger, build_model
from .photos import PhotoCache, load_image, multimodal_pairs, read_photo_labels, split_photos
from .text import fold_text
from .train_config import PhotoStage, FusionStage, TrainConfig, provenance, resolve_path
from .vocab import TagVocabulary, default_vocabulary


@dataclass
class Row:
    text: str
    photos: list[Path]
    labels: list[str]
    visual_only: bool = False          # a photo without text: only visual tags are scored
    lexicon: dict[str, float] = field(default_factory=dict)   # the rules' confidence per tag
    # Loss weight per tag where it is not 1 (people's labels: see human_rows).
    weights: dict[str, float] = field(default_factory=dict)


def human_rows(path: Path, vocab: TagVocabulary, base: Path, weak_weight: float) -> list[Row]:
    """Rows labelled by people: a JSONL file of ``{"text" (or title + description), "tags",
    "images"?, "negatives"?}``.  Without ``negatives`` the tags are complete (an annotated set such as
    train_gold: every other tag is absent).  With ``negatives`` (``manage.py export_training_data``)
    only the named tags are decided: ``tags`` are positives, ``negatives`` explicit negatives, and
    every other tag takes the lexicon's weak label at ``weak_weight`` (``TrainConfig.extra_weak_weight``).  Photos that are not on this
    machine are left out.  Unknown tags stop with ``FILE:LINE``."""
    from .data import DatasetError
    from .vocab import UnknownTagError

    lexicon = LexiconTagger(vocab)
    rows = []
    for line, obj in iter_jsonl_objects(path):
        text = jsonl_text(obj) or ""
        try:
            tags = [vocab.resolve(t).slug for t in obj.get("tags") or []]
            negatives = [vocab.resolve(t).slug for t in obj.get("negatives") or []]
        except UnknownTagError as exc:
            raise DatasetError(path, line, str(exc)) from None
        photos = [p for p in (Path(x) if Path(x).is_absolute() else path.parent / x for x in obj.get("images") or [])
                  if p.is_file()]
        if not text.strip() and not photos:
            continue
        row = lexicon_row(lexicon, text, photos, labels=tags)
        if "negatives" in obj:
            decided = set(tags) | set(negatives)
            weak = [m.slug for m in lexicon.tag(text) if m.confidence >= lexicon.threshold(m.slug)]
            row.labels = sorted(set(tags) | {s for s in weak if s not in decided})
            row.weights = {s: weak_weight for s in vocab.slugs if s not in decided}
        rows.append(row)
    return rows


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


def build_data(config: TrainConfig, vocab: TagVocabulary, base: Path) -> dict[str, list[Row]]:
    texts = weak_text_rows(resolve_path(base, config.listings), vocab, config.max_texts)
    # People's labels replace the rules' on the same text (a listing annotated or decided on the site).
    extra = [row for path in config.extra_labels
             for row in human_rows(resolve_path(base, path), vocab, base, config.extra_weak_weight)]
    labelled = {r.text for r in extra}
    texts = [r for r in texts if r.text not in labelled]
    weak_weight = config.text_weak_weight      # the rules' labels against people's
    if weak_weight != 1.0:
        for row in texts:
            row.weights = {s: weak_weight for s in vocab.slugs}
    train_texts = [r for r in texts if _split_key(r.text) >= config.val_fraction]
    val_texts = [r for r in texts if _split_key(r.text) < config.val_fraction]
    # With people's labels, the text side is validated on theirs (held out the same way), not on
    # the rules' own labels, which a model copying the rules would match perfectly.
    held_out = [bool(r.text) and _split_key(r.text) < config.val_fraction for r in extra]
    if any(held_out):
        val_texts = [r for r, held in zip(extra, held_out) if held]
        extra = [r for r, held in zip(extra, held_out) if not held]
    photos = (split_photos(read_photo_labels(resolve_path(base, config.photos), vocab)) if config.photos
              else {"train": [], "val": [], "test": []})          # a text-only recipe
    photo_rows = {name: [Row("", [p.file], list(p.tags), visual_only=True) for p in ps]
                  for name, ps in photos.items()}
    rng = random.Random(config.seed)
    pair_texts = rng.sample(train_texts, k=min(config.pairs, len(train_texts)))
    pairs = multimodal_pairs([Example(str(i), r.text, r.labels) for i, r in enumerate(pair_texts)],
                             photos["train"], vocab, seed=config.seed) if photos["train"] else []
    lexicon = {r.text: r.lexicon for r in pair_texts}
    pair_rows = [Row(p.text, list(p.images), list(p.tags), lexicon=lexicon[p.text]) for p in pairs]
    # Photos with their own labels are few next to the texts: each is seen photo_repeat times an epoch.
    photo_train = photo_rows["train"] * config.photo_repeat
    return {"train": train_texts + photo_train + pair_rows + extra * config.extra_repeat,
            "train_photos": photo_rows["train"], "extra": extra,
            "val_text": val_texts, "val_photos": photo_rows["val"], "test_photos": photo_rows["test"]}


class Batcher:
    """Rows -> model inputs: tokens, lexicon confidences, padded photos with a mask, labels and a
    loss mask.  ``text_vectors`` (text -> encoder output) and ``photo_features`` (photo -> its
    cells and pooled vector), when set, replace the frozen encoders."""

    def __init__(self, model: MultimodalTagger, slugs: list[str], visual: set[str], device: torch.device):
        self.model, self.slugs, self.device = model, slugs, device
        self.index = {s: i for i, s in enumerate(slugs)}
        self.visual_mask = torch.tensor([s in visual for s in slugs], dtype=torch.float32)
        self.photos = PhotoCache(model.image_encoder.preprocess.size)
        self.text_vectors: dict[str, torch.Tensor] | None = None
        self.photo_features: dict[Path, dict[str, torch.Tensor]] | None = None

    def __call__(self, rows: list[Row], train: bool) -> dict:
        pre = self.model.image_encoder.preprocess
        tok = self.model.text_encoder.tokenize([r.text for r in rows])
        p = max((len(r.photos) for r in rows), default=0)
        photo_mask = torch.zeros(len(rows), p, dtype=torch.bool)
        labels = torch.zeros(len(rows), len(self.slugs))
        loss_mask = torch.ones(len(rows), len(self.slugs))
        lexicon = torch.zeros(len(rows), len(self.slugs))
        images = None if self.photo_features is not None else torch.zeros(len(rows), p, 3, pre.size, pre.size)
        for b, row in enumerate(rows):
            for j, photo in enumerate(row.photos):
                if images is not None:
                    images[b, j] = load_image(self.photos(photo), pre, train=train)
                photo_mask[b, j] = True
            for slug in row.labels:
                labels[b, self.index[slug]] = 1.0
            for slug, confidence in row.lexicon.items():
                lexicon[b, self.index[slug]] = confidence
            if row.visual_only:
                loss_mask[b] = self.visual_mask
            for slug, weight in row.weights.items():
                loss_mask[b, self.index[slug]] = weight
        batch = {"input_ids": tok["input_ids"], "attention_mask": tok["attention_mask"], "photo_mask": photo_mask,
                 "lexicon": lexicon, "labels": labels, "loss_mask": loss_mask}
        if images is not None:
            batch["images"] = images
        if self.text_vectors is not None:
            batch["text_vectors"] = torch.stack([self.text_vectors[r.text] for r in rows])
        batch = {k: v.to(self.device) for k, v in batch.items()}
        if self.photo_features is not None:
            batch["image_features"] = self._cached_features(rows, p)
        return batch

    def _cached_features(self, rows: list[Row], p: int) -> dict[str, torch.Tensor]:
        enc = self.model.image_encoder
        probe = next(iter(self.photo_features.values()), None)
        cells_per_photo = probe["cells"].shape[0] if probe is not None else 1
        pooled_size = probe["pooled"].shape[-1] if probe is not None else 2 * enc.out_dim
        cells = torch.zeros(len(rows), p * cells_per_photo, enc.out_dim)
        pooled = torch.zeros(len(rows), p, pooled_size)
        for b, row in enumerate(rows):
            for j, photo in enumerate(row.photos):
                f = self.photo_features[photo]
                cells[b, j * cells_per_photo:(j + 1) * cells_per_photo] = f["cells"].float()
                pooled[b, j] = f["pooled"].float()
        return {"cells": cells.to(self.device), "pooled": pooled.to(self.device)}

    def model_inputs(self, batch: dict) -> dict:
        inputs = {k: batch[k] for k in ("input_ids", "attention_mask", "photo_mask", "lexicon", "text_vectors",
                                        "image_features") if k in batch}
        inputs["images"] = batch.get("images")
        return inputs

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

    def encode_photos(self, rows: list[Row], batch_size: int) -> None:
        """Encode every distinct photo once at inference preprocessing (the image encoder is
        frozen): ``photo_features``, kept in float16."""
        paths = sorted({p for r in rows for p in r.photos})
        pre = self.model.image_encoder.preprocess
        self.model.image_encoder.eval()
        features = {}
        with torch.inference_mode():
            for i in tqdm(range(0, len(paths), batch_size), desc="encode photos", unit="batch", file=sys.stderr):
                chunk = paths[i:i + batch_size]
                images = torch.stack([load_image(self.photos(p), pre) for p in chunk]).unsqueeze(1).to(self.device)
                out = self.model.image_features(images, torch.ones(len(chunk), 1, dtype=torch.bool, device=self.device))
                for k, path in enumerate(chunk):
                    features[path] = {"cells": out["cells"][k].half().cpu(), "pooled": out["pooled"][k, 0].half().cpu()}
        self.photo_features = features


def gold_matrix(rows: list[Row], slugs: list[str]) -> np.ndarray:
    index = {s: i for i, s in enumerate(slugs)}
    gold = np.zeros((len(rows), len(slugs)))
    for b, r in enumerate(rows):
        for s in r.labels:
            gold[b, index[s]] = 1
    return gold


def predict_logits(model: MultimodalTagger, batcher: Batcher, rows: list[Row], batch_size: int,
                   key: str = "logits") -> np.ndarray:
    """Model outputs ``key`` ("logits", or "photo_logits": the photo head alone) for ``rows``."""
    model.eval()
    out = []
    with torch.inference_mode():
        for i in range(0, len(rows), batch_size):
            b = batcher(rows[i:i + batch_size], train=False)
            out.append(model(**batcher.model_inputs(b))[key].float().cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, len(batcher.slugs)))


def _scores(logits: np.ndarray, rows: list[Row], batcher: Batcher) -> tuple[float, float]:
    """(micro-F1 at 0.5, mean cross-entropy) of logits for rows; photo-only rows are scored on the
    visual tags only."""
    if not rows:
        return 0.0, 0.0
    gold = gold_matrix(rows, batcher.slugs)
    visual = batcher.visual_mask.numpy()
    mask = np.stack([visual if r.visual_only else np.ones_like(visual) for r in rows])
    return micro_f1_matrix(sigmoid(logits) >= 0.5, gold, mask), binary_cross_entropy(logits, gold, mask)


def evaluate_val(model, batcher, val: dict[str, list[Row]], bs: int) -> dict:
    """Validation texts and validation photos scored apart; ``val_micro_f1`` (which picks the best
    epoch) is their mean, so that thousands of texts do not drown a few hundred photos."""
    text_f1, text_loss = _scores(predict_logits(model, batcher, val["val_text"], bs), val["val_text"], batcher)
    photo_f1, photo_loss = _scores(predict_logits(model, batcher, val["val_photos"], bs), val["val_photos"], batcher)
    parts = [f for f, rows in ((text_f1, val["val_text"]), (photo_f1, val["val_photos"])) if rows]
    return {"val_loss": round((text_loss + photo_loss) / 2, 4), "val_text_f1": round(text_f1, 4),
            "val_photo_f1": round(photo_f1, 4), "val_micro_f1": round(sum(parts) / max(len(parts), 1), 4)}


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


def _linear_warmup_cosine(optimizer, total_steps: int, warmup: float = 0.1):
    warm = max(1, int(total_steps * warmup))
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / warm) * 0.5 * (1 + math.cos(math.pi * min(1.0, step / max(1, total_steps)))))


def photo_stage(model: MultimodalTagger, batcher: Batcher, photos: list[Row], val_photos: list[Row],
                stage: PhotoStage, device: torch.device) -> list[dict]:
    """The image encoder learns the rooms' objects from labelled photos alone (loss on the photo
    head's logits, visual tags only).  First a linear probe: the trunk frozen, its features
    computed once (and of the flipped photo), the head trained for ``probe_epochs``; then
    ``epochs`` of fine-tuning the last ``trainable_stages`` trunk stages with the head on augmented
    photos (linear warm-up, cosine decay).  Returns its history."""
    if model.photo_head is None or not photos or (stage.epochs <= 0 and stage.probe_epochs <= 0):
        return []
    history: list[dict] = []
    loss_fn = loss_function(stage.loss)
    visual = batcher.visual_mask.to(device)
    bs = stage.batch_size
    pre = model.image_encoder.preprocess
    gold = torch.tensor(gold_matrix(photos, batcher.slugs), dtype=torch.float32)

    def val_record(name: str, epoch: int, loss: float, seconds: float) -> dict:
        logits = predict_logits(model, batcher, val_photos, bs, key="photo_logits")
        f1, val_loss = _scores(logits, val_photos, batcher)
        record = {"stage": name, "epoch": epoch, "train_loss": round(loss, 4), "seconds": round(seconds, 1),
                  "val_photo_f1": round(f1, 4), "val_loss": round(val_loss, 4)}
        print(json.dumps(record), file=sys.stderr)
        return record

    # 1. linear probe on frozen features (each photo and its mirror image encoded once)
    if stage.probe_epochs > 0:
        start = time.time()
        model.image_encoder.eval()
        feats = []
        with torch.inference_mode():
            for i in tqdm(range(0, len(photos), bs), desc="photo probe: encode", unit="batch", file=sys.stderr):
                x = torch.stack([load_image(batcher.photos(r.photos[0]), pre) for r in photos[i:i + bs]]).to(device)
                both = torch.cat([x, x.flip(3)])
                f = model.image_features(both.unsqueeze(1), torch.ones(len(both), 1, dtype=torch.bool, device=device))
                pooled = f["pooled"][:, 0]
                feats.append(torch.stack([pooled[:len(x)], pooled[len(x):]], 1).cpu())
        feats = torch.cat(feats)                                              # [N, 2 views, 2·Di]
        head_opt = torch.optim.AdamW(model.photo_head.parameters(), lr=stage.probe_lr,
                                     weight_decay=stage.probe_weight_decay)
        model.photo_head.train()
        total = n = 0
        for epoch in tqdm(range(stage.probe_epochs), desc="photo probe: train", unit="epoch", file=sys.stderr):
            order = torch.randperm(len(photos))
            total = n = 0
            for i in range(0, len(order), bs):
                idx = order[i:i + bs]
                view = torch.randint(0, 2, (len(idx),))
                x = feats[idx, view].to(device)
                loss = loss_fn(model.photo_scores(x), gold[idx].to(device), visual.expand(len(idx), -1))
                head_opt.zero_grad()
                loss.backward()
                head_opt.step()
                total, n = total + loss.item(), n + 1
        history.append(val_record("photo_probe", stage.probe_epochs, total / max(n, 1), time.time() - start))

    # 2. fine-tune the last trunk stages with the head, on augmented photos
    epochs = stage.epochs
    if epochs > 0:
        model.image_encoder.train_last_stages(stage.trainable_stages)
        trunk = [p for p in model.image_encoder.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW([{"params": trunk, "lr": stage.encoder_lr},
                                       {"params": model.photo_head.parameters(), "lr": stage.lr}],
                                      weight_decay=stage.weight_decay)
        steps = epochs * math.ceil(len(photos) / bs)
        scheduler = _linear_warmup_cosine(optimizer, steps, stage.warmup)
        for epoch in range(epochs):
            start = time.time()
            model.image_encoder.train()
            model.photo_head.train()
            order = list(range(len(photos)))
            random.shuffle(order)
            total = n = 0
            bar = tqdm(range(0, len(order), bs), desc=f"photo {epoch + 1}/{epochs}", unit="batch", file=sys.stderr)
            for i in bar:
                idx = order[i:i + bs]
                x = torch.stack([load_image(batcher.photos(photos[k].photos[0]), pre, train=True) for k in idx])
                x = x.unsqueeze(1).to(device)
                f = model.image_features(x, torch.ones(len(idx), 1, dtype=torch.bool, device=device))
                loss = loss_fn(model.photo_scores(f["pooled"][:, 0]), gold[idx].to(device), visual.expand(len(idx), -1))
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                scheduler.step()
                total, n = total + loss.item(), n + 1
                bar.set_postfix(loss=f"{total / n:.3f}")
            history.append(val_record("photo", epoch + 1, total / max(n, 1), time.time() - start))
    for p in model.image_encoder.parameters():
        p.requires_grad = False
    return history


def fusion_stage(name: str, model: MultimodalTagger, batcher: Batcher, train_rows: list[Row], val: dict,
                 config: TrainConfig, stage: FusionStage, freeze_encoders: bool, best: dict) -> tuple[list[dict], dict]:
    """Train the fusion side on texts, photos and pairs.  ``freeze_encoders``: both encoders (and
    the photo head) stay as they are and every text and photo is encoded once; otherwise the
    text encoder and the last ``image_trainable_stages`` image stages train at ``encoder_lr``.
    ``best`` ({"f1", "state"}): the best epoch before this stage.  Returns (the stage's history,
    the best epoch after it)."""
    history: list[dict] = []
    if stage.epochs <= 0:
        return history, best
    for p in model.text_encoder.parameters():
        p.requires_grad = not freeze_encoders
    if freeze_encoders:
        for p in model.image_encoder.parameters():
            p.requires_grad = False
        if model.photo_head is not None:
            for p in model.photo_head.parameters():
                p.requires_grad = False
        everything = train_rows + val["val_text"] + val["val_photos"]
        batcher.encode_texts(everything, config.batch_size)
        batcher.encode_photos(everything, config.batch_size)
    else:
        model.image_encoder.train_last_stages(config.image_trainable_stages)
        if model.photo_head is not None:
            for p in model.photo_head.parameters():
                p.requires_grad = True
    # Pretrained encoders move slowly (``encoder_lr``; their batch-norm statistics are frozen, so a
    # large step would blow up their activations); layers trained from scratch take ``lr``.
    encoders = {id(p) for p in [*model.text_encoder.parameters(), *model.image_encoder.parameters()]}
    groups = [{"params": [p for p in model.parameters() if p.requires_grad and id(p) in encoders],
               "lr": stage.encoder_lr if stage.encoder_lr is not None else stage.lr},
              {"params": [p for p in model.parameters() if p.requires_grad and id(p) not in encoders],
               "lr": stage.lr}]
    optimizer = torch.optim.AdamW([g for g in groups if g["params"]], weight_decay=config.weight_decay)
    bs = config.batch_size
    for epoch in range(stage.epochs):
        model.train()
        if freeze_encoders:
            model.text_encoder.eval()
            model.image_encoder.eval()
        rows = epoch_rows(train_rows, config.texts_per_epoch)
        total, n, start = 0.0, 0, time.time()
        bar = tqdm(range(0, len(rows), bs), desc=f"{name} {epoch + 1}/{stage.epochs}", unit="batch",
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
            best = {"f1": record["val_micro_f1"], "state": copy.deepcopy(model.state_dict())}
    batcher.text_vectors = batcher.photo_features = None
    return history, best


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


def plot_history(history: list[dict], path: Path) -> None:
    """Training curves: the photo stage (validation photos, photo head alone), then the fusion
    stages' losses and validation F1 (texts, photos and their mean, which picks the epoch)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    photo = [h for h in history if h.get("stage") in ("photo_probe", "photo")]
    rows = [h for h in history if "val_micro_f1" in h]
    if not rows and not photo:
        return
    fig, (p, a, b) = plt.subplots(1, 3, figsize=(15, 4))
    if photo:
        x = list(range(len(photo)))
        p.plot(x, [h["train_loss"] for h in photo], label="train loss (augmented photos)")
        p.plot(x, [h["val_loss"] for h in photo], label="val loss")
        p.plot(x, [h["val_photo_f1"] for h in photo], label="val photo micro-F1 at 0.5", color="tab:red")
        p.set_xlabel("photo stage (0 = linear probe, then fine-tuning epochs)")
        p.set_ylim(0, 1.05)
        p.legend()
    x = list(range(1, len(rows) + 1))
    a.plot(x, [h["train_loss"] for h in rows], label="train loss")
    a.plot(x, [h["val_loss"] for h in rows], label="val loss")
    a.set_xlabel("epoch (stage 1, then stage 2)")
    a.legend()
    b.plot(x, [h["val_micro_f1"] for h in rows], label="val micro-F1 (mean: picks the epoch)", color="tab:green")
    for key, label, colour in (("val_text_f1", "val texts", "tab:blue"), ("val_photo_f1", "val photos", "tab:red")):
        if rows and all(key in h for h in rows):
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


def calibrate(model: MultimodalTagger, batcher: Batcher, data: dict, vocab: TagVocabulary, config: TrainConfig,
              base: Path) -> dict:
    """A temperature on the validation rows; thresholds for text-supported tags on the threshold
    data (dev_gold: tuned, never trained on); precision-first thresholds for photo-only tags on
    the validation photos.  Returns {"temperature", "thresholds", "photo_thresholds", "report"}."""
    slugs, bs = vocab.slugs, config.batch_size
    val_rows = data["val_text"] + data["val_photos"]
    logits = predict_logits(model, batcher, val_rows, bs)
    gold = gold_matrix(val_rows, slugs)
    temperature = fit_temperature(logits, gold) if len(val_rows) else 1.0
    report = {"ece_before": round(expected_calibration_error(sigmoid(logits), gold), 4),
              "ece_after": round(expected_calibration_error(sigmoid(logits / temperature), gold), 4),
              "temperature": round(temperature, 4)}
    thresholds = {s: 0.5 for s in slugs}
    path = resolve_path(base, config.threshold_data) if config.threshold_data else None
    if path is not None and path.exists():
        examples = read_dataset(path, vocab, check_images=False)
        lexicon = LexiconTagger(vocab)
        rows = [lexicon_row(lexicon, e.text, labels=e.tags) for e in examples]
        probs = sigmoid(predict_logits(model, batcher, rows, bs) / temperature)
        thresholds = dict(zip(slugs, tune_thresholds(probs, gold_matrix(rows, slugs))))
    photo_thresholds = {s: 0.5 for s in slugs}
    if data["val_photos"]:
        probs = sigmoid(predict_logits(model, batcher, data["val_photos"], bs) / temperature)
        photo_thresholds = dict(zip(slugs, precision_first_thresholds(
            probs, gold_matrix(data["val_photos"], slugs), target=config.photo_precision,
            floor=config.photo_threshold_floor)))
    return {"temperature": temperature, "thresholds": thresholds, "photo_thresholds": photo_thresholds,
            "report": report}


def train(config: TrainConfig, out: Path, base: Path = Path(".")) -> Path:
    """Train ``config`` and write the checkpoint to ``out``; returns its file."""
    torch.manual_seed(config.seed)
    random.seed(config.seed)
    device = training_device(config.device)
    vocab = default_vocabulary()
    slugs = vocab.slugs
    visual = {t.slug for t in vocab if t.visual}
    data = build_data(config, vocab, base)
    model_config = config.model.replace(num_tags=len(slugs))
    model = build_model(model_config, pretrained_image=config.pretrained_image,
                        texts=[r.text for r in data["train"] if r.text])
    model.visual_mask.copy_(torch.tensor([s in visual for s in slugs]))
    model.to(device)
    history: list[dict] = []
    if model_config.text_encoder["kind"] == "roberta":
        history += mlm_pretrain(model.text_encoder, [r.text for r in data["train"] if r.text],
                                config.mlm_epochs, config.mlm_lr, config.batch_size,
                                min(config.mlm_max_length or 10 ** 6, model.text_encoder.max_length), device)
    batcher = Batcher(model, slugs, visual, device)
    history += photo_stage(model, batcher, data["train_photos"], data["val_photos"], config.photo_stage,
                           device)
    best = {"f1": -1.0, "state": copy.deepcopy(model.state_dict())}
    for name, freeze in (("stage1", True), ("stage2", False)):
        stage_history, best = fusion_stage(name, model, batcher, data["train"], data, config, getattr(config, name), freeze, best)
        history += stage_history
    model.load_state_dict(best["state"])
    fitted = calibrate(model, batcher, data, vocab, config, base)
    history.append({"stage": "calibration", **fitted["report"]})
    out.mkdir(parents=True, exist_ok=True)
    model.cpu()
    file = save_checkpoint(out, model, slugs, thresholds=fitted["thresholds"],
                           photo_thresholds=fitted["photo_thresholds"], temperature=fitted["temperature"],
                           version=config.version, history=history, training=fitted["report"],
                           train_config=config.as_dict(), provenance=provenance(config, base))
    plot_history(history, out / "training_curves.png")
    return file

