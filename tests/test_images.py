"""Image loading: EXIF orientation, RGB, typed errors that name the file, the link -> file convention."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from layoutx.errors import ImageError
from layoutx.io.images import link_filename, load_image, local_path_for_link


def _jpeg_bytes(im: Image.Image, **kw: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "JPEG", **kw)
    return buf.getvalue()


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    im = Image.new("RGB", (40, 20), (255, 0, 0))
    im.paste((0, 0, 255), (0, 0, 10, 20))  # blue strip on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    p = tmp_path / "rot.jpg"
    p.write_bytes(_jpeg_bytes(im, exif=exif, quality=95))
    out = load_image(p)
    assert out.size == (20, 40) and out.mode == "RGB"
    r, g, b = out.getpixel((10, 2))  # the left strip is now on top
    assert b > 200 and r < 60


def test_sources_and_modes(tmp_path: Path) -> None:
    rgba = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
    out = load_image(rgba)
    assert out.mode == "RGB" and out.getpixel((0, 0)) == (255, 255, 255)  # transparent -> white
    gray = Image.new("L", (5, 7), 128)
    p = tmp_path / "g.png"
    gray.save(p)
    assert load_image(str(p)).getpixel((0, 0)) == (128, 128, 128)
    assert load_image(p.read_bytes()).size == (5, 7)


@pytest.mark.parametrize(
    "content, reason",
    [(b"", "empty file"), (b"<html>no</html>", "not an image"), (None, "truncated image")],
)
def test_bad_files_name_the_file(tmp_path: Path, content: bytes | None, reason: str) -> None:
    if content is None:
        content = _jpeg_bytes(Image.effect_noise((64, 64), 60).convert("RGB"))[:600]
    p = tmp_path / "bad.jpg"
    p.write_bytes(content)
    with pytest.raises(ImageError) as ei:
        load_image(p)
    assert ei.value.reason == reason and str(p) in str(ei.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="no such file"):
        load_image(tmp_path / "nope.jpg")


def test_decompression_bomb_limit_stays_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "big.png"
    Image.new("RGB", (200, 200)).save(p)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)  # 40,000 px is 4x the limit
    with pytest.raises(ImageError, match="decompression-bomb"):
        load_image(p)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 30_000)  # between 1x and 2x: Pillow only warns; we refuse
    with pytest.raises(ImageError, match="decompression-bomb"):
        load_image(p)


def test_link_filename_follows_official_convention(tmp_path: Path) -> None:
    link = "https://m.media-amazon.com/images/I/61I9XdN6OFL.jpg"
    assert link_filename(link) == "61I9XdN6OFL.jpg" == Path(link).name
    assert link_filename("https://x.org/a/b%2Bc.jpg?w=1") == "b+c.jpg"
    assert local_path_for_link(link, tmp_path) == tmp_path / "61I9XdN6OFL.jpg"
    with pytest.raises(ValueError):
        link_filename("https://x.org/")
