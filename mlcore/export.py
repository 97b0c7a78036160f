"""Exporting the fast runtime: a checkpoint as ONNX Runtime graphs, so that the site serves it
without PyTorch (``mlcore.serving`` loads what this writes).

PyTorch stays the training framework.  ``export_runtime(checkpoint)`` writes, beside
``best_model.pt``, a ``runtime/`` folder:

* ``text.onnx``: the text encoder (token ids and mask -> the first token's vector), any batch and
  any length, so a listing is never padded beyond its own length (or its batch's longest);
* ``image.onnx``: the image trunk (photos -> feature map);
* ``heads.onnx``: the cross-modal attention, fusion and heads on the encoders' outputs;
* the tokenizer, and ``runtime.json``: which files, whether the text encoder is int8, the serving
  metadata (thresholds, preprocessing), the SHA-256 of the weights and of the checkpoint file it
  was made from (an export of another checkpoint is never served), and the F1 check made.

Int8: the text encoder is quantised dynamically (weights int8, activations per batch) and kept
int8 only when the served model's F1 on human-labelled listings is within ``MAX_F1_LOSS`` of
PyTorch's.  The image trunk stays float32 (int8 photos lost photo F1 and saved nothing at batch 1:
docs/studies/runtime.md).  Networks the export does not cover (no photo head or no lexicon prior,
a Hugging Face text encoder that segments words, cropped photos) are served with PyTorch.
"""
from __future__ import annotations

import json
import logging
import shutil
import tempfile
from pathlib import Path

import torch

from .serving import MANIFEST, RUNTIME_DIR, file_sha256, read_manifest, write_manifest

log = logging.getLogger(__name__)

MAX_F1_LOSS = 0.005


def weights_sha256(model) -> str:
    """A digest of a model's weights (not of its checkpoint file, whose metadata the evaluation
    gate rewrites): the export's record of what it was made from."""
    import hashlib

    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()
OPSET = 17


# ---- export -------------------------------------------------------------------------------
class _TextGraph(torch.nn.Module):
    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids, attention_mask):
        return self.encoder(input_ids, attention_mask)


def _export_text(model, path: Path) -> None:
    """The text encoder in ONNX, its attention fused by ONNX Runtime's transformer optimizer (the
    eager attention's graph is the one the optimizer recognises)."""
    from onnxruntime.transformers.optimizer import optimize_model

    encoder = model.text_encoder
    config = encoder.model.config
    previous = config._attn_implementation
    ids = torch.tensor([[0] + [5] * 14 + [2], [0] + [6] * 9 + [2] + [1] * 5])
    mask = (ids != 1).long()
    config._attn_implementation = "eager"
    try:
        raw = path.with_suffix(".raw.onnx")
        torch.onnx.export(_TextGraph(encoder).eval(), (ids, mask), str(raw), dynamo=False,
                          input_names=["input_ids", "attention_mask"], output_names=["vector"], opset_version=OPSET,
                          dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                        "attention_mask": {0: "batch", 1: "tokens"}, "vector": {0: "batch"}})
    finally:
        config._attn_implementation = previous
    optimize_model(str(raw), model_type="bert", num_heads=config.num_attention_heads,
                   hidden_size=config.hidden_size).save_model_to_file(str(path))
    raw.unlink()


def _export_image(model, path: Path) -> None:
    size = model.image_encoder.preprocess.size
    trunk = model.image_encoder.trunk.eval().to(memory_format=torch.contiguous_format)
    torch.onnx.export(trunk, (torch.rand(2, 3, size, size),), str(path), dynamo=False, input_names=["images"],
                      output_names=["feature_map"], opset_version=OPSET,
                      dynamic_axes={"images": {0: "photos"}, "feature_map": {0: "photos"}})
    model.image_encoder.trunk.to(memory_format=torch.channels_last)


class _HeadsGraph(torch.nn.Module):
    """The fusion and heads on the encoders' outputs, for ONNX: (text vectors, attention mask,
    lexicon confidences, the feature maps of B·P photo slots, the photo mask) -> (logits, photo
    logits, photo index, photo weights).  At least one photo slot (masked when a listing has none:
    the same outputs as no slot at all)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, text_vectors, attention_mask, lexicon, feature_map, photo_mask):
        b, p = photo_mask.shape[0], photo_mask.shape[1]
        features = self.model.features_from_map(feature_map, b, p)
        out = self.model(None, attention_mask, None, photo_mask, lexicon=lexicon, text_vectors=text_vectors,
                         image_features=features)
        return out["logits"], out["photo_logits"], out["photo_index"], out["photo_weights"]


def export_refusal(model) -> str:
    """Why the export cannot serve this network alone ("" when it can)."""
    if model.photo_head is None or not model.lexicon_prior:
        return "the export covers networks with a photo head and the lexicon prior"
    if model.text_encoder.segment:
        return "a text encoder that reads word-segmented text (PhoBERT) is served with PyTorch"
    if model.image_encoder.preprocess.resize != "squash":
        return "photos cropped rather than squashed are prepared by PyTorch"
    return ""


def _export_heads(model, path: Path) -> None:
    size = model.image_encoder.preprocess.size
    with torch.no_grad():
        h = model.image_encoder.trunk(torch.zeros(1, 3, size, size)).shape[-1]
    b, p, tags = 2, 3, model.visual_mask.shape[0]
    args = (torch.randn(b, model.text_encoder.out_dim), torch.ones(b, 7, dtype=torch.long), torch.rand(b, tags),
            torch.randn(b * p, model.image_encoder.out_dim, h, h).relu(),
            torch.tensor([[True, True, False], [True, False, False]]))
    torch.onnx.export(_HeadsGraph(model).eval(), args, str(path), dynamo=False, opset_version=OPSET,
                      input_names=["text_vectors", "attention_mask", "lexicon", "feature_map", "photo_mask"],
                      output_names=["logits", "photo_logits", "photo_index", "photo_weights"],
                      dynamic_axes={"text_vectors": {0: "batch"}, "attention_mask": {0: "batch", 1: "tokens"},
                                    "lexicon": {0: "batch"}, "feature_map": {0: "slots"},
                                    "photo_mask": {0: "batch", 1: "photos"}, "logits": {0: "batch"},
                                    "photo_logits": {0: "batch"}, "photo_index": {0: "batch"},
                                    "photo_weights": {0: "batch", 1: "photos"}})


def serving_meta(meta: dict, model) -> dict:
    """What serving without PyTorch needs from the checkpoint (its file is a PyTorch pickle)."""
    pre = model.image_encoder.preprocess
    keys = ("version", "rules_hash", "thresholds", "photo_thresholds", "temperature", "threshold_rule", "evaluation",
            "config")
    return {**{k: meta.get(k) for k in keys}, "id2feature": {str(k): v for k, v in meta["id2feature"].items()},
            "max_length": model.text_encoder.max_length, "pad_token_id": model.text_encoder.tokenizer.pad_token_id,
            "preprocess": {"size": pre.size, "mean": list(pre.mean), "std": list(pre.std)},
            "visual": model.visual_mask.tolist()}


def refresh_manifest(checkpoint_dir: str | Path) -> bool:
    """After the gate rewrote a checkpoint's figures: the export's record of the checkpoint file and
    its figures are brought up to date, provided the weights are still the ones exported."""
    from .checkpoint import checkpoint_file, load_checkpoint

    folder = Path(checkpoint_dir)
    manifest = read_manifest(folder)
    if manifest is None:
        return False
    model, meta = load_checkpoint(folder)
    if manifest.get("weights_sha256") != weights_sha256(model):
        return False
    manifest["checkpoint_sha256"] = file_sha256(checkpoint_file(folder))
    if "serving" in manifest:
        manifest["serving"] = serving_meta(meta, model)
    write_manifest(folder, manifest)
    return True


def _quantize_text(src: Path, dst: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Fused operators (Attention, SkipLayerNormalization) carry no type information for the
    # quantiser's shape inference: their outputs are float.
    quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})


def export_runtime(checkpoint_dir: str | Path, *, text_check=None, int8: bool = True, progress: bool = False) -> dict:
    """Export ``checkpoint_dir`` into ``checkpoint_dir/runtime`` and return the manifest.

    ``text_check``: ``mlcore.data.Example`` texts on which the served model with an int8 text
    encoder must stay within ``MAX_F1_LOSS`` of PyTorch (else the text encoder stays float32);
    without them int8 is kept unchecked when ``int8`` is True.  A network the export cannot serve
    alone is a ValueError naming why (it serves with PyTorch).
    """
    from .checkpoint import checkpoint_file, load_checkpoint

    checkpoint_dir = Path(checkpoint_dir)
    model, meta = load_checkpoint(checkpoint_dir)
    refusal = export_refusal(model)
    if refusal:
        raise ValueError(f"{checkpoint_dir}: not exported ({refusal})")
    out = checkpoint_dir / RUNTIME_DIR
    staging = Path(tempfile.mkdtemp(prefix="runtime-", dir=checkpoint_dir))
    try:
        _export_text(model, staging / "text.fp32.onnx")
        _export_image(model, staging / "image.onnx")
        _export_heads(model, staging / "heads.onnx")
        shutil.copytree(checkpoint_dir / config_tokenizer_dir(meta), staging / "tokenizer")
        manifest = {"weights_sha256": weights_sha256(model), "version": meta.get("version"),
                    "checkpoint_sha256": file_sha256(checkpoint_file(checkpoint_dir)),
                    "opset": OPSET, "max_f1_loss": MAX_F1_LOSS, "checks": {},
                    "text": {"file": "text.onnx", "int8": False}, "image": {"file": "image.onnx", "int8": False},
                    "heads": {"file": "heads.onnx"}, "serving": serving_meta(meta, model)}
        text = staging / "text.fp32.onnx"
        if int8:
            quantized = staging / "text.int8.onnx"
            _quantize_text(text, quantized)
            keep = True
            if text_check:
                ref = _text_f1(checkpoint_dir, text_check)
                got = _text_f1(checkpoint_dir, text_check, staging,
                               {**manifest, "text": {"file": quantized.name, "int8": True}})
                keep = ref - got <= MAX_F1_LOSS
                manifest["checks"]["text"] = {"n": len(text_check), "modality": "text", "torch_micro_f1": ref,
                                              "int8_micro_f1": got, "kept_int8": keep}
                if progress:
                    log.warning("runtime text: int8 micro-F1 %.4f vs PyTorch %.4f on %d listings",
                                got, ref, len(text_check))
            text = quantized if keep else text
        shutil.copyfile(text, staging / "text.onnx")
        manifest["text"]["int8"] = text.name == "text.int8.onnx"
        for leftover in staging.glob("*.*.onnx"):
            leftover.unlink()
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        staging.chmod(0o755)
        staging.rename(out)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return manifest


def export_with_data(checkpoint_dir: str | Path, texts: str | Path | None, int8: bool = True) -> dict:
    """:func:`export_runtime` with the text check on ``texts`` (human-labelled listings, e.g.
    dev_gold; missing: no check)."""
    from .data import read_dataset

    text_check = read_dataset(texts, check_images=False) if texts and Path(texts).is_file() else None
    return export_runtime(checkpoint_dir, text_check=text_check, int8=int8, progress=True)


def config_tokenizer_dir(meta: dict) -> str:
    return meta["config"]["text_encoder"].get("tokenizer", "tokenizer")


def _text_f1(checkpoint_dir: Path, examples, runtime_dir: Path | None = None, manifest: dict | None = None) -> float:
    """Text micro-F1 of the checkpoint on ``examples``: with PyTorch, or served from the export in
    ``runtime_dir`` described by ``manifest``."""
    from .evaluate import evaluate
    from .pipeline import FeatureExtractionPipeline
    from .serving import OnnxTagger

    tagger = (FeatureExtractionPipeline(checkpoint_dir) if runtime_dir is None
              else OnnxTagger(checkpoint_dir, manifest, runtime_dir=runtime_dir))
    return round(evaluate(examples, tagger, tagger.vocabulary, modality="text")["micro_f1"], 4)
