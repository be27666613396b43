"""Shared test fixtures: where ../shared is (it exists in CI) and a runner for `python -m layoutx`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "amazon-ml-2024"
TRAIN_CSV = SHARED / "dataset" / "train.csv"


def run_cli(*args: str, cwd: Path | None = None, check: bool = False) -> subprocess.CompletedProcess:
    """Run `python -m layoutx ARGS` for real, capturing output."""
    proc = subprocess.run(
        [sys.executable, "-m", "layoutx", *args], capture_output=True, text=True, cwd=cwd or ROOT, timeout=600
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def last_json(stdout: str) -> dict:
    """The JSON object every command prints as its last line."""
    return json.loads(stdout.strip().splitlines()[-1])


@pytest.fixture
def train_csv() -> Path:
    if not TRAIN_CSV.exists():
        pytest.skip("../shared/data/amazon-ml-2024/dataset/train.csv is not on this machine")
    return TRAIN_CSV
