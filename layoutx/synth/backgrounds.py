"""Photographic-looking backdrops and product shapes, drawn with numpy so one image costs milliseconds.

A scene is a backdrop (studio sweep, coloured gradient or tabletop with a horizon), blotchy low-frequency
texture, film grain, then products: boxes, bottles, pouches and jars with cylinder or panel shading and a
soft contact shadow. Text colour is then chosen against the colour actually under it (``contrast_ink``).
"""

from __future__ import annotations

import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

RGB = tuple[int, int, int]

PRODUCT_COLOURS: tuple[RGB, ...] = (
    (200, 30, 40), (20, 60, 140), (240, 200, 40), (30, 120, 60), (245, 245, 240), (25, 25, 30),
    (120, 60, 150), (240, 120, 30), (90, 160, 210), (180, 150, 110), (60, 60, 70), (230, 225, 210),
    (150, 20, 60), (0, 110, 120), (210, 210, 215), (110, 70, 40),
)
BACKDROPS: tuple[RGB, ...] = (
    (250, 250, 250), (245, 243, 238), (232, 236, 240), (225, 220, 210), (200, 205, 210), (240, 235, 225),
    (90, 80, 70), (150, 130, 110), (60, 65, 75), (210, 225, 215),
)


def luminance(c: RGB) -> float:
    return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]


def contrast_ink(under: RGB, rnd: random.Random) -> RGB:
    """A text colour that reads on ``under``: dark inks on light grounds, light inks on dark ones."""
    if luminance(under) > 140:
        return rnd.choice([(15, 15, 15), (30, 30, 35), (10, 30, 90), (120, 10, 20), (0, 70, 40), (50, 50, 50)])
    return rnd.choice([(255, 255, 255), (250, 245, 230), (255, 220, 60), (240, 240, 240)])


def jitter(c: RGB, rnd: random.Random, amount: int = 18) -> RGB:
    return tuple(int(min(255, max(0, v + rnd.randint(-amount, amount)))) for v in c)  # type: ignore[return-value]


def _blotches(rng: np.random.Generator, w: int, h: int, cells: int, strength: float) -> np.ndarray:
    small = rng.normal(0.0, strength, size=(cells, cells)).astype(np.float32)
    img = Image.fromarray(small, mode="F").resize((w, h), Image.Resampling.BICUBIC)
    return np.asarray(img, dtype=np.float32)


def backdrop(
    rnd: random.Random, rng: np.random.Generator, w: int, h: int, kind: str | None = None
) -> tuple[np.ndarray, RGB]:
    """Float HxWx3 backdrop and its mean colour; ``kind`` 'plain' is a near-white catalogue background."""
    base = np.array(jitter(rnd.choice(BACKDROPS), rnd, 10), dtype=np.float32)
    kind = kind or rnd.choice(["studio", "studio", "gradient", "table"])
    if kind == "plain":
        white = np.array(jitter((248, 248, 248), rnd, 6), dtype=np.float32)
        return np.broadcast_to(white, (h, w, 3)).copy(), tuple(int(v) for v in white)  # type: ignore[return-value]
    ys = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    xs = np.linspace(0.0, 1.0, w, dtype=np.float32)[None, :, None]
    if kind == "studio":
        img = base - 25.0 * (ys - 0.3) ** 2 - 20.0 * (xs - 0.5) ** 2
    elif kind == "gradient":
        other = np.array(jitter(rnd.choice(BACKDROPS), rnd, 25), dtype=np.float32)
        t = np.clip(rnd.uniform(0.3, 1.0) * ys + rnd.uniform(-0.4, 0.4) * xs, 0, 1)
        img = base * (1 - t) + other * t
    else:
        table = np.array(jitter(rnd.choice(BACKDROPS[5:]), rnd, 20), dtype=np.float32)
        horizon = rnd.uniform(0.55, 0.8)
        t = (ys > horizon).astype(np.float32)
        img = base * (1 - t) + table * t - 30.0 * t * (ys - horizon)
    img = np.broadcast_to(img, (h, w, 3)).copy()
    img += _blotches(rng, w, h, rnd.randint(3, 8), rnd.uniform(2, 9))[:, :, None]
    mean = tuple(int(v) for v in img[::16, ::16].reshape(-1, 3).mean(axis=0).clip(0, 255))
    return img, mean  # type: ignore[return-value]


def shape_mask(kind: str, w: int, h: int, box: tuple[int, int, int, int], rnd: random.Random) -> Image.Image:
    """Soft-edged mask of a product silhouette inside ``box`` (drawn at half size, smoothed up)."""
    scale = 2
    m = Image.new("L", (w // scale + 1, h // scale + 1), 0)
    d = ImageDraw.Draw(m)
    x0, y0, x1, y1 = (v // scale for v in box)
    bw, bh = x1 - x0, y1 - y0
    if kind == "box":
        d.rounded_rectangle((x0, y0, x1, y1), radius=max(1, int(min(bw, bh) * rnd.uniform(0.0, 0.06))), fill=255)
    elif kind == "bottle":
        neck = int(bw * rnd.uniform(0.25, 0.4))
        shoulder = y0 + int(bh * rnd.uniform(0.18, 0.3))
        cx = (x0 + x1) // 2
        d.rectangle((cx - neck // 2, y0, cx + neck // 2, shoulder), fill=255)
        d.ellipse((x0, shoulder - bw // 3, x1, shoulder + bw // 3), fill=255)
        d.rounded_rectangle((x0, shoulder, x1, y1), radius=max(1, bw // 8), fill=255)
    elif kind == "jar":
        d.rounded_rectangle((x0, y0 + bh // 8, x1, y1), radius=max(1, bw // 6), fill=255)
        d.rectangle((x0 + bw // 20, y0, x1 - bw // 20, y0 + bh // 6), fill=255)
    else:  # pouch
        d.polygon([(x0 + bw // 10, y0), (x1 - bw // 10, y0), (x1, y1), (x0, y1)], fill=255)
        d.ellipse((x0, y1 - bh // 6, x1, y1 + bh // 12), fill=255)
    m = m.filter(ImageFilter.GaussianBlur(0.8))
    return m.resize((w, h), Image.Resampling.BILINEAR)


def paint_product(
    img: np.ndarray,
    rnd: random.Random,
    box: tuple[int, int, int, int],
    colour: RGB,
    kind: str,
) -> None:
    """Composite a shaded product silhouette (with a contact shadow) into ``img`` in place."""
    h, w = img.shape[:2]
    x0, y0, x1, y1 = box
    # contact shadow: a blurred dark ellipse under the product
    sh = Image.new("L", (w // 4 + 1, h // 4 + 1), 0)
    ImageDraw.Draw(sh).ellipse(((x0 - 10) // 4, (y1 - 12) // 4, (x1 + 20) // 4, (y1 + 18) // 4), fill=110)
    sh = sh.filter(ImageFilter.GaussianBlur(3)).resize((w, h), Image.Resampling.BILINEAR)
    shadow = np.asarray(sh, dtype=np.float32)[:, :, None] / 255.0
    img *= 1.0 - 0.6 * shadow
    mask = np.asarray(shape_mask(kind, w, h, box, rnd), dtype=np.float32)[:, :, None] / 255.0
    xs = (np.arange(w, dtype=np.float32) - x0) / max(1, x1 - x0)
    if kind in ("bottle", "jar"):
        shade = 0.75 + 0.45 * np.clip(np.sin(np.clip(xs, 0, 1) * np.pi), 0, 1) ** 0.7  # cylinder
        hi = np.exp(-(((xs - rnd.uniform(0.25, 0.4)) / 0.05) ** 2)) * rnd.uniform(20, 60)  # specular strip
    else:
        shade = 1.0 - rnd.uniform(0.0, 0.15) * xs
        hi = np.zeros_like(xs)
    col = np.array(colour, dtype=np.float32)[None, None, :] * shade[None, :, None] + hi[None, :, None]
    img *= 1.0 - mask
    img += mask * col


def grain(img: np.ndarray, rng: np.random.Generator, sigma: float) -> None:
    """Sensor noise in place (a coarse field upsampled, cheap enough at 1000 px)."""
    if sigma <= 0:
        return
    h, w = img.shape[:2]
    noise = rng.normal(0.0, sigma, size=(h // 2 + 1, w // 2 + 1, 1)).astype(np.float32)
    img += np.repeat(np.repeat(noise, 2, axis=0), 2, axis=1)[:h, :w]


def to_image(img: np.ndarray) -> Image.Image:
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), mode="RGB")


def colour_at(image: Image.Image, box: tuple[float, float, float, float]) -> RGB:
    """Mean colour of the image region under a box (what the text will sit on)."""
    x0, y0, x1, y1 = (int(v) for v in box)
    w, h = image.size
    x0, x1 = max(0, min(w - 1, x0)), max(1, min(w, x1))
    y0, y1 = max(0, min(h - 1, y0)), max(1, min(h, y1))
    region = np.asarray(image.crop((x0, y0, max(x0 + 1, x1), max(y0 + 1, y1))), dtype=np.float32)
    return tuple(int(v) for v in region.reshape(-1, 3).mean(axis=0))  # type: ignore[return-value]


def relight(image: Image.Image, rnd: random.Random, rng: np.random.Generator) -> Image.Image:
    """Uneven light and sensor grain over everything, text included, as a camera would see it."""
    arr = np.asarray(image, dtype=np.float32)
    h, w = arr.shape[:2]
    field = 1.0 + _blotches(rng, w, h, rnd.randint(2, 4), rnd.uniform(0.03, 0.09))
    ys = np.linspace(-1.0, 1.0, h, dtype=np.float32)[:, None]
    xs = np.linspace(-1.0, 1.0, w, dtype=np.float32)[None, :]
    field -= rnd.uniform(0.0, 0.12) * (xs**2 + ys**2) / 2  # vignette
    arr = arr * field[:, :, None]
    grain(arr, rng, rnd.uniform(1.0, 5.0))
    return to_image(arr)
