"""``python -m mlcore``: the commands outside benchmarks call, run as a user would."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"


def run(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "mlcore", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def labelled_csv(tmp_path):
    path = tmp_path / "small.csv"
    path.write_text("mota,dacdiem,image_path\n"
                    "\"Phòng mát, có máy lạnh, gần trường\",\"dieu_hoa,gan_truong,thoang_mat\",\n"
                    "\"Không có thang máy, có wifi\",\"Wifi\",\n"
                    "\"Có thang máy\",\"thang_may,wifi\",\n", encoding="utf-8")
    return path


def test_evaluate_json_is_one_object_with_the_stable_keys(labelled_csv):
    result = run("evaluate", "--data", labelled_csv, "--model", "lexicon", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)  # the whole of stdout is one JSON object
    assert {"n", "micro_precision", "micro_recall", "micro_f1", "macro_f1", "per_tag"} <= set(report)
    assert report["n"] == 3
    # 5 of 6 gold tags found (the third row's wifi is not stated), nothing predicted wrongly
    assert report["micro_precision"] == 1.0
    assert report["micro_recall"] == pytest.approx(5 / 6, abs=1e-4)
    assert report["per_tag"]["wifi"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2,
                                         "predicted": 1}


def test_evaluate_prints_a_table_without_json(labelled_csv):
    result = run("evaluate", "--data", labelled_csv)
    assert result.returncode == 0, result.stderr
    assert "micro" in result.stdout and "thang_may" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["evaluate", "--data", "missing.csv"], "missing.csv: cannot open"),
    (["evaluate", "--data", "{csv}", "--model", "no/such/checkpoint"], "unknown model"),
])
def test_errors_are_one_clear_line_and_exit_2(labelled_csv, args, message):
    result = run(*[a.format(csv=labelled_csv) for a in args])
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_weak_label_labels_listings_and_skips_dev_gold_rows(tmp_path):
    listings = tmp_path / "listings.jsonl"
    rows = [{"id": "a", "title": "Phòng có máy lạnh", "description": "Không chung chủ", "in_dev_gold": False},
            {"id": "b", "title": None, "description": "Gần chợ, wifi miễn phí", "in_dev_gold": False},
            {"id": "c", "title": "x", "description": "thang máy", "in_dev_gold": True},
            {"id": "d", "title": None, "description": None}]
    listings.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "train.jsonl"
    result = run("weak-label", "--in", listings, "--out", out)
    assert result.returncode == 0, result.stderr
    labelled = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in labelled] == ["a", "b"]
    assert labelled[0]["tags"] == ["dieu_hoa", "khong_chung_chu"]
    assert labelled[0]["text"] == "Phòng có máy lạnh\nKhông chung chủ"
    assert set(labelled[1]["tags"]) == {"wifi", "gan_cho"}
    assert "skipped 1 dev_gold rows, 1 without text" in result.stderr


def test_tag_shows_evidence():
    result = run("tag", "Phòng có điều hoà, ko nuôi pet")
    assert result.returncode == 0, result.stderr
    found = {m["slug"]: m for m in json.loads(result.stdout)}
    assert set(found) == {"dieu_hoa"}
    assert found["dieu_hoa"]["evidence"][0]["text"] == "điều hoà"


def test_evaluate_fails_below_a_quality_bar(tmp_path):
    """The shipped models' figures are checked by the evaluate command (CI runs it on dev_gold),
    not asserted in pytest: a bar it misses is exit code 1 with the figure named."""
    data = tmp_path / "gold.jsonl"
    data.write_text(json.dumps({"id": "a", "text": "Phòng có máy lạnh", "tags": ["dieu_hoa", "wifi"]}) + "\n",
                    encoding="utf-8")
    ok = run("evaluate", "--data", data, "--model", "lexicon", "--json", "--min-micro-f1", "0.6")
    assert ok.returncode == 0, ok.stderr
    short = run("evaluate", "--data", data, "--model", "lexicon", "--json", "--min-micro-f1", "0.7")
    assert short.returncode == 1 and "micro-F1 0.6667 < 0.7" in short.stderr


@pytest.mark.skipif(not (SHARED_DATA / "dev_gold.csv").exists(),
                    reason="../shared/data/dev_gold.csv is not present (measurement data lives outside the repo)")
def test_csv_and_jsonl_copies_of_dev_gold_score_the_same():
    scores = [json.loads(run("evaluate", "--data", SHARED_DATA / name, "--json").stdout)
              for name in ("dev_gold.csv", "dev_gold.jsonl")]
    assert scores[0]["micro_f1"] == scores[1]["micro_f1"]
    assert scores[0]["per_tag"] == scores[1]["per_tag"]
