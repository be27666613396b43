"""OCR cache and pipeline: hits/misses, one OCR per unique image, interruption keeps finished work."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from PIL import Image

from layoutx.errors import ImageError
from layoutx.ocr.cache import OcrCache, engine_key
from layoutx.ocr.pipeline import _SettingsProbe, get_engine, ocr_paths
from layoutx.ocr.types import OcrResult
from tests.conftest import last_json, run_cli
from tests.ocr_render import render

TEXTS = [["Net", "Wt", "250g"], ["12V", "DC"], ["500ml"], ["60W", "LED"], ["Max", "5kg"]]


class Counting:
    """A real engine that counts its calls and can simulate a Ctrl-C after ``stop_after`` images."""

    def __init__(self, inner: Any, stop_after: int | None = None) -> None:
        self.inner, self.calls, self.stop_after = inner, 0, stop_after
        self.name, self.version = inner.name, inner.version

    def settings(self) -> dict[str, Any]:
        return self.inner.settings()

    def __call__(self, image: Any) -> OcrResult:
        if self.stop_after is not None and self.calls >= self.stop_after:
            raise KeyboardInterrupt
        self.calls += 1
        return self.inner(image)


@pytest.fixture(scope="module")
def rapid():
    return get_engine("rapidocr", threads=2)


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> list[Path]:
    d = tmp_path_factory.mktemp("imgs")
    paths = []
    for i, words in enumerate(TEXTS):
        p = d / f"{i}.png"
        render(words, size=24, pad=10)[0].save(p)
        paths.append(p)
    return paths


def _texts(res: dict) -> dict[str, list[str]]:
    return {k: [w.text for w in v.words] for k, v in res.items()}


def test_hit_miss_and_unique_reads(rapid, images: list[Path], tmp_path: Path) -> None:
    eng = Counting(rapid)
    dup = tmp_path / "copy_of_0.png"
    dup.write_bytes(images[0].read_bytes())  # same bytes under another name: one OCR
    paths = [*images, images[1], str(images[2]), dup]
    stats: dict = {}
    first = ocr_paths(paths, engine=eng, cache_dir=tmp_path / "c", workers=1, progress=False, stats=stats)
    assert eng.calls == 5 and len(first) == 6
    assert stats["ocr_done"] == 5 and stats["cache_hits"] == 1 and stats["failed"] == 0
    assert _texts(first)[str(images[4])] == ["Max", "5kg"] and _texts(first)[str(dup)] == ["Net", "Wt", "250g"]

    eng2 = Counting(rapid)
    stats2: dict = {}
    second = ocr_paths(paths, engine=eng2, cache_dir=tmp_path / "c", workers=1, progress=False, stats=stats2)
    assert eng2.calls == 0 and stats2["cache_hits"] == 6 and stats2["ocr_done"] == 0
    assert {k: v.words for k, v in second.items()} == {k: v.words for k, v in first.items()}  # exact boxes too
    assert all(v.meta.get("cached") for v in second.values())

    # other settings -> other key -> OCR again
    other = Counting(get_engine("rapidocr", threads=2, max_side=640))
    ocr_paths(images[:2], engine=other, cache_dir=tmp_path / "c", workers=1, progress=False)
    assert other.calls == 2


def test_interrupted_run_keeps_finished_work(rapid, images: list[Path], tmp_path: Path) -> None:
    cache_dir = tmp_path / "c"
    eng = Counting(rapid, stop_after=3)
    with pytest.raises(KeyboardInterrupt):
        ocr_paths(images, engine=eng, cache_dir=cache_dir, workers=1, progress=False)
    assert eng.calls == 3
    shards = OcrCache(cache_dir).shards()
    assert sum(pq.read_metadata(s).num_rows for s in shards) == 3
    rerun = Counting(rapid)
    stats: dict = {}
    res = ocr_paths(images, engine=rerun, cache_dir=cache_dir, workers=1, progress=False, stats=stats)
    assert rerun.calls == 2 and stats["cache_hits"] == 3 and stats["ocr_done"] == 2
    assert [w.text for w in res[str(images[4])].words] == ["Max", "5kg"]


def test_cache_flushes_incrementally_and_compacts(rapid, images: list[Path], tmp_path: Path) -> None:
    cache = OcrCache(tmp_path / "c", flush_every=2)
    key = engine_key(rapid)
    for i, p in enumerate(images):
        cache.put(f"sha{i}", key, rapid(Image.open(p)))
    assert len(cache.shards()) == 2  # 2 + 2 written, 1 still buffered
    cache.flush()
    assert len(OcrCache(tmp_path / "c")) == 5
    merged = OcrCache(tmp_path / "c").compact()
    assert merged is not None and OcrCache(tmp_path / "c").shards() == [merged]
    got = OcrCache(tmp_path / "c").get(OcrCache.key("sha3", key))
    assert got is not None and [w.text for w in got.words] == ["60W", "LED"]


def test_bad_images_are_reported_not_cached(rapid, images: list[Path], tmp_path: Path) -> None:
    bad = tmp_path / "trunc.png"
    bad.write_bytes(images[0].read_bytes()[:200])
    stats: dict = {}
    res = ocr_paths([bad, tmp_path / "missing.png", images[1]], engine=rapid, cache_dir=tmp_path / "c", workers=1,
                    progress=False, stats=stats)
    assert isinstance(res[str(bad)], ImageError) and res[str(bad)].reason == "truncated image"
    assert isinstance(res[str(tmp_path / "missing.png")], ImageError)
    assert stats["failed"] == 2 and stats["ocr_done"] == 1 and len(OcrCache(tmp_path / "c")) == 1


def test_process_pool_matches_in_process_and_shares_the_cache(rapid, images: list[Path], tmp_path: Path) -> None:
    # the key computed without loading models in the parent equals the real engine's key
    assert engine_key(_SettingsProbe("rapidocr", {"threads": 1})) == engine_key(rapid)
    stats: dict = {}
    pooled = ocr_paths(images, engine="rapidocr", cache_dir=tmp_path / "c", workers=2, progress=False, stats=stats)
    assert stats["workers"] == 2 and stats["ocr_done"] == 5
    eng = Counting(rapid)
    again = ocr_paths(images, engine=eng, cache_dir=tmp_path / "c", workers=1, progress=False)
    assert eng.calls == 0 and _texts(again) == _texts(pooled)
    assert _texts(pooled)[str(images[1])] == ["12V", "DC"]


def test_ocr_command(images: list[Path], tmp_path: Path) -> None:
    csv_path = tmp_path / "t.csv"
    with csv_path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["index", "image_link", "group_id", "entity_name"])
        for i, p in enumerate([images[0], images[0], images[1], Path("gone.png")]):
            w.writerow([i, f"https://m.media-amazon.com/images/I/{p.name}", 1, "voltage"])
    args = ["ocr", "--csv", str(csv_path), "--images", str(images[0].parent), "--cache", str(tmp_path / "c"),
            "--workers", "1", "--no-progress"]
    out = last_json(run_cli(*args, check=True).stdout)
    assert {k: out[k] for k in ("images", "ocr_done", "cache_hits", "failed")} == \
        {"images": 3, "ocr_done": 2, "cache_hits": 0, "failed": 1}
    out2 = last_json(run_cli(*args, check=True).stdout)
    assert (out2["ocr_done"], out2["cache_hits"], out2["failed"]) == (0, 2, 1)
    bad = run_cli("ocr", "--csv", str(csv_path), "--images", str(tmp_path / "nope"))
    assert bad.returncode == 2 and "nope" in bad.stderr and "Traceback" not in bad.stderr


def test_bench_ocr_command_on_the_committed_sample() -> None:
    sample = Path(__file__).resolve().parents[1] / "layoutx" / "resources" / "sample"
    proc = run_cli("bench", "ocr", "--images", str(sample / "images"), "--labels", str(sample / "labels.csv"),
                   "--n", "2", "--baseline-n", "1", "--workers", "1", "--no-progress", check=True)
    out = last_json(proc.stdout)
    assert out["n"] == 2 and out["baseline_n"] == 1 and out["engine"] == "rapidocr"
    assert out["images_per_s"] > 0 and out["baseline_images_per_s"] > 0
    assert out["speedup"] == round(out["images_per_s"] / out["baseline_images_per_s"], 2)
    for k in ("coverage", "baseline_coverage", "coverage_all"):
        assert 0.0 <= out[k] <= 1.0
    assert "naive easyocr" in proc.stdout
