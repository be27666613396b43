"""OCR many images: each unique file read once, hashed, looked up in the cache, the misses OCR'd in
parallel and written back to the cache as they finish.

Parallelism (measured, see ``layoutx bench ocr`` and the report of issue 3): one single-threaded engine
per core in a process pool beats one engine with N intra-op threads, because most of an OCR call (image
pre/post-processing, per-line recognizer calls on small crops) does not parallelise inside onnxruntime or
torch. Each worker is pinned to ``cores // workers`` threads so the pool never oversubscribes.
"""

from __future__ import annotations

import importlib
import os
import time
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from layoutx.errors import ImageError, LayoutxError
from layoutx.ocr.cache import OcrCache, engine_key, image_hash
from layoutx.ocr.types import OcrEngine, OcrResult

DEFAULT_ENGINE = "rapidocr"

ENGINES: dict[str, str] = {
    "rapidocr": "layoutx.ocr.rapidocr_backend:RapidOcrEngine",
    "easyocr": "layoutx.ocr.easyocr_backend:EasyOcrEngine",
}


class UnknownEngineError(LayoutxError, ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown OCR engine {name!r}; choose from {', '.join(ENGINES)}")


def get_engine(name: str = DEFAULT_ENGINE, **settings: Any) -> OcrEngine:
    """Build an engine by name; ``settings`` are its constructor arguments (see conf/ocr/NAME.yaml)."""
    if name not in ENGINES:
        raise UnknownEngineError(name)
    module, cls = ENGINES[name].split(":")
    settings.pop("name", None)
    try:
        return getattr(importlib.import_module(module), cls)(**settings)
    except TypeError as exc:
        raise LayoutxError(f"bad settings for OCR engine {name!r}: {exc}") from None


def default_cache_dir() -> Path:
    """$LAYOUTX_CACHE, else ~/.cache/layoutx."""
    env = os.environ.get("LAYOUTX_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "layoutx"


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


# ---- worker process side -------------------------------------------------------------------------------
_WORKER_ENGINE: OcrEngine | None = None


def _init_worker(name: str, settings: dict[str, Any]) -> None:
    global _WORKER_ENGINE
    _WORKER_ENGINE = get_engine(name, **settings)


def _ocr_bytes(engine: OcrEngine, path: str, data: bytes) -> OcrResult | ImageError:
    from layoutx.io.images import load_image

    try:
        image = load_image(data, name=path)
    except ImageError as exc:
        return exc
    try:
        return engine(image)
    except Exception as exc:  # noqa: BLE001 - one bad image must not stop 90k others; it is reported
        return ImageError(path, f"OCR failed: {type(exc).__name__}: {exc}")


def _worker_task(path: str, data: bytes) -> OcrResult | ImageError:
    assert _WORKER_ENGINE is not None
    return _ocr_bytes(_WORKER_ENGINE, path, data)


# ---- driver ------------------------------------------------------------------------------------------------
def _read(path: str) -> bytes | ImageError:
    p = Path(path)
    if not p.is_file():
        return ImageError(path, "no such file")
    data = p.read_bytes()
    if not data:
        return ImageError(path, "empty file")
    return data


def ocr_paths(
    paths: Iterable[str | Path],
    engine: str | OcrEngine = DEFAULT_ENGINE,
    cache_dir: str | Path | None | bool = None,
    workers: int | None = None,
    progress: bool = True,
    stats: dict[str, Any] | None = None,
    **settings: Any,
) -> dict[str, OcrResult | ImageError]:
    """OCR results keyed by ``str(path)``; unreadable images map to an ``ImageError`` (not raised).

    ``cache_dir`` None = ``default_cache_dir()``, False = no cache. ``workers`` None = one single-threaded
    process per core (in-process for fewer than 4 images or an engine object of an unregistered class),
    1 = in-process with all cores as engine threads. An engine object is used as is in-process, or rebuilt
    from ``name`` + ``settings()`` in each worker. ``stats``,
    when given, receives images / ocr_done / cache_hits / failed / seconds.
    """
    t0 = time.perf_counter()
    unique = list(dict.fromkeys(str(p) for p in paths))
    if workers is None:
        # a pool only pays off over its start-up cost, and can only rebuild registered engine classes
        rebuildable = isinstance(engine, str) or type(engine).__name__ == ENGINES.get(engine.name, ":").split(":")[1]
        workers = cpu_count() if len(unique) >= 4 and rebuildable else 1
    workers = max(1, min(workers, len(unique) or 1))
    if isinstance(engine, str):
        # threads per worker: the cores split between the workers, never more in total
        settings.setdefault("threads", max(1, cpu_count() // workers))
        engine_name, engine_settings = engine, settings
        engine_obj: OcrEngine | None = get_engine(engine, **settings) if workers == 1 else None
    else:
        engine_obj, engine_name = engine, engine.name
        engine_settings = {**engine.settings(), "threads": max(1, cpu_count() // workers)}
    if engine_obj is None:
        # Only for the cache key: build nothing heavy, ask the class for its settings via a cheap probe.
        ekey = engine_key(_SettingsProbe(engine_name, engine_settings))
    else:
        ekey = engine_key(engine_obj)
    cache = None if cache_dir is False else OcrCache(default_cache_dir() if cache_dir in (None, True) else cache_dir)

    results: dict[str, OcrResult | ImageError] = {}
    counts = {"images": len(unique), "ocr_done": 0, "cache_hits": 0, "failed": 0}
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(unique), unit="img", desc=f"ocr[{engine_name}]")

    def finish(path: str, sha1: str | None, res: OcrResult | ImageError, hit: bool = False) -> None:
        results[path] = res
        if isinstance(res, ImageError):
            counts["failed"] += 1
        elif hit:
            counts["cache_hits"] += 1
        else:
            counts["ocr_done"] += 1
            if cache is not None and sha1 is not None:
                cache.put(sha1, ekey, res)
        if bar is not None:
            bar.update(1)

    pool: ProcessPoolExecutor | None = None
    try:
        if workers > 1:
            import multiprocessing as mp

            pool = ProcessPoolExecutor(
                workers, mp_context=mp.get_context("spawn"), initializer=_init_worker,
                initargs=(engine_name, engine_settings),
            )
        inflight: deque[tuple[str, str, Future]] = deque()
        for path in unique:
            data = _read(path)
            if isinstance(data, ImageError):
                finish(path, None, data)
                continue
            sha1 = image_hash(data)
            if cache is not None:
                hit = cache.get(OcrCache.key(sha1, ekey))
                if hit is not None:
                    finish(path, sha1, hit, hit=True)
                    continue
            if pool is None:
                assert engine_obj is not None
                finish(path, sha1, _ocr_bytes(engine_obj, path, data))
                continue
            inflight.append((path, sha1, pool.submit(_worker_task, path, data)))
            while len(inflight) >= workers * 3:  # bounded: never hold all images' bytes in memory
                p, s, fut = inflight.popleft()
                finish(p, s, fut.result())
        while inflight:
            p, s, fut = inflight.popleft()
            finish(p, s, fut.result())
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        if cache is not None:
            cache.flush()  # an interrupted run keeps everything it finished
        if bar is not None:
            bar.close()
        counts_out = {**counts, "seconds": round(time.perf_counter() - t0, 3), "workers": workers}
        if stats is not None:
            stats.update(counts_out)
    return results


class _SettingsProbe:
    """Computes the cache key of an engine that will only be built in worker processes, without loading
    its models in the parent: the constructor defaults are read from the class signature."""

    def __init__(self, name: str, settings: dict[str, Any]) -> None:
        import inspect

        from layoutx.ocr._common import plain

        module, cls = ENGINES[name].split(":")
        klass = getattr(importlib.import_module(module), cls)
        defaults = {
            k: p.default for k, p in inspect.signature(klass.__init__).parameters.items()
            if k != "self" and p.default is not inspect.Parameter.empty
        }
        unknown = set(settings) - set(defaults) - {"name"}
        if unknown:
            raise LayoutxError(f"bad settings for OCR engine {name!r}: unknown {', '.join(sorted(unknown))}")
        merged = {**defaults, **{k: v for k, v in settings.items() if k != "name"}}
        if merged.get("rotation_info"):
            merged["rotation_info"] = list(merged["rotation_info"])
        self.name = name
        self._settings = plain(merged)
        self.version = klass.version.fget(None) if isinstance(getattr(klass, "version", None), property) else ""

    def settings(self) -> dict[str, Any]:
        return self._settings
