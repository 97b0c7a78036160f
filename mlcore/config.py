"""``TaggerConfig``: the one object that describes a tagger network, builds it, and rides in its
checkpoint (as nanoGPT's ``GPTConfig`` and timm's pretrained configs do).

Training recipes (data, epochs, learning rates) live in ``configs/*.json`` under ``"model"``
(this object) and the recipe keys beside it; the default recipe is ``configs/default_model.json``,
defined once there and read by ``mlcore.train`` and ``mlcore.bench``.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

REPO_CONFIGS = Path(__file__).resolve().parent.parent / "configs"
DEFAULT_RECIPE = REPO_CONFIGS / "default_model.json"


@dataclass(frozen=True)
class ImagePreprocess:
    """How photos are prepared for an image encoder; saved in the checkpoint and restored on load.

    ``resize``: ``"crop"`` scales the short side to ``size / crop`` and takes the centre square
    (what checkpoints before ``TaggerConfig`` used); ``"squash"`` scales the whole photo to
    ``size`` x ``size``, so nothing near its edges (a wall air conditioner) is cut away.
    """
    size: int
    mean: tuple[float, float, float] = (0.485, 0.456, 0.406)
    std: tuple[float, float, float] = (0.229, 0.224, 0.225)
    resize: str = "crop"
    crop: float = 1 / 1.14

    def __post_init__(self):
        if self.resize not in ("crop", "squash"):
            raise ValueError(f"unknown resize {self.resize!r}; choose 'crop' or 'squash'")
        object.__setattr__(self, "mean", tuple(float(x) for x in self.mean))
        object.__setattr__(self, "std", tuple(float(x) for x in self.std))

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ImagePreprocess":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class TaggerConfig:
    """Everything needed to build a :class:`mlcore.model.MultimodalTagger` (not its weights).

    ``text_encoder``: ``{"kind": "roberta", "vocab_size", "hidden", "layers", "heads",
    "intermediate", "max_length"}`` (a compact encoder trained here; its tokenizer is saved beside
    the checkpoint) or ``{"kind": "hf", "name_or_path", "max_length"}`` (any Hugging Face encoder
    from a local folder or cache).  ``image_preprocess`` None means the encoder's own default.
    ``photo_head``: a per-photo classifier over the visual tags whose strongest photo is added to
    the fused logits (a listing shows a feature when any one of its photos does).
    ``photo_head_hidden``: 0 = that classifier is linear; N = layer-normed, one hidden layer of N.
    ``photo_regions``: the classifier also reads four overlapping corner regions of each photo's
    feature map (two thirds of each side) and takes a tag's strongest region, so an object in a
    corner (a wall air conditioner, a TV) is not averaged away by the rest of the room; the
    regions come from the same single pass of the image encoder.
    ``photos_add_only``: beside a text, the photo head's logit only adds (a tag the photos do not
    show is not taken from the text: a room's photos need not show everything its text names);
    without text the photo head decides alone, both ways.
    """
    text_encoder: dict = field(default_factory=lambda: {
        "kind": "roberta", "vocab_size": 8000, "hidden": 256, "layers": 4, "heads": 4, "intermediate": 1024,
        "max_length": 256})
    image_encoder: str = "efficientnet_lite0"
    image_preprocess: ImagePreprocess | None = None
    fusion: str = "attention"
    dim: int = 256
    hidden: int = 256
    num_tags: int = 44
    lexicon_prior: bool = True
    photo_head: bool = False
    photo_head_hidden: int = 0
    photo_regions: bool = False
    photos_add_only: bool = False

    def __post_init__(self):
        if isinstance(self.image_preprocess, dict):
            object.__setattr__(self, "image_preprocess", ImagePreprocess.from_dict(self.image_preprocess))

    def as_dict(self) -> dict:
        out = asdict(self)
        out["image_preprocess"] = self.image_preprocess.as_dict() if self.image_preprocess else None
        return out

    def replace(self, **changes) -> "TaggerConfig":
        return TaggerConfig(**{**{f.name: getattr(self, f.name) for f in fields(self)}, **changes})

    @classmethod
    def from_dict(cls, data: dict) -> "TaggerConfig":
        """From a recipe's ``"model"`` entry or a checkpoint's ``config``, including checkpoints
        saved before this class existed (``image_encoder: {"name", "preprocess"}``)."""
        data = dict(data)
        image = data.get("image_encoder")
        if isinstance(image, dict):                      # the layout of checkpoints before TaggerConfig
            data["image_encoder"] = image["name"]
            data.setdefault("image_preprocess", image.get("preprocess"))
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known - {"training"}      # "training": old checkpoints kept their report here
        if unknown:
            raise ValueError(f"unknown TaggerConfig key(s): {', '.join(sorted(unknown))}")
        return cls(**{k: v for k, v in data.items() if k in known})


def resolve_path(base: Path, path: str | Path) -> Path:
    """A recipe's data path: absolute as given, otherwise relative to ``base`` (the working folder)."""
    return Path(path) if Path(path).is_absolute() else Path(base) / path


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def load_recipe(path: str | Path | None = None) -> dict:
    """A training recipe: ``configs/default_model.json`` with the keys of ``path`` (if given) over
    it, nested objects merged key by key (``{"model": {"fusion": "late"}}`` changes only that)."""
    recipe = json.loads(DEFAULT_RECIPE.read_text(encoding="utf-8"))
    if path:
        recipe = _merge(recipe, json.loads(Path(path).read_text(encoding="utf-8")))
    return recipe


def recipe_model_config(recipe: dict) -> TaggerConfig:
    return TaggerConfig.from_dict(recipe["model"])
