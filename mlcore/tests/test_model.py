"""The multimodal model: per-listing attention, any number of photos, pluggable encoders."""
import json

import pytest
import torch

from mlcore.config import TaggerConfig
from mlcore.encoders import (
    ModelNotAvailable, create_image_encoder, hf_text_encoder, roberta_text_encoder, train_tokenizer,
)
from mlcore.model import CrossModalAttention, MultimodalTagger

TEXTS = ["Phòng mát, có máy lạnh, gần trường", "Căn hộ mini, ban công, thang máy",
         "Phòng có gác, không chung chủ", "KTX sleepbox giá rẻ cho sinh viên"]


@pytest.fixture(scope="module")
def tiny_text():
    torch.manual_seed(0)
    tokenizer = train_tokenizer(TEXTS * 20, vocab_size=300)
    return roberta_text_encoder(tokenizer, hidden=32, layers=1, heads=2, intermediate=64, max_length=32)


def tagger(tiny_text, **changes) -> MultimodalTagger:
    """A small network over ``tiny_text`` and a random resnet34 (5 tags; ``changes``: TaggerConfig fields)."""
    config = TaggerConfig(**{"image_encoder": "resnet34", "num_tags": 5, "dim": 32, "hidden": 32,
                             "lexicon_prior": False, "photo_head": False, **changes})
    return MultimodalTagger(config, tiny_text, create_image_encoder("resnet34", pretrained=False,
                                                                    preprocess=config.image_preprocess))


def make_model(tiny_text):
    torch.manual_seed(0)
    return tagger(tiny_text).eval()


def batch(model, texts, photos_per_listing, max_photos, size=64):
    """Listings with 0..n photos, padded to max_photos."""
    tok = model.text_encoder.tokenize(texts)
    images = torch.zeros(len(texts), max_photos, 3, size, size)
    mask = torch.zeros(len(texts), max_photos, dtype=torch.bool)
    for i, n in enumerate(photos_per_listing):
        for j in range(n):
            images[i, j] = torch.rand(3, size, size, generator=torch.Generator().manual_seed(100 * i + j))
            mask[i, j] = True
    return tok, images, mask


def test_a_listing_scores_the_same_alone_and_in_a_shuffled_batch(tiny_text):
    model = make_model(tiny_text)
    tok, images, mask = batch(model, TEXTS, [2, 0, 1, 3], max_photos=3)
    with torch.no_grad():
        together = torch.sigmoid(model(tok["input_ids"], tok["attention_mask"], images, mask)["logits"])
        order = [3, 1, 0, 2]
        tok2, images2, mask2 = batch(model, [TEXTS[i] for i in order], [[2, 0, 1, 3][i] for i in order], 3)
        images2 = images[order]
        shuffled = torch.sigmoid(model(tok2["input_ids"], tok2["attention_mask"], images2, mask2)["logits"])
        for pos, i in enumerate(order):
            tok1, _, _ = batch(model, [TEXTS[i]], [0], 0)
            n = [2, 0, 1, 3][i]
            alone = torch.sigmoid(model(tok1["input_ids"], tok1["attention_mask"], images[i:i + 1, :n],
                                        mask[i:i + 1, :n])["logits"])
            assert torch.allclose(alone[0], together[i], atol=1e-5)
            assert torch.allclose(shuffled[pos], together[i], atol=1e-5)


def test_no_photo_is_a_normal_case_not_a_black_image(tiny_text):
    model = make_model(tiny_text)
    tok, images, mask = batch(model, TEXTS[:1], [0], max_photos=2)
    with torch.no_grad():
        none = model(tok["input_ids"], tok["attention_mask"], images, mask)
        black = model(tok["input_ids"], tok["attention_mask"], images, torch.ones_like(mask))
    assert torch.isfinite(none["logits"]).all()
    assert not torch.allclose(none["logits"], black["logits"])      # padding is ignored, not read
    assert none["photo_weights"].abs().sum() == 0


def test_photo_weights_say_which_photo_was_looked_at(tiny_text):
    model = make_model(tiny_text)
    tok, images, mask = batch(model, TEXTS[:1], [3], max_photos=4)
    with torch.no_grad():
        weights = model(tok["input_ids"], tok["attention_mask"], images, mask)["photo_weights"]
    assert weights.shape == (1, 4) and weights[0, 3] == 0 and 0 < weights[0, :3].sum() <= 1 + 1e-6


def test_modality_dropout_only_in_training(tiny_text):
    torch.manual_seed(0)
    model = tagger(tiny_text, modality_dropout=1.0)
    tok, images, mask = batch(model, TEXTS[:2], [1, 1], max_photos=1)
    with torch.no_grad():
        model.train()
        dropped = model(tok["input_ids"], tok["attention_mask"], images, mask)["photo_weights"]
        model.eval()
        kept = model(tok["input_ids"], tok["attention_mask"], images, mask)["photo_weights"]
    assert dropped.sum() == 0 and kept.sum() > 0


def test_unknown_names_are_clear_errors(tiny_text):
    with pytest.raises(ValueError, match="unknown image encoder 'vgg'"):
        create_image_encoder("vgg")
    with pytest.raises(ModelNotAvailable, match="not shipped offline"):
        create_image_encoder("resnet34", pretrained=True)


def test_efficientnet_lite0_loads_the_packaged_imagenet_weights():
    encoder = create_image_encoder("efficientnet_lite0", pretrained=True).eval()
    fresh = create_image_encoder("efficientnet_lite0", pretrained=False)
    stem = encoder.trunk.net.conv_stem.weight
    assert not torch.allclose(stem, fresh.trunk.net.conv_stem.weight)
    with torch.no_grad():
        fmap = encoder(torch.rand(2, 3, 224, 224))
    assert fmap.shape == (2, 1280, 7, 7) and encoder.preprocess.size == 224


def _write_tiny_phobert(folder):
    """A tiny RoBERTa with PhoBERT-style tokenizer files (vocab.txt + bpe.codes), made here."""
    from transformers import RobertaConfig, RobertaModel

    words = ["phòng", "có", "máy", "lạnh", "điều_hòa", "gần", "trường", "mát", "ban_công"]
    folder.mkdir()
    (folder / "vocab.txt").write_text("".join(f"{w} 1\n" for w in words), encoding="utf-8")
    (folder / "bpe.codes").write_text("#version: 0.2\n", encoding="utf-8")
    (folder / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "PhobertTokenizer",
                                                             "model_max_length": 256}), encoding="utf-8")
    config = RobertaConfig(vocab_size=len(words) + 4, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                           intermediate_size=32, max_position_embeddings=40, pad_token_id=1)
    RobertaModel(config, add_pooling_layer=False).save_pretrained(folder)


def test_from_pretrained_path_with_a_phobert_style_folder(tmp_path):
    folder = tmp_path / "tiny-phobert"
    _write_tiny_phobert(folder)
    encoder = hf_text_encoder(str(folder), max_length=32)
    assert encoder.segment is True                      # PhoBERT wants word-segmented input
    tok = encoder.tokenize(["Phòng có điều hòa gần trường"])
    with torch.no_grad():
        vec = encoder(tok["input_ids"], tok["attention_mask"])
    assert vec.shape == (1, 16)


def test_an_absent_text_encoder_names_what_to_do(tmp_path):
    with pytest.raises(ModelNotAvailable, match="huggingface-cli download vinai/phobert-base"):
        hf_text_encoder("vinai/phobert-base")


@pytest.mark.slow
def test_bench_measures_one_configuration_in_its_own_process():
    import subprocess
    import sys

    from mlcore.bench import format_bench

    proc = subprocess.run([sys.executable, "-m", "mlcore.bench", "default", "1", "1"], capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    one = json.loads(proc.stdout.strip().splitlines()[-1])
    assert set(one) == {"ms_b1", "ms_b32", "peak_rss_mb", "params_m", "threads", "runtime", "version",
                        "torch_imported"}
    assert one["ms_b1"] > 0 and one["peak_rss_mb"] > 100
    assert one["runtime"].startswith("onnxruntime, no PyTorch") and not one["torch_imported"]  # served from its export
    table = format_bench({"default_ms_b1": 20.0, "default_ms_b32": 18.0, "seed_ms_b1": 500.0, "seed_ms_b32": 540.0,
                          "speedup_b1": 25.0, "speedup_b32": 30.0, "default_peak_rss_mb": 1500.0,
                          "default_torch_ms_b1": 40.0, "default_torch_ms_b32": 38.0, "speedup_torch_b1": 12.5,
                          "default_torch_peak_rss_mb": 1400.0, "default_runtime": "onnxruntime (text int8, image fp32)",
                          "default_version": "multimodal-2", "lexicon_ms": 2.4, "lexicon_chars": 1168,
                          "seed_peak_rss_mb": 3000.0, "default_params_m": 9.4, "seed_params_m": 156.6,
                          "threads": 2, "accuracy": {"skipped": "no data"}})
    assert "25.0x at batch 1" in table and "lexicon alone: 2.4 ms" in table and "no data" in table


def test_a_batch_of_photo_only_listings_has_no_empty_text(tiny_text):
    model = make_model(tiny_text)
    tok = model.text_encoder.tokenize(["", ""])
    assert tok["input_ids"].shape[1] == 2                              # <s> </s>
    assert tok["input_ids"][0, 0] == model.text_encoder.tokenizer.bos_token_id
    _, images, mask = batch(model, ["", ""], [1, 2], max_photos=2)
    with torch.no_grad():
        out = model(tok["input_ids"], tok["attention_mask"], images, mask)
    assert torch.isfinite(out["logits"]).all()


def test_lexicon_prior_starts_from_the_rules_and_stays_per_listing(tiny_text):
    torch.manual_seed(0)
    model = tagger(tiny_text, lexicon_prior=True).eval()
    tok, images, mask = batch(model, TEXTS[:2], [1, 0], max_photos=1)
    rules = torch.zeros(2, 5)
    rules[0, 2] = 0.9                       # the rules found tag 2 in the first listing only
    with torch.no_grad():
        with_rules = model(tok["input_ids"], tok["attention_mask"], images, mask, lexicon=rules)["logits"]
        without = model(tok["input_ids"], tok["attention_mask"], images, mask, lexicon=torch.zeros(2, 5))["logits"]
        alone = model(tok["input_ids"][1:], tok["attention_mask"][1:], images[1:], mask[1:],
                      lexicon=rules[1:])["logits"]
    shift = with_rules - without
    assert shift[0, 2] > 5                                      # 8 x 0.9 from the prior, give or take the head
    assert shift[0, 2] > 3 * shift[0, [0, 1, 3, 4]].abs().max()
    assert torch.allclose(shift[1], torch.zeros(5), atol=1e-6)  # the other listing is untouched
    assert torch.allclose(alone[0], with_rules[1], atol=1e-5)


def test_a_photo_alone_cannot_suggest_a_non_visual_tag(tiny_text):
    from mlcore.model import NO_TAG_LOGIT

    model = make_model(tiny_text)
    model.visual_mask.copy_(torch.tensor([True, False, True, False, False]))
    tok, images, mask = batch(model, ["", TEXTS[0], " \n "], [1, 1, 1], max_photos=1)
    with torch.no_grad():
        logits = model(tok["input_ids"], tok["attention_mask"], images, mask)["logits"]
    assert (logits[0, [1, 3, 4]] == NO_TAG_LOGIT).all() and (logits[0, [0, 2]] > NO_TAG_LOGIT).all()
    assert (logits[1] > NO_TAG_LOGIT).all()                    # with text, every tag is possible
    assert (logits[2, [1, 3, 4]] == NO_TAG_LOGIT).all()        # whitespace is no text


def test_fine_tuning_only_the_last_image_stages_with_frozen_batch_norm():
    encoder = create_image_encoder("efficientnet_lite0", pretrained=True)
    encoder.train_last_stages(2)
    stages = encoder.stages()
    trained = [p for s in stages[-2:] for p in s.parameters()]
    assert trained and all(p.requires_grad for p in trained)
    assert not any(p.requires_grad for s in stages[:-2] for p in s.parameters())
    encoder.train()
    norms = [m for m in encoder.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert norms and not any(m.training for m in norms)      # ImageNet statistics are kept
    scratch = create_image_encoder("resnet34", pretrained=False).train()
    scratch_norms = [m for m in scratch.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert scratch_norms and all(m.training for m in scratch_norms)


def test_the_one_attention_is_pytorchs_multi_head_attention_written_out():
    """Training, PyTorch inference and the ONNX export share one attention; it gives what
    ``torch.nn.MultiheadAttention`` gives with the same weights (padding masked, weights averaged
    over heads)."""
    torch.manual_seed(0)
    cross = CrossModalAttention(24, 40, 32).eval()
    reference = torch.nn.MultiheadAttention(32, 4, batch_first=True).eval()
    reference.load_state_dict(cross.attn.state_dict())
    text, cells = torch.randn(3, 24), torch.randn(3, 6, 40)
    mask = torch.tensor([[True] * 6, [True, True, False, False, False, False], [False] * 6])
    with torch.no_grad():
        out, weights = cross(text, cells, mask)
        q = cross.query(text).unsqueeze(1)
        kv = torch.cat([cross.null.expand(3, 1, -1), cross.key_value(cells)], dim=1)
        ignore = torch.cat([torch.zeros(3, 1, dtype=torch.bool), ~mask], dim=1)
        expected, expected_weights = reference(q, kv, kv, key_padding_mask=ignore, need_weights=True)
    assert torch.allclose(out, expected.squeeze(1), atol=1e-5)
    assert torch.allclose(weights, expected_weights.squeeze(1), atol=1e-6)
    assert weights[1, 3:].sum() == 0 and weights[2, 0] == pytest.approx(1.0)   # padding gets nothing


def test_the_photo_head_takes_each_tag_from_its_strongest_photo(tiny_text):
    torch.manual_seed(0)
    model = tagger(tiny_text, photo_head=True).eval()
    model.visual_mask.copy_(torch.tensor([True, True, True, False, True]))
    tok, images, mask = batch(model, TEXTS[:3], [2, 0, 3], max_photos=3)
    with torch.no_grad():
        out = model(tok["input_ids"], tok["attention_mask"], images, mask)
        pooled = model.image_features(images, mask)["pooled"]
        per_photo = model.photo_head(pooled)                              # [B, P, tags]
    # listing 0: the max over its two photos, and which photo gave it
    assert torch.allclose(out["photo_logits"][0, :3], per_photo[0, :2, :3].max(0).values, atol=1e-5)
    assert out["photo_index"][0, :3].tolist() == per_photo[0, :2, :3].argmax(0).tolist()
    assert out["photo_logits"][0, 3] == 0                               # a tag no photo can show
    assert torch.equal(out["photo_logits"][1], torch.zeros(5))           # no photos: no photo evidence
    tok1, images1, mask1 = batch(model, [TEXTS[2]], [3], max_photos=3)
    images1[0] = images[2]
    with torch.no_grad():
        alone = model(tok1["input_ids"], tok1["attention_mask"], images1, mask1)   # the same alone as in the batch
    assert torch.allclose(alone["logits"][0], out["logits"][2], atol=1e-5)
