"""OCR engines behind one protocol (``OcrEngine``) returning one result type (``OcrResult``)."""

from layoutx.ocr.types import Box, OcrEngine, OcrResult, Word

__all__ = ["Box", "OcrEngine", "OcrResult", "Word"]
