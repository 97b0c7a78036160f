"""Checkpoints as in the seed: ``best_model.pt`` holding ``model_state_dict``, ``feature_vocab``,
``id2feature``, ``config`` (+ ``thresholds``, ``photo_thresholds`` for listings without text,
``temperature``, ``version``), with
``feature_vocab.json`` and ``training_history.json`` beside it, and the tokenizer of an encoder
trained here in ``tokenizer/``.  Weights are stored in float16 (half the size) and loaded as float32.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch

from .encoders import ModelNotAvailable, TextEncoder, create_image_encoder, hf_text_encoder, roberta_text_encoder
from .model import MultimodalTagger

CHECKPOINT_FILE = "best_model.pt"


def checkpoint_file(path: str | Path) -> Path:
    path = Path(path)
    return path / CHECKPOINT_FILE if path.is_dir() else path


def text_encoder_config(encoder: TextEncoder) -> dict:
    """How to rebuild a text encoder: a Hugging Face name/folder, or a RoBERTa trained here."""
    cfg = encoder.model.config
    if encoder.name.startswith("hf:"):
        return {"kind": "hf", "name_or_path": encoder.name[3:], "max_length": encoder.max_length}
    return {"kind": "roberta", "hidden": cfg.hidden_size, "layers": cfg.num_hidden_layers,
            "heads": cfg.num_attention_heads, "intermediate": cfg.intermediate_size,
            "max_length": encoder.max_length, "tokenizer": "tokenizer"}


def save_checkpoint(folder: str | Path, model: MultimodalTagger, slugs: list[str], *, thresholds: dict[str, float],
                    photo_thresholds: dict[str, float] | None = None, temperature: float = 1.0, version: str, history: list[dict] | None = None,
                    extra: dict | None = None) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    config = {"text_encoder": text_encoder_config(model.text_encoder),
              "image_encoder": {"name": model.image_encoder.name,
                                "preprocess": model.image_encoder.preprocess.as_dict()},
              "fusion": model.fusion, "dim": model.dim, "hidden": model.hidden, "num_tags": len(slugs),
              "lexicon_prior": model.lexicon_prior,
              **(extra or {})}
    state = {k: (v.half() if v.is_floating_point() else v) for k, v in model.state_dict().items()}
    torch.save({"model_state_dict": state, "feature_vocab": {s: i for i, s in enumerate(slugs)},
                "id2feature": {i: s for i, s in enumerate(slugs)}, "config": config,
                "thresholds": thresholds, "photo_thresholds": photo_thresholds or {}, "temperature": temperature,
                "version": version},
               folder / CHECKPOINT_FILE)
    if config["text_encoder"]["kind"] == "roberta":
        model.text_encoder.tokenizer.save_pretrained(folder / "tokenizer")
    (folder / "feature_vocab.json").write_text(json.dumps({s: i for i, s in enumerate(slugs)}, indent=1),
                                               encoding="utf-8")
    if history is not None:
        (folder / "training_history.json").write_text(json.dumps(history, indent=1), encoding="utf-8")
    return folder / CHECKPOINT_FILE


def checkpoint_version(path: str | Path) -> str:
    """The version string a checkpoint was saved with (without building the model)."""
    return torch.load(checkpoint_file(path), map_location="cpu", weights_only=False)["version"]


def load_checkpoint(path: str | Path) -> tuple[MultimodalTagger, dict]:
    """(model in eval mode, the checkpoint's metadata without the weights)."""
    file = checkpoint_file(path)
    if not file.is_file():
        raise ModelNotAvailable(f"no checkpoint at {file} (train one with `python -m mlcore train`)")
    data = torch.load(file, map_location="cpu", weights_only=False)
    config = data["config"]
    t = config["text_encoder"]
    if t["kind"] == "hf":
        text = hf_text_encoder(t["name_or_path"], max_length=t["max_length"])
    else:
        from transformers import PreTrainedTokenizerFast

        tokenizer = PreTrainedTokenizerFast.from_pretrained(file.parent / t["tokenizer"])
        text = roberta_text_encoder(tokenizer, hidden=t["hidden"], layers=t["layers"], heads=t["heads"],
                                    intermediate=t["intermediate"], max_length=t["max_length"])
    image = create_image_encoder(config["image_encoder"]["name"], pretrained=False)
    model = MultimodalTagger(text, image, num_tags=config["num_tags"], fusion=config["fusion"],
                             dim=config["dim"], hidden=config["hidden"],
                             lexicon_prior=config.get("lexicon_prior", False))
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in data["model_state_dict"].items()})
    meta = {k: v for k, v in data.items() if k != "model_state_dict"}
    meta["id2feature"] = {int(k): v for k, v in meta["id2feature"].items()}
    return model.eval(), meta
