"""``TaggerConfig``: the one object that describes a tagger network, builds it, and rides in its
checkpoint (as nanoGPT's ``GPTConfig`` and timm's pretrained configs do).  Its defaults are the
shipped model's network; how to train it is :class:`mlcore.train_config.TrainConfig`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from .encoders import ImagePreprocess, default_preprocess

# Options that were studied and are not in the shipped code (docs/studies/): a checkpoint saved
# while they existed names them, at these values, and still loads; any other value is refused.
RETIRED_OPTIONS = {"fusion": "attention", "photo_head_hidden": 0, "photo_regions": False, "photos_add_only": False}


# What the shipped model changes from its image encoder's preprocessing: photos squashed whole to 288 px.
SHIPPED_PREPROCESS = {"size": 288, "resize": "squash"}


@dataclass(frozen=True)
class TaggerConfig:
    """Everything needed to build a :class:`mlcore.model.MultimodalTagger` (not its weights).

    ``text_encoder``: ``{"kind": "roberta", "vocab_size", "hidden", "layers", "heads",
    "intermediate", "max_length"}`` (a compact encoder trained here; its tokenizer is saved beside
    the checkpoint) or ``{"kind": "hf", "name_or_path", "max_length"}`` (any Hugging Face encoder
    from a local folder or cache).  ``image_preprocess``: what changes from the image encoder's
    registry entry (size, mean, std; ``mlcore.encoders.IMAGE_ENCODERS``), resolved to a complete
    :class:`ImagePreprocess` when the config is made.  ``lexicon_prior``: the rules' per-tag
    confidences are a third input.  ``photo_head``: a per-photo classifier over the visual tags
    whose strongest photo is added to the fused logits (a listing shows a feature when any one of
    its photos does).  ``dropout``: the heads'; ``modality_dropout``: the share of training
    listings whose photos are hidden (so that text alone still works).
    """
    text_encoder: dict = field(default_factory=lambda: {
        "kind": "roberta", "vocab_size": 8000, "hidden": 256, "layers": 4, "heads": 4, "intermediate": 1024,
        "max_length": 256})
    image_encoder: str = "efficientnet_lite0"
    image_preprocess: ImagePreprocess | dict | None = field(default_factory=lambda: dict(SHIPPED_PREPROCESS))
    dim: int = 256
    hidden: int = 256
    num_tags: int = 44
    lexicon_prior: bool = True
    photo_head: bool = True
    dropout: float = 0.3
    modality_dropout: float = 0.3

    def __post_init__(self):
        object.__setattr__(self, "image_preprocess", default_preprocess(self.image_encoder, self.image_preprocess))

    def as_dict(self) -> dict:
        out = asdict(self)
        out["image_preprocess"] = self.image_preprocess.as_dict()
        return out

    def replace(self, **changes) -> "TaggerConfig":
        return TaggerConfig(**{**{f.name: getattr(self, f.name) for f in fields(self)}, **changes})

    @classmethod
    def from_dict(cls, data: dict) -> "TaggerConfig":
        """From a recipe's ``"model"`` entry or a checkpoint's ``config``."""
        data = dict(data)
        for key, shipped in RETIRED_OPTIONS.items():
            if key in data and data.pop(key) != shipped:
                raise ValueError(f"{key!r} was studied and is not in the shipped code (docs/studies/); "
                                 f"only {shipped!r} is supported")
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown TaggerConfig key(s): {', '.join(sorted(unknown))}")
        return cls(**data)
