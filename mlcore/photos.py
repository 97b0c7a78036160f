"""Room photos for the image branch: labels, splits by group, multimodal pairs, image tensors.

``photos/labels.csv`` has ``file,tags,room_type,group,source``: the visual tags seen in each photo
(``|``-joined slugs).  Photos of one listing or upload share a ``group``; splits are made by group
(never by file), deterministically from the group's name, so a listing's photos never straddle
train and test.
"""
from __future__ import annotations

import csv
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
    path: Path
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
                             images=[p.path for p in chosen]))
    return pairs


def load_image(path, size: int, mean, std, train: bool = False):
    """A photo (a path or a PIL image) as a normalised [3, size, size] tensor; random crop, flip and
    colour jitter when training."""
    from PIL import Image, ImageOps
    from torchvision import transforms

    if isinstance(path, Image.Image):
        img = path.convert("RGB")
    else:
        with Image.open(path) as opened:
            img = ImageOps.exif_transpose(opened).convert("RGB")
    if train:
        pipeline = transforms.Compose([
            transforms.RandomResizedCrop(size, scale=(0.6, 1.0)), transforms.RandomHorizontalFlip(),
            transforms.ColorJitter(0.3, 0.3, 0.2, 0.02), transforms.ToTensor(), transforms.Normalize(mean, std)])
    else:
        pipeline = transforms.Compose([
            transforms.Resize(int(size * 1.14)), transforms.CenterCrop(size), transforms.ToTensor(),
            transforms.Normalize(mean, std)])
    return pipeline(img)
