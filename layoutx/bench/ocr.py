"""OCR throughput and coverage: layoutx's default OCR path vs a naive EasyOCR loop, same images, same run.

(a) baseline: ``easyocr.Reader(['en'], gpu=False)`` (offline weights) and ``readtext(path)`` in a plain
loop with default settings; (b) ``layoutx.ocr.pipeline.ocr_paths`` with the default engine and the cache
off. Coverage = share of labeled rows whose gold value and unit are found in the OCR words by
``layoutx.labels.match.covers`` (the same matcher for both).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from layoutx.bench import key_values
from layoutx.core.tables import print_json, print_table, read_csv
from layoutx.errors import ImageError, InputFileError

TEST_IMAGES = 90_666  # unique image links of the challenge's test.csv


def add_arguments(p: argparse.ArgumentParser) -> None:
    from layoutx.ocr.pipeline import DEFAULT_ENGINE, ENGINES

    p.add_argument("--images", required=True, help="folder of the images (file name = last part of image_link)")
    p.add_argument("--labels", required=True, help="CSV with image_link, entity_name, entity_value")
    p.add_argument("--n", type=int, default=20, help="number of unique images (first N of the labels)")
    p.add_argument("--baseline-n", type=int, default=None,
                   help="run the slow naive EasyOCR loop on the first M of the N images (default N; 0 = skip)")
    p.add_argument("--engine", default=DEFAULT_ENGINE, choices=sorted(ENGINES), help="layoutx engine")
    p.add_argument("--workers", type=int, default=None, help="layoutx worker processes (default one per core)")
    p.add_argument("--max-side", type=int, default=-1, help="layoutx pre-step max side (default: engine's; 0 = off)")
    p.add_argument("--threads", type=int, default=None, help="threads per layoutx engine (default cores/workers)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="other engine setting (conf/ocr/ENGINE.yaml field), YAML value; repeatable")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


class _PeakRss:
    """Samples the resident memory of this process plus its children (the worker pool) every 50 ms."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _rss(pid: int | str) -> int:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def _children(self) -> list[str]:
        kids: list[str] = []
        for task in Path("/proc/self/task").glob("*/children"):
            try:
                kids += task.read_text().split()
            except OSError:
                pass
        return kids

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss("self") + sum(self._rss(k) for k in self._children()))
            time.sleep(0.05)

    def __enter__(self) -> _PeakRss:
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()


def _cpu() -> float:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def _coverage(rows: Sequence[dict[str, str]], words_by_image: dict[str, Any]) -> float | None:
    from layoutx.labels.match import covers

    hits = [
        covers(words_by_image[r["_path"]], r["entity_value"], r["entity_name"])
        for r in rows
        if r["_path"] in words_by_image
    ]
    return round(sum(hits) / len(hits), 4) if hits else None


def run(args: argparse.Namespace) -> int:
    from layoutx.io.images import local_path_for_link
    from layoutx.ocr._common import lines_to_words
    from layoutx.ocr.pipeline import cpu_count, ocr_paths

    rows = read_csv(args.labels, required=["image_link", "entity_name", "entity_value"])
    images = Path(args.images)
    if not images.is_dir():
        raise InputFileError(f"{images}: no such folder")
    if args.n < 1:
        raise InputFileError("--n must be >= 1")
    for r in rows:
        r["_path"] = str(local_path_for_link(r["image_link"], images))
    paths = [p for p in dict.fromkeys(r["_path"] for r in rows) if Path(p).is_file()][: args.n]
    if not paths:
        raise InputFileError(f"none of the images of {args.labels} is in {images}")
    m = len(paths) if args.baseline_n is None else max(0, min(args.baseline_n, len(paths)))
    chosen = set(paths)
    rows = [r for r in rows if r["_path"] in chosen and r["entity_value"].strip()]
    base_paths = set(paths[:m])
    base_rows = [r for r in rows if r["_path"] in base_paths]

    # (b) layoutx default path, cache off
    settings: dict[str, Any] = {}
    if args.max_side != -1:
        settings["max_side"] = args.max_side or None
    if args.threads:
        settings["threads"] = args.threads
    settings.update(key_values(args.set))
    stats: dict[str, Any] = {}
    cpu0, t0 = _cpu(), time.perf_counter()
    with _PeakRss() as mem:
        res = ocr_paths(paths, engine=args.engine, cache_dir=False, workers=args.workers,
                        progress=not args.no_progress, stats=stats, **settings)
    wall = time.perf_counter() - t0
    cpu = _cpu() - cpu0
    ok = {p: r for p, r in res.items() if not isinstance(r, ImageError)}
    per_image = [float(r.meta.get("seconds", 0.0)) for r in ok.values()]
    lx_words = {p: list(r.words) for p, r in ok.items()}
    lx = {
        "images_per_s": round(len(paths) / wall, 4),
        "sec_median": round(statistics.median(per_image), 3) if per_image else None,
        "cpu_s_per_image": round(cpu / len(paths), 3),
        "peak_rss_mb": round(mem.peak / 2**20),
        "failed": stats["failed"],
        "workers": stats["workers"],
    }

    # (a) naive EasyOCR loop on the first M images
    bl: dict[str, Any] = {"images_per_s": None, "sec_median": None, "cpu_s_per_image": None, "peak_rss_mb": None}
    bl_words: dict[str, Any] = {}
    if m:
        from layoutx.ocr.easyocr_backend import offline_reader

        reader = offline_reader()
        bl_paths = paths[:m]
        times: list[float] = []
        cpu0, t0 = _cpu(), time.perf_counter()
        with _PeakRss() as bmem:
            iterator: Any = bl_paths
            if not args.no_progress:
                from tqdm import tqdm

                iterator = tqdm(bl_paths, unit="img", desc="baseline easyocr")
            for p in iterator:
                t = time.perf_counter()
                out = reader.readtext(p)
                times.append(time.perf_counter() - t)
                bl_words[p] = list(lines_to_words(((b, txt, c) for b, txt, c in out), 1.0, 10**9, 10**9))
        bwall = time.perf_counter() - t0
        bl = {
            "images_per_s": round(m / bwall, 4),
            "sec_median": round(statistics.median(times), 3),
            "cpu_s_per_image": round((_cpu() - cpu0) / m, 3),
            "peak_rss_mb": round(bmem.peak / 2**20),
        }

    coverage_all = _coverage(rows, lx_words)
    coverage = _coverage(base_rows, lx_words) if m else coverage_all
    baseline_coverage = _coverage(base_rows, bl_words) if m else None
    speedup = round(lx["images_per_s"] / bl["images_per_s"], 2) if bl["images_per_s"] else None
    cores = cpu_count()
    workers = lx["workers"] or 1
    used_cores = min(cores, workers * (args.threads or max(1, cores // workers)))
    per_core = lx["images_per_s"] / used_cores
    hours_rate = TEST_IMAGES / (per_core * 16) / 3600
    hours_cpu = TEST_IMAGES * lx["cpu_s_per_image"] / 16 / 3600

    print_table(
        ["path", "images", "sec/img median", "images/s", "cpu s/img", "peak MB", "coverage (first M)"],
        [
            (f"layoutx {args.engine}", len(paths), lx["sec_median"], lx["images_per_s"], lx["cpu_s_per_image"],
             lx["peak_rss_mb"], coverage),
            ("naive easyocr", m, bl["sec_median"], bl["images_per_s"], bl["cpu_s_per_image"], bl["peak_rss_mb"],
             baseline_coverage),
        ],
    )
    print(f"layoutx coverage on all {len(paths)} images ({len(rows)} labeled rows): {coverage_all}")
    print(f"projected for {TEST_IMAGES} test images on 16 cores: {hours_rate:.2f} h from the per-core rate "
          f"({per_core:.3f} img/s/core on {used_cores} of {cores} cores), {hours_cpu:.2f} h from CPU seconds per image")
    print_json({
        "n": len(paths),
        "engine": args.engine,
        "images_per_s": lx["images_per_s"],
        "baseline_images_per_s": bl["images_per_s"],
        "speedup": speedup,
        "coverage": coverage,
        "baseline_coverage": baseline_coverage,
        "coverage_all": coverage_all,
        "baseline_n": m,
        "sec_median": lx["sec_median"],
        "baseline_sec_median": bl["sec_median"],
        "cpu_s_per_image": lx["cpu_s_per_image"],
        "baseline_cpu_s_per_image": bl["cpu_s_per_image"],
        "peak_rss_mb": lx["peak_rss_mb"],
        "baseline_peak_rss_mb": bl["peak_rss_mb"],
        "workers": lx["workers"],
        "projected_hours_16_cores": round(hours_rate, 2),
        "load_avg_1m": round(os.getloadavg()[0], 2),
    })
    return 0
