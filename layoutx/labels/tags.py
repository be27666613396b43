"""The word tag scheme shared by weak labels, the model head and decoding.

BIO over two span types: the number (VALUE) and the unit (UNIT) are tagged separately so that decoding
can read the unit the image shows instead of guessing it.
"""

from __future__ import annotations

LABELS: tuple[str, ...] = ("O", "B-VALUE", "I-VALUE", "B-UNIT", "I-UNIT")
LABEL2ID: dict[str, int] = {label: i for i, label in enumerate(LABELS)}
ID2LABEL: dict[int, str] = dict(enumerate(LABELS))
