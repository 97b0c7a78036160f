"""Labelled listing datasets: the seed's CSV format and JSONL.

CSV (the seed's format), one listing per record, header ``mota,dacdiem,image_path``:

* ``mota``: the listing text;
* ``dacdiem``: comma-separated tags, each a slug ("dieu_hoa") or a display name ("Điều hòa");
* ``image_path``: empty, one path, or several joined by ``|``; relative paths are relative to the
  CSV file.

JSONL, one object per line: ``{"id", "text", "tags", "images"}``; ``title`` + ``description`` are
accepted in place of ``text`` (joined by a line break), ``tags`` may be missing for unlabelled
listings (``labelled=False``), ``images`` may be missing or empty; image paths are relative to the
JSONL file.

Every problem raises :class:`DatasetError` naming the file, the line and what is wrong.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from .vocab import TagVocabulary, UnknownTagError, default_vocabulary

__all__ = ["Example", "DatasetError", "read_dataset", "read_csv", "read_jsonl", "write_csv",
           "write_jsonl", "iter_jsonl_objects", "open_dataset_file", "CSV_COLUMNS"]

CSV_COLUMNS = ("mota", "dacdiem", "image_path")


class DatasetError(ValueError):
    """A dataset file that cannot be read as it is; the message names file, line and problem."""

    def __init__(self, path: str | Path, line: int | None, problem: str):
        self.file, self.line, self.problem = str(path), line, problem
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {problem}")


@dataclass
class Example:
    """One listing: its text, its tag slugs (in vocabulary order) and its photos (absolute paths)."""
    id: str
    text: str
    tags: list[str] = field(default_factory=list)
    images: list[Path] = field(default_factory=list)


def open_dataset_file(path: Path, newline: str | None = None):
    """Open a UTF-8 dataset file (a BOM is skipped); a DatasetError when it cannot be opened."""
    try:
        return path.open(encoding="utf-8-sig", newline=newline)
    except OSError as exc:
        raise DatasetError(path, None, f"cannot open: {exc.strerror or exc}") from exc


def _resolve_tags(raw: Iterable[str], vocab: TagVocabulary, path, line) -> list[str]:
    slugs = set()
    for item in raw:
        item = str(item).strip()
        if not item:
            continue
        try:
            slugs.add(vocab.resolve(item).slug)
        except UnknownTagError:
            raise DatasetError(path, line, f"unknown tag {item!r} (not a slug or name in the vocabulary)") from None
    return [s for s in vocab.slugs if s in slugs]


def _resolve_images(raw: Iterable[str], base: Path, path, line, check: bool) -> list[Path]:
    images = []
    for item in raw:
        item = str(item).strip()
        if not item:
            continue
        p = Path(item)
        p = p if p.is_absolute() else base / p
        if check and not p.is_file():
            raise DatasetError(path, line, f"image file not found: {item!r} (looked for {p})")
        images.append(p)
    return images


def read_csv(path: str | Path, vocab: TagVocabulary | None = None, *, check_images: bool = True) -> list[Example]:
    """Read the seed CSV format; see the module docstring."""
    path = Path(path)
    vocab = vocab or default_vocabulary()
    examples = []
    with open_dataset_file(path, newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise DatasetError(path, 1, "empty file: expected the header mota,dacdiem,image_path") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise DatasetError(path, 1, f"malformed CSV: {exc}") from exc
        header = [h.strip().lower() for h in header]
        missing = [c for c in ("mota", "dacdiem") if c not in header]
        if missing:
            raise DatasetError(path, 1, f"missing column(s) {', '.join(missing)}; header is {','.join(header)}")
        col = {name: header.index(name) for name in CSV_COLUMNS if name in header}
        line = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except (csv.Error, UnicodeDecodeError) as exc:
                raise DatasetError(path, line, f"malformed CSV row: {exc}") from exc
            if not any(cell.strip() for cell in row):
                line = reader.line_num + 1
                continue
            if len(row) != len(header):
                raise DatasetError(path, line, f"expected {len(header)} fields, found {len(row)}")
            text = row[col["mota"]].strip()
            image_cell = row[col["image_path"]] if "image_path" in col else ""
            if not text and not image_cell.strip():
                raise DatasetError(path, line, "empty 'mota' and no image: nothing to tag")
            tags = _resolve_tags(row[col["dacdiem"]].split(","), vocab, path, line)
            images = _resolve_images(image_cell.split("|"), path.parent, path, line, check_images)
            examples.append(Example(id=f"{path.stem}:{line}", text=text, tags=tags, images=images))
            line = reader.line_num + 1
    return examples


def iter_jsonl_objects(path: str | Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for every non-blank line of a JSONL file."""
    path = Path(path)
    with open_dataset_file(path) as handle:
        for lineno, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise DatasetError(path, lineno, f"invalid JSON: {exc.msg} (column {exc.colno})") from None
            if not isinstance(obj, dict):
                raise DatasetError(path, lineno, f"expected a JSON object, found {type(obj).__name__}")
            yield lineno, obj


def jsonl_text(obj: dict) -> str | None:
    """``text``, or ``title`` + line break + ``description``; None when neither is present."""
    if obj.get("text") is not None:
        return str(obj["text"])
    if obj.get("title") is None and obj.get("description") is None:
        return None
    return "\n".join(str(obj[k]).strip() for k in ("title", "description") if obj.get(k))


def read_jsonl(path: str | Path, vocab: TagVocabulary | None = None, *, labelled: bool = True,
               check_images: bool = True) -> list[Example]:
    """Read JSONL listings; with ``labelled=True`` every row must have ``tags``."""
    path = Path(path)
    vocab = vocab or default_vocabulary()
    examples, seen = [], set()
    for lineno, obj in iter_jsonl_objects(path):
        text = jsonl_text(obj)
        images_raw = obj.get("images") or []
        if isinstance(images_raw, str):
            images_raw = [images_raw]
        if not isinstance(images_raw, list):
            raise DatasetError(path, lineno, "'images' must be a list of paths")
        if text is None and not images_raw:
            raise DatasetError(path, lineno, "no 'text' (or 'title'/'description') and no images")
        tags_raw = obj.get("tags")
        if tags_raw is None and labelled:
            raise DatasetError(path, lineno, "missing 'tags'")
        if isinstance(tags_raw, str):
            tags_raw = tags_raw.split(",")
        if tags_raw is not None and not isinstance(tags_raw, list):
            raise DatasetError(path, lineno, "'tags' must be a list of slugs or names")
        ex_id = str(obj.get("id") or f"{path.stem}:{lineno}")
        if ex_id in seen:
            raise DatasetError(path, lineno, f"duplicate id {ex_id!r}")
        seen.add(ex_id)
        examples.append(Example(
            id=ex_id, text=text or "",
            tags=_resolve_tags(tags_raw or [], vocab, path, lineno),
            images=_resolve_images(images_raw, path.parent, path, lineno, check_images)))
    return examples


def read_dataset(path: str | Path, vocab: TagVocabulary | None = None, **kwargs) -> list[Example]:
    """Read a ``.csv`` or ``.jsonl`` dataset by its extension."""
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return read_csv(path, vocab, **kwargs)
    if suffix in (".jsonl", ".ndjson"):
        return read_jsonl(path, vocab, **kwargs)
    raise DatasetError(path, None, f"unknown dataset format {suffix!r}: use .csv or .jsonl")


def _relative(p: Path, base: Path) -> str:
    """``p`` relative to the dataset file's folder when it lies below it, else absolute."""
    try:
        return p.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(p.resolve())


def write_csv(examples: Iterable[Example], path: str | Path) -> None:
    """Write the seed CSV format (tags as slugs, image paths relative to the file where possible)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for ex in examples:
            writer.writerow([ex.text, ",".join(ex.tags), "|".join(_relative(p, path.parent) for p in ex.images)])


def write_jsonl(examples: Iterable[Example], path: str | Path) -> None:
    """Write JSONL ``{"id","text","tags","images"}`` (UTF-8, one object per line)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for ex in examples:
            handle.write(json.dumps({"id": ex.id, "text": ex.text, "tags": list(ex.tags),
                                     "images": [_relative(p, path.parent) for p in ex.images]},
                                    ensure_ascii=False) + "\n")
