"""Both OCR backends run for real on rendered text (upright, rotated, empty), plus the torchvision shim."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch
from PIL import Image

from layoutx.ocr import _torchvision_shim
from layoutx.ocr._common import downscale, line_angle, line_to_words
from layoutx.ocr.pipeline import get_engine
from layoutx.ocr.types import OcrResult, orientation
from tests.ocr_render import iou, render, rotate

WORDS = ["Net", "Wt", "500ml", "12V"]


@pytest.fixture(scope="module")
def rapid():
    return get_engine("rapidocr", threads=2)


@pytest.fixture(scope="module")
def easy():
    return get_engine("easyocr", threads=2)


def _center_in(a: tuple, b: tuple) -> bool:
    cx, cy = (a[0] + a[2]) / 2, (a[1] + a[3]) / 2
    return b[0] <= cx <= b[2] and b[1] <= cy <= b[3]


def _check(res: OcrResult, image: Image.Image, boxes: list[tuple]) -> None:
    """Every word read with its exact characters, each box on its drawn word: the two boxes contain each
    other's centres (detector boxes are padded, so IoU is loose) and overlap substantially."""
    assert (res.width, res.height) == image.size
    found = {w.text: w for w in res.words}
    assert [w for w in WORDS if w in found] == WORDS, res.text  # exact characters, "500ml" kept whole
    for word, drawn in zip(WORDS, boxes):
        got = found[word].box
        assert _center_in(drawn, got) and _center_in(got, drawn), (word, got, drawn)
        assert iou(got, drawn) >= 0.25, (word, got, drawn)
        assert 0.5 <= found[word].confidence <= 1.0


# ---- torchvision shim ---------------------------------------------------------------------------------------
def test_shim_is_installed_only_without_torchvision() -> None:
    assert _torchvision_shim.install() is True  # torchvision does not import in this environment
    assert _torchvision_shim.install() is True  # idempotent
    import torchvision
    import torchvision.transforms as transforms
    from torchvision import models

    assert torchvision.__version__ == _torchvision_shim.SHIM_VERSION
    assert sys.modules["torchvision.models"] is models and transforms.ToTensor is _torchvision_shim._ToTensor


def test_shim_to_tensor_matches_torchvision_semantics() -> None:
    _torchvision_shim.install()
    from torchvision import transforms

    rgb = Image.fromarray(np.array([[[0, 51, 255], [102, 153, 204]]], dtype=np.uint8))  # 1 x 2, RGB
    t = transforms.ToTensor()(rgb)
    want = torch.tensor([[[0, 102]], [[51, 153]], [[255, 204]]], dtype=torch.float32) / 255
    assert t.shape == (3, 1, 2) and t.dtype == torch.float32 and torch.equal(t, want)
    gray = transforms.ToTensor()(Image.fromarray(np.array([[0, 255, 128]], dtype=np.uint8), "L"))
    assert gray.shape == (1, 1, 3) and torch.equal(gray, torch.tensor([[[0.0, 1.0, 128 / 255]]]))


def test_shim_vgg16_bn_loads_easyocr_craft_weights() -> None:
    _torchvision_shim.install()
    from torchvision import models

    feats = models.vgg16_bn(weights=None).features
    assert len(feats) == 44 and isinstance(feats[0], torch.nn.Conv2d) and isinstance(feats[1], torch.nn.BatchNorm2d)
    assert [i for i, m in enumerate(feats) if isinstance(m, torch.nn.MaxPool2d)] == [6, 13, 23, 33, 43]
    assert feats(torch.zeros(1, 3, 64, 64)).shape == (1, 512, 2, 2)
    with pytest.raises(RuntimeError, match="no ImageNet weights"):
        models.vgg16_bn(weights=models.VGG16_BN_Weights.DEFAULT)

    from easyocr.craft import CRAFT

    from layoutx.ocr.easyocr_backend import weights_dir

    state = torch.load(weights_dir() / "craft_mlt_25k.pth", map_location="cpu", weights_only=True)
    state = {k.removeprefix("module."): v for k, v in state.items()}
    net = CRAFT()
    net.load_state_dict(state, strict=True)  # every basenet.sliceN.M name and shape matches the shim's layers
    with torch.no_grad():
        y, _ = net.eval()(torch.zeros(1, 3, 64, 64))
    assert y.shape == (1, 32, 32, 2)


# ---- word splitting / pre-step (pure) ------------------------------------------------------------------------
def test_line_split_keeps_characters_and_direction() -> None:
    words = line_to_words("Net Wt  500ml", (0, 0, 120, 10), 0.9)  # 12 characters incl. one space per gap
    assert [w.text for w in words] == ["Net", "Wt", "500ml"]
    assert [w.box for w in words] == [(0, 0, 30, 10), (40, 0, 60, 10), (70, 0, 120, 10)]
    down = line_to_words("ab cd", (0, 0, 10, 50), 1.0)
    up = line_to_words("ab cd", (0, 0, 10, 50), 1.0, bottom_to_top=True)
    assert [w.box for w in down] == [(0, 0, 10, 20), (0, 30, 10, 50)]
    assert [w.box for w in up] == [(0, 30, 10, 50), (0, 0, 10, 20)]


def test_downscale_factor() -> None:
    small, f = downscale(Image.new("RGB", (3000, 1000)), 1500)
    assert small.size == (1500, 500) and f == 2.0
    same, f1 = downscale(Image.new("RGB", (300, 100)), 1500)
    assert same.size == (300, 100) and f1 == 1.0


# ---- RapidOCR ----------------------------------------------------------------------------------------------
def test_rapidocr_reads_words_with_boxes(rapid) -> None:
    im, boxes = render(WORDS)
    res = rapid(im)
    assert res.engine == "rapidocr"
    _check(res, im, boxes)


def test_rapidocr_boxes_are_in_original_pixels_after_downscale() -> None:
    eng = get_engine("rapidocr", threads=2, max_side=700)
    im, boxes = render(WORDS, scale=3)  # ~1000 px wide, OCR'd at 700
    assert max(im.size) > 700
    res = eng(im)
    _check(res, im, boxes)
    assert res.meta["ocr_size"][0] == 700


@pytest.mark.parametrize("degrees", [90, 270])
def test_rapidocr_rotated_text(rapid, degrees: int) -> None:
    im, boxes = rotate(*render(WORDS), degrees)
    _check(rapid(im), im, boxes)  # word order along the vertical line follows the reading direction


@pytest.mark.parametrize("degrees, direction", [(0, 0), (90, 1), (270, 2)])
def test_rapidocr_words_carry_their_reading_direction(rapid, degrees: int, direction: int) -> None:
    """Text turned 90 degrees counter-clockwise reads bottom to top (class 1), clockwise top to bottom (2)."""
    im, _ = rotate(*render(WORDS), degrees) if degrees else render(WORDS)
    res = rapid(im)
    assert {orientation(w.angle) for w in res.words} == {direction}, [(w.text, w.angle) for w in res.words]
    assert OcrResult.from_dict(res.to_dict()).words == res.words  # the angle survives the cache form


def test_line_angle_from_corner_points() -> None:
    assert line_angle([(0, 0), (100, 0), (100, 20), (0, 20)], "500 g") == 0.0
    assert line_angle([(0, 0), (20, 0), (20, 100), (0, 100)], "500 g", bottom_to_top=True) == 90.0
    assert line_angle([(0, 0), (20, 0), (20, 100), (0, 100)], "500 g") == -90.0
    # a rising slant of 30 degrees (image y grows downwards) and its falling mirror
    rising = [(0, 50), (86.6, 0), (96.6, 17.3), (10, 67.3)]
    assert line_angle(rising, "12 in") == pytest.approx(30.0, abs=0.1)
    assert line_angle([(x, -y) for x, y in rising], "12 in") == pytest.approx(-30.0, abs=0.1)
    assert line_angle([(0, 0), (20, 0), (20, 100), (0, 100)], "5") == 0.0  # one character: no direction
    assert line_angle([(0, 0), (24, 0), (24, 20), (0, 20)], "88") == 0.0  # not clearly longer than tall
    assert [orientation(a) for a in (0, 15, 90, -90, 30, -30, 180, 270, 200)] == [0, 0, 1, 2, 3, 4, 0, 2, 0]


def test_rapidocr_empty_image(rapid) -> None:
    res = rapid(Image.new("RGB", (320, 240), "white"))
    assert res.words == () and (res.width, res.height) == (320, 240)


def test_settings_rebuild_same_engine(rapid) -> None:
    s = rapid.settings()
    assert get_engine(s.pop("name", "rapidocr"), **s).settings() == rapid.settings()


# ---- EasyOCR -----------------------------------------------------------------------------------------------
def test_easyocr_reads_words_with_boxes(easy) -> None:
    im, boxes = render(WORDS, size=20, pad=12)  # small images keep EasyOCR quick
    res = easy(im)
    assert res.engine == "easyocr" and easy.settings()["canvas_size"] == 2560
    _check(res, im, boxes)


def test_easyocr_rotated_text_via_retry(easy) -> None:
    im, boxes = rotate(*render(WORDS, size=20, pad=12), 90)
    res = easy(im)
    assert res.meta["rotation"] == 270  # found by turning the image back clockwise
    _check(res, im, boxes)


def test_easyocr_empty_image(easy) -> None:
    res = easy(Image.new("RGB", (160, 120), "white"))
    assert res.words == () and (res.width, res.height) == (160, 120)
