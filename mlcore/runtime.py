"""The fast runtime, loading side: a checkpoint's ONNX Runtime export (``mlcore.export`` writes it)
used for its encoders, only with the weights it was made from.

At inference the text side (lexicon, tokenizer, text encoder) and the image trunk run at the same
time, one ONNX Runtime thread each (``OnnxEncoders.submit``).  The small fusion and heads run in
PyTorch on the encoders' outputs (``MultimodalTagger`` accepts ``text_vectors`` and
``image_features``), so photo evidence and the photo head work unchanged.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import torch

from .serving import RUNTIME_DIR, checkpoint_folder, read_manifest, runtime_choice  # noqa: F401 (runtime_choice: re-exported)


class RuntimeUnavailable(RuntimeError):
    """No usable export (missing, stale, or onnxruntime not installed)."""


def weights_sha256(model) -> str:
    """A digest of a model's weights (not of its checkpoint file, whose metadata the evaluation
    gate rewrites): an export is used only with the weights it was made from."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


# ---- inference -----------------------------------------------------------------------------
def _session(path: Path, threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Idle worker threads must not spin: PyTorch (the heads) and the lexicon share these cores.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


class OnnxEncoders:
    """The text and image encoders of one export (either may be None: PyTorch does that part)."""

    def __init__(self, text=None, image=None, manifest: dict | None = None):
        self.text, self.image, self.manifest = text, image, manifest or {}
        self._background = None      # one thread for the text side, made on first use (after a fork)

    @classmethod
    def from_files(cls, text: Path | None = None, image: Path | None = None, threads: int | None = None,
                   manifest: dict | None = None) -> "OnnxEncoders":
        # The text encoder and the image trunk run at the same time (see submit), each
        # on half the cores.
        threads = threads or max(1, torch.get_num_threads() // 2)
        return cls(_session(text, threads) if text else None, _session(image, threads) if image else None, manifest)

    def text_vectors(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        out = self.text.run(None, {"input_ids": input_ids.numpy(), "attention_mask": attention_mask.numpy()})[0]
        return torch.from_numpy(out)

    def feature_map(self, images: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(self.image.run(None, {"images": images.contiguous().numpy()})[0])

    def submit(self, fn, *args):
        """``fn(*args)`` on this runtime's background thread (the text side, while the calling
        thread runs the image trunk): a future."""
        if self._background is None:
            from concurrent.futures import ThreadPoolExecutor

            self._background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="text-side")
        return self._background.submit(fn, *args)

    def describe(self) -> str:
        parts = [f"{p} {'int8' if self.manifest.get(p, {}).get('int8') else 'fp32'}" for p in ("text", "image")]
        return "onnxruntime (" + ", ".join(parts) + ")"


def load_runtime(checkpoint_dir: str | Path, model, threads: int | None = None) -> OnnxEncoders:
    """The export beside ``checkpoint_dir`` for ``model`` (the checkpoint's network, loaded);
    :class:`RuntimeUnavailable` when there is none, it was made from other weights, or onnxruntime
    is missing."""
    folder = checkpoint_folder(checkpoint_dir)
    manifest = read_manifest(folder)
    if manifest is None:
        raise RuntimeUnavailable(f"no fast-runtime export in {folder / RUNTIME_DIR} "
                                 f"(make one with `python -m mlcore export-runtime --model {folder}`)")
    if manifest.get("weights_sha256") != weights_sha256(model):
        raise RuntimeUnavailable(f"the export in {folder / RUNTIME_DIR} was made from other weights: re-export it")
    try:
        import onnxruntime  # noqa: F401
    except ImportError as exc:
        raise RuntimeUnavailable("the fast runtime needs the 'onnxruntime' package") from exc
    return OnnxEncoders.from_files(folder / RUNTIME_DIR / manifest["text"]["file"],
                                   folder / RUNTIME_DIR / manifest["image"]["file"], threads, manifest)
