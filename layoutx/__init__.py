"""layoutx: read product attributes (weight, volume, voltage, wattage, dimensions) off product photos.

Importing the package is cheap: the pure-Python core loads at once; anything that needs torch is
imported only when first used.
"""

from __future__ import annotations

from layoutx.core.metric import row_outcome, score
from layoutx.core.units import ENTITIES, allowed_units, lookup_unit, resolve_unit
from layoutx.core.values import Quantity, format_prediction, parse_entity_value, parse_prediction
from layoutx.errors import ImageError, InputFileError, LayoutxError, ModelNotFoundError, UnknownEntityError

__version__ = "0.1.0"

__all__ = [
    "ENTITIES", "Extractor", "ImageError", "InputFileError", "LayoutxError", "ModelNotFoundError", "Quantity",
    "UnknownEntityError", "allowed_units", "format_prediction", "lookup_unit", "parse_entity_value",
    "parse_prediction", "resolve_unit", "row_outcome", "score",
]


def __getattr__(name: str):  # PEP 562: `from layoutx import Extractor` without importing torch at package import
    if name == "Extractor":
        from layoutx.extractor import Extractor

        return Extractor
    raise AttributeError(f"module 'layoutx' has no attribute {name!r}")
