"""Taggers by name: the one place that turns ``--model lexicon|PATH`` into something that tags."""
from __future__ import annotations

from pathlib import Path
from typing import Protocol

from .lexicon import LexiconTagger, TagMatch
from .vocab import TagVocabulary


class Tagger(Protocol):
    """What every tagger offers (the lexicon now, trained checkpoints later)."""
    name: str
    version: str
    supports_images: bool
    vocabulary: TagVocabulary

    def tag(self, text: str, images: tuple = ()) -> list[TagMatch]: ...

    def threshold(self, slug: str) -> float: ...

    def predict_tags(self, text: str, threshold: float | None = None) -> set[str]: ...


class TaggerNotFound(ValueError):
    pass


def load_tagger(spec: str, vocabulary: TagVocabulary | None = None) -> Tagger:
    """``"lexicon"`` -> the rule tagger; a checkpoint path -> that trained model."""
    if spec == "lexicon":
        return LexiconTagger(vocabulary)
    path = Path(spec)
    if spec == "default":
        raise TaggerNotFound("no default checkpoint is shipped yet: use 'lexicon' or a checkpoint path")
    if not path.exists():
        raise TaggerNotFound(f"unknown model {spec!r}: use 'lexicon' or the path of a checkpoint "
                             "(a best_model.pt file or the folder that holds it)")
    try:
        from .pipeline import FeatureExtractionPipeline
    except ImportError as exc:
        raise TaggerNotFound(f"{spec}: loading a checkpoint needs torch and transformers ({exc})") from exc
    from .encoders import ModelNotAvailable

    try:
        return FeatureExtractionPipeline(path, vocabulary)
    except ModelNotAvailable as exc:
        raise TaggerNotFound(str(exc)) from exc
