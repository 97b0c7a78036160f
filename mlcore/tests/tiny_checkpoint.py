"""A tiny checkpoint written by tests (random encoders; its head says "dieu_hoa" and nothing else)."""
from pathlib import Path


def write_tiny_checkpoint(folder: Path, version: str = "test-1", photo_thresholds: dict | None = None,
                          lexicon_prior: bool = False, photo_head: bool = False) -> Path:
    """``photo_head``: with a photo head, photos squashed to 64 px (as the fast runtime needs);
    without, the resnet34 default (cropped)."""
    import torch

    from mlcore.checkpoint import save_checkpoint
    from mlcore.config import TaggerConfig
    from mlcore.encoders import create_image_encoder, roberta_text_encoder, train_tokenizer
    from mlcore.model import MultimodalTagger
    from mlcore.vocab import default_vocabulary

    torch.manual_seed(0)
    slugs = default_vocabulary().slugs
    tokenizer = train_tokenizer(["Phòng mát có máy lạnh gần trường", "Căn hộ mini ban công"] * 30, vocab_size=300)
    text = roberta_text_encoder(tokenizer, hidden=32, layers=1, heads=2, intermediate=64, max_length=32)
    config = TaggerConfig(text_encoder={"kind": "roberta", "vocab_size": 300, "hidden": 32, "layers": 1, "heads": 2,
                                        "intermediate": 64, "max_length": 32},
                          image_encoder="resnet34", num_tags=len(slugs), dim=32, hidden=32,
                          image_preprocess={"size": 64, "resize": "squash"} if photo_head else {"size": 512},
                          lexicon_prior=lexicon_prior, photo_head=photo_head)
    image = create_image_encoder("resnet34", pretrained=False, preprocess=config.image_preprocess)
    model = MultimodalTagger(config, text, image)
    with torch.no_grad():
        model.head[-1].weight.zero_()              # the head ignores its input: its bias decides
        model.head[-1].bias.fill_(-6.0)
        model.head[-1].bias[slugs.index("dieu_hoa")] = 6.0
    save_checkpoint(folder, model.eval(), slugs, thresholds={s: 0.5 for s in slugs},
                    photo_thresholds=photo_thresholds, temperature=1.0,
                    version=version, history=[{"epoch": 1, "loss": 0.5}])
    return folder


TINY_TEXTS = ["Phòng mát, có máy lạnh, gần trường", "Căn hộ mini, ban công, thang máy", "Phòng có gác, wifi",
              "Không chung chủ, giờ giấc tự do", "KTX sleepbox giá rẻ cho sinh viên", "Có máy giặt, sân phơi"]


def write_tiny_training_data(folder: Path, version: str = "tiny-train") -> dict:
    """A made-up corpus (30 listings, 16 photos, one human-labelled listing) and a recipe that trains
    a tiny model on it in seconds; returns the recipe (also written to ``folder/config.json``)."""
    import json

    from conftest import photo_bytes

    folder.mkdir(parents=True, exist_ok=True)
    listings = folder / "listings.jsonl"
    listings.write_text("".join(json.dumps({"id": f"x{i}", "title": None, "description": f"{t} số {i}",
                                            "in_dev_gold": i == 0}, ensure_ascii=False) + "\n"
                                for i, t in enumerate(TINY_TEXTS * 5)), encoding="utf-8")
    rows = ["file,tags,room_type,group,source"]
    for i in range(16):         # beds blue-ish, kitchens red-ish: something a tiny model can learn
        colour = (40 + 3 * i, 60, 200) if i % 2 else (210, 60 + 3 * i, 40)
        (folder / f"p{i}.jpg").write_bytes(photo_bytes(size=(64, 48), color=colour))
        rows.append(f"p{i}.jpg,{'giuong' if i % 2 else 'bep'},bedroom,g{i},vn")
    (folder / "labels.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    gold = folder / "gold.jsonl"
    gold.write_text(json.dumps({"id": "g", "text": "Có máy lạnh", "tags": ["dieu_hoa"]}) + "\n", encoding="utf-8")
    config = {"listings": str(listings), "photos": str(folder / "labels.csv"), "threshold_data": str(gold),
              "extra_labels": [], "pairs": 6, "val_fraction": 0.3, "batch_size": 8, "mlm_epochs": 1,
              "model": {"text_encoder": {"vocab_size": 300, "hidden": 32, "layers": 1, "heads": 2, "intermediate": 64,
                                         "max_length": 32},
                        "image_encoder": "resnet34", "image_preprocess": {"size": 48, "resize": "squash"},
                        "dim": 32, "hidden": 32},
              "pretrained_image": False,
              "photo_stage": {"probe_epochs": 2, "epochs": 1, "batch_size": 8, "trainable_stages": 2,
                              "loss": "asymmetric"},
              "stage1": {"epochs": 1, "lr": 1e-3}, "stage2": {"epochs": 1, "lr": 1e-4}, "version": version}
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return config
