"""``TrainConfig``: how a tagger is trained, typed, with the only defaults (those of the shipped
model, ``multimodal-2``).  ``python -m mlcore train [--config FILE.json]`` reads the file's keys over
these defaults (nested objects key by key); the checkpoint saves the whole config, the git commit
and the SHA-256 of the data files it read (:func:`provenance`).

Data paths are relative to the working folder (the repository's root in the docs' commands).
"""
from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, get_type_hints

from .config import SHIPPED_PREPROCESS, TaggerConfig


@dataclass(frozen=True)
class PhotoStage:
    """The image trunk learns the rooms' objects from labelled photos alone: a linear probe of the
    photo head on frozen features, then the last ``trainable_stages`` of the trunk fine-tuned."""
    probe_epochs: int = 30
    probe_lr: float = 1e-3
    probe_weight_decay: float = 0.05
    epochs: int = 10
    lr: float = 1e-3
    encoder_lr: float = 1e-4
    trainable_stages: int | None = 4            # None: the whole trunk
    batch_size: int = 32
    loss: str = "asymmetric"                   # or "bce" (mlcore.losses)
    weight_decay: float = 0.01
    warmup: float = 0.1


@dataclass(frozen=True)
class FusionStage:
    """Stage 1 (encoders frozen, each text and photo encoded once) or stage 2 (everything trains)."""
    epochs: int = 0
    lr: float = 5e-4
    encoder_lr: float | None = None            # None: ``lr``


@dataclass(frozen=True)
class GateConfig:
    text_tolerance: float = 0.002
    pairs_tolerance: float | None = None
    pairs: str | None = None                   # the texts paired with test photos (None: threshold_data)


@dataclass(frozen=True)
class TrainConfig:
    version: str = "multimodal-2"
    seed: int = 0
    device: str = "cpu"                        # "auto": CUDA where there is one
    # data
    listings: str = "../shared/data/listings.jsonl"
    photos: str | None = "../shared/data/photos/labels.csv"       # None: a text-only recipe
    threshold_data: str | None = "../shared/data/dev_gold.jsonl"  # thresholds tuned here, never trained on
    extra_labels: tuple[str, ...] = ()         # people's labels (JSONL): annotated sets, the site's export
    extra_weak_weight: float = 0.3             # the rules' label where a person decided nothing
    extra_repeat: int = 1
    text_weak_weight: float = 1.0              # the rules' labels against people's
    max_texts: int | None = None
    val_fraction: float = 0.1
    pairs: int = 400                           # training texts paired with 1-3 training photos
    photo_repeat: int = 1
    texts_per_epoch: int | None = None
    # optimisation
    batch_size: int = 16
    weight_decay: float = 0.01
    model: TaggerConfig = field(default_factory=TaggerConfig)
    pretrained_image: bool = True
    image_trainable_stages: int | None = 3     # stage 2's trainable trunk stages
    mlm_epochs: int = 1
    mlm_lr: float = 5e-4
    mlm_max_length: int | None = 128
    photo_stage: PhotoStage = field(default_factory=PhotoStage)
    stage1: FusionStage = field(default_factory=lambda: FusionStage(epochs=3, lr=5e-4))
    stage2: FusionStage = field(default_factory=lambda: FusionStage(epochs=0, lr=1e-4, encoder_lr=1e-5))
    # calibration
    photo_precision: float = 0.82              # precision-first thresholds of photo-only tags
    photo_threshold_floor: float = 0.3
    gate: GateConfig = field(default_factory=GateConfig)

    def as_dict(self) -> dict:
        out = asdict(self)
        out["model"] = self.model.as_dict()
        out["extra_labels"] = list(self.extra_labels)
        return out

    def replace(self, **changes) -> "TrainConfig":
        return TrainConfig.from_dict(changes, base=self)

    @classmethod
    def from_dict(cls, data: dict, base: "TrainConfig | None" = None) -> "TrainConfig":
        """``data``'s keys over ``base`` (default: the defaults), nested objects key by key; an
        unknown key is an error naming it."""
        return _build(cls, data, base if base is not None else cls())


def _build(cls, data: dict, base) -> Any:
    if not isinstance(data, dict):
        raise ValueError(f"{cls.__name__}: expected an object, got {data!r}")
    names = {f.name for f in fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise ValueError(f"unknown {cls.__name__} key(s): {', '.join(sorted(unknown))}")
    hints = get_type_hints(cls)
    values = {}
    for name in names:
        current = getattr(base, name)
        if name not in data:
            values[name] = current
        elif cls is TrainConfig and name == "model":
            values[name] = _merge_model(current, data[name])
        elif isinstance(hints[name], type) and is_dataclass(hints[name]):
            values[name] = _build(hints[name], data[name], current)
        elif name == "extra_labels":
            values[name] = tuple(str(x) for x in data[name] or ())
        else:
            values[name] = data[name]
    return cls(**values)


def _merge_model(current: TaggerConfig, changes: dict) -> TaggerConfig:
    """``changes`` (a config file's ``"model"``) over ``current``: the text encoder key by key, the
    photo preprocessing key by key over the same encoder's (another encoder starts from its own)."""
    if not isinstance(changes, dict):
        raise ValueError(f"TaggerConfig: expected an object, got {changes!r}")
    merged = {**current.as_dict(), **changes}
    merged["text_encoder"] = {**current.text_encoder, **changes.get("text_encoder", {})}
    if changes.get("text_encoder", {}).get("kind", current.text_encoder.get("kind")) != current.text_encoder.get("kind"):
        merged["text_encoder"] = changes["text_encoder"]              # another kind: nothing carries over
    if merged["image_encoder"] == current.image_encoder:
        merged["image_preprocess"] = {**current.image_preprocess.as_dict(), **(changes.get("image_preprocess") or {})}
    else:
        merged["image_preprocess"] = changes.get("image_preprocess", dict(SHIPPED_PREPROCESS))
    return TaggerConfig.from_dict(merged)


def load_train_config(path: str | Path | None = None) -> TrainConfig:
    """The defaults, with the keys of the JSON file ``path`` (if given) over them."""
    if not path:
        return TrainConfig()
    try:
        return TrainConfig.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def resolve_path(base: Path, path: str | Path) -> Path:
    """A config's data path: absolute as given, otherwise relative to ``base`` (the working folder)."""
    return Path(path) if Path(path).is_absolute() else Path(base) / path


def data_files(config: TrainConfig, base: Path) -> list[Path]:
    """The data files a training run reads."""
    names = [config.listings, config.photos, config.threshold_data, *config.extra_labels]
    return [resolve_path(base, n) for n in names if n]


def provenance(config: TrainConfig, base: Path) -> dict:
    """What a checkpoint records of its making: the git commit of this code (``+dirty`` with
    uncommitted changes; None outside a git checkout) and the SHA-256 of each data file."""
    root = Path(__file__).resolve().parent.parent
    commit = None
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                                check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        commit += "+dirty" if dirty else ""
    except (OSError, subprocess.SubprocessError):
        pass
    hashes = {}
    for path in data_files(config, base):
        if path.is_file():
            digest = hashlib.sha256()
            with path.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
            hashes[str(path)] = digest.hexdigest()
    return {"git_commit": commit, "data_sha256": hashes}
