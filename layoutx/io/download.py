"""`python -m layoutx download`: fetch the images of a challenge CSV, concurrently and resumably.

Threads + stdlib ``urllib`` (no extra dependency): the work is network-bound, a thread per connection is
simple and the GIL is released while waiting. Every file is verified to decode before it is moved into
place (temporary file + ``os.replace``), so an interrupted run never leaves a half image and a rerun skips
exactly the files that are already valid.
"""

from __future__ import annotations

import argparse
import os
import random
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from layoutx.core.tables import print_json, print_table, read_csv
from layoutx.errors import ImageError, InputFileError
from layoutx.io.images import link_filename, load_image

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
USER_AGENT = "layoutx-downloader/1.0 (+https://github.com/)"


class _Transient(Exception):
    """A failure worth retrying (5xx, 429, timeout, dropped connection)."""


class _Permanent(Exception):
    """A failure that retrying cannot fix (404, wrong scheme, not an image, too large, redirect loop)."""


@dataclass
class DownloadSummary:
    """Outcome per unique link: ``status`` is downloaded / skipped / failed, ``reasons`` says why it failed."""

    status: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)

    @property
    def links(self) -> int:
        return len(self.status)

    def count(self, status: str) -> int:
        return sum(1 for s in self.status.values() if s == status)

    def failure_reasons(self) -> Counter:
        return Counter(self.reasons.values())

    def to_json(self) -> dict[str, int]:
        return {
            "links": self.links,
            "downloaded": self.count("downloaded"),
            "skipped": self.count("skipped"),
            "failed": self.count("failed"),
        }


class _NoRedirectLoop(urllib.request.HTTPRedirectHandler):
    """Cap redirects low and name the failure, instead of urllib's long generic message."""

    max_redirections = 5
    max_repeats = 2


def _opener() -> urllib.request.OpenerDirector:
    # No ProxyHandler/FileHandler/FTPHandler: only http(s) are ever opened, whatever the link says.
    handlers = [
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        _NoRedirectLoop(),
        urllib.request.HTTPErrorProcessor(),
        urllib.request.HTTPDefaultErrorHandler(),
    ]
    opener = urllib.request.OpenerDirector()
    for h in handlers:
        opener.add_handler(h)
    return opener


def _fetch(link: str, timeout: float, max_bytes: int) -> bytes:
    """One attempt; raises _Transient or _Permanent with a short reason."""
    scheme = urlparse(link).scheme.lower()
    if scheme not in ("http", "https"):
        raise _Permanent(f"unsupported scheme {scheme or 'none'}")
    req = urllib.request.Request(link, headers={"User-Agent": USER_AGENT})
    deadline = time.monotonic() + timeout * 4  # per-read timeout below; this bounds a trickling server
    try:
        with _opener().open(req, timeout=timeout) as resp:
            length = resp.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise _Permanent("too large")
            chunks, size = [], 0
            while True:
                chunk = resp.read(64 * 1024)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise _Permanent("too large")
                if time.monotonic() > deadline:
                    raise _Transient("timeout")
                chunks.append(chunk)
            return b"".join(chunks)
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 400:
            raise _Permanent("redirect loop") from None
        if exc.code >= 500 or exc.code == 429:
            raise _Transient(f"http {exc.code}") from None
        raise _Permanent(f"http {exc.code}") from None
    except TimeoutError:
        raise _Transient("timeout") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise _Transient("timeout") from None
        if "unknown url type" in str(exc.reason):
            raise _Permanent("unsupported scheme") from None
        raise _Transient("connection error") from None
    except (ConnectionError, OSError) as exc:
        if isinstance(exc, _Permanent | _Transient):
            raise
        raise _Transient("connection error") from None


def _is_valid_image(path: Path) -> bool:
    try:
        load_image(path)
    except ImageError:
        return False
    return True


def _download_one(
    link: str, target: Path, timeout: float, retries: int, max_bytes: int, backoff: float
) -> tuple[str, str]:
    """(status, reason) for one link; writes ``target`` atomically after the bytes decode as an image."""
    if target.is_file() and _is_valid_image(target):
        return "skipped", ""
    reason = ""
    for attempt in range(retries + 1):
        try:
            data = _fetch(link, timeout, max_bytes)
        except _Permanent as exc:
            return "failed", str(exc)
        except _Transient as exc:
            reason = str(exc)
            if attempt < retries:
                time.sleep(backoff * (2**attempt) * (1 + random.random() * 0.25))
            continue
        try:
            load_image(data, name=link)
        except ImageError as exc:
            return "failed", exc.reason if exc.reason in ("truncated image", "empty file") else "not an image"
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            tmp.write_bytes(data)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return "downloaded", ""
    return "failed", reason


def download_links(
    links: Iterable[str],
    out_dir: str | Path,
    concurrency: int = 16,
    timeout: float = 10.0,
    retries: int = 3,
    max_bytes: int = DEFAULT_MAX_BYTES,
    backoff: float = 0.5,
    progress: bool = True,
    on_done: Callable[[str, str, str], None] | None = None,
) -> DownloadSummary:
    """Download each unique link once into ``out_dir`` under its official file name (see ``link_filename``).

    Transient failures (5xx, 429, timeouts, connection errors) are retried ``retries`` times with
    exponential backoff starting at ``backoff`` seconds; everything else fails at once with a reason.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary = DownloadSummary()
    unique: dict[str, Path] = {}
    owners: dict[str, str] = {}
    for link in links:
        link = link.strip()
        if not link or link in summary.status:
            continue
        try:
            name = link_filename(link)
        except ValueError:
            summary.status[link], summary.reasons[link] = "failed", "no file name in link"
            continue
        if name in owners and owners[name] != link:
            summary.status[link], summary.reasons[link] = "failed", "file name used by another link"
            continue
        owners[name] = link
        unique[link] = out / name
        summary.status[link] = "pending"
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(unique), unit="img", desc="download")
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        futures = {
            pool.submit(_download_one, link, path, timeout, retries, max_bytes, backoff): link
            for link, path in unique.items()
        }
        for fut in as_completed(futures):
            link = futures[fut]
            status, reason = fut.result()
            summary.status[link] = status
            summary.paths[link] = unique[link]
            if reason:
                summary.reasons[link] = reason
            if on_done:
                on_done(link, status, reason)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(failed=len(summary.reasons), refresh=False)
    if bar is not None:
        bar.close()
    return summary


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--csv", required=True, help="challenge CSV with an image_link column")
    p.add_argument("--out", required=True, help="folder for the images (file name = last part of the link)")
    p.add_argument("--column", default="image_link", help="column holding the links (default image_link)")
    p.add_argument("--concurrency", type=int, default=16, help="parallel connections (default 16)")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per connect/read (default 10)")
    p.add_argument("--retries", type=int, default=3, help="retries of transient failures (default 3)")
    p.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, help="largest accepted image (bytes)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    rows = read_csv(args.csv, required=[args.column])
    if args.concurrency < 1 or args.timeout <= 0 or args.retries < 0 or args.max_bytes < 1:
        raise InputFileError("--concurrency, --timeout and --max-bytes must be positive and --retries >= 0")
    summary = download_links(
        (r[args.column] for r in rows),
        args.out,
        concurrency=args.concurrency,
        timeout=args.timeout,
        retries=args.retries,
        max_bytes=args.max_bytes,
        progress=not args.no_progress,
    )
    reasons = summary.failure_reasons()
    if reasons:
        print("failures by reason:")
        print_table(["reason", "links", "example"], [
            (r, n, next(link for link, why in summary.reasons.items() if why == r)) for r, n in reasons.most_common()
        ])
    print_table(["downloaded", "skipped", "failed"], [(summary.count("downloaded"), summary.count("skipped"),
                                                       summary.count("failed"))])
    print_json(summary.to_json())
    return 0  # failed links are normal for web images; they are counted, not fatal
