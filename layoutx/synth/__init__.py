"""Synthetic product images with challenge-format labels: the embedded, offline training and demo data.

``generate(n, seed, out_dir)`` writes images, ``labels.csv`` and ``answers.jsonl``; ``sample_dir()`` is the
small set committed in the package (layoutx/resources/sample), the default data of ``predict.py`` and quick runs.
"""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

from layoutx.synth.fonts import families
from layoutx.synth.generator import generate, render_sample

SAMPLE_SEED = 2024
SAMPLE_SIZE = 40

__all__ = ["generate", "render_sample", "sample_dir", "write_sample", "SAMPLE_SEED", "SAMPLE_SIZE"]


def sample_dir() -> Path:
    """The committed sample set (images/, labels.csv, answers.jsonl) inside the installed package."""
    return Path(str(resources.files("layoutx.resources").joinpath("sample")))


def write_sample(out_dir: Path | str | None = None) -> Path:
    """(Re)write the committed sample; ``manifest.json`` records the fonts it was drawn with, because another
    font set draws other images for the same seed."""
    out = Path(out_dir) if out_dir is not None else sample_dir()
    for sub in ("images",):
        if (out / sub).exists():
            shutil.rmtree(out / sub)
    generate(SAMPLE_SIZE, SAMPLE_SEED, out)
    manifest = {"seed": SAMPLE_SEED, "n": SAMPLE_SIZE, "fonts": families()}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return out
