"""Datasets: CSV and JSONL round trips, and a clear error for each kind of bad input."""
import json
from pathlib import Path

import pytest

from mlcore.data import DatasetError, Example, read_csv, read_dataset, read_jsonl, write_csv, write_jsonl


@pytest.fixture
def photos(tmp_path):
    (tmp_path / "img").mkdir()
    paths = []
    for name in ("a.jpg", "b.jpg"):
        p = tmp_path / "img" / name
        p.write_bytes(b"\xff\xd8\xff")  # existence is what datasets check; decoding is the model's job
        paths.append(p)
    return paths


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_accepts_names_slugs_and_several_images(tmp_path, photos):
    path = write(tmp_path / "train.csv",
                 'mota,dacdiem,image_path\n'
                 '"Phòng mát,\ncó điều hòa","Điều hòa, gan_truong,thoáng mát",img/a.jpg|img/b.jpg\n'
                 'Phòng trống,,\n')
    examples = read_csv(path)
    assert len(examples) == 2
    first = examples[0]
    assert first.text == "Phòng mát,\ncó điều hòa"
    assert first.tags == ["dieu_hoa", "gan_truong", "thoang_mat"]  # vocabulary order
    assert first.images == photos
    assert examples[1].tags == [] and examples[1].images == []


def test_csv_round_trip(tmp_path, photos):
    original = [Example("x1", "Có máy lạnh, \"wifi\"\nmới", ["dieu_hoa", "wifi"], [photos[0]]),
                Example("x2", "Phòng thường", [], [])]
    path = tmp_path / "out.csv"
    write_csv(original, path)
    back = read_csv(path)
    assert [(e.text, e.tags, e.images) for e in back] == [(e.text, e.tags, e.images) for e in original]
    assert "img/a.jpg" in path.read_text(encoding="utf-8")  # stored relative to the file


def test_jsonl_round_trip(tmp_path, photos):
    original = [Example("x1", "Có máy lạnh", ["dieu_hoa"], photos),
                Example("x2", "Phòng thường", [], [])]
    path = tmp_path / "out.jsonl"
    write_jsonl(original, path)
    back = read_jsonl(path)
    assert [(e.id, e.text, e.tags, e.images) for e in back] == [(e.id, e.text, e.tags, e.images) for e in original]
    first = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    assert first["images"] == ["img/a.jpg", "img/b.jpg"]


def test_jsonl_accepts_title_and_description(tmp_path):
    path = write(tmp_path / "d.jsonl", json.dumps({"id": "a", "title": "Phòng đẹp",
                                                   "description": "Có máy lạnh", "tags": ["Điều hòa"]},
                                                  ensure_ascii=False) + "\n")
    (example,) = read_jsonl(path)
    assert example.text == "Phòng đẹp\nCó máy lạnh"
    assert example.tags == ["dieu_hoa"]


def test_unlabelled_jsonl_may_omit_tags(tmp_path):
    path = write(tmp_path / "raw.jsonl", '{"id": "a", "text": "Phòng"}\n')
    assert read_jsonl(path, labelled=False)[0].tags == []


def test_read_dataset_picks_the_format_by_extension(tmp_path):
    path = write(tmp_path / "d.jsonl", '{"id": "a", "text": "Phòng", "tags": []}\n')
    assert read_dataset(path)[0].id == "a"
    with pytest.raises(DatasetError, match="unknown dataset format"):
        read_dataset(tmp_path / "d.txt")


# --- bad input: each names the file, the line and the problem ----------------------------------
@pytest.mark.parametrize("content, line, problem", [
    ('mota,dacdiem,image_path\nPhòng,"điều hòa,hồ bơi",\n', 2, "unknown tag 'hồ bơi'"),
    ('mota,dacdiem,image_path\nPhòng,wifi,img/none.jpg\n', 2, "image file not found: 'img/none.jpg'"),
    ('mota,dacdiem,image_path\nPhòng,wifi\n', 2, "expected 3 fields, found 2"),
    ('mota,dacdiem,image_path\n"Phòng\nhai dòng",wifi,\nPhòng,wifi,,extra\n', 4, "expected 3 fields, found 4"),
    ('mota,image_path\nPhòng,\n', 1, "missing column(s) dacdiem"),
    ('', 1, "empty file"),
    ('mota,dacdiem,image_path\n,wifi,\n', 2, "empty 'mota' and no image"),
])
def test_csv_errors(tmp_path, content, line, problem):
    path = write(tmp_path / "bad.csv", content)
    with pytest.raises(DatasetError) as err:
        read_csv(path)
    assert err.value.line == line
    assert problem in str(err.value)
    assert str(err.value).startswith(f"{path}:{line}: ")


@pytest.mark.parametrize("content, line, problem", [
    ('{"id": "a", "text": "Phòng", "tags": ["wifi"]}\n{"id": "b", "text": "x", "tags": ["hồ bơi"]}\n',
     2, "unknown tag 'hồ bơi'"),
    ('{"id": "a", "text": "Phòng", "tags": []}\n\n{"id": "b", "text": \n', 3, "invalid JSON"),
    ('["not", "an", "object"]\n', 1, "expected a JSON object"),
    ('{"id": "a", "text": "Phòng"}\n', 1, "missing 'tags'"),
    ('{"id": "a", "tags": []}\n', 1, "no 'text'"),
    ('{"id": "a", "text": "P", "tags": "wifi", "images": ["none.jpg"]}\n', 1, "image file not found"),
    ('{"id": "a", "text": "P", "tags": {"wifi": 1}}\n', 1, "'tags' must be a list"),
    ('{"id": "a", "text": "P", "tags": []}\n{"id": "a", "text": "Q", "tags": []}\n', 2, "duplicate id 'a'"),
])
def test_jsonl_errors(tmp_path, content, line, problem):
    path = write(tmp_path / "bad.jsonl", content)
    with pytest.raises(DatasetError) as err:
        read_jsonl(path)
    assert err.value.line == line
    assert problem in str(err.value)
    assert str(path) in str(err.value)


def test_missing_file_is_a_dataset_error(tmp_path):
    with pytest.raises(DatasetError, match="cannot open"):
        read_csv(tmp_path / "nope.csv")
    with pytest.raises(DatasetError, match="cannot open"):
        read_jsonl(tmp_path / "nope.jsonl")


def test_images_outside_the_dataset_folder_are_written_absolute(tmp_path, photos, monkeypatch):
    monkeypatch.chdir(tmp_path / "img")
    out = tmp_path / "sub" / "d.csv"
    write_csv([Example("x", "", ["giuong"], [Path("a.jpg")])], out)   # relative to the working folder
    assert read_csv(out)[0].images == [photos[0].resolve()]
