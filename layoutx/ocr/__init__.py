"""OCR engines behind one protocol (``OcrEngine``) returning one result type (``OcrResult``).

``get_engine``, ``ocr_paths``, ``DEFAULT_ENGINE`` and ``default_cache_dir`` are re-exported lazily from
``layoutx.ocr.pipeline`` so that importing this package never loads an engine.
"""

from typing import Any

from layoutx.ocr.types import Box, OcrEngine, OcrResult, Word

__all__ = ["DEFAULT_ENGINE", "Box", "OcrEngine", "OcrResult", "Word", "default_cache_dir", "get_engine", "ocr_paths"]

_LAZY = {"DEFAULT_ENGINE", "default_cache_dir", "get_engine", "ocr_paths"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from layoutx.ocr import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'layoutx.ocr' has no attribute {name!r}")
