"""``python -m mlcore bench``: speed and memory of the default model against the seed's stack.

Both are built with random weights (timing does not depend on them) and timed on the same machine
in the same run, each in its own process so that peak RSS is its own:

* default: a compact RoBERTa (4 layers, hidden 256, 8k vocabulary) over up to 256 tokens +
  EfficientNet-Lite0 at 224x224, attention fusion (``DEFAULT_CONFIG``);
* seed: a PhoBERT-base-sized RoBERTa (12 layers, hidden 768, 64k vocabulary) over 256 tokens +
  ResNet34 at 512x512 (``SEED_CONFIG``).

A listing is one text of 256 tokens and one photo.  The default model also reads the lexicon's
confidences, so its figures include running the lexicon over a listing text of about that length
(``SAMPLE_LISTING``, written for this benchmark).  Reported: milliseconds per listing at batch 1
(median of repeated runs) and at batch 32 (per listing), and each process's peak RSS.
"""
from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time

DEFAULT_CONFIG = {"text": {"vocab": 8000, "hidden": 256, "layers": 4, "heads": 4, "intermediate": 1024},
                  "image": "efficientnet_lite0", "image_size": 224, "tokens": 256, "fusion": "attention",
                  "lexicon": True}
SEED_CONFIG = {"text": {"vocab": 64001, "hidden": 768, "layers": 12, "heads": 12, "intermediate": 3072},
               "image": "resnet34", "image_size": 512, "tokens": 256, "fusion": "attention", "lexicon": False}

SAMPLE_LISTING = (
    "Cho thuê phòng trọ mới xây, sạch sẽ, thoáng mát, gần chợ và trường đại học.\n"
    "Phòng rộng 25m2, có gác lửng, cửa sổ lớn đón ánh sáng tự nhiên, ban công phơi đồ.\n"
    "Nội thất: máy lạnh, tủ lạnh, máy nước nóng, giường nệm, tủ quần áo, bàn học, kệ bếp.\n"
    "Nhà vệ sinh riêng trong phòng, bếp nấu ăn riêng. Wifi tốc độ cao miễn phí.\n"
    "Giờ giấc tự do, không chung chủ, có camera an ninh và khóa vân tay, chỗ để xe máy rộng rãi.\n"
    "Điện 3.500đ/kWh, nước 100k/người, không bao gồm phí dịch vụ. Khu dân cư yên tĩnh, an ninh.\n"
    "Ưu tiên sinh viên, người đi làm; không nuôi thú cưng. Giá 3tr5/tháng, cọc 1 tháng.\n"
) * 2
CONFIGS = {"default": DEFAULT_CONFIG, "seed": SEED_CONFIG}


def _build(config: dict):
    import torch
    from transformers import RobertaConfig, RobertaModel

    from .encoders import TextEncoder, create_image_encoder
    from .model import MultimodalTagger

    torch.manual_seed(0)
    t = config["text"]
    roberta = RobertaModel(RobertaConfig(vocab_size=t["vocab"], hidden_size=t["hidden"],
                                         num_hidden_layers=t["layers"], num_attention_heads=t["heads"],
                                         intermediate_size=t["intermediate"],
                                         max_position_embeddings=config["tokens"] + 2, pad_token_id=1),
                           add_pooling_layer=False)
    text = TextEncoder("bench", roberta, tokenizer=None, max_length=config["tokens"])
    image = create_image_encoder(config["image"], pretrained=False)
    return MultimodalTagger(text, image, num_tags=44, fusion=config["fusion"], lexicon_prior=config["lexicon"]).eval()


def _time_batch(model, config: dict, batch: int, repeats: int) -> float:
    """Median seconds for one forward pass over ``batch`` listings (and the lexicon over each, where
    the model reads it)."""
    import torch

    lexicon = None
    if config["lexicon"]:
        from .lexicon import default_lexicon

        lexicon = default_lexicon()

    ids = torch.randint(5, config["text"]["vocab"], (batch, config["tokens"]))
    mask = torch.ones_like(ids)
    size = config["image_size"]
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

    config = CONFIGS[name]
    model = _build(config)
    b1 = _time_batch(model, config, 1, repeats_b1)
    b32 = _time_batch(model, config, 32, repeats_b32)
    params = sum(p.numel() for p in model.parameters())
    return {"ms_b1": round(b1 * 1000, 1), "ms_b32": round(b32 * 1000 / 32, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "params_m": round(params / 1e6, 2), "threads": torch.get_num_threads()}


def run_bench(repeats_b1: int = 10, repeats_b32: int = 2) -> dict:
    results = {}
    for name in ("default", "seed"):
        proc = subprocess.run([sys.executable, "-m", "mlcore.bench", name, str(repeats_b1), str(repeats_b32)],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"benchmark of the {name} model failed:\n{proc.stderr[-2000:]}")
        results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
    d, s = results["default"], results["seed"]
    return {
        "default_ms_b1": d["ms_b1"], "default_ms_b32": d["ms_b32"],
        "seed_ms_b1": s["ms_b1"], "seed_ms_b32": s["ms_b32"],
        "speedup_b1": round(s["ms_b1"] / d["ms_b1"], 2), "speedup_b32": round(s["ms_b32"] / d["ms_b32"], 2),
        "default_peak_rss_mb": d["peak_rss_mb"], "seed_peak_rss_mb": s["peak_rss_mb"],
        "default_params_m": d["params_m"], "seed_params_m": s["params_m"], "torch_threads": d["threads"],
        "default_config": DEFAULT_CONFIG, "seed_config": SEED_CONFIG,
    }


def format_bench(r: dict) -> str:
    return "\n".join([
        f"{'model':<10} {'ms/listing b1':>14} {'ms/listing b32':>15} {'peak RSS MB':>12} {'params M':>9}",
        f"{'default':<10} {r['default_ms_b1']:>14} {r['default_ms_b32']:>15} {r['default_peak_rss_mb']:>12} "
        f"{r['default_params_m']:>9}",
        f"{'seed':<10} {r['seed_ms_b1']:>14} {r['seed_ms_b32']:>15} {r['seed_peak_rss_mb']:>12} "
        f"{r['seed_params_m']:>9}",
        f"speed-up of the default: {r['speedup_b1']}x at batch 1, {r['speedup_b32']}x at batch 32 "
        f"({r['torch_threads']} torch threads)",
    ])


if __name__ == "__main__":  # one configuration, in its own process (see run_bench)
    print(json.dumps(measure_one(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))))
