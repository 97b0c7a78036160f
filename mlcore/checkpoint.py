"""Checkpoints as in the seed: ``best_model.pt`` holding ``model_state_dict``, ``feature_vocab``,
``id2feature``, ``config`` (the :class:`~mlcore.config.TaggerConfig` that rebuilds the network,
image preprocessing included) + ``thresholds``, ``photo_thresholds`` (for tags only photos
support), ``temperature``, ``version`` and ``evaluation`` (the figures it was promoted with), with
``feature_vocab.json`` and ``training_history.json`` beside it, and the tokenizer of an encoder
trained here in ``tokenizer/``.  Weights are stored in float16 (half the size) and loaded as float32.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch

from .config import TaggerConfig
from .encoders import ModelNotAvailable, TextEncoder
from .model import MultimodalTagger, build_model

CHECKPOINT_FILE = "best_model.pt"


def checkpoint_file(path: str | Path) -> Path:
    path = Path(path)
    return path / CHECKPOINT_FILE if path.is_dir() else path


def text_encoder_config(encoder: TextEncoder) -> dict:
    """How to rebuild a text encoder: a Hugging Face name/folder, or a RoBERTa trained here."""
    cfg = encoder.model.config
    if encoder.name.startswith("hf:"):
        return {"kind": "hf", "name_or_path": encoder.name[3:], "max_length": encoder.max_length}
    return {"kind": "roberta", "vocab_size": cfg.vocab_size, "hidden": cfg.hidden_size,
            "layers": cfg.num_hidden_layers, "heads": cfg.num_attention_heads,
            "intermediate": cfg.intermediate_size, "max_length": encoder.max_length, "tokenizer": "tokenizer"}


def tagger_config(model: MultimodalTagger) -> TaggerConfig:
    """The config that rebuilds ``model``: the one it was built from, with its text encoder named as
    it is saved (a Hugging Face name/folder, or a RoBERTa trained here with its tokenizer folder)."""
    return model.config.replace(text_encoder=text_encoder_config(model.text_encoder),
                                image_preprocess=model.image_encoder.preprocess)


def save_checkpoint(folder: str | Path, model: MultimodalTagger, slugs: list[str], *, thresholds: dict[str, float],
                    photo_thresholds: dict[str, float] | None = None, temperature: float = 1.0, version: str,
                    history: list[dict] | None = None, training: dict | None = None,
                    evaluation: dict | None = None, rules_hash: str | None = None,
                    train_config: dict | None = None, provenance: dict | None = None) -> Path:
    """Write a checkpoint; ``rules_hash`` names the lexicon rules, vocabulary and normaliser its
    thresholds were tuned with (default: today's; the gate records the one its figures used);
    ``train_config`` (``TrainConfig.as_dict()``) and ``provenance`` (git commit, data hashes) say
    how it was made."""
    if rules_hash is None:
        from .lexicon import LexiconTagger

        rules_hash = LexiconTagger().rules_hash
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    config = tagger_config(model)
    state = {k: (v.half() if v.is_floating_point() else v) for k, v in model.state_dict().items()}
    torch.save({"model_state_dict": state, "feature_vocab": {s: i for i, s in enumerate(slugs)},
                "id2feature": {i: s for i, s in enumerate(slugs)}, "config": config.as_dict(),
                "thresholds": thresholds, "photo_thresholds": photo_thresholds or {}, "temperature": temperature,
                "version": version, "rules_hash": rules_hash, "training": training or {},
                "evaluation": evaluation or {}, "train_config": train_config, "provenance": provenance,
                # photo_thresholds apply to every tag only photos support (see mlcore.pipeline)
                "threshold_rule": "photo_evidence"},
               folder / CHECKPOINT_FILE)
    if config.text_encoder["kind"] == "roberta":
        model.text_encoder.tokenizer.save_pretrained(folder / "tokenizer")
    (folder / "feature_vocab.json").write_text(json.dumps({s: i for i, s in enumerate(slugs)}, indent=1),
                                               encoding="utf-8")
    if history is not None:
        (folder / "training_history.json").write_text(json.dumps(history, indent=1), encoding="utf-8")
    return folder / CHECKPOINT_FILE


def read_checkpoint_meta(path: str | Path) -> dict:
    """A checkpoint's metadata (version, thresholds, config, evaluation...) without building the model."""
    data = torch.load(checkpoint_file(path), map_location="cpu", weights_only=False)
    data.pop("model_state_dict", None)
    return data


def checkpoint_version(path: str | Path) -> str:
    """The version string a checkpoint was saved with (without building the model)."""
    return read_checkpoint_meta(path)["version"]


def load_checkpoint(path: str | Path) -> tuple[MultimodalTagger, dict]:
    """(model in eval mode, the checkpoint's metadata without the weights; ``meta["tagger_config"]``
    is its :class:`TaggerConfig`)."""
    file = checkpoint_file(path)
    if not file.is_file():
        raise ModelNotAvailable(f"no checkpoint at {file} (train one with `python -m mlcore train`)")
    data = torch.load(file, map_location="cpu", weights_only=False)
    config = TaggerConfig.from_dict(data["config"])
    text_dir = file.parent / config.text_encoder.get("tokenizer", "tokenizer")
    model = build_model(config, **({"tokenizer_dir": text_dir} if config.text_encoder["kind"] == "roberta" else {}))
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in data["model_state_dict"].items()})
    meta = {k: v for k, v in data.items() if k != "model_state_dict"}
    meta["id2feature"] = {int(k): v for k, v in meta["id2feature"].items()}
    meta["tagger_config"] = config
    return model.eval(), meta
