import re
from pathlib import Path

import pytest

from conftest import photo_bytes
from mlcore.data import DatasetError, Example
from mlcore.photos import multimodal_pairs, read_photo_labels, split_of, split_photos
from mlcore.vocab import default_vocabulary

SHARED_PHOTOS = Path(__file__).resolve().parents[3] / "shared" / "data" / "photos" / "labels.csv"


@pytest.fixture
def labels(tmp_path):
    rows = ["file,tags,room_type,group,source"]
    for i in range(12):
        (tmp_path / f"p{i}.jpg").write_bytes(photo_bytes())
        rows.append(f"p{i}.jpg,{'giuong|cua_so' if i % 2 else 'bep'},bedroom,g{i // 2},vn")
    path = tmp_path / "labels.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_read_labels_and_split_by_group(labels):
    photos = read_photo_labels(labels)
    assert len(photos) == 12 and photos[1].tags == ("giuong", "cua_so")
    splits = split_photos(photos)
    groups = {name: {p.group for p in ps} for name, ps in splits.items()}
    assert not (groups["train"] & groups["val"]) and not (groups["train"] & groups["test"])
    assert sum(len(ps) for ps in splits.values()) == 12
    assert split_of("g3") == split_of("g3")  # deterministic


def test_pairs_take_text_labels_plus_what_the_photos_show(labels):
    photos = read_photo_labels(labels)
    texts = [Example("a", "Phòng có máy lạnh", ["dieu_hoa"]), Example("b", "Có wifi", ["wifi"])]
    pairs = multimodal_pairs(texts, photos, default_vocabulary(), seed=1)
    for ex, pair in zip(texts, pairs):
        assert 1 <= len(pair.images) <= 3
        shown = {t for p in photos if p.file in pair.images for t in p.tags}
        assert set(pair.tags) == set(ex.tags) | shown
        assert len({p.group for p in photos if p.file in pair.images}) == 1


@pytest.mark.parametrize("content, message", [
    ("file,tags,room_type,group,source\nnone.jpg,bep,kitchen,g1,vn\n", "photo not found"),
    ("file,tags,room_type,group,source\np0.jpg,ho_boi,kitchen,g1,vn\n", "unknown tag 'ho_boi'"),
    ("file,tags\np0.jpg,bep\n", "missing column(s) group"),
])
def test_label_errors_name_file_and_line(labels, content, message):
    bad = labels.parent / "bad.csv"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(DatasetError, match=re.escape(message)):
        read_photo_labels(bad)


def test_image_loading_gives_normalised_tensors(labels):
    from mlcore.config import ImagePreprocess
    from mlcore.photos import load_image

    x = load_image(labels.parent / "p0.jpg", ImagePreprocess(32, (0.5, 0.5, 0.5), (0.5, 0.5, 0.5)), train=True)
    assert tuple(x.shape) == (3, 32, 32) and -1.01 <= float(x.min()) and float(x.max()) <= 1.01


@pytest.mark.skipif(not SHARED_PHOTOS.exists(), reason="../shared/data/photos is not present")
def test_real_photo_labels_split_without_shared_groups():
    photos = read_photo_labels(SHARED_PHOTOS)
    splits = split_photos(photos)
    assert len(photos) == 1494
    seen = {}
    for name, ps in splits.items():
        for p in ps:
            assert seen.setdefault(p.group, name) == name
    assert len(splits) == 3 and all(len(ps) > 40 for ps in splits.values())


def test_photo_split_cli_writes_photo_only_rows_that_evaluate_reads(labels, tmp_path):
    import json
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    out = tmp_path / "test_photos.csv"
    run = lambda *a: subprocess.run([sys.executable, "-m", "mlcore", *map(str, a)], cwd=repo,  # noqa: E731
                                    capture_output=True, text=True, timeout=300)
    proc = run("photo-split", "--labels", labels, "--split", "train", "--out", out)
    assert proc.returncode == 0, proc.stderr
    from mlcore.data import read_csv

    rows = read_csv(out)
    assert rows and all(r.text == "" and len(r.images) == 1 for r in rows)
    proc = run("evaluate", "--data", out, "--model", "lexicon", "--modality", "image", "--json")
    report = json.loads(proc.stdout)
    assert report["modality"] == "image" and report["micro_recall"] == 0.0  # the lexicon reads no photos
    assert set(report["visual"]) >= {"micro_f1", "micro_precision", "micro_recall"}
    assert report["non_visual"]["micro_f1"] == 0.0 and report["visual"]["macro_tags"] == 3


def test_photo_split_pairs_labelled_texts_with_photos_of_the_split(labels, tmp_path):
    import json
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    texts = tmp_path / "gold.jsonl"
    texts.write_text("".join(json.dumps({"id": f"t{i}", "text": f"Phòng số {i} gần trường", "tags": ["gan_truong"]},
                                        ensure_ascii=False) + "\n" for i in range(5)), encoding="utf-8")
    out = tmp_path / "pairs.jsonl"
    proc = subprocess.run([sys.executable, "-m", "mlcore", "photo-split", "--labels", str(labels), "--split", "train",
                           "--pair-with", str(texts), "--out", str(out)], cwd=repo, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    from mlcore.data import read_jsonl

    pairs = read_jsonl(out)
    train_files = {p.file.name for p in split_photos(read_photo_labels(labels))["train"]}
    by_file = {p.file.name: set(p.tags) for p in read_photo_labels(labels)}
    assert len(pairs) == 5
    for pair in pairs:
        names = [Path(i).name for i in pair.images]
        assert 1 <= len(names) <= 3 and set(names) <= train_files
        assert set(pair.tags) == {"gan_truong"} | set().union(*(by_file[n] for n in names))
