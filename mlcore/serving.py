"""Serving a checkpoint without PyTorch: its export (``mlcore.export`` writes it) alone.  The site's
one serving path: ``mlcore.taggers.load_tagger`` serves a checkpoint this way wherever its export
is complete and current, and with PyTorch (``mlcore.pipeline``) only where the export cannot cover
the network.

``OnnxTagger(folder)`` reads ``folder/runtime/``: the text encoder, the image trunk and the heads in
ONNX Runtime, the tokenizer (``tokenizers``), and the checkpoint's thresholds and metadata
(``runtime.json``); photos go through Pillow and numpy exactly as ``mlcore.photos.load_image``
prepares them.  A web or worker process serving this way never imports PyTorch (about 470 MB of
resident memory on its own).  The suggestions are made by the same code as PyTorch's
(``mlcore.suggestions.CheckpointTagger``).  ``load_serving_tagger`` returns None where the export
cannot serve alone (an older export, another architecture, a checkpoint changed since).
"""
from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from .lexicon import Reading
from .suggestions import CheckpointTagger
from .vocab import TagVocabulary

log = logging.getLogger(__name__)

RUNTIME_DIR, MANIFEST = "runtime", "runtime.json"      # where an export lives beside its checkpoint
# Listings per piece when a batch is shared out between the cores.  ONNX Runtime is fastest per
# listing on small pieces here (on one thread, ms per listing for the text encoder / image trunk:
# 6.4 / 7.3 at 1 and 2 listings, 8.7 / 10.1 at 8: bigger activations leave the caches).
BATCH_PIECE = 2


def runtime_choice() -> str:
    """``MLCORE_RUNTIME``: "auto" (the export where there is one, else PyTorch), "onnx" (required)
    or "torch"."""
    choice = os.environ.get("MLCORE_RUNTIME", "auto").strip().lower() or "auto"
    if choice not in ("auto", "onnx", "torch"):
        raise ValueError(f"MLCORE_RUNTIME={choice!r}: use auto, onnx or torch")
    return choice


def file_sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class OnnxTagger(CheckpointTagger):
    def __init__(self, folder: str | Path, manifest: dict, vocabulary: TagVocabulary | None = None,
                 threads: int | None = None, runtime_dir: str | Path | None = None):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = Path(runtime_dir) if runtime_dir is not None else Path(folder) / RUNTIME_DIR
        meta = manifest["serving"]
        self._read_meta(meta, vocabulary)
        self.manifest = manifest
        # The text side and the image trunk run at the same time, each on half the cores.
        threads = threads or max(1, (os.cpu_count() or 2) // 2)
        # A batch is cut into pieces scored side by side, as many at once as sessions fit the cores.
        self.lanes = max(1, (os.cpu_count() or 2) // threads)

        def session(name: str):
            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            return ort.InferenceSession(str(folder / name), options, providers=["CPUExecutionProvider"])

        self.text_session = session(manifest["text"]["file"])
        self.image_session = session(manifest["image"]["file"])
        self.heads_session = session(manifest["heads"]["file"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer" / "tokenizer.json"))
        self.tokenizer.enable_truncation(meta["max_length"])
        self.tokenizer.enable_padding(pad_id=meta["pad_token_id"])
        pre = meta["preprocess"]
        self.size = pre["size"]
        self.mean = np.array(pre["mean"], dtype=np.float32)[:, None, None]
        self.std = np.array(pre["std"], dtype=np.float32)[:, None, None]
        self.feature_index = {slug: idx for idx, slug in self.id2feature.items()}
        self._background = None
        self._lanes_pool = None

    @property
    def runtime_name(self) -> str:
        parts = [f"{p} {'int8' if self.manifest.get(p, {}).get('int8') else 'fp32'}" for p in ("text", "image")]
        return "onnxruntime, no PyTorch (" + ", ".join(parts) + ")"

    # -- inputs ---------------------------------------------------------------------------------
    def pixels(self, photo) -> np.ndarray:
        """A photo as the model's [3, size, size] input: ``load_image``'s squash, without PyTorch
        (torchvision resizes a PIL image with PIL's bilinear filter, then /255 and normalises)."""
        from PIL import Image

        from .photos import open_for_model

        image = open_for_model(photo, self.size).resize((self.size, self.size), Image.Resampling.BILINEAR)
        array = np.asarray(image, dtype=np.float32).transpose(2, 0, 1) / 255.0
        return (array - self.mean) / self.std

    def tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        encoded = self.tokenizer.encode_batch([t if t.strip() else "" for t in texts])
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        return ids, np.array([e.attention_mask for e in encoded], dtype=np.int64)

    # -- scores ---------------------------------------------------------------------------------
    def _text_side(self, texts: Sequence[str]):
        lexical = [self.lexicon.read(t) for t in texts]          # one pass each: tags and denials
        lexicon = np.zeros((len(texts), len(self.feature_index)), dtype=np.float32)
        for b, reading in enumerate(lexical):
            for m in reading.matches:
                if m.slug in self.feature_index:
                    lexicon[b, self.feature_index[m.slug]] = m.confidence
        ids, mask = self.tokens(texts)
        vectors = self.text_session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return lexical, lexicon, mask, vectors

    def _feature_maps(self, photos: np.ndarray) -> np.ndarray:
        return self.image_session.run(None, {"images": photos})[0]

    def read_batch(self, texts: Sequence[str], images: Sequence[Sequence] | None = None) -> list[Reading]:
        images = [tuple(i) for i in images] if images is not None else [()] * len(texts)
        if len(images) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(images)} photo lists")
        b, p = len(texts), max(1, max((len(i) for i in images), default=0))   # one masked slot at least
        photo_mask = np.zeros((b, p), dtype=bool)
        real = []
        for i, photos in enumerate(images):
            for j, photo in enumerate(photos):
                real.append(self.pixels(photo))
                photo_mask[i, j] = True
        lexical, probs, photo_probs, photo_index, support = self.scores(texts, real, photo_mask)
        return self.matches(texts, images, lexical, probs, photo_probs, photo_index, support)

    def scores(self, texts: Sequence[str], real: list[np.ndarray], photo_mask: np.ndarray):
        """(the lexicon's matches, probabilities, the photo head's probabilities, the photo behind
        each tag, whether the photos support each tag) for photos already prepared (``real``: the
        [3, size, size] arrays of the True slots of ``photo_mask`` [B, P], P >= 1, in order).

        One listing (or a few): its text side and its photos run at the same time on two threads.
        A batch: cut into pieces of ``BATCH_PIECE`` listings of similar length (little padding),
        each scored whole on one thread, ``lanes`` pieces at once, so every core stays busy."""
        if len(texts) > BATCH_PIECE and self.lanes > 1:
            return self._scores_in_pieces(texts, real, photo_mask)
        return self._scores_together(texts, real, photo_mask, photos_aside=True)

    def _scores_in_pieces(self, texts, real, photo_mask):
        if self._lanes_pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._lanes_pool = ThreadPoolExecutor(max_workers=self.lanes, thread_name_prefix="batch-lane")
        first = np.concatenate([[0], np.cumsum(photo_mask.sum(axis=1))])     # each row's first photo
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        pieces = [order[k:k + BATCH_PIECE] for k in range(0, len(order), BATCH_PIECE)]

        def score(rows):
            photos = [real[j] for i in rows for j in range(first[i], first[i + 1])]
            return self._scores_together([texts[i] for i in rows], photos, photo_mask[rows], photos_aside=False)

        lexical = [None] * len(texts)
        arrays = None
        for rows, (piece_lexical, *piece_arrays) in zip(pieces, self._lanes_pool.map(score, pieces)):
            if arrays is None:
                arrays = [np.empty((len(texts), *a.shape[1:]), dtype=a.dtype) for a in piece_arrays]
            for out, a in zip(arrays, piece_arrays):
                out[rows] = a
            for i, found in zip(rows, piece_lexical):
                lexical[i] = found
        return (lexical, *arrays)

    def _scores_together(self, texts, real, photo_mask, photos_aside: bool):
        b, p = photo_mask.shape
        job = None
        if real and not photos_aside:
            maps = self._feature_maps(np.stack(real))
        if real and photos_aside:     # the image trunk on another thread while this one reads the text
            if self._background is None:
                from concurrent.futures import ThreadPoolExecutor

                self._background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="image-trunk")
            job = self._background.submit(self._feature_maps, np.stack(real))
            time.sleep(0.0002)      # hands the GIL to the photo thread, which then waits in ONNX Runtime
        lexical, lexicon, mask, vectors = self._text_side(texts)
        if job is not None:
            maps = job.result()
        if real:
            feature_map = np.zeros((b * p, *maps.shape[1:]), dtype=np.float32)
            feature_map[photo_mask.reshape(-1)] = maps
        else:
            feature_map = self._empty_map(b * p)
        logits, photo_logits, photo_index, _ = self.heads_session.run(None, {
            "text_vectors": vectors, "attention_mask": mask, "lexicon": lexicon, "feature_map": feature_map,
            "photo_mask": photo_mask})
        has_photos = photo_mask.any(axis=1, keepdims=True)
        probs = _sigmoid(logits / self.temperature)
        photo_probs = np.where(has_photos, _sigmoid(photo_logits), np.nan)
        support = has_photos & (photo_logits >= 0)
        return lexical, probs, photo_probs, photo_index, support

    def _empty_map(self, slots: int) -> np.ndarray:
        if not hasattr(self, "_map_shape"):
            self._map_shape = self._feature_maps(np.zeros((1, 3, self.size, self.size), dtype=np.float32)).shape[1:]
        return np.zeros((slots, *self._map_shape), dtype=np.float32)


def checkpoint_folder(path: str | Path) -> Path:
    """The folder of a checkpoint given as its folder or its ``best_model.pt``."""
    path = Path(path)
    return path.parent if path.is_file() else path


def read_manifest(checkpoint: str | Path) -> dict | None:
    """The one reader of an export's manifest (``runtime/runtime.json`` beside a checkpoint), or
    None when there is no export."""
    path = checkpoint_folder(checkpoint) / RUNTIME_DIR / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def write_manifest(checkpoint: str | Path, manifest: dict) -> None:
    path = checkpoint_folder(checkpoint) / RUNTIME_DIR / MANIFEST
    path.write_text(json.dumps(manifest, indent=1), encoding="utf-8")


def load_serving_tagger(folder: str | Path, vocabulary: TagVocabulary | None = None) -> OnnxTagger | None:
    """The checkpoint in ``folder`` served without PyTorch, or None (the reason is logged) when its
    export cannot do it alone."""
    folder = checkpoint_folder(folder)
    manifest = read_manifest(folder)
    if manifest is None:
        return None
    if "heads" not in manifest or "serving" not in manifest:
        log.info("%s: the export has no heads graph; serving with PyTorch", folder)
        return None
    checkpoint = folder / "best_model.pt"
    if checkpoint.is_file():
        if manifest.get("checkpoint_sha256") != file_sha256(checkpoint):
            log.warning("%s: the checkpoint changed since its export; serving with PyTorch", folder)
            return None
    try:
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401
    except ImportError:
        return None
    return OnnxTagger(folder, manifest, vocabulary)
