"""A tiny checkpoint written by tests (random encoders; its head says "dieu_hoa" and nothing else)."""
from pathlib import Path


def write_tiny_checkpoint(folder: Path, version: str = "test-1", photo_thresholds: dict | None = None,
                          lexicon_prior: bool = False) -> Path:
    import torch

    from mlcore.checkpoint import save_checkpoint
    from mlcore.encoders import create_image_encoder, roberta_text_encoder, train_tokenizer
    from mlcore.model import MultimodalTagger
    from mlcore.vocab import default_vocabulary

    torch.manual_seed(0)
    slugs = default_vocabulary().slugs
    tokenizer = train_tokenizer(["Phòng mát có máy lạnh gần trường", "Căn hộ mini ban công"] * 30, vocab_size=300)
    text = roberta_text_encoder(tokenizer, hidden=32, layers=1, heads=2, intermediate=64, max_length=32)
    model = MultimodalTagger(text, create_image_encoder("resnet34", pretrained=False), len(slugs), dim=32, hidden=32,
                             lexicon_prior=lexicon_prior)
    with torch.no_grad():
        model.head[-1].weight.zero_()              # the head ignores its input: its bias decides
        model.head[-1].bias.fill_(-6.0)
        model.head[-1].bias[slugs.index("dieu_hoa")] = 6.0
    save_checkpoint(folder, model.eval(), slugs, thresholds={s: 0.5 for s in slugs},
                    photo_thresholds=photo_thresholds, temperature=1.0,
                    version=version, history=[{"epoch": 1, "loss": 0.5}])
    return folder
