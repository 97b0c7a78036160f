"""The export (``mlcore.export``) and the site's one serving path (``mlcore.serving``): a checkpoint
served without PyTorch gives what PyTorch gives, only from the checkpoint it was made from, and the
shipped model carries one."""
from pathlib import Path

import numpy as np
import onnxruntime  # noqa: F401  (pinned: the serving runtime)
import pytest
import torch

from mlcore.checkpoint import load_checkpoint, save_checkpoint
from mlcore.export import export_runtime, weights_sha256
from mlcore.pipeline import FeatureExtractionPipeline
from mlcore.serving import load_serving_tagger, read_manifest, runtime_choice
from mlcore.taggers import DEFAULT_CHECKPOINT, TaggerNotFound, load_tagger
from mlcore.tests.tiny_checkpoint import write_tiny_checkpoint


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = write_tiny_checkpoint(tmp_path_factory.mktemp("ckpt"), lexicon_prior=True, photo_head=True)
    manifest = export_runtime(folder)
    return folder, manifest


def _photo(path, colour):
    from PIL import Image

    Image.new("RGB", (64, 48), colour).save(path)
    return path


def test_the_export_computes_what_pytorch_computes(exported):
    folder, manifest = exported
    assert manifest["text"]["int8"] and not manifest["image"]["int8"] and manifest["heads"]
    pipe = FeatureExtractionPipeline(folder)
    served = load_serving_tagger(folder)
    tok = pipe.model.text_encoder.tokenize(["Phòng có máy lạnh gần trường", "Căn hộ mini"])
    size = pipe.preprocess.size
    images = torch.rand(2, 3, size, size)
    with torch.inference_mode():
        text_ref = pipe.model.text_encoder(tok["input_ids"], tok["attention_mask"])
        map_ref = pipe.model.image_encoder(images)
    text = torch.from_numpy(served.text_session.run(None, {"input_ids": tok["input_ids"].numpy(),
                                                           "attention_mask": tok["attention_mask"].numpy()})[0])
    assert torch.nn.functional.cosine_similarity(text, text_ref, dim=1).min() > 0.98   # int8 weights
    fmap = torch.from_numpy(served.image_session.run(None, {"images": images.numpy()})[0])
    assert torch.allclose(fmap, map_ref, atol=1e-3, rtol=1e-3)                         # float32


def test_either_runtime_tags_the_same(exported, tmp_path):
    folder, _ = exported
    fast = load_tagger(str(folder), runtime="onnx")
    slow = load_tagger(str(folder), runtime="torch")
    assert fast.runtime_name.startswith("onnxruntime, no PyTorch") and slow.runtime_name == "pytorch"
    red, blue = _photo(tmp_path / "a.jpg", (200, 30, 30)), _photo(tmp_path / "b.jpg", (30, 30, 200))
    texts = ["Phòng có máy lạnh, wifi", "", "Không có máy lạnh"]
    photos = [(red, blue), (blue,), ()]
    for f, s in zip(fast.read_batch(texts, photos), slow.read_batch(texts, photos)):
        assert [m.slug for m in f.matches] == [m.slug for m in s.matches] and f.denied == s.denied
        for a, b in zip(f.matches, s.matches):
            assert a.confidence == pytest.approx(b.confidence, abs=0.02)
            assert a.evidence == b.evidence and a.photos == b.photos


def test_a_network_the_export_does_not_cover_is_refused_and_served_with_pytorch(tmp_path):
    folder = write_tiny_checkpoint(tmp_path / "ckpt")            # no photo head, no lexicon prior
    with pytest.raises(ValueError, match="not exported .*photo head"):
        export_runtime(folder)
    assert load_tagger(str(folder)).runtime_name == "pytorch"
    with pytest.raises(TaggerNotFound, match="no complete, current export"):
        load_tagger(str(folder), runtime="onnx")


def test_the_photo_head_serves_without_pytorch_as_with_it(tmp_path):
    folder = write_tiny_checkpoint(tmp_path / "ckpt", lexicon_prior=True, photo_head=True)
    export_runtime(folder)
    served = load_serving_tagger(folder)
    assert served is not None
    reference = FeatureExtractionPipeline(folder)
    assert reference.model.photo_head is not None
    red, blue = _photo(tmp_path / "a.jpg", (200, 30, 30)), _photo(tmp_path / "b.jpg", (30, 30, 200))
    texts, photos = ["Phòng có máy lạnh, wifi", "", "Căn hộ mini"], [(red, blue), (blue,), ()]
    served.tag_batch(texts, photos)
    reference.tag_batch(texts, photos)
    want = reference.last_photo_probabilities.numpy()
    got = served.scores(texts, [served.pixels(p) for ps in photos for p in ps],
                        np.array([[True, True], [True, False], [False, False]]))[2]
    assert np.allclose(got, want, atol=1e-4, equal_nan=True)


def test_a_batch_shared_out_between_the_cores_scores_as_one_pass_does(tmp_path):
    from mlcore.serving import BATCH_PIECE

    folder = write_tiny_checkpoint(tmp_path / "ckpt", lexicon_prior=True, photo_head=True)
    model, meta = load_checkpoint(folder)
    torch.manual_seed(1)
    with torch.no_grad():                  # a head that reads the text and the photos
        model.head[-1].weight.normal_(0, 1.0)
    save_checkpoint(folder, model, [meta["id2feature"][i] for i in sorted(meta["id2feature"])],
                    thresholds=meta["thresholds"], version="test-2")
    export_runtime(folder)
    served = load_serving_tagger(folder)
    served.lanes = 2                       # as on any machine with two cores or more
    red, blue = _photo(tmp_path / "a.jpg", (200, 30, 30)), _photo(tmp_path / "b.jpg", (30, 30, 200))
    texts = ["Phòng có máy lạnh, wifi, gần trường đại học, giờ giấc tự do", "", "Căn hộ mini",
             "Không có máy lạnh", "Phòng trọ có gác lửng và chỗ để xe máy rộng rãi", "wifi"] * 2
    photos = [(red, blue), (blue,), (), (red,), (), (blue, red)] * 2
    mask = np.zeros((len(texts), 2), dtype=bool)
    for i, ps in enumerate(photos):
        mask[i, :len(ps)] = True
    real = [served.pixels(p) for ps in photos for p in ps]
    assert len(texts) > BATCH_PIECE
    pieces = served.scores(texts, real, mask)
    assert served._lanes_pool is not None                   # it did cut the batch
    whole = served._scores_together(texts, real, mask, photos_aside=True)
    assert [sorted(r.by_slug) for r in pieces[0]] == [sorted(r.by_slug) for r in whole[0]]
    for got, want in zip(pieces[1:], whole[1:]):     # int8 activations are scaled per batch: near
        assert got.shape == want.shape
        assert np.allclose(got, want, atol=1e-3, equal_nan=True)
    assert [[m.slug for m in s] for s in served.tag_batch(texts, photos)] == \
        [[m.slug for m in served.tag_batch([t], [p])[0]] for t, p in zip(texts, photos)]


def test_an_export_of_another_checkpoint_is_never_served(tmp_path):
    folder = write_tiny_checkpoint(tmp_path / "ckpt", lexicon_prior=True, photo_head=True)
    export_runtime(folder)
    assert load_serving_tagger(folder) is not None
    model, meta = load_checkpoint(folder)
    with torch.no_grad():                                      # new weights, old export
        model.head[-1].bias.add_(1.0)
    save_checkpoint(folder, model, [meta["id2feature"][i] for i in sorted(meta["id2feature"])],
                    thresholds=meta["thresholds"], version="test-2")      # retrained, not re-exported
    assert load_serving_tagger(folder) is None
    assert load_tagger(str(folder)).runtime_name == "pytorch"
    with pytest.raises(TaggerNotFound):
        load_tagger(str(folder), runtime="onnx")


def test_the_runtime_is_chosen_from_the_environment(monkeypatch):
    monkeypatch.setenv("MLCORE_RUNTIME", "torch")
    assert runtime_choice() == "torch"
    monkeypatch.setenv("MLCORE_RUNTIME", "fast")
    with pytest.raises(ValueError, match="MLCORE_RUNTIME"):
        runtime_choice()


def test_the_shipped_model_carries_an_export_of_its_own_weights():
    model, _ = load_checkpoint(DEFAULT_CHECKPOINT)
    manifest = read_manifest(DEFAULT_CHECKPOINT)
    assert manifest["weights_sha256"] == weights_sha256(model)
    assert manifest["checks"]["text"]["int8_micro_f1"] >= manifest["checks"]["text"]["torch_micro_f1"] - 0.005


# -- serving without PyTorch (mlcore.serving) ------------------------------------------------------
def _photos(tmp_path):
    from PIL import Image

    paths = []
    for i, colour in enumerate([(200, 40, 40), (40, 160, 60), (240, 240, 230)]):
        image = Image.new("RGB", (320, 240), colour)
        for x in range(0, 320, 40):                       # some edges, not a flat colour
            image.paste((20, 20, 20), (x, 0, x + 6, 240))
        paths.append(tmp_path / f"p{i}.jpg")
        image.save(paths[-1])
    return paths


def test_the_shipped_model_serves_without_pytorch_exactly_as_with_it(tmp_path):
    served = load_serving_tagger(DEFAULT_CHECKPOINT)
    assert served is not None and served.runtime_name.startswith("onnxruntime, no PyTorch")
    reference = FeatureExtractionPipeline(DEFAULT_CHECKPOINT)
    photos = _photos(tmp_path)
    listings = [("Phòng có máy lạnh, gác lửng, wifi, không chung chủ", (photos[0], photos[1])),
                ("Căn hộ mini ban công, không có máy giặt", ()), ("", (photos[2],)), ("   ", ()),
                ("Phòng trọ giá rẻ gần chợ, WC riêng", tuple(photos))]
    texts, images = [t for t, _ in listings], [p for _, p in listings]
    for got, want in zip(served.tag_batch(texts, images), reference.tag_batch(texts, images)):
        assert [(m.slug, m.evidence, m.photos) for m in got] == [(m.slug, m.evidence, m.photos) for m in want]
        for a, b in zip(got, want):     # int8 activations are scaled per batch, cut in pieces here
            assert a.confidence == pytest.approx(b.confidence, abs=1e-3)
    assert [m.slug for m in served.tag(*listings[0])] == [m.slug for m in served.tag_batch(texts, images)[0]]
    assert served.threshold("dieu_hoa") == reference.threshold("dieu_hoa") and served.version == reference.version


def test_a_process_serving_the_shipped_model_never_imports_pytorch(tmp_path):
    import subprocess
    import sys

    photo = _photos(tmp_path)[0]
    code = ("import sys; from mlcore.taggers import load_tagger; t = load_tagger('default'); "
            f"found = t.tag('Phòng có máy lạnh', ({str(photo)!r},)); "
            "assert found and 'torch' not in sys.modules, sorted(m for m in sys.modules if 'torch' in m)[:5]")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_a_checkpoint_changed_after_its_export_is_served_with_pytorch_until_refreshed(tmp_path):
    import shutil

    from mlcore.export import refresh_manifest

    folder = tmp_path / "model"
    shutil.copytree(DEFAULT_CHECKPOINT, folder)
    data = torch.load(folder / "best_model.pt", weights_only=False)
    data["evaluation"] = {**data.get("evaluation", {}), "note": "figures rewritten by the gate"}
    torch.save(data, folder / "best_model.pt")
    assert load_serving_tagger(folder) is None
    assert refresh_manifest(folder)                        # same weights: the export is brought up to date
    served = load_serving_tagger(folder)
    assert served is not None and served.evaluation["note"] == "figures rewritten by the gate"
