"""Export a trained tagger as a plain-transformers directory + ``layoutx.json``, and find one again: an explicit
directory, ``models/latest`` or the default model shipped inside the package (see ``resolve_model_dir``).

The export loads with ``LayoutLMv3ForTokenClassification.from_pretrained(dir)`` and ``AutoTokenizer`` alone;
``layoutx.json`` carries what transformers does not know: the entity prompt format, window settings, the OCR
engine the model was trained on, the training data summary and validation scores.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

from layoutx.errors import ModelNotFoundError

META_FILE = "layoutx.json"
LATEST = "latest"
MODELS_DIR = "models"
MODELS_DIR_ENV = "LAYOUTX_MODELS_DIR"  # where to look for `latest` instead of ./models (then the source tree)

# Where a resolved model came from (``find_model``), in resolution order.
EXPLICIT = "explicit"
TRAINED = "latest"
SHIPPED = "shipped"
_DESCRIPTIONS = {EXPLICIT: "explicit", TRAINED: "your trained models/latest", SHIPPED: "shipped default"}


def export_model(model: Any, tokenizer: Any, out_dir: str | Path, meta: dict[str, Any]) -> Path:
    """Write weights (safetensors), config with id2label/label2id, tokenizer, image-processor config and meta."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    try:  # image-processor settings for users of LayoutLMv3Processor (we OCR ourselves: apply_ocr=False)
        from transformers.models.layoutlmv3.image_processing_pil_layoutlmv3 import LayoutLMv3ImageProcessorPil

        size = int(getattr(model.config, "input_size", 224))
        LayoutLMv3ImageProcessorPil(apply_ocr=False, size={"height": size, "width": size}).save_pretrained(out)
    except Exception:  # noqa: BLE001 - optional extra; the model and tokenizer are what matter
        pass
    (out / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
    return out


def read_meta(model_dir: str | Path) -> dict[str, Any]:
    """layoutx.json of an export ({} for a plain transformers directory without it)."""
    p = Path(model_dir) / META_FILE
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else {}


def update_latest(export_dir: str | Path, models_dir: str | Path = MODELS_DIR) -> Path:
    """Point ``models_dir/latest`` (a one-line text file, portable where symlinks are not) at ``export_dir``."""
    models = Path(models_dir)
    models.mkdir(parents=True, exist_ok=True)
    target = Path(export_dir).resolve()
    try:
        text = str(target.relative_to(models.resolve()))
    except ValueError:
        text = str(target)
    pointer = models / LATEST
    if pointer.is_symlink() or pointer.is_file():
        pointer.unlink()
    tmp = models / f".{LATEST}.tmp{os.getpid()}"
    tmp.write_text(text + "\n", encoding="utf-8")
    tmp.replace(pointer)
    return pointer


def _follow(pointer: Path) -> Path:
    if pointer.is_dir():  # a symlink to a directory, or a directory itself
        return pointer.resolve()
    text = pointer.read_text(encoding="utf-8").strip()
    target = Path(text).expanduser()
    return target if target.is_absolute() else (pointer.parent / target)


def _project_roots() -> list[Path]:
    roots = [Path.cwd()]
    src_root = Path(__file__).resolve().parents[2]  # editable install: the source tree
    if (src_root / "pyproject.toml").exists() and src_root not in roots:
        roots.append(src_root)
    return roots


def shipped_model_dir() -> Path:
    """The default model inside the installed package (``layoutx/resources/model``), so that a fresh install
    predicts without training; ``python -m layoutx export-default`` replaces it."""
    return Path(str(resources.files("layoutx.resources").joinpath("model")))


def latest_pointers() -> list[Path]:
    """Where ``latest`` is looked for, in order: ``$LAYOUTX_MODELS_DIR/latest`` alone when that is set, else
    ``models/latest`` under the current directory, then under the source tree (editable installs)."""
    env = os.environ.get(MODELS_DIR_ENV, "").strip()
    if env:
        return [Path(env).expanduser().absolute() / LATEST]  # relative to the current directory
    return [root / MODELS_DIR / LATEST for root in _project_roots()]


def describe_model(path: str | Path, source: str) -> str:
    """One line for people: which of the three a model is, and where, e.g. "shipped default (/…/model)"."""
    return f"{_DESCRIPTIONS.get(source, source)} ({path})"


def find_model(path: str | Path | None = None) -> tuple[Path, str]:
    """``resolve_model_dir`` plus where the directory came from: EXPLICIT, TRAINED or SHIPPED."""
    if path is not None:
        p = Path(path).expanduser()
        if p.is_file():
            p = _follow(p)
        if not (p / "config.json").is_file():
            raise ModelNotFoundError(f"{path}: not a model directory (no config.json); train one with `python train.py`")
        return p, EXPLICIT
    for pointer in latest_pointers():
        if pointer.exists():
            target = _follow(pointer)
            if (target / "config.json").is_file():
                return target, TRAINED
            # a broken pointer is the user's model gone missing: say so rather than silently use another model
            raise ModelNotFoundError(f"{pointer} names {target}, which is not a model directory; run `python train.py` "
                                     "or delete the pointer to use the shipped default model")
    shipped = shipped_model_dir()
    if (shipped / "config.json").is_file():
        return shipped, SHIPPED
    raise ModelNotFoundError(
        f"no model: {latest_pointers()[0]} does not exist and the shipped default model ({shipped}) is missing; "
        "run `python train.py` to train and export one (or pass --model DIR)"
    )


def resolve_model_dir(path: str | Path | None = None) -> Path:
    """The model directory to use. Resolution order (the one place it is stated; predict.py and
    ``Extractor.from_pretrained`` both come here):

    1. ``path`` when given (``model_path=`` / ``from_pretrained(dir)``): an export dir, or a pointer file such
       as ``models/latest``; it must hold a model, there is no fallback.
    2. else ``models/latest`` when you have trained one: under the current directory, then under the source
       tree; when ``$LAYOUTX_MODELS_DIR`` is set, ``$LAYOUTX_MODELS_DIR/latest`` alone. A ``latest`` that names
       a missing model is an error, not a reason to fall through.
    3. else the default model shipped in the package (``layoutx/resources/model``).

    Raises ModelNotFoundError (a one-line message naming the fix) when none applies."""
    return find_model(path)[0]
