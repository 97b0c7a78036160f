"""One config object builds the network, rides in its checkpoint and rebuilds it; one typed
training config holds the only defaults (the shipped model's)."""
import json

import pytest
import torch

from mlcore.checkpoint import CHECKPOINT_FILE, load_checkpoint, read_checkpoint_meta, save_checkpoint, tagger_config
from mlcore.config import TaggerConfig
from mlcore.encoders import IMAGE_ENCODERS, ImagePreprocess, default_preprocess, train_tokenizer
from mlcore.model import build_model
from mlcore.taggers import DEFAULT_CHECKPOINT
from mlcore.train_config import PhotoStage, TrainConfig, load_train_config
from mlcore.vocab import default_vocabulary

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
        ImagePreprocess(32, (0.5,) * 3, (0.5,) * 3, resize="stretch")
    with pytest.raises(ValueError, match="unknown image_preprocess key"):
        TaggerConfig(image_preprocess={"sise": 300})


def test_options_studied_and_retired_load_only_at_the_shipped_value():
    """The shipped checkpoint names ``fusion`` and friends (saved while they existed): at the shipped
    value they load; any other value points at the studies."""
    assert TaggerConfig.from_dict({"fusion": "attention", "photo_regions": False, "photo_head_hidden": 0,
                                   "photos_add_only": False}) == TaggerConfig()
    for key, value in (("fusion", "late"), ("photo_regions", True), ("photo_head_hidden", 512),
                       ("photos_add_only", True)):
        with pytest.raises(ValueError, match="docs/studies"):
            TaggerConfig.from_dict({key: value})


def test_mean_and_std_come_from_the_image_encoders_registry():
    lite = default_preprocess("efficientnet_lite0")
    assert (lite.size, lite.mean, lite.std) == (224, (0.5,) * 3, (0.5,) * 3)   # Google's TF weights
    assert default_preprocess("resnet34").mean == (0.485, 0.456, 0.406)
    config = TaggerConfig(image_preprocess={"size": 300})                        # only what changes
    assert config.image_preprocess == ImagePreprocess(300, (0.5,) * 3, (0.5,) * 3)
    assert set(IMAGE_ENCODERS) >= {"efficientnet_lite0", "resnet34"}


def test_the_training_defaults_are_the_shipped_models():
    """TrainConfig's defaults build the network the shipped checkpoint holds, and the bench times it."""
    shipped = TaggerConfig.from_dict(read_checkpoint_meta(DEFAULT_CHECKPOINT)["config"])
    default = TrainConfig().model
    assert default.replace(text_encoder={**default.text_encoder, "tokenizer": "tokenizer"}) == shipped
    assert TrainConfig().photo_stage.loss == "asymmetric" and TrainConfig().photo_precision == 0.82
    from mlcore.bench import model_config

    assert model_config("default") == default.as_dict()


def test_a_config_file_changes_only_what_it_names_and_refuses_what_it_does_not_know(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"version": "v-9", "photo_stage": {"epochs": 2}, "model": {"dim": 64}}))
    config = load_train_config(path)
    assert config.version == "v-9" and config.photo_stage == PhotoStage(epochs=2) and config.model.dim == 64
    assert config.model.hidden == TrainConfig().model.hidden and config.stage1 == TrainConfig().stage1
    assert TrainConfig.from_dict(config.as_dict()) == config                     # what a checkpoint saves reads back
    path.write_text(json.dumps({"photo_stage": {"epochz": 2}}))
    with pytest.raises(ValueError, match="c.json: unknown PhotoStage key"):
        load_train_config(path)


def test_a_config_files_model_keys_merge_into_the_shipped_network():
    config = TrainConfig.from_dict({"model": {"text_encoder": {"layers": 2}, "image_preprocess": {"size": 320}}})
    assert config.model.text_encoder == {**TrainConfig().model.text_encoder, "layers": 2}
    assert config.model.image_preprocess == TrainConfig().model.image_preprocess.merged({"size": 320})
    other = TrainConfig.from_dict({"model": {"image_encoder": "resnet34", "image_preprocess": {"size": 64}}})
    assert other.model.image_preprocess.mean == (0.485, 0.456, 0.406)         # resnet34's own, not Lite0's
    hf = TrainConfig.from_dict({"model": {"text_encoder": {"kind": "hf", "name_or_path": "x", "max_length": 64}}})
    assert hf.model.text_encoder == {"kind": "hf", "name_or_path": "x", "max_length": 64}
