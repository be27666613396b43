"""The one result type every OCR engine returns (pure Python: the weak-label, decoding and cache code
depend on it without importing any engine)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels of the original image


@dataclass(frozen=True)
class Word:
    """One OCR word: its exact characters, its pixel box and the engine's confidence (0..1)."""

    text: str
    box: Box
    confidence: float = 1.0

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]


@dataclass(frozen=True)
class OcrResult:
    """All words of one image plus the image size the boxes refer to."""

    words: tuple[Word, ...]
    width: int
    height: int
    engine: str = ""
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    def to_dict(self) -> dict[str, Any]:
        """A JSON/Arrow-friendly form (used by the OCR cache)."""
        return {
            "texts": [w.text for w in self.words],
            "boxes": [list(map(float, w.box)) for w in self.words],
            "confidences": [float(w.confidence) for w in self.words],
            "width": int(self.width),
            "height": int(self.height),
            "engine": self.engine,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> OcrResult:
        words = tuple(
            Word(t, tuple(map(float, b)), float(c))  # type: ignore[arg-type]
            for t, b, c in zip(d["texts"], d["boxes"], d["confidences"])
        )
        return cls(words, int(d["width"]), int(d["height"]), d.get("engine", ""))


@runtime_checkable
class OcrEngine(Protocol):
    """What every backend implements: a name, its settings (part of the cache key) and a call on an image."""

    name: str

    def settings(self) -> dict[str, Any]: ...

    def __call__(self, image: Any) -> OcrResult: ...
