"""Room photos for the image branch: labels, splits by group, multimodal pairs, image tensors.

``photos/labels.csv`` has ``file,tags,room_type,group,source``: the visual tags seen in each photo
(``|``-joined slugs).  Photos of one listing or upload share a ``group``; splits are made by group
(never by file), deterministically from the group's name, so a listing's photos never straddle
train and test.
"""
from __future__ import annotations

import csv
import functools
import hashlib
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .data import DatasetError, Example, open_dataset_file
from .vocab import TagVocabulary, UnknownTagError, default_vocabulary

SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class Photo:
    file: Path               # a labelled photo of the dataset, on this machine
    tags: tuple[str, ...]
    group: str
    room_type: str = ""
    source: str = ""


def read_photo_labels(path: str | Path, vocab: TagVocabulary | None = None, check_files: bool = True) -> list[Photo]:
    """Read ``labels.csv``; photo paths are relative to its folder.  Errors name file and line."""
    path = Path(path)
    vocab = vocab or default_vocabulary()
    photos = []
    with open_dataset_file(path, newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"file", "tags", "group"} - set(reader.fieldnames or [])
        if missing:
            raise DatasetError(path, 1, f"missing column(s) {', '.join(sorted(missing))}")
        for row in reader:
            line = reader.line_num
            tags = []
            for item in (row["tags"] or "").split("|"):
                if not item.strip():
                    continue
                try:
                    tags.append(vocab.resolve(item).slug)
                except UnknownTagError:
                    raise DatasetError(path, line, f"unknown tag {item!r}") from None
            if not (row["group"] or "").strip():
                raise DatasetError(path, line, "empty 'group'")
            file = path.parent / row["file"]
            if check_files and not file.is_file():
                raise DatasetError(path, line, f"photo not found: {row['file']!r}")
            photos.append(Photo(file, tuple(s for s in vocab.slugs if s in tags), row["group"].strip(),
                                row.get("room_type", "") or "", row.get("source", "") or ""))
    return photos


def split_of(group: str, fractions: Sequence[float] = (0.7, 0.15, 0.15), salt: str = "phongtro") -> str:
    """The split a group belongs to, from a hash of its name: stable across runs and machines."""
    digest = hashlib.sha256(f"{salt}:{group}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2 ** 64
    cumulative = 0.0
    for name, fraction in zip(SPLITS, fractions):
        cumulative += fraction
        if u < cumulative:
            return name
    return SPLITS[-1]


def split_photos(photos: Sequence[Photo], fractions: Sequence[float] = (0.7, 0.15, 0.15)) -> dict[str, list[Photo]]:
    out: dict[str, list[Photo]] = {name: [] for name in SPLITS}
    for p in photos:
        out[split_of(p.group, fractions)].append(p)
    return out


def multimodal_pairs(texts: Sequence[Example], photos: Sequence[Photo], vocab: TagVocabulary,
                     seed: int = 0, min_photos: int = 1, max_photos: int = 3) -> list[Example]:
    """Each listing text with 1–3 photos of one group; its labels are the text's labels plus what
    the photos show (visual tags only come from photos)."""
    rng = random.Random(seed)
    by_group: dict[str, list[Photo]] = {}
    for p in photos:
        by_group.setdefault(p.group, []).append(p)
    groups = sorted(by_group)
    if not groups:
        raise ValueError("no photos to pair with")
    pairs = []
    for ex in texts:
        group = by_group[rng.choice(groups)]
        chosen = rng.sample(group, k=min(len(group), rng.randint(min_photos, max_photos)))
        tags = set(ex.tags) | {t for p in chosen for t in p.tags}
        pairs.append(Example(id=ex.id, text=ex.text, tags=[s for s in vocab.slugs if s in tags],
                             images=[p.file for p in chosen]))
    return pairs


class _RandomBlur:
    """Gaussian blur with probability ``p`` (phone photos are often out of focus)."""

    def __init__(self, p: float = 0.2, radius: tuple[float, float] = (0.1, 1.5)):
        self.p, self.radius = p, radius

    def __call__(self, img):
        from PIL import ImageFilter

        if random.random() < self.p:
            return img.filter(ImageFilter.GaussianBlur(random.uniform(*self.radius)))
        return img


class _RandomJpeg:
    """Re-encode as JPEG at a random quality with probability ``p`` (listing sites recompress)."""

    def __init__(self, p: float = 0.3, quality: tuple[int, int] = (30, 90)):
        self.p, self.quality = p, quality

    def __call__(self, img):
        import io

        from PIL import Image

        if random.random() < self.p:
            buffer = io.BytesIO()
            img.save(buffer, "JPEG", quality=random.randint(*self.quality))
            buffer.seek(0)
            return Image.open(buffer).convert("RGB")
        return img


def open_photo(path, at_least: int | None = None):
    """A photo (a path or a PIL image) as an upright RGB PIL image.  ``at_least``: a JPEG is
    decoded no larger than needed for both sides to keep ``at_least`` pixels (the decoder's DCT
    scaling: 1/2, 1/4 or 1/8 of the work per step, an area average in itself), as inference needs
    only the model's input size; training decodes at full size."""
    from PIL import Image, ImageOps

    if isinstance(path, Image.Image):
        return path.convert("RGB")
    with Image.open(path) as opened:
        if at_least and opened.format in ("JPEG", "MPO"):
            opened.draft("RGB", (at_least, at_least))
        return ImageOps.exif_transpose(opened).convert("RGB")


@functools.lru_cache(maxsize=16)
def photo_transform(preprocess, train: bool = False):
    """The torchvision pipeline for ``preprocess`` (an :class:`mlcore.config.ImagePreprocess`).

    Inference: ``crop`` = short side to size/crop, centre square; ``squash`` = the whole photo
    scaled to size x size.  Training adds random crops (aspect ratios around the squash's), flips,
    colour jitter, blur and JPEG re-encoding."""
    from torchvision import transforms

    size, normalise = preprocess.size, transforms.Normalize(preprocess.mean, preprocess.std)
    if train:
        scale = (0.35, 1.0) if preprocess.resize == "squash" else (0.6, 1.0)
        return transforms.Compose([
            transforms.RandomResizedCrop(size, scale=scale, ratio=(0.6, 1.67)), transforms.RandomHorizontalFlip(),
            transforms.ColorJitter(0.3, 0.3, 0.3, 0.03), _RandomBlur(), _RandomJpeg(), transforms.ToTensor(),
            normalise])
    if preprocess.resize == "squash":
        return transforms.Compose([transforms.Resize((size, size)), transforms.ToTensor(), normalise])
    return transforms.Compose([transforms.Resize(int(size / preprocess.crop)), transforms.CenterCrop(size),
                               transforms.ToTensor(), normalise])


class PhotoCache:
    """Photos decoded once and kept in memory, resized so their short side is a little above the
    model's input size (crops and flips are then cheap)."""

    def __init__(self, size: int):
        self.size, self.images = int(size * 1.14) + 1, {}

    def __call__(self, path):
        from PIL import Image

        if path not in self.images:
            img = open_photo(path)
            scale = self.size / min(img.size)
            if scale < 1:
                img = img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))),
                                 Image.Resampling.BICUBIC)
            self.images[path] = img
        return self.images[path]


def load_image(path, preprocess, train: bool = False):
    """A photo (a path or a PIL image) as a normalised [3, size, size] tensor for ``preprocess``."""
    return photo_transform(preprocess, train)(open_photo(path) if train else open_for_model(path, preprocess.size))


def open_for_model(photo, size: int):
    """A photo to score at ``size`` px (PyTorch's ``load_image`` and the fast runtime alike): a JPEG
    is decoded at the smallest scale keeping twice that on both sides (photo test F1 unchanged)."""
    return open_photo(photo, at_least=2 * size)
