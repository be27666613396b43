"""On-disk OCR cache: Parquet shards keyed by (sha1 of the image bytes, engine, settings).

Why append-only shards: each flush writes a new small Parquet file (temporary name + ``os.replace``), so an
interrupted run keeps every flushed result, a crash can never corrupt earlier data, and two processes
writing at once never contend (unique file names, no lock, no index to rewrite). Reading is a scan of
the small ``key`` column of every shard; ``compact()`` merges shards when they pile up. The shards are
plain Parquet, readable by pyarrow, pandas or ``datasets.load_dataset("parquet", ...)``.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from layoutx.ocr.types import OcrEngine, OcrResult

SCHEMA_VERSION = 2  # 2: per-word reading angles
NOT_IN_KEY = frozenset({"threads", "mem_arena"})
# Engine settings added after caches were filled, with the value that reproduces the earlier behaviour: a
# setting at that value is left out of the key, so existing cache entries stay valid.
ADDED_LATER: dict[str, object] = {"det_max_side": None, "rec_min_width": 320}


def image_hash(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def engine_key(engine: OcrEngine) -> str:
    """Engine name + its settings + package version: any change gives new keys (old entries stay unused).
    Thread counts change speed, not results, so they are left out."""
    settings = {k: v for k, v in engine.settings().items()
                if k not in NOT_IN_KEY and not (k in ADDED_LATER and v == ADDED_LATER[k])}
    payload = {"engine": engine.name, "settings": settings, "version": getattr(engine, "version", "")}
    return hashlib.sha1(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _schema() -> Any:
    import pyarrow as pa

    return pa.schema(
        [
            ("key", pa.string()),
            ("sha1", pa.string()),
            ("engine", pa.string()),
            ("engine_key", pa.string()),
            ("texts", pa.list_(pa.string())),
            ("boxes", pa.list_(pa.list_(pa.float64(), 4))),
            ("confidences", pa.list_(pa.float64())),
            ("angles", pa.list_(pa.float64())),
            ("width", pa.int32()),
            ("height", pa.int32()),
            ("meta", pa.string()),
            ("created", pa.float64()),
        ]
    )


class OcrCache:
    """``get``/``put`` by key; ``put`` buffers and writes a shard every ``flush_every`` results (and on
    ``flush()``/``close()``), so at most that many finished results are lost to a hard kill."""

    def __init__(self, root: str | Path, flush_every: int = 64) -> None:
        self.dir = Path(root) / f"ocr-v{SCHEMA_VERSION}"
        self.flush_every = flush_every
        self._pending: list[dict[str, Any]] = []
        self._index: dict[str, Path] | None = None
        self._shard_rows: dict[Path, dict[str, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(sha1: str, ekey: str) -> str:
        return f"{sha1}:{ekey}"

    def shards(self) -> list[Path]:
        return sorted(self.dir.glob("shard-*.parquet")) if self.dir.is_dir() else []

    def _load_index(self) -> dict[str, Path]:
        if self._index is None:
            import pyarrow.parquet as pq

            index: dict[str, Path] = {}
            for shard in self.shards():
                for k in pq.read_table(shard, columns=["key"]).column("key").to_pylist():
                    index[k] = shard
            self._index = index
        return self._index

    def __contains__(self, key: str) -> bool:
        return key in self._load_index() or any(r["key"] == key for r in self._pending)

    def __len__(self) -> int:
        return len(set(self._load_index()) | {r["key"] for r in self._pending})

    def get(self, key: str) -> OcrResult | None:
        for r in self._pending:
            if r["key"] == key:
                return _to_result(r)
        shard = self._load_index().get(key)
        if shard is None:
            return None
        if shard not in self._shard_rows:
            import pyarrow.parquet as pq

            try:
                table = pq.read_table(shard)
            except FileNotFoundError:  # compacted away by another process: re-index once
                self._index, self._shard_rows = None, {}
                shard = self._load_index().get(key)
                if shard is None:
                    return None
                table = pq.read_table(shard)
            self._shard_rows = {shard: {r["key"]: r for r in table.to_pylist()}}  # keep one shard in memory
        return _to_result(self._shard_rows[shard][key])

    def get_many(self, keys: Iterable[str]) -> dict[str, OcrResult]:
        index = self._load_index()
        by_shard: dict[Path, list[str]] = {}
        for k in keys:
            if k in index:
                by_shard.setdefault(index[k], []).append(k)
        out: dict[str, OcrResult] = {}
        for ks in by_shard.values():
            for k in ks:
                hit = self.get(k)
                if hit is not None:
                    out[k] = hit
        return out

    def put(self, sha1: str, ekey: str, result: OcrResult) -> None:
        d = result.to_dict()
        row = {
            "key": self.key(sha1, ekey),
            "sha1": sha1,
            "engine": result.engine,
            "engine_key": ekey,
            "texts": d["texts"],
            "boxes": d["boxes"],
            "confidences": d["confidences"],
            "angles": d["angles"],
            "width": d["width"],
            "height": d["height"],
            "meta": json.dumps(result.meta, default=str),
            "created": time.time(),
        }
        with self._lock:
            self._pending.append(row)
            full = len(self._pending) >= self.flush_every
        if full:
            self.flush()

    def flush(self) -> Path | None:
        """Write buffered results as one new shard (atomically)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        with self._lock:
            rows, self._pending = self._pending, []
        if not rows:
            return None
        self.dir.mkdir(parents=True, exist_ok=True)
        name = f"shard-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{uuid.uuid4().hex[:8]}.parquet"
        path = self.dir / name
        tmp = self.dir / f".{name}.tmp"
        pq.write_table(pa.Table.from_pylist(rows, schema=_schema()), tmp)
        os.replace(tmp, path)
        if self._index is not None:
            for r in rows:
                self._index[r["key"]] = path
        return path

    def close(self) -> None:
        self.flush()

    def compact(self) -> Path | None:
        """Merge all shards into one (latest entry per key wins); safe to run when no writer is active."""
        import pyarrow.parquet as pq

        self.flush()
        shards = self.shards()
        if len(shards) < 2:
            return None
        rows: dict[str, dict[str, Any]] = {}
        for s in shards:
            for r in pq.read_table(s).to_pylist():
                rows[r["key"]] = r
        self._pending = list(rows.values())
        path = self.flush()
        for s in shards:
            s.unlink(missing_ok=True)
        self._index, self._shard_rows = None, {}
        return path


def _to_result(row: dict[str, Any]) -> OcrResult:
    res = OcrResult.from_dict(row)
    meta = json.loads(row.get("meta") or "{}")
    meta["cached"] = True
    return OcrResult(res.words, res.width, res.height, res.engine, meta)
