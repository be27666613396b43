"""The downloader against a real HTTP server on 127.0.0.1: every failure mode named, resumable, atomic."""

from __future__ import annotations

import csv
import io
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from layoutx.io.download import download_links
from layoutx.io.images import load_image
from tests.conftest import last_json, run_cli

TIMEOUT = 0.3
MAX_BYTES = 40_000


def _jpeg(size: int = 64, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (size, size, 3), dtype=np.uint8)).save(buf, "JPEG", quality=90)
    return buf.getvalue()


GOOD = _jpeg()
BIG = _jpeg(256, seed=1)
assert len(GOOD) < MAX_BYTES < len(BIG)


class _Handler(BaseHTTPRequestHandler):
    hits: Counter = Counter()
    lock = threading.Lock()

    def log_message(self, *args: object) -> None:  # keep pytest output clean
        pass

    def _send(self, code: int, body: bytes, ctype: str = "image/jpeg", length: bool = True) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        with self.lock:
            self.hits[self.path] += 1
            n = self.hits[self.path]
        p = self.path
        if p in ("/good.jpg", "/second.jpg"):
            self._send(200, GOOD)
        elif p == "/missing.jpg":
            self._send(404, b"not found", "text/plain")
        elif p == "/flaky.jpg":
            self._send(500, b"oops", "text/plain") if n == 1 else self._send(200, GOOD)
        elif p == "/slow.jpg":
            time.sleep(TIMEOUT * 3)
            self._send(200, GOOD)
        elif p == "/page.jpg":
            self._send(200, b"<html><body>Sorry, robot check</body></html>", "text/html")
        elif p == "/trunc.jpg":
            self._send(200, GOOD[: len(GOOD) // 2])
        elif p == "/big.jpg":
            self._send(200, BIG)
        elif p == "/big-stream.jpg":  # no Content-Length: the size cap must hold while streaming
            self.close_connection = True
            self._send(200, BIG, length=False)
        elif p == "/loop.jpg":
            self.send_response(302)
            self.send_header("Location", "/loop.jpg")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._send(404, b"", "text/plain")


@pytest.fixture
def server():
    _Handler.hits = Counter()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Handler.hits
    httpd.shutdown()
    httpd.server_close()


EXPECTED = {
    "/good.jpg": ("downloaded", ""),
    "/missing.jpg": ("failed", "http 404"),
    "/flaky.jpg": ("downloaded", ""),
    "/slow.jpg": ("failed", "timeout"),
    "/page.jpg": ("failed", "not an image"),
    "/trunc.jpg": ("failed", "truncated image"),
    "/big.jpg": ("failed", "too large"),
    "/big-stream.jpg": ("failed", "too large"),
    "/loop.jpg": ("failed", "redirect loop"),
}


def _run(links: list[str], out: Path):
    return download_links(
        links, out, concurrency=4, timeout=TIMEOUT, retries=1, max_bytes=MAX_BYTES, backoff=0.01, progress=False
    )


def test_every_outcome_and_resume(server, tmp_path: Path) -> None:
    base, hits = server
    links = [base + p for p in EXPECTED] + [base + "/good.jpg", "file:///etc/hostname.jpg"]
    out = tmp_path / "imgs"
    s = _run(links, out)

    got = {link: (s.status[link], s.reasons.get(link, "")) for link in s.status}
    want = {base + p: v for p, v in EXPECTED.items()} | {"file:///etc/hostname.jpg": ("failed", "unsupported scheme file")}
    assert got == want
    assert s.to_json() == {"links": 10, "downloaded": 2, "skipped": 0, "failed": 8}
    # each unique link fetched once (the duplicate good link too); transient ones retried exactly once
    assert hits["/good.jpg"] == 1
    assert hits["/flaky.jpg"] == 2 and hits["/slow.jpg"] == 2 and hits["/missing.jpg"] == 1
    assert sorted(p.name for p in out.iterdir()) == ["flaky.jpg", "good.jpg"]  # no partial or tmp files
    assert (out / "good.jpg").read_bytes() == GOOD
    assert load_image(out / "flaky.jpg").size == (64, 64)

    # second run: valid files are skipped without a request, failures are retried
    s2 = _run(links, out)
    assert s2.to_json() == {"links": 10, "downloaded": 0, "skipped": 2, "failed": 8}
    assert hits["/good.jpg"] == 1 and hits["/flaky.jpg"] == 2 and hits["/missing.jpg"] == 2


def test_corrupt_existing_file_is_replaced(server, tmp_path: Path) -> None:
    base, hits = server
    out = tmp_path / "imgs"
    out.mkdir()
    (out / "second.jpg").write_bytes(GOOD[:100])  # a half file from some other tool
    s = _run([base + "/second.jpg"], out)
    assert s.to_json() == {"links": 1, "downloaded": 1, "skipped": 0, "failed": 0}
    assert (out / "second.jpg").read_bytes() == GOOD and hits["/second.jpg"] == 1


def test_cli_table_and_json(server, tmp_path: Path) -> None:
    base, _ = server
    csv_path = tmp_path / "test.csv"
    with csv_path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["index", "image_link", "group_id", "entity_name"])
        for i, p in enumerate(["/good.jpg", "/good.jpg", "/missing.jpg", "/page.jpg"]):
            w.writerow([i, base + p, 1, "item_weight"])
    proc = run_cli("download", "--csv", str(csv_path), "--out", str(tmp_path / "o"), "--timeout", "2",
                   "--retries", "0", "--no-progress", check=True)
    assert last_json(proc.stdout) == {"links": 3, "downloaded": 1, "skipped": 0, "failed": 2}
    assert "http 404" in proc.stdout and "not an image" in proc.stdout


def test_cli_missing_csv_is_one_line_error(tmp_path: Path) -> None:
    proc = run_cli("download", "--csv", str(tmp_path / "nope.csv"), "--out", str(tmp_path))
    assert proc.returncode == 2 and "nope.csv" in proc.stderr and "Traceback" not in proc.stderr
