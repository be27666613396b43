"""Chunk runners: where ``run_prediction``'s per-chunk work (images, OCR, model, decoding) runs.

Why a runner does only that: ``layoutx.predict.run_prediction`` keeps the input loop, the append-only
partial file, the resume-after-kill logic and the final in-order rewrite in the driver, so every runner
writes the same bytes, resumes the same way and counts the same failures. A runner only turns a chunk of
rows into their ``(index, prediction, status, source)`` tuples, in order:

    handle = runner.submit(rows)     # may start the work elsewhere and return at once
    out = runner.result(handle)      # blocks; chunks are collected in submission order
    runner.close()

``window`` is how many submitted chunks the driver may hold before collecting the oldest: 1 locally
(submit does nothing, result does the work), 2 for Ray (the next chunk's tasks keep the actors busy while
the driver writes the previous one). Selected by ``runner`` in conf/predict.yaml (conf/runner/*.yaml).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from layoutx.errors import LayoutxError

RUNNERS = ("local", "ray")
Out = list[tuple[str, str, str, str, str]]


class ChunkRunner(Protocol):
    window: int

    def submit(self, rows: list[Any]) -> Any: ...

    def result(self, handle: Any) -> Out: ...

    def close(self) -> None: ...


class LocalRunner:
    """This process: the OCR process pool of ``layoutx.ocr.pipeline`` then the model, chunk by chunk."""

    window = 1

    def __init__(self, extractor: Any, c: dict[str, Any], images_dir: Path | None, download_dir: Path | None):
        self.extractor, self.c, self.images_dir, self.download_dir = extractor, c, images_dir, download_dir

    def submit(self, rows: list[Any]) -> Any:
        return rows

    def result(self, handle: Any) -> Out:
        from layoutx.predict import _process_chunk

        return _process_chunk(handle, self.extractor, self.c, self.images_dir, self.download_dir)

    def close(self) -> None:
        pass


def runner_settings(spec: Any) -> dict[str, Any]:
    """{name: ..., **settings} from None / a name / a mapping (the ``runner`` config group)."""
    if spec is None:
        return {"name": "local"}
    if isinstance(spec, str):
        spec = {"name": spec}
    if not isinstance(spec, Mapping):
        raise LayoutxError(f"runner: expected a name or a mapping, got {spec!r}")
    out = dict(spec)
    out["name"] = str(out.get("name") or "local")
    if out["name"] not in RUNNERS:
        raise LayoutxError(f"unknown runner {out['name']!r}; choose from {', '.join(RUNNERS)}")
    return out


def make_runner(c: dict[str, Any], extractor: Any, images_dir: Path | None,
                download_dir: Path | None) -> ChunkRunner:
    """The runner named by ``c["runner"]`` (None -> local)."""
    settings = runner_settings(c.get("runner"))
    if settings["name"] == "ray":
        from layoutx.runners.ray_runner import RayRunner

        return RayRunner(extractor, c, images_dir, download_dir, settings)
    return LocalRunner(extractor, c, images_dir, download_dir)
