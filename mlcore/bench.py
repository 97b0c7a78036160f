"""``python -m mlcore bench``: speed and memory of the default model against the seed's stack.

Both are built with random weights (timing does not depend on them) and timed on the same machine
in the same run, each in its own process so that peak RSS is its own:

* default: the network of the default recipe, ``configs/default_model.json`` (its ``"model"``, a
  :class:`mlcore.config.TaggerConfig`), photos at its preprocessing size;
* seed: a PhoBERT-base-sized RoBERTa (12 layers, hidden 768, 64k vocabulary) over 256 tokens +
  ResNet34 at 512x512 (``SEED_CONFIG``);
* with ``--compare DIR``: the network of a saved checkpoint (e.g. the shipped model), so a new
  default is timed against the current one in the same run.

A listing is one text of 256 tokens and one photo.  A model that reads the lexicon's confidences
is timed with the lexicon run over a listing text of about that length (``SAMPLE_LISTING``,
written for this benchmark).  Reported: milliseconds per listing at batch 1 (median of repeated
runs) and at batch 32 (per listing), and each process's peak RSS.
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
               "image_encoder": "resnet34", "image_preprocess": {"size": 512}, "fusion": "attention",
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

def model_config(name: str) -> dict:
    """The ``TaggerConfig`` dict timed under ``name``: "default" (the default recipe), "seed", or a
    checkpoint folder."""
    from .config import TaggerConfig, load_recipe

    if name == "default":
        return TaggerConfig.from_dict(load_recipe()["model"]).as_dict()
    if name == "seed":
        return SEED_CONFIG
    from .checkpoint import read_checkpoint_meta

    config = TaggerConfig.from_dict(read_checkpoint_meta(name)["config"]).as_dict()
    if "vocab_size" not in config["text_encoder"]:        # checkpoints before TaggerConfig: ask the tokenizer
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
    return MultimodalTagger(text, image, num_tags=44, fusion=cfg.fusion, dim=cfg.dim, hidden=cfg.hidden,
                            lexicon_prior=cfg.lexicon_prior, photo_head=cfg.photo_head).eval()


def _time_batch(model, config: dict, batch: int, repeats: int) -> float:
    """Median seconds for one forward pass over ``batch`` listings (and the lexicon over each, where
    the model reads it)."""
    import torch

    lexicon = None
    if config.get("lexicon_prior"):
        from .lexicon import default_lexicon

        lexicon = default_lexicon()

    tokens = config["text_encoder"]["max_length"]
    ids = torch.randint(5, config["text_encoder"]["vocab_size"], (batch, tokens))
    mask = torch.ones_like(ids)
    size = model.image_encoder.preprocess.size
    images = torch.rand(batch, 1, 3, size, size)
    photo_mask = torch.ones(batch, 1, dtype=torch.bool)
    times = []
    with torch.inference_mode():
        model(ids, mask, images, photo_mask)                      # warm-up
        for _ in range(repeats):
            start = time.perf_counter()
            features = None
            if lexicon is not None:
                features = torch.zeros(batch, 44)
                for b in range(batch):
                    for m in lexicon.tag(SAMPLE_LISTING):
                        features[b, lexicon.vocabulary.slugs.index(m.slug)] = m.confidence
            model(ids, mask, images, photo_mask, lexicon=features)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure_one(name: str, repeats_b1: int = 10, repeats_b32: int = 2) -> dict:
    import torch

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


def run_bench(repeats_b1: int = 10, repeats_b32: int = 2, compare: str | None = None) -> dict:
    """The default recipe's network vs the seed stack (and ``compare``, a checkpoint folder)."""
    names = ["default", "seed"] + ([compare] if compare else [])
    results = {name: _measure_in_subprocess(name, repeats_b1, repeats_b32) for name in names}
    d, s = results["default"], results["seed"]
    out = {
        "default_ms_b1": d["ms_b1"], "default_ms_b32": d["ms_b32"],
        "seed_ms_b1": s["ms_b1"], "seed_ms_b32": s["ms_b32"],
        "speedup_b1": round(s["ms_b1"] / d["ms_b1"], 2), "speedup_b32": round(s["ms_b32"] / d["ms_b32"], 2),
        "default_peak_rss_mb": d["peak_rss_mb"], "seed_peak_rss_mb": s["peak_rss_mb"],
        "default_params_m": d["params_m"], "seed_params_m": s["params_m"], "torch_threads": d["threads"],
        "default_config": model_config("default"), "seed_config": SEED_CONFIG,
    }
    if compare:
        c = results[compare]
        out["compare"] = {"model": str(compare), "ms_b1": c["ms_b1"], "ms_b32": c["ms_b32"],
                          "peak_rss_mb": c["peak_rss_mb"], "params_m": c["params_m"]}
        out["default_vs_compare_b1"] = round(d["ms_b1"] / c["ms_b1"], 3)
    return out


def format_bench(r: dict) -> str:
    return "\n".join([
        f"{'model':<10} {'ms/listing b1':>14} {'ms/listing b32':>15} {'peak RSS MB':>12} {'params M':>9}",
        f"{'default':<10} {r['default_ms_b1']:>14} {r['default_ms_b32']:>15} {r['default_peak_rss_mb']:>12} "
        f"{r['default_params_m']:>9}",
        f"{'seed':<10} {r['seed_ms_b1']:>14} {r['seed_ms_b32']:>15} {r['seed_peak_rss_mb']:>12} "
        f"{r['seed_params_m']:>9}",
        f"speed-up of the default: {r['speedup_b1']}x at batch 1, {r['speedup_b32']}x at batch 32 "
        f"({r['torch_threads']} torch threads)",
        *([f"{'compared':<10} {r['compare']['ms_b1']:>14} {r['compare']['ms_b32']:>15} "
           f"{r['compare']['peak_rss_mb']:>12} {r['compare']['params_m']:>9}  ({r['compare']['model']})",
           f"default / compared at batch 1: {r['default_vs_compare_b1']}x"] if "compare" in r else []),
    ])


if __name__ == "__main__":  # one configuration, in its own process (see run_bench)
    print(json.dumps(measure_one(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))))
