"""The fast runtime (``mlcore.runtime``): an ONNX export of a checkpoint's encoders gives what
PyTorch gives, is used only for the weights it was made from, and the shipped model carries one."""
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")

from mlcore.encoders import ModelNotAvailable  # noqa: E402
from mlcore.pipeline import FeatureExtractionPipeline  # noqa: E402
from mlcore.checkpoint import load_checkpoint  # noqa: E402
from mlcore.runtime import (RuntimeUnavailable, export_runtime, load_runtime, runtime_choice,  # noqa: E402
                            weights_sha256)
from mlcore.taggers import DEFAULT_CHECKPOINT  # noqa: E402
from mlcore.tests.tiny_checkpoint import write_tiny_checkpoint  # noqa: E402


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = write_tiny_checkpoint(tmp_path_factory.mktemp("ckpt"), lexicon_prior=True)
    manifest = export_runtime(folder)
    return folder, manifest


def _photo(path, colour):
    from PIL import Image

    Image.new("RGB", (64, 48), colour).save(path)
    return path


def test_the_export_computes_what_pytorch_computes(exported):
    folder, manifest = exported
    assert manifest["text"]["int8"] and not manifest["image"]["int8"]
    pipe = FeatureExtractionPipeline(folder, runtime="torch")
    encoders = load_runtime(folder, pipe.model)
    tok = pipe.model.text_encoder.tokenize(["Phòng có máy lạnh gần trường", "Căn hộ mini"])
    size = pipe.preprocess.size
    images = torch.rand(2, 3, size, size)
    with torch.inference_mode():
        text_ref = pipe.model.text_encoder(tok["input_ids"], tok["attention_mask"])
        map_ref = pipe.model.image_encoder(images)
    text = encoders.text_vectors(tok["input_ids"], tok["attention_mask"])
    assert torch.nn.functional.cosine_similarity(text, text_ref, dim=1).min() > 0.98   # int8 weights
    assert torch.allclose(encoders.feature_map(images), map_ref, atol=1e-3, rtol=1e-3)  # float32


def test_the_pipeline_tags_the_same_with_either_runtime(exported, tmp_path):
    folder, _ = exported
    fast = FeatureExtractionPipeline(folder, runtime="onnx")
    slow = FeatureExtractionPipeline(folder, runtime="torch")
    assert fast.runtime_name.startswith("onnxruntime") and slow.runtime_name == "pytorch"
    red, blue = _photo(tmp_path / "a.jpg", (200, 30, 30)), _photo(tmp_path / "b.jpg", (30, 30, 200))
    texts = ["Phòng có máy lạnh, wifi", "", "Không có máy lạnh"]
    photos = [(red, blue), (blue,), ()]
    for f, s in zip(fast.tag_batch(texts, photos), slow.tag_batch(texts, photos)):
        assert [m.slug for m in f] == [m.slug for m in s]
        for a, b in zip(f, s):
            assert a.confidence == pytest.approx(b.confidence, abs=0.02)
            assert a.evidence == b.evidence and a.photos == b.photos


def test_an_export_of_other_weights_is_never_used(tmp_path):
    folder = write_tiny_checkpoint(tmp_path / "ckpt")
    export_runtime(folder)
    import torch as t

    model, meta = load_checkpoint(folder)                      # the gate rewrites metadata only: still used
    data = t.load(folder / "best_model.pt", weights_only=False)
    data["evaluation"] = {"gate": {"passed": True}}
    t.save(data, folder / "best_model.pt")
    assert load_runtime(folder, load_checkpoint(folder)[0]) is not None
    with t.no_grad():                                          # new weights, old export
        model.head[-1].bias.add_(1.0)
    with pytest.raises(RuntimeUnavailable, match="other weights"):
        load_runtime(folder, model)
    from mlcore.checkpoint import save_checkpoint

    save_checkpoint(folder, model, [meta["id2feature"][i] for i in sorted(meta["id2feature"])],
                    thresholds=meta["thresholds"], version="test-2")      # retrained, not re-exported
    assert FeatureExtractionPipeline(folder, runtime="auto").runtime_name == "pytorch"
    with pytest.raises(ModelNotAvailable):
        FeatureExtractionPipeline(folder, runtime="onnx")


def test_the_runtime_is_chosen_from_the_environment(monkeypatch):
    monkeypatch.setenv("MLCORE_RUNTIME", "torch")
    assert runtime_choice() == "torch"
    monkeypatch.setenv("MLCORE_RUNTIME", "fast")
    with pytest.raises(ValueError, match="MLCORE_RUNTIME"):
        runtime_choice()


def test_the_shipped_model_carries_an_export_of_its_own_weights():
    model, _ = load_checkpoint(DEFAULT_CHECKPOINT)
    manifest = load_runtime(DEFAULT_CHECKPOINT, model).manifest
    assert manifest["weights_sha256"] == weights_sha256(model)
    assert manifest["checks"]["text"]["int8_micro_f1"] >= manifest["checks"]["text"]["torch_micro_f1"] - 0.005
