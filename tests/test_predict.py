"""Prediction end to end (layoutx.predict, predict.py, layoutx.Extractor) on a tiny synthetic set with real OCR.

The set: rendered synthetic product images (layoutx.synth) plus a row whose image is missing, one whose
image is corrupt and one with an unknown entity. OCR runs for real (the default engine) once per image
into a module-wide cache; pipeline tests use the rule-based decoder, and one test loads a real exported
tiny LayoutLMv3 through Extractor.from_pretrained.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from layoutx.commands.evaluate import evaluate_files
from layoutx.commands.sanity import check_submission
from layoutx.errors import ModelNotFoundError, UnknownEntityError
from layoutx.predict import partial_path, run_prediction
from layoutx.synth import generate
from tests.conftest import ROOT, last_json, run_cli

N_IMAGES = 4


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("predict")
    generate(N_IMAGES, seed=11, out_dir=d / "gen")
    images = d / "gen" / "images"
    (images / "corrupt.jpg").write_bytes(b"this is not an image, only text saved as .jpg")
    with (d / "gen" / "labels.csv").open(newline="", encoding="utf-8") as f:
        labels = list(csv.DictReader(f))
    rows = [{"index": str(100 + k), "image_link": f"https://m.media-amazon.com/images/I/{r['image_link']}",
             "group_id": r["group_id"], "entity_name": r["entity_name"], "entity_value": r["entity_value"]}
            for k, r in enumerate(labels)]
    rows.insert(1, {"index": "7", "image_link": "https://m.media-amazon.com/images/I/absent.jpg",
                    "group_id": "1", "entity_name": "item_weight", "entity_value": "10.0 gram"})
    rows.insert(3, {"index": "8", "image_link": "https://m.media-amazon.com/images/I/corrupt.jpg",
                    "group_id": "1", "entity_name": "width", "entity_value": "3.0 centimetre"})
    rows.append({"index": "9", "image_link": rows[0]["image_link"], "group_id": "1", "entity_name": "colour",
                 "entity_value": ""})
    inp, gold = d / "input.csv", d / "gold.csv"
    for path, cols in ((inp, ["index", "image_link", "group_id", "entity_name"]),
                       (gold, ["index", "entity_name", "entity_value"])):
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
    return {"dir": d, "input": inp, "gold": gold, "images": images, "cache": d / "cache", "rows": rows}


def cfg(data: dict, out: Path, **kw) -> dict:
    return {"input": str(data["input"]), "images_dir": str(data["images"]), "output": str(out),
            "cache_dir": str(data["cache"]), "rules_only": True, "progress": False, "chunk_size": 3, **kw}


def read_pred(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


@pytest.fixture(scope="module")
def full_run(data) -> tuple[dict, Path]:
    out = data["dir"] / "full" / "pred.csv"
    return run_prediction(cfg(data, out, gold=str(data["gold"]))), out


def test_one_row_per_index_in_input_order_with_failures_counted(data, full_run):
    summary, out = full_run
    rows = read_pred(out)
    assert rows[0] == ["index", "prediction"]
    assert [r[0] for r in rows[1:]] == [r["index"] for r in data["rows"]]
    pred = {r[0]: r[1] for r in rows[1:]}
    assert pred["7"] == "" and pred["8"] == "" and pred["9"] == ""
    n = len(data["rows"])
    assert summary["rows"] == n and summary["complete"] and summary["new_rows"] == n
    assert summary["failures"] == {"image_not_an_image": 1, "missing_image": 1, "unknown_entity": 1}
    assert summary["answered"] == sum(1 for v in pred.values() if v)
    assert summary["answered"] + summary["empty"] == n
    assert summary["answered_model"] == 0 and summary["answered_fallback"] == summary["answered"]
    # the synthetic images state their quantities: the rule-based decoder answers most good rows
    assert summary["answered"] >= n - 3 - 2
    assert check_submission(str(data["input"]), str(out)) == []
    assert not partial_path(out).exists()
    # the F1 in the summary is the evaluate command's
    assert summary["f1"] == evaluate_files(str(data["gold"]), str(out))["f1"]
    assert summary["f1_model_only"] == 0.0


def test_pipeline_answers_equal_the_library_api(data, full_run):
    from layoutx import Extractor

    _, out = full_run
    pred = {r[0]: r[1] for r in read_pred(out)[1:]}
    ex = Extractor.rules(cache_dir=data["cache"])
    checked = 0
    for r in data["rows"]:
        if r["index"] in ("7", "8", "9"):
            continue
        path = data["images"] / r["image_link"].rsplit("/", 1)[1]
        assert ex.predict(path, r["entity_name"]).text == pred[r["index"]]
        checked += 1
    assert checked == len(data["rows"]) - 3
    # bytes and PIL input (OCR'd directly, not through the cache) read the same image the same way
    first = data["rows"][0]
    path = data["images"] / first["image_link"].rsplit("/", 1)[1]
    assert ex.predict(path.read_bytes(), first["entity_name"]).text == pred[first["index"]]
    assert ex.predict(Image.open(path), first["entity_name"]).text == pred[first["index"]]


def test_extractor_batch_shares_ocr_and_rejects_unknown_entities(data):
    from layoutx import Extractor
    from layoutx.ocr.pipeline import get_engine

    calls = []
    real = get_engine()

    class Counting:
        name = real.name

        def settings(self):
            return real.settings()

        def __call__(self, image):
            calls.append(image.size)
            return real(image)

    ex = Extractor.rules(ocr=Counting())
    img = Image.open(data["images"] / "000000.jpg")
    preds = ex.predict_batch([(img, "width"), (img, "depth"), {"image": img, "entity_name": "height"}])
    assert len(preds) == 3 and len(calls) == 1
    with pytest.raises(UnknownEntityError, match="valid entities: .*item_weight"):
        ex.predict(img, "colour")
    # unreadable images: raise by default, or an empty answer naming the reason
    broken = data["images"] / "corrupt.jpg"
    with pytest.raises(Exception, match="not an image"):
        Extractor.rules(cache_dir=data["cache"]).predict(broken, "width")
    (p,) = Extractor.rules(cache_dir=data["cache"]).predict_batch([(broken, "width")], on_error="empty")
    assert (p.text, p.error) == ("", "not an image")


def test_resume_after_stop_gives_the_same_file(data, full_run):
    _, reference = full_run
    out = data["dir"] / "resume" / "pred.csv"
    first = run_prediction(cfg(data, out, stop_after=4))
    assert not first["complete"] and first["rows"] == 4 and not out.exists()
    assert len(read_pred(partial_path(out))) == 1 + 4
    # a kill -9 in the middle of a write leaves a torn last line: it is cut off, the row redone
    with partial_path(out).open("a", encoding="utf-8") as f:
        f.write("104,12.5 cent")
    second = run_prediction(cfg(data, out))
    assert second["complete"] and second["resumed_rows"] == 4
    assert second["new_rows"] == len(data["rows"]) - 4
    assert out.read_bytes() == reference.read_bytes()
    assert not partial_path(out).exists()


def test_changed_settings_start_over_instead_of_mixing(data, full_run):
    _, reference = full_run
    out = data["dir"] / "restart" / "pred.csv"
    run_prediction(cfg(data, out, stop_after=2, fallback=False))
    again = run_prediction(cfg(data, out))
    assert again["restarted"] and again["resumed_rows"] == 0
    assert out.read_bytes() == reference.read_bytes()


def test_predict_py_command_and_sanity(data, full_run, tmp_path):
    _, reference = full_run
    out = tmp_path / "cli.csv"
    proc = subprocess.run(
        [sys.executable, "predict.py", f"input={data['input']}", f"images_dir={data['images']}", f"output={out}",
         f"cache_dir={data['cache']}", "rules_only=true", f"gold={data['gold']}", "progress=false", "show=3"],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    summary = last_json(proc.stdout)
    assert summary["rows"] == len(data["rows"]) and summary["failures"]["unknown_entity"] == 1
    assert "F1 (numeric, with fallback)" in proc.stdout
    # show=3: the first three answers of the written file, each beside its gold and outcome
    lines = proc.stdout.splitlines()
    head = lines.index(next(line for line in lines if line.split()[:3] == ["index", "entity", "answer"]))
    written = [line.split(",", 1) for line in out.read_text(encoding="utf-8").splitlines()[1:4]]
    for line, (idx, answer) in zip(lines[head + 1 : head + 4], written):
        assert line.split()[0] == idx and (answer or "(empty)") in line
        assert line.split()[-1] in ("TP", "FP", "FN", "TN")
    assert out.read_bytes() == reference.read_bytes()
    sanity = run_cli("sanity", "--test", str(data["input"]), "--pred", str(out))
    assert sanity.returncode == 0 and last_json(sanity.stdout) == {"ok": True, "problems": 0}


def test_predict_py_user_mistakes_are_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "predict.py", f"input={tmp_path / 'nope.csv'}", "rules_only=true"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: {tmp_path / 'nope.csv'}: no such file"
    empty = tmp_path / "empty_model"
    empty.mkdir()
    proc = subprocess.run([sys.executable, "predict.py", f"model_path={empty}"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "python train.py" in proc.stderr


def test_model_path_runs_the_tagger(data, full_run, tmp_path):
    """A real exported LayoutLMv3 whose head always says "O": every answer must then come from the
    fallback, equal to the rules-only run, and the model-only figure is empty."""
    torch = pytest.importorskip("torch")
    from layoutx.models.export import export_model
    from layoutx.models.presets import build_model

    words = ["Net", "Wt", "500", "g", "Width", "12", "cm", "Voltage", "220", "V"] * 20
    model, tok = build_model({"name": "tiny", "hidden_size": 64, "num_hidden_layers": 1, "num_attention_heads": 2,
                              "intermediate_size": 64, "vocab_size": 300}, words)
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.copy_(torch.tensor([5.0, 0.0, 0.0, 0.0, 0.0]))
    model_dir = export_model(model, tok, tmp_path / "all_o", {"name": "all-o-test"})
    _, reference = full_run
    out = tmp_path / "model.csv"
    summary = run_prediction(cfg(data, out, rules_only=False, model_path=str(model_dir), gold=str(data["gold"])))
    assert summary["model"] == str(model_dir)
    assert summary["answered_model"] == 0 and summary["answered_fallback"] == summary["answered"] > 0
    assert out.read_bytes() == reference.read_bytes()
    assert summary["f1_model_only"] == 0.0
    off = run_prediction(cfg(data, tmp_path / "model_only.csv", rules_only=False, model_path=str(model_dir),
                             fallback=False))
    assert off["answered"] == 0
    from layoutx import Extractor

    ex = Extractor.from_pretrained(model_dir, cache_dir=data["cache"])
    p = ex.predict(data["images"] / "000000.jpg", "width")
    assert p.source in ("fallback", "none") and set(p.tags) == {"O"}
    with pytest.raises(ModelNotFoundError, match="python train.py"):
        Extractor.from_pretrained(tmp_path / "missing")


def test_no_arguments_runs_the_embedded_sample(tmp_path):
    from layoutx.synth import sample_dir

    if not (sample_dir() / "labels.csv").exists():
        pytest.skip("the embedded synthetic sample is not committed yet")
    out = tmp_path / "sample.csv"
    # limit=3 keeps the test fast (3 OCR calls); the defaults (input, images, gold) are the sample's
    proc = subprocess.run([sys.executable, "predict.py", "rules_only=true", f"output={out}", "progress=false",
                           "limit=3", f"cache_dir={tmp_path / 'cache'}"],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr
    summary = last_json(proc.stdout)
    assert summary["rows"] == 3 and summary["gold_rows"] == 3
    with (sample_dir() / "labels.csv").open(newline="", encoding="utf-8") as f:
        first3 = [r["index"] for r in csv.DictReader(f)][:3]
    assert [r[0] for r in read_pred(out)[1:]] == first3
    assert 0.0 <= summary["f1"] <= 1.0 and "f1_model_only" in summary
    assert json.loads(proc.stdout.strip().splitlines()[-1])["complete"] is True


def test_kill_9_mid_run_then_rerun_gives_the_same_file(data, full_run, tmp_path):
    """A real SIGKILL while predict.py appends rows one chunk at a time; the rerun continues."""
    import os
    import signal
    import time

    # 600 rows cycling through the fixture rows (OCR already cached), one row per chunk: slow enough to kill
    inp = tmp_path / "big.csv"
    with inp.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["index", "image_link", "group_id", "entity_name"])
        for i in range(600):
            r = data["rows"][i % len(data["rows"])]
            w.writerow([f"r{i}", r["image_link"], r["group_id"], r["entity_name"]])
    reference = tmp_path / "reference.csv"
    base = {**cfg(data, reference), "input": str(inp)}
    run_prediction({**base, "chunk_size": 256})
    out = tmp_path / "killed.csv"
    args = [sys.executable, "predict.py", f"input={inp}", f"images_dir={data['images']}", f"output={out}",
            f"cache_dir={data['cache']}", "rules_only=true", "progress=false", "chunk_size=1"]
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    part = partial_path(out)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if part.exists() and part.read_bytes().count(b"\n") >= 31:  # header + 30 rows
                break
            assert proc.poll() is None, "predict.py ended before it could be killed"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert not out.exists()
    killed_at = part.read_bytes().count(b"\n") - 1
    assert 30 <= killed_at < 600
    rerun = run_prediction({**base, "output": str(out), "chunk_size": 64})
    assert rerun["complete"] and rerun["resumed_rows"] >= killed_at - 1
    assert rerun["resumed_rows"] + rerun["new_rows"] == 600
    assert out.read_bytes() == reference.read_bytes()
