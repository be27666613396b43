"""Validation metrics: word-level tag F1 and the challenge F1 of the decoded answers (model alone, no fallback)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from layoutx.core.metric import row_outcome
from layoutx.labels.tags import LABELS

O_ID = LABELS.index("O")


@dataclass
class TagCounts:
    """Micro counts over non-O word tags (first sub-token of each word)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, gold: Sequence[int], pred: Sequence[int]) -> None:
        for g, p in zip(gold, pred):
            if g == p:
                self.tp += g != O_ID
            else:
                self.fp += p != O_ID
                self.fn += g != O_ID

    @property
    def f1(self) -> float:
        d = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / d if d else 0.0


def decode_answer(words: Sequence[str], boxes: Sequence[Sequence[int]], probs: Sequence[Sequence[float]],
                  entity: str) -> str:
    """The model's answer ("500.0 gram" or "") through the project decoder, fallback off (model-only figure)."""
    from layoutx.decode import decode
    from layoutx.ocr.types import Word

    ws = [Word(str(t), tuple(float(v) for v in b), 1.0) for t, b in zip(words, boxes)]  # type: ignore[arg-type]
    return decode(ws, probs, entity, fallback=False).text


def challenge_counts(rows: Sequence[tuple[str, str | None, str | None]]) -> dict[str, int]:
    """TP/FP/FN/TN (numeric mode) of (entity, gold, prediction) rows — summable across DDP ranks."""
    counts = {"TP": 0, "FP": 0, "FN": 0, "TN": 0}
    for _entity, gold, pred in rows:
        counts[row_outcome(gold, pred)] += 1
    return counts


def f1_from_counts(tp: float, fp: float, fn: float) -> float:
    d = 2 * tp + fp + fn
    return 2 * tp / d if d else 0.0
