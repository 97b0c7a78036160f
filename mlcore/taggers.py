"""Taggers by name: the one place that turns ``--model lexicon|PATH`` into something that tags."""
from __future__ import annotations

from pathlib import Path
from typing import Protocol

from .lexicon import LexiconTagger, Reading, TagMatch
from .vocab import TagVocabulary

# The shipped default checkpoint, and the one command that rebuilds it (docs/model.md).
DEFAULT_CHECKPOINT = Path(__file__).parent / "resources" / "default_model"
DEFAULT_TRAIN_COMMAND = "python -m mlcore train --out mlcore/resources/default_model"


class Tagger(Protocol):
    """What every tagger offers (the lexicon now, trained checkpoints later)."""
    name: str
    version: str
    supports_images: bool
    vocabulary: TagVocabulary

    def tag(self, text: str, images: tuple = ()) -> list[TagMatch]: ...

    def read(self, text: str, images: tuple = ()) -> Reading:
        """:meth:`tag`'s matches and the tags the text denies, from one pass of the lexicon."""

    def threshold(self, slug: str, has_text: bool = True, photo_only: bool = False) -> float:
        """The confidence at or above which a tag counts; ``has_text`` False for a listing without
        text, ``photo_only`` True for a tag only its photos support (no words for it)."""

    def passes(self, match: TagMatch, has_text: bool) -> bool:
        """Whether ``match`` reaches its threshold (a pre-ticked suggestion)."""

    def predict_tags(self, text: str, threshold: float | None = None) -> set[str]: ...


class TaggerNotFound(ValueError):
    pass


def load_tagger(spec: str, vocabulary: TagVocabulary | None = None, runtime: str | None = None) -> Tagger:
    """``"lexicon"`` -> the rule tagger; ``"default"`` -> the shipped multimodal checkpoint;
    a checkpoint path -> that trained model.  ``runtime`` (default ``MLCORE_RUNTIME``): "auto" serves
    the checkpoint's export without PyTorch where it has a complete, current one (``mlcore.serving``)
    and with PyTorch otherwise; "onnx" requires the export; "torch" uses PyTorch."""
    if spec == "lexicon":
        return LexiconTagger(vocabulary)
    path = DEFAULT_CHECKPOINT if spec == "default" else Path(spec)
    if spec == "default" and not (path / "best_model.pt").is_file():
        raise TaggerNotFound(f"the default checkpoint is missing from {path}: rebuild it with "
                             f"`{DEFAULT_TRAIN_COMMAND}`, or use 'lexicon'")
    if not path.exists():
        raise TaggerNotFound(f"unknown model {spec!r}: use 'lexicon', 'default' or the path of a checkpoint "
                             "(a best_model.pt file or the folder that holds it)")
    from .serving import load_serving_tagger, runtime_choice

    choice = runtime or runtime_choice()
    if choice != "torch":       # the site's one serving path: the export alone, no PyTorch in this process
        served = load_serving_tagger(path, vocabulary)
        if served is not None:
            return served
        if choice == "onnx":
            raise TaggerNotFound(f"{spec}: no complete, current export to serve (MLCORE_RUNTIME=onnx); make one "
                                 f"with `python -m mlcore export-runtime --model {path}`")
    try:
        from .pipeline import FeatureExtractionPipeline
    except ImportError as exc:
        raise TaggerNotFound(f"{spec}: loading a checkpoint needs torch and transformers ({exc})") from exc
    from .encoders import ModelNotAvailable

    try:
        return FeatureExtractionPipeline(path, vocabulary)
    except ModelNotAvailable as exc:
        raise TaggerNotFound(str(exc)) from exc
