"""One config object builds the network, rides in its checkpoint and rebuilds it; checkpoints
saved before it existed keep loading and scoring as they did."""
import json

import pytest

torch = pytest.importorskip("torch", reason="checkpoints need torch")
pytest.importorskip("transformers", reason="the text encoders need transformers")

from conftest import photo_bytes  # noqa: E402
from mlcore.checkpoint import CHECKPOINT_FILE, load_checkpoint, save_checkpoint, tagger_config  # noqa: E402
from mlcore.config import ImagePreprocess, TaggerConfig, load_recipe  # noqa: E402
from mlcore.encoders import train_tokenizer  # noqa: E402
from mlcore.model import build_model  # noqa: E402
from mlcore.taggers import load_tagger  # noqa: E402
from mlcore.vocab import default_vocabulary  # noqa: E402

TINY_TEXT = {"kind": "roberta", "vocab_size": 300, "hidden": 32, "layers": 1, "heads": 2, "intermediate": 64,
             "max_length": 32}


def tiny_config(**changes) -> TaggerConfig:
    return TaggerConfig(text_encoder=TINY_TEXT, image_encoder="resnet34", dim=32, hidden=32,
                        num_tags=len(default_vocabulary()), **changes)


@pytest.fixture(scope="module")
def tokenizer():
    return train_tokenizer(["Phòng mát có máy lạnh gần trường", "Căn hộ mini ban công"] * 30, vocab_size=300)


def test_the_config_saved_in_a_checkpoint_rebuilds_the_same_network(tmp_path, tokenizer):
    config = tiny_config(photo_head=True, image_preprocess=ImagePreprocess(48, (0.5,) * 3, (0.5,) * 3, "squash"))
    torch.manual_seed(0)
    model = build_model(config, tokenizer=tokenizer).eval()
    assert tagger_config(model).as_dict() == {**config.as_dict(), "text_encoder": {**TINY_TEXT, "tokenizer": "tokenizer"}}
    slugs = default_vocabulary().slugs
    save_checkpoint(tmp_path, model, slugs, thresholds={}, version="cfg-1")
    saved = torch.load(tmp_path / CHECKPOINT_FILE, weights_only=False)["config"]
    assert saved["photo_head"] is True and saved["image_preprocess"]["resize"] == "squash"
    loaded, meta = load_checkpoint(tmp_path)
    assert meta["tagger_config"] == tagger_config(loaded)
    assert loaded.image_encoder.preprocess == ImagePreprocess(48, (0.5,) * 3, (0.5,) * 3, "squash")  # not the default
    tok = model.text_encoder.tokenize(["Phòng có máy lạnh"])
    images, mask = torch.rand(1, 2, 3, 48, 48), torch.ones(1, 2, dtype=torch.bool)
    with torch.no_grad():
        a, b = model(tok["input_ids"], tok["attention_mask"], images, mask), loaded(tok["input_ids"], tok["attention_mask"], images, mask)
    assert torch.allclose(a["logits"], b["logits"], atol=1e-2)          # float16 on disk
    assert torch.equal(a["photo_index"], b["photo_index"])


def test_unknown_config_keys_are_refused():
    with pytest.raises(ValueError, match="unknown TaggerConfig key"):
        TaggerConfig.from_dict({"fusoin": "early"})
    with pytest.raises(ValueError, match="unknown resize"):
        ImagePreprocess(32, resize="stretch")


def test_the_default_recipe_is_the_config_file_and_names_a_buildable_model():
    recipe = load_recipe()
    config = TaggerConfig.from_dict(recipe["model"])
    assert config.image_encoder.startswith("efficientnet_lite") and config.photo_head
    from mlcore.bench import model_config

    assert model_config("default") == config.as_dict()                # the bench times the same network


def _write_checkpoint_as_before(folder, tokenizer) -> None:
    """A checkpoint in the layout written before TaggerConfig existed (the shipped multimodal-1's):
    ``config.image_encoder`` a dict with its preprocess, no ``vocab_size``, a ``training`` report,
    no threshold rule."""
    from mlcore.encoders import create_image_encoder, roberta_text_encoder
    from mlcore.model import MultimodalTagger

    slugs = default_vocabulary().slugs
    torch.manual_seed(1)
    text = roberta_text_encoder(tokenizer, hidden=32, layers=1, heads=2, intermediate=64, max_length=32)
    model = MultimodalTagger(text, create_image_encoder("resnet34", pretrained=False), len(slugs), dim=32, hidden=32,
                             lexicon_prior=True).eval()
    model.visual_mask.copy_(torch.tensor([t.visual for t in default_vocabulary()]))
    with torch.no_grad():
        model.head[-1].bias[slugs.index("giuong")] = 3.0
    config = {"text_encoder": {"kind": "roberta", "hidden": 32, "layers": 1, "heads": 2, "intermediate": 64,
                               "max_length": 32, "tokenizer": "tokenizer"},
              "image_encoder": {"name": "resnet34", "preprocess": {"size": 40, "mean": [0.485, 0.456, 0.406],
                                                                   "std": [0.229, 0.224, 0.225]}},
              "fusion": "attention", "dim": 32, "hidden": 32, "num_tags": len(slugs), "lexicon_prior": True,
              "training": {"ece_before": 0.1}}
    state = {k: (v.half() if v.is_floating_point() else v) for k, v in model.state_dict().items()}
    folder.mkdir(parents=True, exist_ok=True)
    torch.save({"model_state_dict": state, "feature_vocab": {s: i for i, s in enumerate(slugs)},
                "id2feature": {i: s for i, s in enumerate(slugs)}, "config": config,
                "thresholds": {s: 0.5 for s in slugs}, "photo_thresholds": {"giuong": 0.97}, "temperature": 1.0,
                "version": "old-1"}, folder / CHECKPOINT_FILE)
    tokenizer.save_pretrained(folder / "tokenizer")
    (folder / "feature_vocab.json").write_text(json.dumps({s: i for i, s in enumerate(slugs)}), encoding="utf-8")


def test_a_checkpoint_from_before_the_config_loads_and_scores_as_before(tmp_path, tokenizer):
    from PIL import Image
    from torchvision import transforms

    folder = tmp_path / "old"
    _write_checkpoint_as_before(folder, tokenizer)
    pipe = load_tagger(str(folder))
    pre = pipe.model.image_encoder.preprocess
    assert (pre.size, pre.resize, pre.mean) == (40, "crop", (0.485, 0.456, 0.406))   # from the checkpoint
    photo = tmp_path / "p.jpg"
    photo.write_bytes(photo_bytes(size=(90, 60), color=(120, 160, 90)))
    # What the code before TaggerConfig computed: short side to int(40 * 1.14), centre crop 40, ImageNet mean/std.
    before = transforms.Compose([transforms.Resize(int(40 * 1.14)), transforms.CenterCrop(40), transforms.ToTensor(),
                                 transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])
    pixels = before(Image.open(photo).convert("RGB"))[None, None]
    text = "Phòng có máy lạnh và giường"
    tok = pipe.model.text_encoder.tokenize([text])
    lexicon = torch.zeros(1, len(pipe.id2feature))
    for m in pipe.lexicon.tag(text):
        lexicon[0, pipe.vocabulary.slugs.index(m.slug)] = m.confidence
    with torch.no_grad():
        expected = torch.sigmoid(pipe.model(tok["input_ids"], tok["attention_mask"], pixels,
                                            torch.ones(1, 1, dtype=torch.bool), lexicon=lexicon)["logits"])[0]
    got = {m.slug: m.confidence for m in pipe.tag(text, [str(photo)])}
    for slug, conf in got.items():
        assert conf == pytest.approx(float(expected[pipe.vocabulary.slugs.index(slug)]), abs=1e-4)
    # Its photo thresholds still apply only to listings without text, as before.
    assert pipe.threshold("giuong", has_text=True, photo_only=True) == 0.5
    assert pipe.threshold("giuong", has_text=False) == 0.97
