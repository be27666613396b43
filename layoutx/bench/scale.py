"""The local and the Ray runner on the same rows, cold OCR cache each: identical output, Ray's overhead,
and a projection of the full test set on a 16-core cluster.

`python -m layoutx bench scale --rows 60 --images DIR --csv ROWS.csv` predicts the first N rows of ROWS.csv
(images in DIR) twice, each in a fresh process with its own empty OCR cache: with the local runner (an
OCR process pool of --cpus workers) and with the Ray runner on a one-machine Ray cluster of --cpus CPUs
(or the cluster at --address). Both figures time the whole prediction call; for Ray the cluster is
already up (as after `ray start --head`; its start-up is printed beside it) and the actors' start-up
(engine and model loads) is included.

The projection: the Ray run's CPU time per row (the actors' CPU seconds in their tasks: download, OCR,
model, decoding; plus the driver's from the first chunk on; start-up, a fixed cost over 131k rows, left
out) for --test-rows rows, spread over --cores cores and slowed by the measured Ray overhead when
positive. CPU time, because a busy machine inflates it far less than wall time. It assumes the rows'
images per row is the test set's (printed beside it) and that the pool scales linearly, which holds while
OCR dominates.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from layoutx.bench import key_values, workdir
from layoutx.core.tables import print_json, print_table, read_csv
from layoutx.errors import InputFileError

TEST_ROWS = 131_187  # rows of the official test file the projection is for
TEST_IMAGES = 90_666  # its distinct images

_CHILD = r"""
import json, os, resource, sys, time
cfg, ray_settings = json.loads(sys.argv[1]), json.loads(sys.argv[2])
init_s = None
if ray_settings is not None:
    import ray
    t = time.perf_counter()
    kwargs = {"address": ray_settings["address"]} if ray_settings.get("address") else {
        "address": "local", "num_cpus": ray_settings["cpus"], "include_dashboard": False}
    ray.init(log_to_driver=False, **kwargs)
    init_s = time.perf_counter() - t
    cfg["runner"] = {"name": "ray"}
from layoutx.predict import run_prediction

def cpu():
    return sum(r.ru_utime + r.ru_stime for r in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)))

c0, t = cpu(), time.perf_counter()
summary = run_prediction(cfg)
seconds, cpu_s = time.perf_counter() - t, cpu() - c0
actors = None
if ray_settings is not None:
    from layoutx.runners.ray_runner import LAST_RUN
    actors = dict(LAST_RUN)
print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_s, "init_seconds": init_s, "actors": actors,
                  "rows": summary["rows"], "answered": summary["answered"], "failures": summary["failures"]}))
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rows", type=int, default=60, help="rows to predict (the first N of --csv)")
    p.add_argument("--images", required=True, help="folder with the rows' images (file = last part of image_link)")
    p.add_argument("--csv", required=True, help="test.csv-format rows (index,image_link,group_id,entity_name)")
    p.add_argument("--cpus", type=int, default=None, help="CPUs for both runners (default: this machine's)")
    p.add_argument("--address", help="an existing Ray cluster (default: start a one-machine cluster of --cpus)")
    p.add_argument("--model", help="an exported model dir, or 'latest' (default: rules only)")
    p.add_argument("--ocr", help="OCR engine (default: the model's, else the pipeline's default)")
    p.add_argument("--ocr-set", action="append", default=[], metavar="KEY=VALUE",
                   help="one OCR engine setting (conf/ocr/ENGINE.yaml field, YAML value); repeatable. "
                        "conf/ocr/rapidocr_fast.yaml = det_limit_type=max det_limit_side_len=640 rec_min_width=160")
    p.add_argument("--chunk-size", type=int, default=1024)
    p.add_argument("--test-rows", type=int, default=TEST_ROWS, help="rows the projection is for")
    p.add_argument("--cores", type=int, default=16, help="cores the projection is for")
    p.add_argument("--workdir", help="keep inputs, outputs and caches here (default: a temporary dir)")


def _child(cfg: dict, ray_settings: dict | None) -> dict:
    env = dict(os.environ)
    if ray_settings is not None and not ray_settings.get("address"):
        env.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # the one-machine cluster stays on 127.0.0.1
    proc = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(cfg), json.dumps(ray_settings)],
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"prediction run failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(args: argparse.Namespace) -> int:
    from layoutx.ocr.pipeline import DEFAULT_ENGINE, cpu_count

    images = Path(args.images)
    if not images.is_dir():
        raise InputFileError(f"{images}: no such folder")
    rows = read_csv(args.csv, ("index", "image_link", "entity_name"))[: args.rows]
    if not rows:
        raise InputFileError(f"{args.csv}: no rows")
    if args.model == "latest":
        from layoutx.models.export import resolve_model_dir

        args.model = str(resolve_model_dir(None))
    cpus = args.cpus or cpu_count()
    with workdir(args.workdir, "layoutx-bench-scale-") as work:
        inp = work / "input.csv"
        with inp.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["index", "image_link", "group_id", "entity_name"])
            w.writerows([r["index"], r["image_link"], r.get("group_id", ""), r["entity_name"]] for r in rows)
        ocr: str | dict | None = args.ocr
        if args.ocr_set:
            ocr = {"name": args.ocr or DEFAULT_ENGINE, **key_values(args.ocr_set, "--ocr-set")}
        base = {"input": str(inp), "images_dir": str(images), "rules_only": args.model is None,
                "model_path": args.model, "ocr": ocr, "chunk_size": args.chunk_size, "progress": False,
                "resume": False, "workers": cpus}
        results = {}
        for name, ray_settings in (("local", None), ("ray", {"cpus": cpus, "address": args.address})):
            cache = work / f"cache_{name}"
            shutil.rmtree(cache, ignore_errors=True)  # cold for both
            t = time.perf_counter()
            results[name] = _child({**base, "cache_dir": str(cache), "output": str(work / f"{name}.csv")},
                                   ray_settings)
            results[name]["process_seconds"] = time.perf_counter() - t
        local, ray_ = results["local"], results["ray"]
        n = len(rows)
        identical = (work / "local.csv").read_bytes() == (work / "ray.csv").read_bytes()
        local_rps, ray_rps = n / local["seconds"], n / ray_["seconds"]
        overhead = 1 - ray_rps / local_rps
        local_cpu_row = local["cpu_seconds"] / n
        cpu_per_row = (ray_["actors"]["actor_cpu_seconds"] + ray_["actors"]["driver_cpu_seconds"]) / n
        projected_min = args.test_rows * cpu_per_row / args.cores / max(1 - max(overhead, 0.0), 0.05) / 60
        images_per_row = len({r["image_link"] for r in rows}) / n
        print_table(["runner", "rows", "seconds", "rows/s", "CPU s/row", "process s (with start-up)"], [
            ("local", n, round(local["seconds"], 2), round(local_rps, 3), round(local_cpu_row, 3),
             round(local["process_seconds"], 1)),
            ("ray", n, round(ray_["seconds"], 2), round(ray_rps, 3), round(cpu_per_row, 3),
             round(ray_["process_seconds"], 1)),
        ])
        print(f"outputs identical: {identical}; Ray overhead {overhead:.3f} at {cpus} CPUs; ray.init "
              f"{ray_['init_seconds']:.1f} s (not in the Ray figure)")
        print(f"projection: {args.test_rows:,} rows on {args.cores} cores ≈ {projected_min:.1f} min "
              f"(images per row here {images_per_row:.3f}, test set {TEST_IMAGES / TEST_ROWS:.3f})")
        print_json({
            "rows": n, "cpus": cpus, "model": args.model or "rules", "ocr": ocr,
            "local_rows_per_s": round(local_rps, 4), "ray_rows_per_s": round(ray_rps, 4),
            "local_seconds": round(local["seconds"], 2), "ray_seconds": round(ray_["seconds"], 2),
            "ray_init_seconds": round(ray_["init_seconds"], 2), "identical": identical,
            "ray_overhead": round(overhead, 4), "cpu_seconds_per_row": round(cpu_per_row, 4),
            "local_cpu_seconds_per_row": round(local_cpu_row, 4), "ray_actors": ray_["actors"],
            "images_per_row": round(images_per_row, 4), "test_images_per_row": round(TEST_IMAGES / TEST_ROWS, 4),
            "projected_minutes_16_cores" if args.cores == 16 else f"projected_minutes_{args.cores}_cores":
                round(projected_min, 1),
            "answered": {"local": local["answered"], "ray": ray_["answered"]},
            "failures": {"local": local["failures"], "ray": ray_["failures"]},
        })
        return 0 if identical else 1
