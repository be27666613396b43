"""Images from paths, bytes or PIL objects, always upright RGB, and the challenge's link -> file convention.

Every reader of images in layoutx goes through ``load_image`` so that EXIF rotation, the decompression-bomb
guard and the typed error for broken files are applied once, in one place.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from urllib.parse import unquote, urlparse

from PIL import Image, ImageOps, UnidentifiedImageError

from layoutx.errors import ImageError

ImageSource = str | Path | bytes | Image.Image


def load_image(src: ImageSource, name: str | None = None) -> Image.Image:
    """Decode fully (so truncation is caught here, not later in OCR), apply EXIF orientation, convert to RGB.

    Pillow's ``Image.MAX_IMAGE_PIXELS`` limit stays on; exceeding it raises ``ImageError`` like any other
    unreadable file. ``name`` labels bytes in error messages.
    """
    if isinstance(src, Image.Image):
        label = name or getattr(src, "filename", "") or "<image>"
        return _finish(src, label)
    if isinstance(src, bytes | bytearray | memoryview):
        label = name or "<bytes>"
        data = bytes(src)
        if not data:
            raise ImageError(label, "empty file")
        return _decode(io.BytesIO(data), label)
    path = Path(src)
    label = name or str(path)
    if not path.is_file():
        raise ImageError(label, "no such file")
    if path.stat().st_size == 0:
        raise ImageError(label, "empty file")
    with path.open("rb") as f:
        return _decode(f, label)


def _decode(fp: io.IOBase, label: str) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # Pillow warns (not raises) between MAX_IMAGE_PIXELS and 2x that; treat the warning as the error.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(fp)
            im.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError(label, f"too many pixels (decompression-bomb limit): {exc}") from None
    except UnidentifiedImageError:
        raise ImageError(label, "not an image") from None
    except (OSError, SyntaxError, ValueError) as exc:
        reason = "truncated image" if "truncat" in str(exc).lower() else f"cannot decode image: {exc}"
        raise ImageError(label, reason) from None
    return _finish(im, label)


def _finish(im: Image.Image, label: str) -> Image.Image:
    try:
        im = ImageOps.exif_transpose(im)
    except Exception as exc:  # a corrupt EXIF block should not hide an otherwise good image
        warnings.warn(f"{label}: ignoring unreadable EXIF orientation ({exc})", stacklevel=3)
    if im.mode != "RGB":
        if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
            # Transparent pixels become white (product shots are on white), not black.
            rgba = im.convert("RGBA")
            bg = Image.new("RGB", rgba.size, (255, 255, 255))
            bg.paste(rgba, mask=rgba.getchannel("A"))
            im = bg
        else:
            im = im.convert("RGB")
    return im


def link_filename(image_link: str) -> str:
    """The local file name of a challenge image link: its URL's last path component (the official
    ``download_images`` convention), so an existing folder of downloaded images is used as is."""
    link = image_link.strip()
    path = urlparse(link).path if "://" in link else link
    name = unquote(path.rstrip("/").rsplit("/", 1)[-1])
    if not name or name in (".", ".."):
        raise ValueError(f"image link has no file name: {image_link!r}")
    return name


def local_path_for_link(image_link: str, images_dir: str | Path) -> Path:
    """Where the downloaded image of ``image_link`` lives under ``images_dir``."""
    return Path(images_dir) / link_filename(image_link)
