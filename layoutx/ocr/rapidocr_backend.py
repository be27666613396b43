"""RapidOCR 3.x with its bundled default ONNX models (PP-OCR det/cls/rec) on onnxruntime.

The models ship inside the ``rapidocr`` wheel, so nothing is downloaded. Vertical (90/270 degree) lines
are read natively: RapidOCR turns tall crops upright and its 0/180 classifier (``use_cls``) fixes
upside-down ones.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from layoutx.ocr._common import Line, LineEngine, limit_threads, plain


class RapidOcrEngine(LineEngine):
    """``OcrEngine`` over RapidOCR. ``settings()`` is exactly the constructor's arguments (+ the package
    version), so ``RapidOcrEngine(**settings)`` rebuilds an identical engine in a worker process."""

    name = "rapidocr"

    def __init__(
        self,
        max_side: int | None = 960,
        threads: int | None = None,
        use_cls: bool = True,
        text_score: float = 0.5,
        det_limit_side_len: int = 736,
        det_limit_type: str = "min",
        det_box_thresh: float = 0.5,
        det_unclip_ratio: float = 1.6,
        rotate_retry_chars: int = 0,
        det_max_side: int | None = None,
        mem_arena: bool = True,
        rec_min_width: int = 320,
    ) -> None:
        from rapidocr import RapidOCR

        limit_threads(threads)
        self.max_side = max_side
        self.threads = threads
        self.use_cls = use_cls
        self.text_score = text_score
        self.det_limit_side_len = det_limit_side_len
        self.det_limit_type = det_limit_type
        self.det_box_thresh = det_box_thresh
        self.det_unclip_ratio = det_unclip_ratio
        self.rotate_retry_chars = rotate_retry_chars
        self.det_max_side = det_max_side
        self.mem_arena = mem_arena
        self.rec_min_width = rec_min_width
        n = threads if threads else -1
        params: dict[str, Any] = {
            "Global.log_level": "error",
            "Global.use_cls": use_cls,
            "Global.text_score": text_score,
            "Det.limit_side_len": det_limit_side_len,
            "Det.limit_type": det_limit_type,
            "Det.box_thresh": det_box_thresh,
            "Det.unclip_ratio": det_unclip_ratio,
            "EngineConfig.onnxruntime.intra_op_num_threads": n,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1 if threads else -1,
            "EngineConfig.onnxruntime.enable_cpu_mem_arena": bool(mem_arena),
            "Rec.rec_img_shape": [3, 48, int(rec_min_width)],
        }
        self._engine = RapidOCR(params=params)
        if det_max_side:
            self._cap_detector(int(det_max_side))

    def _cap_detector(self, cap: int) -> None:
        """Bound the detector's input: when the ``det_limit_type`` rule would make its longer side exceed
        ``cap`` (e.g. "min" scaling a 500x73 banner up to 5056x736), scale so the longer side is ``cap``
        instead. Images within the bound get exactly RapidOCR's own resize."""
        from rapidocr.ch_ppocr_det.utils import DetPreProcess

        det = self._engine._load_det_model()
        base = det.get_preprocess

        def capped() -> Any:
            pre = base()
            plain_resize = pre.resize

            def resize(img: Any) -> Any:
                h, w = img.shape[:2]
                if pre.limit_type == "max":
                    ratio = min(1.0, pre.limit_side_len / max(h, w))
                else:
                    ratio = max(1.0, pre.limit_side_len / min(h, w))
                if max(h, w) * ratio <= cap:
                    return plain_resize(img)
                return DetPreProcess(cap, "max", pre.mean, pre.std).resize(img)

            pre.resize = resize
            return pre

        det.get_preprocess = capped

    def settings(self) -> dict[str, Any]:
        return plain(
            {
                "max_side": self.max_side,
                "threads": self.threads,
                "use_cls": self.use_cls,
                "text_score": self.text_score,
                "det_limit_side_len": self.det_limit_side_len,
                "det_limit_type": self.det_limit_type,
                "det_box_thresh": self.det_box_thresh,
                "det_unclip_ratio": self.det_unclip_ratio,
                "rotate_retry_chars": self.rotate_retry_chars,
                "det_max_side": self.det_max_side,
                "mem_arena": self.mem_arena,
                "rec_min_width": self.rec_min_width,
            }
        )

    @property
    def version(self) -> str:
        return f"rapidocr=={version('rapidocr')}"

    def _lines(self, array: Any) -> list[Line]:
        out = self._engine(array)
        if out.boxes is None or out.txts is None:
            return []
        scores = out.scores if out.scores is not None else [1.0] * len(out.txts)
        return [
            (box.tolist(), t, float(s), self._bottom_to_top(array, box, t))
            for box, t, s in zip(out.boxes, out.txts, scores)
        ]

    def _bottom_to_top(self, array: Any, box: Any, text: str) -> bool:
        """Reading direction of a vertical line, from RapidOCR's own 0/180 classifier on the
        crop turned the way RapidOCR turns it (counter-clockwise): "180" means the text runs bottom to top.
        Word order inside vertical lines and the words' ``angle`` depend on it; horizontal lines return False
        at once."""
        import numpy as np

        xs, ys = box[:, 0], box[:, 1]
        if not self.use_cls or len(text.replace(" ", "")) < 2 or (ys.max() - ys.min()) < 1.5 * (xs.max() - xs.min()):
            return False
        try:
            from rapidocr.utils.process_img import get_rotate_crop_image

            crop = get_rotate_crop_image(array, np.asarray(box, dtype=np.float32))
            cls = self._engine._load_cls_model()
            label, score = cls([crop]).cls_res[0]
            return "180" in label and score > cls.cls_thresh
        except Exception:  # noqa: BLE001 - a private-API change only costs the word order, not the words
            return False

