"""The library API: ``Extractor`` reads one entity off one product image (or many rows at once).

    from layoutx import Extractor
    ex = Extractor.from_pretrained()             # models/latest, else the shipped model; cached OCR
    ex.predict("photo.jpg", "item_weight").text  # "500.0 gram" or ""

OCR -> ``split_glued`` words -> the tagger's per-word label probabilities -> ``layoutx.decode``. Images
given as paths go through the on-disk OCR cache (``layoutx.ocr.pipeline.ocr_paths``); bytes and PIL
images are OCR'd directly. ``Extractor.rules()`` is the model-less baseline: the decoder's rule-based
fallback alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from layoutx.core.boxes import normalize_box
from layoutx.core.units import allowed_units
from layoutx.decode import Prediction, decode, empty_prediction
from layoutx.errors import ImageError
from layoutx.labels.tags import LABELS
from layoutx.labels.tokens import split_glued
from layoutx.ocr.types import OcrResult, Word, orientation

ImageLike = Any  # str | Path | bytes | PIL.Image.Image


def prepare_words(ocr: OcrResult) -> tuple[list[Word], list[list[int]]]:
    """Split glued value/unit words and put their boxes on LayoutLMv3's 0..1000 grid."""
    words = split_glued(ocr.words)
    if ocr.width <= 0 or ocr.height <= 0:
        return words, [[0, 0, 0, 0] for _ in words]
    return words, [normalize_box(w.box, ocr.width, ocr.height) for w in words]


class Extractor:
    """OCR + tagger + decoder. ``tagger`` None means rules only (the fallback decoder)."""

    def __init__(self, tagger: Any = None, ocr: Any = None, *, cache_dir: str | Path | None = None,
                 fallback: bool = True, batch_size: int = 16) -> None:
        self.tagger = tagger
        self.fallback = fallback
        self.batch_size = batch_size
        self.cache_dir = cache_dir
        self._ocr_spec = ocr
        self.model_dir: Path | None = None  # set by from_pretrained
        self.model_source: str | None = None  # "explicit", "latest" or "shipped" (layoutx.models.export)
        self._engine: Any = None
        self._retry_engine: Any = None
        self._label_order: list[int] | None = None
        if tagger is not None:
            labels = list(tagger.labels)
            if sorted(labels) != sorted(LABELS):
                raise ValueError(f"model labels {labels} are not layoutx's {list(LABELS)}")
            self._label_order = [labels.index(label) for label in LABELS]

    @classmethod
    def from_pretrained(cls, model_dir: str | Path | None = None, ocr: Any = None, device: str | None = None, *,
                        cache_dir: str | Path | None = None, fallback: bool = True, batch_size: int = 16
                        ) -> Extractor:
        """Load an exported tagger: ``model_dir``, else ``models/latest``, else the shipped default model (the
        order is ``layoutx.models.export.resolve_model_dir``'s); ``model_source`` says which it was.

        ``ocr``: None (the default engine), an engine name, or an OcrEngine instance."""
        from layoutx.models.export import find_model
        from layoutx.models.inference import Tagger

        path, source = find_model(model_dir)
        tagger = Tagger.from_pretrained(path, device=device)
        ex = cls(tagger, ocr, cache_dir=cache_dir, fallback=fallback, batch_size=batch_size)
        ex.model_dir = path
        ex.model_source = source
        return ex

    @classmethod
    def rules(cls, ocr: Any = None, *, cache_dir: str | Path | None = None) -> Extractor:
        """The model-less baseline: OCR + the rule-based candidate picker (tallest number+unit)."""
        return cls(None, ocr, cache_dir=cache_dir, fallback=True)

    @property
    def uses_model(self) -> bool:
        return self.tagger is not None

    @property
    def needs_image(self) -> bool:
        """True when the model reads pixels too (a visual LayoutLMv3), so callers must pass the image."""
        return bool(getattr(self.tagger, "visual", False))

    def _spec(self) -> Any:
        spec = self._ocr_spec
        if spec is None and self.tagger is not None:
            spec = getattr(self.tagger, "meta", {}).get("ocr")  # the engine the model was trained on
        return spec

    def ocr_target(self) -> tuple[Any, dict[str, Any]]:
        """What ``ocr_paths`` gets: (engine name, settings) for a named engine, so that its worker processes
        build their own engines and the cache key is the name + settings; or (the engine object, {})."""
        spec = self._spec()
        if spec is None or isinstance(spec, str):
            from layoutx.ocr.pipeline import DEFAULT_ENGINE

            return spec or DEFAULT_ENGINE, {}
        if isinstance(spec, Mapping):
            from layoutx.ocr.pipeline import DEFAULT_ENGINE

            name, settings = engine_spec(spec)
            return name or DEFAULT_ENGINE, settings
        return spec, {}

    def retry_target(self) -> tuple[str, dict[str, Any]] | None:
        """(engine name, settings) of the small-print retry (``layoutx.ocr.retry``), or None when there is
        none: an engine given as an object, an engine without a default retry, or ``retry: null`` in the spec."""
        from layoutx.ocr.retry import retry_settings

        target, settings = self.ocr_target()
        if not isinstance(target, str):
            return None
        spec = self._spec()
        overrides = retry_settings(target, spec if isinstance(spec, Mapping) else None)
        return None if overrides is None else (target, {**settings, **overrides})

    @property
    def engine(self) -> Any:
        """The OCR engine object (for bytes / PIL input), created on first use: engines are not cheap."""
        if self._engine is None:
            target, settings = self.ocr_target()
            if isinstance(target, str):
                from layoutx.ocr.pipeline import get_engine

                self._engine = get_engine(target, **settings)
            else:
                self._engine = target
        return self._engine

    def ocr_paths(self, paths: Sequence[str | Path], workers: int | None = None, *, retry: bool = False
                  ) -> dict[str, Any]:
        """``layoutx.ocr.pipeline.ocr_paths`` with this extractor's engine and cache (no progress bar);
        ``retry=True``: with the small-print retry's settings (``retry_target``)."""
        from layoutx.ocr.pipeline import ocr_paths

        in_process = workers == 1 or (workers is None and len(paths) < 4)  # the pipeline's own rule
        if retry:
            target_settings = self.retry_target()
            if target_settings is None:
                raise ValueError("this extractor has no OCR retry (see retry_target)")
            target, settings = target_settings
            if in_process:
                target, settings = self._retry_ocr_engine(), {}
        else:
            target, settings = self.ocr_target()
            if isinstance(target, str) and (in_process or self._engine is not None):
                target, settings = self.engine, {}  # build once, reuse across calls (a cache hit costs no init)
        kwargs: dict[str, Any] = {"engine": target, "progress": False, "workers": workers, **settings}
        if self.cache_dir is not None:
            kwargs["cache_dir"] = self.cache_dir
        return ocr_paths(list(paths), **kwargs)

    def _retry_ocr_engine(self) -> Any:
        if self._retry_engine is None:
            from layoutx.ocr.pipeline import get_engine

            target_settings = self.retry_target()
            assert target_settings is not None
            self._retry_engine = get_engine(target_settings[0], **target_settings[1])
        return self._retry_engine

    def second_pass(self, images: Sequence[ImageLike], entities: Sequence[str],
                    first: Sequence[OcrResult | ImageError]) -> list[OcrResult | ImageError]:
        """Per row, the OCR result to decode: ``first``, or the small-print retry's (``layoutx.ocr.retry``)
        for the rows it is for. Paths go through the cache; bytes / PIL images are OCR'd again."""
        if self.retry_target() is None:
            return list(first)
        from layoutx.ocr.retry import second_pass

        keys: list[Any] = [str(im) if isinstance(im, str | Path) else id(im) for im in images]
        objects = {id(im): im for im in images if not isinstance(im, str | Path)}

        def again(todo: list[Any]) -> dict[Any, Any]:
            paths = [k for k in todo if isinstance(k, str)]
            out: dict[Any, Any] = dict(self.ocr_paths(paths, retry=True)) if paths else {}
            for k in todo:
                if not isinstance(k, str):
                    out[k] = self._ocr_object(objects[k], self._retry_ocr_engine())
            return out

        return second_pass(list(zip(keys, entities)), first, again)  # type: ignore[arg-type]

    # ---- OCR -------------------------------------------------------------------------------------------
    def ocr_image(self, image: ImageLike) -> OcrResult:
        """OCR one image; paths use the cache. Raises ImageError for a missing or unreadable image."""
        return self._ocr_many([image])[0]

    def _ocr_many(self, images: Sequence[ImageLike], *, raise_errors: bool = True) -> list[OcrResult | ImageError]:
        paths = sorted({str(im) for im in images if isinstance(im, str | Path)})
        by_path = self.ocr_paths(paths, workers=1) if paths else {}
        out: list[OcrResult | ImageError] = []
        seen: dict[int, OcrResult | ImageError] = {}
        for im in images:
            if isinstance(im, str | Path):
                res = by_path.get(str(im))
                if res is None:
                    res = ImageError(str(im), "not OCR'd")
            elif id(im) in seen:
                res = seen[id(im)]
            else:
                res = self._ocr_object(im)
                seen[id(im)] = res
            if isinstance(res, ImageError) and raise_errors:
                raise res
            out.append(res)
        return out

    def _ocr_object(self, image: ImageLike, engine: Any = None) -> OcrResult | ImageError:
        from layoutx.io.images import load_image

        try:
            return (engine or self.engine)(load_image(image))
        except ImageError as exc:
            return exc

    # ---- prediction ------------------------------------------------------------------------------------
    def predict(self, image: ImageLike, entity_name: str, group_id: str | int | None = None) -> Prediction:
        """The answer for one image and entity. Raises UnknownEntityError / ImageError. ``group_id`` (the
        challenge's product category) is accepted so that rows pass through unchanged; decoding does not
        use it."""
        allowed_units(entity_name)
        return self.predict_batch([(image, entity_name, group_id)])[0]

    def predict_batch(self, rows: Iterable[Any], *, on_error: str = "raise") -> list[Prediction]:
        """Answers for many rows: each row is (image, entity[, group_id]) or a mapping with "image" and
        "entity_name". OCR runs once per distinct image (same path, or the same bytes/PIL object) and the
        model runs in batches. ``on_error="empty"`` turns an unreadable image into an empty Prediction
        whose ``error`` names the reason instead of raising; unknown entities always raise."""
        parsed = [_row(r) for r in rows]
        for _, entity in parsed:
            allowed_units(entity)
        images = [im for im, _ in parsed]
        ocrs = self.second_pass(images, [e for _, e in parsed],
                                self._ocr_many(images, raise_errors=(on_error == "raise")))
        items: list[tuple[OcrResult, str, Any]] = []
        slots: list[int] = []
        out: list[Prediction | None] = [None] * len(parsed)
        for k, ((image, entity), res) in enumerate(zip(parsed, ocrs)):
            if isinstance(res, ImageError):
                out[k] = error_prediction(entity, res.reason)
                continue
            items.append((res, entity, image if self.needs_image else None))
            slots.append(k)
        for k, pred in zip(slots, self.predict_ocr(items)):
            out[k] = pred
        return [p if p is not None else empty_prediction() for p in out]

    def predict_ocr(self, items: Sequence[tuple[OcrResult, str, Any]]) -> list[Prediction]:
        """Answers from OCR results already at hand: (ocr, entity, image or None) per row; the image (PIL or
        path) is only read when the model is visual, a group of rows at a time (bounded memory)."""
        prepared = [prepare_words(ocr) for ocr, _, _ in items]
        probs: list[list[list[float]] | None] = [[] if not words else None for words, _ in prepared]
        if self.tagger is not None:
            todo = [k for k, (words, _) in enumerate(prepared) if words]
            group = max(4 * self.batch_size, 64) if self.needs_image else max(len(todo), 1)
            for start in range(0, len(todo), group):
                part = todo[start : start + group]
                batch = []
                for k in part:
                    words, boxes = prepared[k]
                    image = items[k][2] if self.needs_image else None
                    if image is not None and not hasattr(image, "size"):
                        from layoutx.io.images import load_image

                        image = load_image(image)
                    batch.append(([w.text for w in words], boxes, items[k][1], image,
                                  [orientation(w.angle) for w in words]))
                result = self.tagger.word_probs(batch, batch_size=self.batch_size)
                order = self._label_order
                for k, rows in zip(part, result):
                    probs[k] = [[row[i] for i in order] for row in rows] if order else rows
        return [
            decode(words, probs[k] if self.tagger is not None else None, items[k][1], fallback=self.fallback)
            for k, (words, _) in enumerate(prepared)
        ]


def engine_spec(spec: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """(engine name, settings) from an ``ocr`` config/meta mapping: {engine|name: ..., settings: {...}} or
    {name: ..., key: value, ...}."""
    d = dict(spec)
    name = d.pop("engine", None) or d.pop("name", None)
    d.pop("engine", None)
    d.pop("name", None)
    d.pop("retry", None)  # the small-print retry's overrides: Extractor.retry_target
    settings = d.pop("settings", None)
    if settings is None:
        settings = {k: v for k, v in d.items() if k not in ("workers", "cache_dir")}
    settings = dict(settings or {})
    if settings.get("threads") is None:
        settings.pop("threads", None)  # let the pipeline split the cores between its workers
    return name, settings


def error_prediction(entity: str, reason: str) -> Prediction:
    """The empty answer for a row whose image could not be read, carrying the reason."""
    from dataclasses import replace

    return replace(empty_prediction(entity), error=reason)


def _row(row: Any) -> tuple[ImageLike, str]:
    if isinstance(row, Mapping):
        return row["image"], str(row["entity_name"])
    if isinstance(row, Sequence) and not isinstance(row, str | bytes) and len(row) >= 2:
        return row[0], str(row[1])
    raise TypeError(f"a row is (image, entity_name[, group_id]) or a mapping with image/entity_name, got {row!r}")
