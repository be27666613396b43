"""Typed errors. The CLI prints ``LayoutxError`` as one line and exits non-zero; anything else is a bug."""

from __future__ import annotations


class LayoutxError(Exception):
    """A user-facing problem (bad input, missing file or model) with a one-line message."""


class UnknownEntityError(LayoutxError, ValueError):
    """An entity name the challenge does not define."""

    def __init__(self, entity: str) -> None:
        from layoutx.core.units import ENTITIES

        self.entity = entity
        super().__init__(f"unknown entity {entity!r}; valid entities: {', '.join(ENTITIES)}")


class InputFileError(LayoutxError):
    """A CSV or other input file that is missing or malformed."""


class ImageError(LayoutxError):
    """An image that cannot be read: missing, empty, truncated, not an image, or too large."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")

    def __reduce__(self):  # picklable, so a worker process can report a broken image instead of dying
        return (type(self), (self.path, self.reason))


class ModelNotFoundError(LayoutxError):
    """A model directory or pretrained weights that are not available on this machine."""
