"""Fonts for synthetic images, found in pip-installed packages so that every install sees the same set.

Sources (all free licences that allow bundling and rendering):

* matplotlib's DejaVu Sans / Sans Mono / Serif (Bitstream Vera licence + public domain changes);
* the PyPI font packages ``font-roboto`` and ``font-caladea`` (Apache 2.0), ``font-lato``,
  ``font-source-sans-pro``, ``font-source-serif-pro`` and ``font-manrope`` (SIL OFL 1.1);
* Pillow's built-in ``ImageFont.load_default(size=)`` as the last resort, so that generation works with none
  of the above installed (with fewer families, and so different images for the same seed).

The catalogue is sorted, so a seed picks the same font on every machine with the same packages installed.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

# package -> (family, licence, kind); kind drives where a family is used (headline, body, mono, serif).
_PACKAGES: dict[str, tuple[str, str, str]] = {
    "font_roboto": ("Roboto", "Apache-2.0", "sans"),
    "font_lato": ("Lato", "OFL-1.1", "sans"),
    "font_source_sans_pro": ("Source Sans Pro", "OFL-1.1", "sans"),
    "font_manrope": ("Manrope", "OFL-1.1", "sans"),
    "font_source_serif_pro": ("Source Serif Pro", "OFL-1.1", "serif"),
    "font_caladea": ("Caladea", "Apache-2.0", "serif"),
}
# Weights too thin to survive JPEG at small sizes are left out; variable fonts need axis handling.
_SKIP = ("Thin", "ExtraLight", "Variable")


@dataclass(frozen=True)
class FontSpec:
    """One font face: ``path`` None means Pillow's built-in default font."""

    family: str
    style: str
    kind: str
    bold: bool
    licence: str
    path: str | None


def _style(name: str) -> str:
    return name.rsplit("-", 1)[-1] if "-" in name else "Regular"


def _is_bold(style: str) -> bool:
    return any(w in style for w in ("Bold", "Black", "Heavy", "Semibold", "SemiBold", "ExtraBold"))


def _package_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@lru_cache(maxsize=1)
def font_catalog() -> tuple[FontSpec, ...]:
    """Every usable face, sorted; never empty (Pillow's default font is always there)."""
    faces: list[FontSpec] = []
    mpl = _package_dir("matplotlib")
    if mpl is not None:
        ttf = mpl / "mpl-data" / "fonts" / "ttf"
        for name, family, kind in (
            ("DejaVuSans", "DejaVu Sans", "sans"),
            ("DejaVuSans-Bold", "DejaVu Sans", "sans"),
            ("DejaVuSansMono", "DejaVu Sans Mono", "mono"),
            ("DejaVuSansMono-Bold", "DejaVu Sans Mono", "mono"),
            ("DejaVuSerif", "DejaVu Serif", "serif"),
            ("DejaVuSerif-Bold", "DejaVu Serif", "serif"),
        ):
            path = ttf / f"{name}.ttf"
            if path.exists():
                style = _style(name)
                faces.append(FontSpec(family, style, kind, _is_bold(style), "Bitstream-Vera/DejaVu", str(path)))
    for package, (family, licence, kind) in _PACKAGES.items():
        root = _package_dir(package)
        if root is None:
            continue
        files = sorted((root / "files").glob("*.ttf")) or sorted((root / "files").glob("*.otf"))
        for path in files:
            if any(s in path.stem for s in _SKIP):
                continue
            style = _style(path.stem)
            faces.append(FontSpec(family, style, kind, _is_bold(style), licence, str(path)))
    faces.append(FontSpec("Pillow default", "Regular", "sans", False, "Pillow (HPND) / Aileron (CC0)", None))
    return tuple(sorted(faces, key=lambda f: (f.family, f.style, f.path or "")))


@lru_cache(maxsize=512)
def load_font(spec: FontSpec, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A cached font object at a pixel size."""
    size = max(6, int(size))
    if spec.path is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(spec.path, size=size)


def families() -> list[str]:
    """Distinct family names available (for reports)."""
    return sorted({f.family for f in font_catalog()})
