"""Exporting the fast runtime: a checkpoint's encoders in ONNX Runtime, int8 where accuracy holds
(``mlcore.runtime`` loads what this writes).

PyTorch stays the training framework and the fallback.  ``export_runtime(checkpoint)`` writes,
beside ``best_model.pt``, a ``runtime/`` folder:

* ``text.onnx``: the text encoder (token ids and mask -> the first token's vector), any batch and
  any length, so a listing is never padded beyond its own length (or its batch's longest);
* ``image.onnx``: the image trunk (photos -> feature map);
* ``runtime.json``: which files, whether each is int8, the SHA-256 of the weights it was made
  from (an export of other weights is never used), and the F1 checks made when choosing.

Int8: the text encoder is quantised dynamically (weights int8, activations per batch) and kept
int8 only when its F1 on human-labelled listings is within ``MAX_F1_LOSS`` of PyTorch's.  The image
trunk stays float32 unless asked (``int8_image``: static QDQ, per channel, calibrated on training
photos, checked on the validation split): on the shipped model it lost 0.0046 photo F1 on the
validation split and 0.0062 on the test split, and saved nothing at batch 1.

At inference the text side (lexicon, tokenizer, text encoder) and the image trunk run at the same
time, one ONNX Runtime thread each (``OnnxEncoders.submit``).

The small fusion and heads run in PyTorch on the encoders' outputs (``MultimodalTagger`` accepts
``text_vectors`` and ``image_features``), so photo evidence and the photo head work unchanged.
"""
from __future__ import annotations

import json
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Sequence

import torch

from .runtime import OnnxEncoders, weights_sha256
from .serving import MANIFEST, RUNTIME_DIR, file_sha256

log = logging.getLogger(__name__)

MAX_F1_LOSS = 0.005
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


def _attention_by_hand(cross, text, cells, cell_mask):
    """``CrossModalAttention.forward`` written out (one query, key padding, weights averaged over
    heads): PyTorch's MultiheadAttention exports with its batch size fixed."""
    import math

    b, attn = text.shape[0], cross.attn
    d, heads = attn.embed_dim, attn.num_heads
    kv = torch.cat([cross.null.expand(b, 1, -1), cross.key_value(cells)], dim=1)
    ignore = torch.cat([torch.zeros_like(cell_mask[:, :1]), ~cell_mask], dim=1)
    w_q, w_k, w_v = attn.in_proj_weight.chunk(3)
    b_q, b_k, b_v = attn.in_proj_bias.chunk(3)
    q = (cross.query(text) @ w_q.T + b_q).reshape(b, heads, 1, d // heads)
    k = (kv @ w_k.T + b_k).reshape(b, -1, heads, d // heads).transpose(1, 2)
    v = (kv @ w_v.T + b_v).reshape(b, -1, heads, d // heads).transpose(1, 2)
    scores = (q @ k.transpose(-1, -2)) / math.sqrt(d // heads)
    weights = scores.masked_fill(ignore[:, None, None, :], float("-inf")).softmax(-1)
    return attn.out_proj((weights @ v).reshape(b, d)), weights.mean(1).squeeze(1)


def heads_exportable(model) -> bool:
    """Whether the serving path without PyTorch covers this network (attention fusion, photo
    head, a RoBERTa trained here, squashed photos)."""
    return (model.fusion == "attention" and model.photo_head is not None and model.lexicon_prior
            and not model.text_encoder.segment and model.image_encoder.preprocess.resize == "squash")


def _export_heads(model, path: Path) -> None:
    import types

    size = model.image_encoder.preprocess.size
    with torch.no_grad():
        h = model.image_encoder.trunk(torch.zeros(1, 3, size, size)).shape[-1]
    b, p, tags = 2, 3, model.visual_mask.shape[0]
    args = (torch.randn(b, model.text_encoder.out_dim), torch.ones(b, 7, dtype=torch.long), torch.rand(b, tags),
            torch.randn(b * p, model.image_encoder.out_dim, h, h).relu(),
            torch.tensor([[True, True, False], [True, False, False]]))
    original = model.cross.forward
    model.cross.forward = types.MethodType(_attention_by_hand, model.cross)
    try:
        torch.onnx.export(_HeadsGraph(model).eval(), args, str(path), dynamo=False, opset_version=OPSET,
                          input_names=["text_vectors", "attention_mask", "lexicon", "feature_map", "photo_mask"],
                          output_names=["logits", "photo_logits", "photo_index", "photo_weights"],
                          dynamic_axes={"text_vectors": {0: "batch"}, "attention_mask": {0: "batch", 1: "tokens"},
                                        "lexicon": {0: "batch"}, "feature_map": {0: "slots"},
                                        "photo_mask": {0: "batch", 1: "photos"}, "logits": {0: "batch"},
                                        "photo_logits": {0: "batch"}, "photo_index": {0: "batch"},
                                        "photo_weights": {0: "batch", 1: "photos"}})
    finally:
        model.cross.forward = original


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
    path = folder / RUNTIME_DIR / MANIFEST
    if not path.is_file():
        return False
    manifest = json.loads(path.read_text(encoding="utf-8"))
    model, meta = load_checkpoint(folder)
    if manifest.get("weights_sha256") != weights_sha256(model):
        return False
    manifest["checkpoint_sha256"] = file_sha256(checkpoint_file(folder))
    if "serving" in manifest:
        manifest["serving"] = serving_meta(meta, model)
    path.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return True


def _quantize_text(src: Path, dst: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Fused operators (Attention, SkipLayerNormalization) carry no type information for the
    # quantiser's shape inference: their outputs are float.
    quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})


def _quantize_image(src: Path, dst: Path, calibration: Sequence[torch.Tensor]) -> None:
    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                          quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.items = iter(calibration)

        def get_next(self):
            item = next(self.items, None)
            return None if item is None else {"images": item.unsqueeze(0).numpy()}

    import onnx

    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared.onnx"
        quant_pre_process(str(src), str(prepared))
        # The first and last convolutions (the stem that reads pixels, the head that writes the
        # features the tagger reads) stay float: int8 there cost photo F1, int8 elsewhere did not.
        convs = [n.name for n in onnx.load(str(prepared)).graph.node if n.op_type == "Conv"]
        quantize_static(str(prepared), str(dst), Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        calibrate_method=CalibrationMethod.Percentile, nodes_to_exclude=convs[:1] + convs[-1:])


def export_runtime(checkpoint_dir: str | Path, *, calibration_photos: Sequence | None = None,
                   text_check=None, photo_check=None, int8: bool = True, int8_image: bool = False,
                   progress: bool = False) -> dict:
    """Export ``checkpoint_dir``'s encoders into ``checkpoint_dir/runtime`` and return the manifest.

    ``calibration_photos``: photo paths for the image trunk's int8 calibration, used with
    ``int8_image`` (off by default: on the shipped model int8 photos cost 0.005-0.006 photo F1 and
    gained nothing at batch 1, where the text side is the longer of the two).  ``text_check`` / ``photo_check``: ``mlcore.data.Example`` lists on which int8 must
    stay within ``MAX_F1_LOSS`` of PyTorch (text only / photos only); without one, int8 is kept
    unchecked only when ``int8`` is True and nothing to check against was given.
    """
    from .checkpoint import load_checkpoint
    from .photos import load_image

    checkpoint_dir = Path(checkpoint_dir)
    model, meta = load_checkpoint(checkpoint_dir)
    out = checkpoint_dir / RUNTIME_DIR
    staging = Path(tempfile.mkdtemp(prefix="runtime-", dir=checkpoint_dir))
    try:
        _export_text(model, staging / "text.fp32.onnx")
        _export_image(model, staging / "image.fp32.onnx")
        from .checkpoint import checkpoint_file

        manifest = {"weights_sha256": weights_sha256(model), "version": meta.get("version"),
                    "checkpoint_sha256": file_sha256(checkpoint_file(checkpoint_dir)),
                    "opset": OPSET, "max_f1_loss": MAX_F1_LOSS, "checks": {}}
        for part in ("text", "image"):
            fp32 = staging / f"{part}.fp32.onnx"
            chosen = fp32
            if int8 and (part == "text" or (int8_image and calibration_photos)):
                q = staging / f"{part}.int8.onnx"
                if part == "text":
                    _quantize_text(fp32, q)
                else:
                    _quantize_image(fp32, q, [load_image(p, model.image_encoder.preprocess) for p in calibration_photos])
                check = text_check if part == "text" else photo_check
                if check:
                    modality = "text" if part == "text" else "image"
                    ref = _f1(checkpoint_dir, check, modality, {})
                    got = _f1(checkpoint_dir, check, modality, {part: q})
                    manifest["checks"][part] = {"n": len(check), "modality": modality, "torch_micro_f1": ref,
                                                "int8_micro_f1": got, "kept_int8": ref - got <= MAX_F1_LOSS}
                    if progress:
                        log.warning("runtime %s: int8 micro-F1 %.4f vs PyTorch %.4f on %d listings",
                                    part, got, ref, len(check))
                    if ref - got <= MAX_F1_LOSS:
                        chosen = q
                else:
                    chosen = q
            shutil.copyfile(chosen, staging / f"{part}.onnx")
            manifest[part] = {"file": f"{part}.onnx", "int8": chosen != fp32}
        if heads_exportable(model):      # everything in ONNX Runtime: serving needs no PyTorch
            _export_heads(model, staging / "heads.onnx")
            manifest["heads"] = {"file": "heads.onnx"}
            manifest["serving"] = serving_meta(meta, model)
            shutil.copytree(checkpoint_dir / config_tokenizer_dir(meta), staging / "tokenizer")
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


def export_with_data(checkpoint_dir: str | Path, photo_labels: str | Path | None, texts: str | Path | None,
                     int8: bool = True, int8_image: bool = False, calibration_size: int = 128) -> dict:
    """:func:`export_runtime` with its checks drawn from the data: calibration photos from the
    training split of ``photo_labels``, the photo check on its validation split, the text check on
    ``texts`` (human-labelled listings, e.g. dev_gold).  Missing data: no check for that part (the
    image trunk then stays float32)."""
    from .data import Example, read_dataset
    from .photos import read_photo_labels, split_photos

    calibration, photo_check, text_check = None, None, None
    if int8_image and photo_labels and Path(photo_labels).is_file():
        splits = split_photos(read_photo_labels(photo_labels))
        calibration = [p.path for p in splits["train"][::max(1, len(splits["train"]) // calibration_size)]]
        calibration = calibration[:calibration_size]
        photo_check = [Example(id=p.path.name, text="", tags=list(p.tags), images=[p.path]) for p in splits["val"]]
    if texts and Path(texts).is_file():
        text_check = read_dataset(texts, check_images=False)
    return export_runtime(checkpoint_dir, calibration_photos=calibration, text_check=text_check,
                          photo_check=photo_check, int8=int8, int8_image=int8_image, progress=True)


def config_tokenizer_dir(meta: dict) -> str:
    return meta["config"]["text_encoder"].get("tokenizer", "tokenizer")


def _f1(checkpoint_dir: Path, examples, modality: str, files: dict) -> float:
    """Micro-F1 of the checkpoint on ``examples`` with PyTorch encoders ({}) or with the given ONNX files."""
    from .evaluate import evaluate
    from .pipeline import FeatureExtractionPipeline

    pipeline = FeatureExtractionPipeline(checkpoint_dir, runtime="torch")
    if files:
        pipeline.encoders = OnnxEncoders.from_files(text=files.get("text"), image=files.get("image"))
    return round(evaluate(examples, pipeline, pipeline.vocabulary, modality=modality)["micro_f1"], 4)
