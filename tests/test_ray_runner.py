"""The Ray runner (layoutx.runners.ray_runner) against the local runner, on a real local Ray cluster.

The cluster is started here (2 CPUs, no dashboard, bound to 127.0.0.1 only) and OCR runs for real (the
default engine) on the embedded sample's rendered product images. Every test compares the Ray runner's
output file byte for byte with the local runner's on the same rows: a cold OCR cache, a stop and resume
(also across runners), a real kill -9 of a `python predict.py runner=ray` process, an actor that dies in
the middle of a task, and the model (one pool, and a separate model pool).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

# Ray on Linux advertises the machine's network address; this keeps the test cluster on 127.0.0.1. It is
# read when Ray is imported, so it is set before.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
ray = pytest.importorskip("ray")

from layoutx.errors import LayoutxError  # noqa: E402
from layoutx.ocr.cache import OcrCache  # noqa: E402
from layoutx.predict import partial_path, run_prediction  # noqa: E402
from layoutx.runners.ray_runner import RayRunnerError  # noqa: E402
from layoutx.synth import sample_dir  # noqa: E402
from tests.conftest import ROOT  # noqa: E402

LIMIT = 12  # the sample's first 12 rows: 8 images, so cold OCR stays short on a busy 2-core machine
TIMING = ("seconds", "rows_per_s", "output")


@pytest.fixture(scope="module")
def cluster():
    if not (sample_dir() / "labels.csv").exists():
        pytest.skip("the embedded synthetic sample is not committed yet")
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


def ray_runner(**kw) -> dict:
    return {"name": "ray", **kw}


def same_summary(a: dict, b: dict) -> None:
    assert {k: v for k, v in a.items() if k not in TIMING} == {k: v for k, v in b.items() if k not in TIMING}


@pytest.fixture(scope="module")
def sample_ref(cluster, tmp_path_factory) -> dict:
    """The local runner on the embedded sample (no input given), cold OCR cache."""
    d = tmp_path_factory.mktemp("ray_ref")
    out = d / "local.csv"
    summary = run_prediction({"rules_only": True, "limit": LIMIT, "output": str(out), "cache_dir": str(d / "cache"),
                              "progress": False})
    return {"dir": d, "out": out, "summary": summary, "cache": d / "cache"}


def test_embedded_sample_on_ray_is_byte_identical_and_fills_the_shared_cache(sample_ref, tmp_path):
    from layoutx.ocr.pipeline import ocr_paths

    cache = tmp_path / "cache"  # cold: the actors OCR every image themselves
    out = tmp_path / "ray.csv"
    summary = run_prediction({"rules_only": True, "limit": LIMIT, "output": str(out), "cache_dir": str(cache),
                              "progress": False, "runner": ray_runner(batch_rows=3)})
    assert out.read_bytes() == sample_ref["out"].read_bytes()
    same_summary(summary, sample_ref["summary"])
    assert summary["rows"] == LIMIT and summary["complete"] and summary["gold_rows"] == LIMIT
    # the actors wrote the OCR cache in the one shared format: a plain OCR call here finds every image
    with (sample_dir() / "labels.csv").open(newline="", encoding="utf-8") as f:
        names = sorted({r["image_link"] for r in list(csv.DictReader(f))[:LIMIT]})
    assert len(OcrCache(cache)) == len(names) == 8
    stats: dict = {}
    ocr_paths([sample_dir() / "images" / n for n in names], cache_dir=cache, workers=1, progress=False, stats=stats)
    assert stats["cache_hits"] == len(names) and stats["ocr_done"] == 0


@pytest.fixture(scope="module")
def rows(sample_ref) -> dict:
    """The sample's first rows plus a missing image, a corrupt image, an unknown entity and a repeated
    index, with images in a folder of their own; OCR is already cached (same bytes) by sample_ref."""
    d = sample_ref["dir"] / "rows"
    images = d / "images"
    images.mkdir(parents=True)
    with (sample_dir() / "labels.csv").open(newline="", encoding="utf-8") as f:
        recs = list(csv.DictReader(f))[:LIMIT]
    for r in recs:
        shutil.copyfile(sample_dir() / "images" / r["image_link"], images / r["image_link"])
    (images / "corrupt.jpg").write_bytes(b"not an image at all")
    link = "https://m.media-amazon.com/images/I/{}".format
    table = [[r["index"], link(r["image_link"]), r["group_id"], r["entity_name"]] for r in recs]
    table.insert(2, ["900", link("absent.jpg"), "1", "width"])
    table.insert(5, ["901", link("corrupt.jpg"), "1", "height"])
    table.append(["902", table[0][1], "1", "colour"])
    table.append([table[0][0], table[1][1], "1", "width"])  # a repeated index: counted, not predicted twice
    inp = d / "input.csv"
    with inp.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["index", "image_link", "group_id", "entity_name"])
        w.writerows(table)
    base = {"input": str(inp), "images_dir": str(images), "cache_dir": str(sample_ref["cache"]), "rules_only": True,
            "progress": False, "chunk_size": 4}
    ref = d / "local.csv"
    summary = run_prediction({**base, "output": str(ref)})
    assert summary["failures"] == {"image_not_an_image": 1, "missing_image": 1, "unknown_entity": 1}
    assert summary["duplicate_indices"] == 1
    return {"dir": d, "input": inp, "images": images, "base": base, "ref": ref, "summary": summary,
            "n": len(table)}


def test_failures_and_order_match_the_local_runner(rows, tmp_path):
    out = tmp_path / "ray.csv"
    summary = run_prediction({**rows["base"], "output": str(out), "runner": ray_runner(batch_rows=2)})
    assert out.read_bytes() == rows["ref"].read_bytes()
    same_summary(summary, rows["summary"])


def test_stop_after_then_resume_on_ray_or_locally(rows, tmp_path):
    for resume_runner in (ray_runner(), None):  # a Ray partial file resumes on either runner
        out = tmp_path / f"{'ray' if resume_runner else 'local'}" / "pred.csv"
        first = run_prediction({**rows["base"], "output": str(out), "stop_after": 6, "runner": ray_runner()})
        assert not first["complete"] and first["new_rows"] == 6 and not out.exists()
        assert partial_path(out).read_bytes().count(b"\n") == 1 + 6
        second = run_prediction({**rows["base"], "output": str(out), "runner": resume_runner})
        assert second["complete"] and second["resumed_rows"] == 6
        assert second["resumed_rows"] + second["new_rows"] == rows["n"] - 1  # less the repeated index
        assert out.read_bytes() == rows["ref"].read_bytes()
        assert not partial_path(out).exists()


def test_an_actor_that_dies_mid_task_is_restarted_and_its_task_retried(rows, tmp_path):
    marker = tmp_path / "exited"
    out = tmp_path / "ray.csv"
    summary = run_prediction({**rows["base"], "output": str(out),
                              "runner": ray_runner(batch_rows=2, test_exit_once_marker=str(marker))})
    assert marker.exists()  # an actor did call os._exit(1) inside a task
    assert out.read_bytes() == rows["ref"].read_bytes()
    same_summary(summary, rows["summary"])


def test_a_task_failing_for_good_stops_with_one_line_and_the_rerun_completes(rows, tmp_path):
    out = tmp_path / "ray.csv"
    with pytest.raises(RayRunnerError, match="rerun the same command to continue"):
        run_prediction({**rows["base"], "output": str(out),
                        "runner": ray_runner(max_restarts=0, max_task_retries=0,
                                             test_exit_once_marker=str(tmp_path / "exited"))})
    assert not out.exists()
    again = run_prediction({**rows["base"], "output": str(out), "runner": ray_runner()})
    assert again["complete"] and out.read_bytes() == rows["ref"].read_bytes()


def test_pools_that_do_not_fit_the_cluster_are_a_user_error(rows, tmp_path):
    with pytest.raises(LayoutxError, match=r"3 OCR \+ 0 model actors .* do not fit the cluster \(2 CPUs"):
        run_prediction({**rows["base"], "output": str(tmp_path / "x.csv"), "runner": ray_runner(ocr_actors=3)})


def test_kill_9_of_a_ray_predict_py_then_rerun_gives_the_same_file(cluster, rows, tmp_path):
    """A real SIGKILL of `python predict.py runner=ray` (a driver of this test's cluster) while it appends
    one-row chunks; the rerun here continues with no lost or repeated rows."""
    big = tmp_path / "big.csv"
    with rows["input"].open(newline="", encoding="utf-8") as f:
        recs = [r for r in csv.DictReader(f) if r["entity_name"] != "colour"]
    with big.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["index", "image_link", "group_id", "entity_name"])
        for i in range(300):
            r = recs[i % len(recs)]
            w.writerow([f"r{i}", r["image_link"], r["group_id"], r["entity_name"]])
    base = {**rows["base"], "input": str(big)}
    reference = tmp_path / "reference.csv"
    run_prediction({**base, "output": str(reference), "chunk_size": 128})
    out = tmp_path / "killed.csv"
    args = [sys.executable, "predict.py", f"input={big}", f"images_dir={rows['images']}", f"output={out}",
            f"cache_dir={base['cache_dir']}", "rules_only=true", "progress=false", "chunk_size=1",
            "runner=ray", f"runner.address='{cluster}'"]
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    part = partial_path(out)
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline:
            if part.exists() and part.read_bytes().count(b"\n") >= 31:  # header + 30 rows
                break
            if proc.poll() is not None:
                pytest.fail(f"predict.py ended before it could be killed: {proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert not out.exists()
    killed_at = part.read_bytes().count(b"\n") - 1
    assert 30 <= killed_at < 300
    rerun = run_prediction({**base, "output": str(out), "chunk_size": 64, "runner": ray_runner()})
    assert rerun["complete"] and rerun["resumed_rows"] >= killed_at - 1
    assert rerun["resumed_rows"] + rerun["new_rows"] == 300
    assert out.read_bytes() == reference.read_bytes()


@pytest.fixture(scope="module")
def model_dir(rows) -> Path:
    """The default model when this machine has one, else a real exported tiny LayoutLMv3 (random weights)."""
    from layoutx.errors import ModelNotFoundError
    from layoutx.models.export import resolve_model_dir

    try:
        return resolve_model_dir(None)
    except ModelNotFoundError:
        pass
    torch = pytest.importorskip("torch")
    from layoutx.models.export import export_model
    from layoutx.models.presets import build_model

    torch.manual_seed(0)
    words = ["Net", "Wt", "500", "g", "Width", "12", "cm", "Voltage", "220", "V", "ml", "W", "kg"] * 20
    model, tok = build_model({"name": "tiny", "hidden_size": 64, "num_hidden_layers": 1, "num_attention_heads": 2,
                              "intermediate_size": 64, "vocab_size": 300}, words)
    with torch.no_grad():
        model.classifier.weight.mul_(20.0)  # confident, varied tags: the model answers some rows itself
    return export_model(model, tok, rows["dir"] / "model", {"name": "ray-runner-test"})


def test_model_on_ray_one_pool_and_separate_model_pool_match_local(rows, model_dir, tmp_path):
    base = {**rows["base"], "rules_only": False, "model_path": str(model_dir), "device": "cpu"}
    local = run_prediction({**base, "output": str(tmp_path / "local.csv")})
    assert local["model"] == str(model_dir) and local["answered_model"] > 0  # the tagger's own answers
    for name, runner in (("all", ray_runner()), ("pools", ray_runner(model_actors=1, ocr_actors=1))):
        out = tmp_path / f"{name}.csv"
        summary = run_prediction({**base, "output": str(out), "runner": runner})
        assert out.read_bytes() == (tmp_path / "local.csv").read_bytes(), name
        same_summary(summary, local)


def test_hydra_runner_group_composes():
    proc = subprocess.run([sys.executable, "predict.py", "runner=ray", "runner.address=auto", "runner.ocr_actors=4",
                           "--cfg", "job"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "runner:\n  name: ray\n  address: auto\n" in proc.stdout and "ocr_actors: 4" in proc.stdout
    default = subprocess.run([sys.executable, "predict.py", "--cfg", "job"], capture_output=True, text=True,
                             cwd=ROOT, timeout=120)
    assert "runner:\n  name: local\n" in default.stdout


def test_bench_scale_runs_both_runners_with_cold_caches(cluster, tmp_path):
    from tests.conftest import run_cli

    proc = run_cli("bench", "scale", "--rows", "4", "--images", str(sample_dir() / "images"), "--csv",
                   str(sample_dir() / "labels.csv"), "--cpus", "2", "--address", cluster, "--workdir", str(tmp_path),
                   "--ocr-set", "rec_min_width=160")
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["identical"] is True and out["rows"] == 4
    assert out["ocr"] == {"name": "rapidocr", "rec_min_width": 160}
    assert (tmp_path / "local.csv").read_bytes() == (tmp_path / "ray.csv").read_bytes()
    # both caches were cold: each run OCR'd the rows' images itself
    assert len(OcrCache(tmp_path / "cache_local")) == len(OcrCache(tmp_path / "cache_ray")) == 3
    assert out["ray_overhead"] == pytest.approx(1 - out["ray_rows_per_s"] / out["local_rows_per_s"], abs=1e-3)
    assert out["ray_actors"]["ocr_actors"] == 2 and out["ray_actors"]["actor_cpu_seconds"] > 0
    expected = 131_187 * out["cpu_seconds_per_row"] / 16 / (1 - max(out["ray_overhead"], 0)) / 60
    assert out["projected_minutes_16_cores"] == pytest.approx(expected, rel=0.01)
