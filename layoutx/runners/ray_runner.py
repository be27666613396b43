"""The Ray runner: each chunk's download -> OCR -> model -> decode runs on pools of Ray actors.

Why actors and not one Ray Data pipeline over the whole file: the driver keeps ``run_prediction``'s chunk
loop, partial file and resume logic (layoutx.runners), so the output, its order, the failure counts and
the resume behaviour are the local runner's by construction; only the per-chunk work is distributed. The
actors live for the whole run, so each loads its OCR engine (and model) once, and at most ``window``
chunks are in flight, so driver memory is bounded by the chunk size, not the input size.

Pools, sized from the cluster (``ray.cluster_resources()``):

* OCR actors, 1 CPU each (one single-threaded engine per core: what ``layoutx.ocr.pipeline`` measured to
  be fastest). Without GPUs each also holds the Extractor and runs the model on its own core.
* Model actors, only with GPUs (one per GPU by default) or when ``model_actors`` is set: they take the OCR
  actors' results straight from the object store (never through the driver) and tag + decode.

A chunk is cut into tasks of about ``batch_rows`` rows (rows that share an image stay in one task, so
each image is OCR'd once) and the tasks are handed to whichever actor has room; results are put back in
row order. A crashed actor is restarted and its tasks retried (``max_restarts`` / ``max_task_retries``).

OCR cache: each OCR actor reads and writes the OCR cache itself at the driver's ``cache_dir`` (resolved on
the driver), so on a multi-node cluster ``cache_dir`` (and ``images_dir``) must be on a filesystem every
node mounts at the same path. The cache's append-only shards with unique names make concurrent writers
from many nodes safe. Without a shared filesystem each node keeps its own cache at that path: answers are
the same, a rerun may OCR some images again.
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from pathlib import Path
from typing import Any

from layoutx.errors import LayoutxError
from layoutx.runners import Out

DEFAULTS: dict[str, Any] = {
    "address": None,  # None: start a one-machine cluster here; "auto": the cluster this machine belongs to
    "num_cpus": None,  # CPUs of the cluster started for address=None (None: all)
    "runtime_env": None,  # passed to ray.init (e.g. {"working_dir": "."} where layoutx is not installed)
    "ocr_actors": None,  # None: the cluster's CPUs minus those of the model actors
    "model_actors": None,  # None: one per GPU (0 without GPUs: the OCR actors also run the model)
    "gpus_per_model_actor": 1,
    "batch_rows": 16,  # rows per actor task
    "tasks_per_actor": 2,  # tasks queued on an actor at once (hides the driver round trip)
    "window": 2,  # chunks in flight
    "max_restarts": 3,  # restarts of a crashed actor
    "max_task_retries": 3,  # retries of a task whose actor crashed
    "test_exit_once_marker": None,  # TEST ONLY: a path; the first task to create it kills its actor (os._exit)
}


# Figures of the last RayRunner in this process (pool sizes, tasks, the actors' CPU seconds): for
# `layoutx bench scale`, since the prediction summary is kept identical to the local runner's.
LAST_RUN: dict[str, Any] = {}


class RayRunnerError(LayoutxError):
    """A Ray task failed for good (after its retries), or the cluster could not be reached."""


class _Worker:
    """One actor: an OCR engine with its own OCR cache handle and/or an Extractor (model + decoder).

    ``mode``: "ocr" (OCR only; a model actor finishes the rows), "all" (OCR + model), "model"."""

    def __init__(self, c: dict[str, Any], images_dir: Path | None, download_dir: Path | None, mode: str,
                 needs_image: bool, exit_marker: str | None) -> None:
        import ray

        from layoutx.predict import build_extractor

        cpus = max(1, int(ray.get_runtime_context().get_assigned_resources().get("CPU", 1)))
        self.c, self.images_dir, self.download_dir = c, images_dir, download_dir
        self.mode, self.needs_image, self.exit_marker = mode, needs_image, exit_marker
        self.extractor = None
        if mode != "ocr":
            if c.get("device") is None and not ray.get_gpu_ids():
                c = {**c, "device": "cpu"}  # an actor given no GPU must not grab one its node happens to have
            if not c["rules_only"]:
                import torch

                torch.set_num_threads(cpus)
            self.extractor = build_extractor(c)
        self.engine = self.cache = self.retry_engine = self.retry_ekey = None
        if mode != "model":
            from layoutx.ocr.cache import OcrCache, engine_key
            from layoutx.ocr.pipeline import get_engine

            spec = dict(c["ocr"])
            self.engine = get_engine(spec["name"], **{"threads": cpus, **spec["settings"]})
            self.ekey = engine_key(self.engine)
            if spec.get("retry"):  # the small-print retry (layoutx.ocr.retry): full settings of its engine
                self.retry_engine = get_engine(spec["name"], **{"threads": cpus, **spec["retry"]})
                self.retry_ekey = engine_key(self.retry_engine)
            # one handle for the actor's life: its index is read once, its writes go out every 64 results
            # and at flush() (the end of the run), as the cache's own flush_every promises
            self.cache = OcrCache(c["cache_dir"])

    def _again(self, paths: list[str]) -> dict[str, Any]:
        """``_ocr`` with the small-print retry's engine."""
        return self._ocr(paths, self.retry_engine, self.retry_ekey)

    def _ocr(self, paths: list[str], engine: Any = None, ekey: str | None = None) -> dict[str, Any]:
        """``layoutx.ocr.pipeline.ocr_paths`` for one in-process engine, through the actor's cache handle."""
        from layoutx.errors import ImageError
        from layoutx.ocr.cache import OcrCache, image_hash
        from layoutx.ocr.pipeline import _ocr_bytes, _read

        engine, ekey = engine or self.engine, ekey or self.ekey
        out: dict[str, Any] = {}
        for path in paths:
            data = _read(path)
            if isinstance(data, ImageError):
                out[path] = data
                continue
            sha1 = image_hash(data)
            res = self.cache.get(OcrCache.key(sha1, ekey))
            if res is None:
                res = _ocr_bytes(engine, path, data)
                if not isinstance(res, ImageError):
                    self.cache.put(sha1, ekey, res)
            out[path] = res
        return out

    def run(self, rows: list[Any]) -> tuple[Any, float]:
        """OCR stage of ``rows`` (and, in mode "all", the model stage: the finished tuples), with the CPU
        seconds this actor spent on them (the benchmark's per-row cost, start-up excluded)."""
        from layoutx.predict import _ocr_stage, _predict_stage

        t = time.process_time()
        staged = _ocr_stage(rows, self.c, self.images_dir, self.download_dir, self._ocr, self.needs_image,
                            self._again if self.retry_engine is not None else None)
        if self.exit_marker:
            self._exit_once(self.exit_marker)
        if self.mode == "ocr":
            return staged, time.process_time() - t
        return _predict_stage(rows, staged, self.extractor), time.process_time() - t

    def predict(self, rows: list[Any], staged: tuple[Any, float]) -> tuple[Out, float]:
        from layoutx.predict import _predict_stage

        t = time.process_time()
        out = _predict_stage(rows, staged[0], self.extractor)
        return out, staged[1] + time.process_time() - t

    def flush(self) -> None:
        if self.cache is not None:
            self.cache.flush()

    @staticmethod
    def _exit_once(marker: str) -> None:
        """Test hook: the first task anywhere to create ``marker`` dies as a crashed worker would."""
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        os.close(fd)
        os._exit(1)


def connect(settings: dict[str, Any]) -> bool:
    """Connect to (or start) the cluster; True when this call started the Ray session (so close() ends it)."""
    try:
        import ray
    except ImportError:
        raise RayRunnerError("runner=ray needs Ray: pip install 'layoutx[ray]'") from None
    if ray.is_initialized():
        return False
    kwargs: dict[str, Any] = {"log_to_driver": False}  # worker logs: /tmp/ray/session_latest/logs
    if settings.get("runtime_env"):
        kwargs["runtime_env"] = dict(settings["runtime_env"])
    address = settings.get("address")
    if address in (None, "", "local"):
        # a new cluster for this run, even when `ray start` left one running here
        kwargs.update(address="local", include_dashboard=False, num_cpus=settings.get("num_cpus"))
    else:
        kwargs["address"] = str(address)
    try:
        ray.init(**kwargs)
    except ConnectionError as exc:
        raise RayRunnerError(f"runner.address={address}: no Ray cluster to connect to ({exc}); start one with "
                             "`ray start --head`, or runner.address=null for a one-machine cluster") from None
    return True


class RayRunner:
    """``layoutx.runners.ChunkRunner`` on Ray actor pools (see the module docstring)."""

    def __init__(self, extractor: Any, c: dict[str, Any], images_dir: Path | None, download_dir: Path | None,
                 settings: dict[str, Any]) -> None:
        unknown = set(settings) - set(DEFAULTS) - {"name"}
        if unknown:
            raise LayoutxError(f"runner=ray: unknown setting(s) {', '.join(sorted(unknown))}")
        self.s = {**DEFAULTS, **{k: v for k, v in settings.items() if k != "name"}}
        self.window = max(1, int(self.s["window"]))
        self.owns_session = connect(self.s)
        import ray

        self.ray = ray
        self.actors: list[Any] = []
        try:
            self._start(extractor, c, images_dir, download_dir)
        except BaseException:
            self.close()
            raise

    def _start(self, extractor: Any, c: dict[str, Any], images_dir: Path | None, download_dir: Path | None) -> None:
        from layoutx.ocr.pipeline import default_cache_dir

        ray, s = self.ray, self.s
        target, ocr_settings = extractor.ocr_target()
        if not isinstance(target, str):
            raise LayoutxError("runner=ray: the OCR engine must be given by name (ocr=rapidocr|easyocr), "
                               "so that every actor can build its own")
        # What the actors need, resolved once here so that every node uses the same model, engine and cache.
        wc = dict(c)
        retry = extractor.retry_target()
        wc.update(ocr={"name": target, "settings": dict(ocr_settings), "retry": retry[1] if retry else None},
                  runner=None,
                  cache_dir=str(Path(c["cache_dir"] or default_cache_dir()).expanduser().resolve()))
        if extractor.tagger is not None:
            wc["model_path"] = str(extractor.model_dir or c["model_path"])
        res = ray.cluster_resources()
        cpus, gpus = int(res.get("CPU", 0)), int(res.get("GPU", 0))
        uses_model = extractor.tagger is not None
        n_model = s["model_actors"]
        if n_model is None:
            n_model = gpus if uses_model else 0
        n_model = int(n_model) if uses_model else 0
        gpu_each = float(s["gpus_per_model_actor"]) if gpus else 0.0
        n_ocr = int(s["ocr_actors"]) if s["ocr_actors"] is not None else max(1, cpus - n_model)
        if n_ocr < 1 or n_ocr + n_model > cpus or n_model * gpu_each > gpus:
            raise LayoutxError(f"runner=ray: {n_ocr} OCR + {n_model} model actors (1 CPU each, {gpu_each} GPU "
                               f"per model actor) do not fit the cluster ({cpus} CPUs, {gpus} GPUs)")
        opts = {"max_restarts": int(s["max_restarts"]), "max_task_retries": int(s["max_task_retries"])}
        worker = ray.remote(_Worker)
        marker = str(s["test_exit_once_marker"]) if s["test_exit_once_marker"] else None
        args = (wc, images_dir, download_dir)
        ocr_mode = "ocr" if n_model else "all"
        self.ocr_pool = [worker.options(num_cpus=1, **opts).remote(*args, ocr_mode, extractor.needs_image, marker)
                         for _ in range(n_ocr)]
        self.model_pool = [worker.options(num_cpus=1, num_gpus=gpu_each, **opts).remote(*args, "model",
                                                                                         extractor.needs_image, None)
                           for _ in range(n_model)]
        self.actors = self.ocr_pool + self.model_pool
        self.ocr_load = [0] * n_ocr
        self.model_load = [0] * n_model
        self.queue: deque[tuple[int, list[Any]]] = deque()  # tasks not yet handed to an actor
        self.inflight: dict[Any, tuple[str, int, int]] = {}  # ref -> (stage, actor number, task id)
        self.results: dict[int, Out] = {}
        self.next_task = 0
        LAST_RUN.clear()
        LAST_RUN.update(ocr_actors=n_ocr, model_actors=n_model, cluster_cpus=cpus, cluster_gpus=gpus, tasks=0,
                        actor_cpu_seconds=0.0, driver_cpu_seconds=0.0)
        self._cpu0 = time.process_time()  # the driver's CPU from here to close(): its per-row share
        if c.get("progress"):
            model = f", {n_model} model actors ({gpu_each:g} GPU each)" if n_model else ""
            print(f"ray: {n_ocr} OCR actors (1 CPU each){model}; cluster {cpus} CPUs, {gpus} GPUs", file=sys.stderr)

    # ---- ChunkRunner --------------------------------------------------------------------------------------
    def submit(self, rows: list[Any]) -> Any:
        """Cut the chunk into tasks (rows of one image together) and queue them; returns at once."""
        groups: dict[str, list[int]] = {}
        for k, r in enumerate(rows):
            groups.setdefault(r.link or f"\0{k}", []).append(k)
        parts: list[tuple[list[int], int]] = []
        cur: list[int] = []
        size = max(1, int(self.s["batch_rows"]))
        for positions in groups.values():
            cur.extend(positions)
            if len(cur) >= size:
                parts.append((cur, self._queue([rows[k] for k in cur])))
                cur = []
        if cur:
            parts.append((cur, self._queue([rows[k] for k in cur])))
        self._pump()
        return len(rows), parts

    def result(self, handle: Any) -> Out:
        """The chunk's tuples in row order, once all its tasks are back."""
        n, parts = handle
        while any(tid not in self.results for _, tid in parts):
            self._wait()
        out: list[Any] = [None] * n
        for positions, tid in parts:
            for k, row in zip(positions, self.results.pop(tid)):
                out[k] = row
        return out

    def close(self) -> None:
        ray = self.ray if hasattr(self, "ray") else None
        if ray is None:
            return
        if hasattr(self, "_cpu0"):
            LAST_RUN["driver_cpu_seconds"] = time.process_time() - self._cpu0
        if self.actors:
            try:  # write what the OCR actors still buffer to the cache
                ray.get([a.flush.remote() for a in getattr(self, "ocr_pool", [])], timeout=120)
            except Exception as exc:  # noqa: BLE001 - a dead actor must not hide the run's own outcome
                print(f"warning: ray: could not flush the OCR cache of every actor ({type(exc).__name__})",
                      file=sys.stderr)
            for a in self.actors:
                ray.kill(a, no_restart=True)
            self.actors = []
        if self.owns_session:
            ray.shutdown()
            self.owns_session = False

    # ---- scheduling -----------------------------------------------------------------------------------------
    def _queue(self, rows: list[Any]) -> int:
        tid = self.next_task
        self.next_task += 1
        self.queue.append((tid, rows))
        return tid

    def _pump(self) -> None:
        """Hand queued tasks to the least loaded actors that have room (``tasks_per_actor``)."""
        cap = max(1, int(self.s["tasks_per_actor"]))
        while self.queue:
            a = min(range(len(self.ocr_pool)), key=self.ocr_load.__getitem__)
            if self.ocr_load[a] >= cap:
                return
            tid, rows = self.queue.popleft()
            ref = self.ocr_pool[a].run.remote(rows)
            self.ocr_load[a] += 1
            if not self.model_pool:
                self.inflight[ref] = ("all", a, tid)
                continue
            self.inflight[ref] = ("ocr", a, tid)  # frees the OCR actor when done; the data stays remote
            m = min(range(len(self.model_pool)), key=self.model_load.__getitem__)
            self.model_load[m] += 1
            self.inflight[self.model_pool[m].predict.remote(rows, ref)] = ("model", m, tid)

    def _wait(self) -> None:
        ray = self.ray
        if not self.inflight:
            self._pump()
        if not self.inflight:
            raise RuntimeError("ray runner: waiting for tasks that were never submitted")
        refs = list(self.inflight)
        ready, _ = ray.wait(refs, num_returns=1, fetch_local=False)
        ready += ray.wait([r for r in refs if r not in ready], num_returns=len(refs) - len(ready), timeout=0,
                          fetch_local=False)[0]
        for ref in ready:
            stage, a, tid = self.inflight.pop(ref)
            if stage == "model":
                self.model_load[a] -= 1
            else:
                self.ocr_load[a] -= 1
            if stage != "ocr":
                try:
                    self.results[tid], cpu = ray.get(ref)
                except ray.exceptions.RayError as exc:
                    raise RayRunnerError(_explain(exc)) from None
                LAST_RUN["tasks"] += 1
                LAST_RUN["actor_cpu_seconds"] += cpu
        self._pump()


def _explain(exc: Exception) -> str:
    """One line for a task that failed for good; the finished rows are already in the partial file."""
    cause = getattr(exc, "cause", None)
    what = f"{type(cause).__name__}: {cause}" if cause is not None else f"{type(exc).__name__}: {exc}"
    what = " ".join(str(what).split())[:400]
    return (f"ray: a task failed after its retries ({what}); the finished rows are kept in OUTPUT.partial, "
            "rerun the same command to continue")
