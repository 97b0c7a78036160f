"""``python -m mlcore bench``: speed and memory of the default model against the seed stack.

Timed on the same machine in the same run, each in its own process so that peak RSS is its own:

* default: the shipped checkpoint as the site serves it: its export in ONNX Runtime, no PyTorch
  (``mlcore.serving.OnnxTagger``: int8 text encoder where accuracy held);
* default_torch: the same checkpoint in PyTorch (``FeatureExtractionPipeline.forward``);
* seed: a PhoBERT-base-sized RoBERTa (12 layers, hidden 768, 64k vocabulary) over 256 tokens +
  ResNet34 at 512x512 (``SEED_CONFIG``), random weights (timing does not depend on them);
* with ``--compare DIR``: another checkpoint as it serves (e.g. a candidate against the shipped one).

A listing is ``SAMPLE_LISTING`` (about 1,200 characters, written for this benchmark: 256 tokens,
the encoders' limit) and one photo already decoded to the model's input size.  Reported:
milliseconds per listing at batch 1 (median of repeated runs) and at batch 32 (per listing), the
lexicon alone on that text, and each process's peak RSS.  ``accuracy``: with the data here,
micro-F1 of the fast runtime and of PyTorch on dev_gold (text) and the photo test split (photos
alone), so a speed-up never hides a loss.
"""
from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

SEED_CONFIG = {"text_encoder": {"kind": "roberta", "vocab_size": 64001, "hidden": 768, "layers": 12, "heads": 12,
                                "intermediate": 3072, "max_length": 256},
               "image_encoder": "resnet34", "image_preprocess": {"size": 512},
               "lexicon_prior": False, "photo_head": False}

SAMPLE_LISTING = (
    "Cho thuê phòng trọ mới xây, sạch sẽ, thoáng mát, gần chợ và trường đại học.\n"
    "Phòng rộng 25m2, có gác lửng, cửa sổ lớn đón ánh sáng tự nhiên, ban công phơi đồ.\n"
    "Nội thất: máy lạnh, tủ lạnh, máy nước nóng, giường nệm, tủ quần áo, bàn học, kệ bếp.\n"
    "Nhà vệ sinh riêng trong phòng, bếp nấu ăn riêng. Wifi tốc độ cao miễn phí.\n"
    "Giờ giấc tự do, không chung chủ, có camera an ninh và khóa vân tay, chỗ để xe máy rộng rãi.\n"
    "Điện 3.500đ/kWh, nước 100k/người, không bao gồm phí dịch vụ. Khu dân cư yên tĩnh, an ninh.\n"
    "Ưu tiên sinh viên, người đi làm; không nuôi thú cưng. Giá 3tr5/tháng, cọc 1 tháng.\n"
) * 2

def _median_seconds(run, repeats: int) -> float:
    """Median wall time of ``run()`` over ``repeats`` calls, after one untimed warm-up call."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _time_pipeline(folder, batch: int, repeats: int) -> tuple[float, object]:
    """Median seconds for ``FeatureExtractionPipeline.forward`` (PyTorch) over ``batch`` listings."""
    import torch

    from .pipeline import FeatureExtractionPipeline

    pipeline = FeatureExtractionPipeline(folder)
    size = pipeline.preprocess.size
    texts = [SAMPLE_LISTING] * batch
    pixels = torch.rand(batch, 1, 3, size, size)
    mask = torch.ones(batch, 1, dtype=torch.bool)
    return _median_seconds(lambda: pipeline.forward(texts, pixels, mask), repeats), pipeline


# The served model is fast enough to time many runs: at least this many at batch 1 and batch 32.
SERVED_REPEATS = (48, 8)


def _time_served(folder, repeats_b1: int, repeats_b32: int) -> tuple[float, float, object]:
    """Median seconds for ``OnnxTagger.scores`` (everything but decoding photos) over 1 and over 32
    listings, timed in alternation (rounds of batch-1 runs, then one batch of 32) so that a noisy
    neighbour slows both alike; (nan, nan, None) when the checkpoint cannot be served without
    PyTorch."""
    import numpy as np

    from .serving import load_serving_tagger

    tagger = load_serving_tagger(folder)
    if tagger is None:
        return float("nan"), float("nan"), None
    rng = np.random.default_rng(0)
    texts = [SAMPLE_LISTING] * 32
    photos = [rng.random((3, tagger.size, tagger.size), dtype=np.float32) for _ in range(32)]
    mask = np.ones((32, 1), dtype=bool)

    def timed(batch: int) -> float:
        start = time.perf_counter()
        tagger.scores(texts[:batch], photos[:batch], mask[:batch])
        return time.perf_counter() - start

    timed(1), timed(32)                                     # warm-up
    repeats_b1, repeats_b32 = max(repeats_b1, SERVED_REPEATS[0]), max(repeats_b32, SERVED_REPEATS[1])
    b1, b32 = [], []
    for _ in range(repeats_b32):
        b1 += [timed(1) for _ in range(max(1, repeats_b1 // repeats_b32))]
        b32.append(timed(32))
    return statistics.median(b1), statistics.median(b32), tagger


def lexicon_ms(repeats: int = 200) -> float:
    """Median milliseconds of the lexicon over ``SAMPLE_LISTING``."""
    from .lexicon import default_lexicon

    lexicon = default_lexicon()
    return round(_median_seconds(lambda: lexicon.tag(SAMPLE_LISTING), repeats) * 1000, 2)


def model_config(name: str) -> dict:
    """The ``TaggerConfig`` dict timed under ``name``: "default" (the shipped model's network), "seed", or a
    checkpoint folder."""
    from .config import TaggerConfig

    if name == "default":
        return TaggerConfig().as_dict()
    if name == "seed":
        return SEED_CONFIG
    from .checkpoint import read_checkpoint_meta

    config = TaggerConfig.from_dict(read_checkpoint_meta(name)["config"]).as_dict()
    if "vocab_size" not in config["text_encoder"]:        # a config without it: ask the tokenizer
        from transformers import PreTrainedTokenizerFast

        folder = Path(name) / config["text_encoder"].get("tokenizer", "tokenizer")
        config["text_encoder"]["vocab_size"] = len(PreTrainedTokenizerFast.from_pretrained(folder))
    return config


def _build(config: dict):
    import torch
    from transformers import RobertaConfig, RobertaModel

    from .config import TaggerConfig
    from .encoders import TextEncoder, create_image_encoder
    from .model import MultimodalTagger

    torch.manual_seed(0)
    cfg = TaggerConfig.from_dict(config)
    t = cfg.text_encoder
    roberta = RobertaModel(RobertaConfig(vocab_size=t["vocab_size"], hidden_size=t["hidden"],
                                         num_hidden_layers=t["layers"], num_attention_heads=t["heads"],
                                         intermediate_size=t["intermediate"],
                                         max_position_embeddings=t["max_length"] + 2, pad_token_id=1),
                           add_pooling_layer=False)
    text = TextEncoder("bench", roberta, tokenizer=None, max_length=t["max_length"])
    image = create_image_encoder(cfg.image_encoder, pretrained=False, preprocess=cfg.image_preprocess)
    return MultimodalTagger(cfg, text, image).eval()


def _time_batch(model, config: dict, batch: int, repeats: int) -> float:
    """Median seconds for one forward pass over ``batch`` listings of 256 tokens and one photo each
    (the seed stack: random token ids, no lexicon)."""
    import torch

    tokens = config["text_encoder"]["max_length"]
    ids = torch.randint(5, config["text_encoder"]["vocab_size"], (batch, tokens))
    mask = torch.ones_like(ids)
    size = model.image_encoder.preprocess.size
    images = torch.rand(batch, 1, 3, size, size)
    photo_mask = torch.ones(batch, 1, dtype=torch.bool)
    with torch.inference_mode():
        return _median_seconds(lambda: model(ids, mask, images, photo_mask), repeats)


def measure_one(name: str, repeats_b1: int = 10, repeats_b32: int = 2) -> dict:
    if name != "seed":
        from .taggers import DEFAULT_CHECKPOINT

        folder = DEFAULT_CHECKPOINT if name == "default" else Path(name)
        b1, b32, tagger = _time_served(folder, repeats_b1, repeats_b32)
        if tagger is not None:      # served without PyTorch: this process never imports it
            return {"ms_b1": round(b1 * 1000, 1), "ms_b32": round(b32 * 1000 / 32, 1),
                    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                    "params_m": None, "threads": tagger.text_session.get_session_options().intra_op_num_threads,
                    "runtime": tagger.runtime_name, "version": tagger.version, "torch_imported": "torch" in sys.modules}
    import torch

    if name != "seed":      # a checkpoint as it serves with PyTorch
        from .taggers import DEFAULT_CHECKPOINT

        folder = DEFAULT_CHECKPOINT if name in ("default", "default_torch") else Path(name)
        b1, pipeline = _time_pipeline(folder, 1, repeats_b1)
        b32, _ = _time_pipeline(folder, 32, repeats_b32)
        params = sum(p.numel() for p in pipeline.model.parameters())
        return {"ms_b1": round(b1 * 1000, 1), "ms_b32": round(b32 * 1000 / 32, 1),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "params_m": round(params / 1e6, 2), "threads": torch.get_num_threads(),
                "runtime": pipeline.runtime_name, "version": pipeline.version}
    config = model_config(name)
    model = _build(config)
    b1 = _time_batch(model, config, 1, repeats_b1)
    b32 = _time_batch(model, config, 32, repeats_b32)
    params = sum(p.numel() for p in model.parameters())
    return {"ms_b1": round(b1 * 1000, 1), "ms_b32": round(b32 * 1000 / 32, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "params_m": round(params / 1e6, 2), "threads": torch.get_num_threads()}


def _measure_in_subprocess(name: str, repeats_b1: int, repeats_b32: int) -> dict:
    proc = subprocess.run([sys.executable, "-m", "mlcore.bench", name, str(repeats_b1), str(repeats_b32)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark of {name} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_bench(repeats_b1: int = 10, repeats_b32: int = 2, compare: str | None = None,
              accuracy: bool = True) -> dict:
    """The shipped model as it serves vs the seed stack (and ``compare``, a checkpoint folder)."""
    names = ["default", "default_torch", "seed"] + ([compare] if compare else [])
    results = {name: _measure_in_subprocess(name, repeats_b1, repeats_b32) for name in names}
    d, t, s = results["default"], results["default_torch"], results["seed"]
    out = {
        "default_ms_b1": d["ms_b1"], "default_ms_b32": d["ms_b32"], "default_runtime": d["runtime"],
        "default_version": d["version"],
        "default_torch_ms_b1": t["ms_b1"], "default_torch_ms_b32": t["ms_b32"],
        "seed_ms_b1": s["ms_b1"], "seed_ms_b32": s["ms_b32"],
        "speedup_b1": round(s["ms_b1"] / d["ms_b1"], 2), "speedup_b32": round(s["ms_b32"] / d["ms_b32"], 2),
        "speedup_torch_b1": round(s["ms_b1"] / t["ms_b1"], 2),
        "lexicon_ms": lexicon_ms(), "lexicon_chars": len(SAMPLE_LISTING),
        "default_peak_rss_mb": d["peak_rss_mb"], "default_torch_peak_rss_mb": t["peak_rss_mb"],
        "seed_peak_rss_mb": s["peak_rss_mb"],
        "default_params_m": t["params_m"], "seed_params_m": s["params_m"], "threads": t["threads"],
        "default_imports_torch": d.get("torch_imported", True),
        "seed_config": SEED_CONFIG,
    }
    if accuracy:
        out["accuracy"] = runtime_accuracy()
    if compare:
        c = results[compare]
        out["compare"] = {"model": str(compare), "ms_b1": c["ms_b1"], "ms_b32": c["ms_b32"],
                          "peak_rss_mb": c["peak_rss_mb"], "params_m": c["params_m"], "runtime": c["runtime"]}
        out["default_vs_compare_b1"] = round(d["ms_b1"] / c["ms_b1"], 3)
    return out


def runtime_accuracy(recipe_path: Path | None = None) -> dict:
    """Micro-F1 of the shipped model with its fast runtime and with PyTorch: dev_gold (text only)
    and the photo test split (photos only); {"skipped": why} without the data."""
    from .evaluate import evaluate
    from .gate import evaluation_sets
    from .taggers import DEFAULT_CHECKPOINT

    from .train_config import load_train_config

    try:
        sets = evaluation_sets(load_train_config(recipe_path))
    except (OSError, ValueError) as exc:
        return {"skipped": f"evaluation data not here ({exc})"}
    out = {}
    from .taggers import load_tagger

    for runtime in ("auto", "torch"):
        pipeline = load_tagger(str(DEFAULT_CHECKPOINT), runtime=runtime)
        key = "fast" if runtime == "auto" else "torch"
        out[f"{key}_runtime"] = pipeline.runtime_name
        for name, modality in (("dev_gold", "text"), ("photo_test", "image")):
            out[f"{key}_{name}_micro_f1"] = round(evaluate(sets[name], pipeline, pipeline.vocabulary,
                                                           modality=modality)["micro_f1"], 4)
    for name in ("dev_gold", "photo_test"):
        out[f"{name}_f1_change"] = round(out[f"fast_{name}_micro_f1"] - out[f"torch_{name}_micro_f1"], 4)
    return out


def format_bench(r: dict) -> str:
    acc = r.get("accuracy") or {}
    return "\n".join([
        f"{'model':<14} {'ms/listing b1':>14} {'ms/listing b32':>15} {'peak RSS MB':>12} {'params M':>9}",
        f"{'default':<14} {r['default_ms_b1']:>14} {r['default_ms_b32']:>15} {r['default_peak_rss_mb']:>12} "
        f"{r['default_params_m']:>9}  ({r['default_version']}, {r['default_runtime']})",
        f"{'default torch':<14} {r['default_torch_ms_b1']:>14} {r['default_torch_ms_b32']:>15} "
        f"{r['default_torch_peak_rss_mb']:>12} {r['default_params_m']:>9}",
        f"{'seed':<14} {r['seed_ms_b1']:>14} {r['seed_ms_b32']:>15} {r['seed_peak_rss_mb']:>12} "
        f"{r['seed_params_m']:>9}",
        f"speed-up of the default: {r['speedup_b1']}x at batch 1, {r['speedup_b32']}x at batch 32 "
        f"({r['threads']} threads; PyTorch encoders: {r['speedup_torch_b1']}x at batch 1)",
        f"lexicon alone: {r['lexicon_ms']} ms for a {r['lexicon_chars']}-character listing",
        *([f"micro-F1 fast vs PyTorch: dev_gold {acc['fast_dev_gold_micro_f1']} vs {acc['torch_dev_gold_micro_f1']}, "
           f"photo test {acc['fast_photo_test_micro_f1']} vs {acc['torch_photo_test_micro_f1']}"]
          if "fast_dev_gold_micro_f1" in acc else [f"accuracy: {acc['skipped']}"] if acc else []),
        *([f"{'compared':<14} {r['compare']['ms_b1']:>14} {r['compare']['ms_b32']:>15} "
           f"{r['compare']['peak_rss_mb']:>12} {r['compare']['params_m']:>9}  ({r['compare']['model']}, "
           f"{r['compare']['runtime']})",
           f"default / compared at batch 1: {r['default_vs_compare_b1']}x"] if "compare" in r else []),
    ])


if __name__ == "__main__":  # one configuration, in its own process (see run_bench)
    print(json.dumps(measure_one(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))))
