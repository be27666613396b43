"""RapidOCR speed options (issue 13): each one run on the real engine, on and off, on rendered text."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
import yaml
from PIL import Image

from tests.ocr_render import render

pytest.importorskip("rapidocr")

from layoutx.ocr.pipeline import get_engine  # noqa: E402
from layoutx.ocr.rapidocr_backend import RapidOcrEngine  # noqa: E402
from layoutx.ocr.retry import DEFAULT_RETRY  # noqa: E402

WORDS = ["Net", "Wt", "500ml", "Energy", "120kcal"]


def _read(engine: RapidOcrEngine, image) -> tuple[list[str], list[tuple]]:
    res = engine(image)
    return [w.text for w in res.words], [tuple(round(v, 3) for v in w.box) for w in res.words]


def _det_inputs(engine: RapidOcrEngine) -> list[tuple[int, ...]]:
    """Record the shape of every detector input (wraps the ONNX session of the real detector)."""
    det = engine._engine._load_det_model()
    session, seen = det.session, []

    class Spy:
        def __call__(self, x):
            seen.append(tuple(x.shape))
            return session(x)

        def __getattr__(self, name):
            return getattr(session, name)

    det.session = Spy()
    return seen


@pytest.fixture(scope="module")
def plain_engine() -> RapidOcrEngine:
    return RapidOcrEngine(threads=1)


def test_defaults_keep_todays_behaviour() -> None:
    """conf/ocr/rapidocr.yaml and the constructor agree, and the output-changing options default to off (the arena only changes speed)."""
    conf = yaml.safe_load((Path(__file__).parents[1] / "conf" / "ocr" / "rapidocr.yaml").read_text())
    defaults = {k: p.default for k, p in inspect.signature(RapidOcrEngine.__init__).parameters.items()
                if k != "self"}
    assert {k: v for k, v in conf.items() if k not in ("name", "retry")} == defaults
    assert conf["retry"] == DEFAULT_RETRY["rapidocr"]  # the second pass's settings (layoutx.ocr.retry)
    assert (defaults["mem_arena"], defaults["det_max_side"], defaults["rec_min_width"]) == (True, None, 320)


def test_settings_carry_the_speed_options() -> None:
    eng = RapidOcrEngine(threads=1, mem_arena=True, det_max_side=1280, rec_min_width=160)
    s = eng.settings()
    assert (s["mem_arena"], s["det_max_side"], s["rec_min_width"]) == (True, 1280, 160)
    assert get_engine("rapidocr", **s).settings() == s


def test_mem_arena_gives_identical_words_and_boxes(plain_engine: RapidOcrEngine) -> None:
    im, _ = render(WORDS, size=30)
    off = RapidOcrEngine(threads=1, mem_arena=False)
    words, boxes = _read(plain_engine, im)
    assert [w.lower() for w in words] == [w.lower() for w in WORDS]
    assert _read(off, im) == (words, boxes)


def test_det_max_side_bounds_a_banner_and_reads_the_same_words(plain_engine: RapidOcrEngine) -> None:
    banner = render(WORDS, size=30)[0]
    banner = banner.crop((0, 0, banner.width, 90))  # a thin strip: "min" would scale 90 px up to 736
    capped = RapidOcrEngine(threads=1, det_max_side=1280)
    seen_plain, seen_capped = _det_inputs(plain_engine), _det_inputs(capped)
    words, _ = _read(plain_engine, banner)
    capped_words, _ = _read(capped, banner)
    assert max(seen_plain[-1][2:]) > 2000  # the uncapped detector input is several thousand pixels long
    assert max(seen_capped[-1][2:]) <= 1280 + 16
    assert [w.lower() for w in words] == [w.lower() for w in WORDS]
    assert capped_words == words


def test_det_max_side_leaves_images_within_the_bound_exactly_alone(plain_engine: RapidOcrEngine) -> None:
    line, _ = render(WORDS, size=30)
    im = Image.new("RGB", (line.width, line.width), "white")  # square: 736 x 736 after the "min" rule
    im.paste(line, (0, 0))
    capped = RapidOcrEngine(threads=1, det_max_side=1280)
    seen = _det_inputs(capped)
    assert _read(capped, im) == _read(plain_engine, im)
    assert seen[-1][2:] == (736, 736)


def test_rec_min_width_keeps_the_words(plain_engine: RapidOcrEngine) -> None:
    im, _ = render(WORDS, size=30)
    narrow = RapidOcrEngine(threads=1, rec_min_width=160)
    words, _ = _read(plain_engine, im)
    assert _read(narrow, im)[0] == words


def test_the_fast_preset_differs_from_the_default_only_in_its_speed_settings() -> None:
    """conf/ocr/rapidocr_fast.yaml (python predict.py ocr=rapidocr_fast) is the default engine with a smaller
    detector input and narrower recognition padding, and no small-print retry; every other field is a
    constructor argument."""
    conf = Path(__file__).parents[1] / "conf" / "ocr"
    default = yaml.safe_load((conf / "rapidocr.yaml").read_text())
    fast = yaml.safe_load((conf / "rapidocr_fast.yaml").read_text())
    assert set(fast) == set(default)
    assert {k: v for k, v in fast.items() if default[k] != v} == {
        "det_limit_type": "max", "det_limit_side_len": 640, "rec_min_width": 160, "retry": None}
    del fast["retry"]
    engine = get_engine(fast.pop("name"), **fast)
    assert {k: engine.settings()[k] for k in fast} == fast
