"""The one result type every OCR engine returns (pure Python: the weak-label, decoding and cache code
depend on it without importing any engine)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels of the original image


@dataclass(frozen=True)
class Word:
    """One OCR word: its exact characters, its pixel box, the engine's confidence (0..1) and the reading
    direction of its line in degrees counter-clockwise from left-to-right (``angle``: 0 upright, 90 read
    bottom to top, -90 top to bottom, 30 rising slant). The axis-aligned box hides that direction, and
    on a dimension drawing it is what tells a height label from a width or depth label."""

    text: str
    box: Box
    confidence: float = 1.0
    angle: float = 0.0

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
            "angles": [float(w.angle) for w in self.words],
            "width": int(self.width),
            "height": int(self.height),
            "engine": self.engine,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> OcrResult:
        angles = d.get("angles") or [0.0] * len(d["texts"])
        words = tuple(
            Word(t, tuple(map(float, b)), float(c), float(a))  # type: ignore[arg-type]
            for t, b, c, a in zip(d["texts"], d["boxes"], d["confidences"], angles)
        )
        return cls(words, int(d["width"]), int(d["height"]), d.get("engine", ""))


@runtime_checkable
class OcrEngine(Protocol):
    """What every backend implements: a name, its settings (part of the cache key) and a call on an image."""

    name: str

    def settings(self) -> dict[str, Any]: ...

    def __call__(self, image: Any) -> OcrResult: ...


# Orientation classes of a word (``orientation``), the model's token-type ids: 0 upright (also the
# prompt and special tokens), 1 read bottom to top, 2 read top to bottom, 3 rising slant, 4 falling slant.
N_ORIENTATIONS = 5
_UPRIGHT_MAX = 20.0  # degrees of tilt still read as upright
_VERTICAL_MIN = 70.0  # degrees from which a line counts as vertical


def orientation(angle: float) -> int:
    """The orientation class of a reading direction in degrees (see ``N_ORIENTATIONS``)."""
    a = (float(angle) + 180.0) % 360.0 - 180.0  # (-180, 180]
    if abs(a) > 90.0:  # upside down reads as the same line direction
        a = a - 180.0 if a > 0 else a + 180.0
    if abs(a) <= _UPRIGHT_MAX:
        return 0
    if a >= _VERTICAL_MIN:
        return 1
    if a <= -_VERTICAL_MIN:
        return 2
    return 3 if a > 0 else 4
