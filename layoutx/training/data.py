"""Data for training: build (or reuse) the weak-label dataset for the configured source, and serve windows.

Each stage is cached on disk so an interrupted run resumes: synthetic images + labels.csv (skipped when
present), downloads (only missing files), OCR (per-image cache of the OCR stage), the built weak-label
DatasetDict (reused when its directory exists; the name carries ``build_version()``, so code that labels
differently builds anew).
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader

from layoutx.errors import InputFileError
from layoutx.models.encoding import IMAGE_MEAN, IMAGE_STD, Window, collate_windows, encode_item, word_types
from layoutx.ocr.retry import retry_settings


def _get(cfg: Any, key: str, default: Any = None) -> Any:
    if cfg is None:
        return default
    if isinstance(cfg, Mapping):
        return cfg.get(key, default)
    return getattr(cfg, key, default)


def ocr_engine_spec(ocr_cfg: Any) -> tuple[str, dict[str, Any]]:
    """(engine name, settings) from the ``ocr`` config group: ``name`` plus the engine's keyword arguments."""
    fields = dict(ocr_cfg.items()) if ocr_cfg is not None else {}
    fields.pop("retry", None)  # prediction's small-print retry (layoutx.ocr.retry): not an engine setting
    name = fields.pop("name", None) or fields.pop("engine", None)
    if not name:
        from layoutx.ocr.pipeline import DEFAULT_ENGINE

        name = DEFAULT_ENGINE
    return str(name), {str(k): v for k, v in fields.items()}


def _built_ok(path: Path) -> bool:
    return (path / "dataset_dict.json").is_file()


def prepare_dataset(data_cfg: Any, ocr_cfg: Any, data_dir: str | Path, cache_dir: str | Path | None,
                    seed: int = 0) -> tuple[Any, dict[str, Any]]:
    """The weak-label DatasetDict ("train"/"validation") for ``data_cfg.name`` and a summary for layoutx.json."""
    from layoutx.labels.dataset import build_dataset, build_version, load_built

    name = str(_get(data_cfg, "name"))
    engine_name, settings = ocr_engine_spec(ocr_cfg)
    val_fraction = float(_get(data_cfg, "val_fraction", 0.1))
    split_seed = int(_get(data_cfg, "split_seed", seed))
    summary: dict[str, Any] = {"source": name, "ocr_engine": engine_name, "ocr_settings": settings,
                               "ocr_retry": retry_settings(engine_name, ocr_cfg)}
    built_dir = _get(data_cfg, "built_dir")
    if built_dir:  # a dataset built earlier (e.g. by `python -m layoutx weak-labels`): no generation/OCR stage
        built = Path(str(built_dir)).expanduser()
        if not _built_ok(built):
            raise InputFileError(f"{built}: no weak-label dataset there (data.built_dir)")
        ds = load_built(built)
        summary.update(dataset_dir=str(built), rows={k: len(ds[k]) for k in ds},
                       matched={k: int(sum(ds[k]["matched"])) for k in ds})
        return ds, summary
    if name == "ocr_text":
        return _prepare_text(data_cfg, ocr_cfg, data_dir, cache_dir, seed, summary)
    if name == "real":
        return _prepare_real(data_cfg, ocr_cfg, data_dir, cache_dir, seed, summary)
    if name == "synthetic":
        n, gen_seed = int(_get(data_cfg, "n_images")), int(_get(data_cfg, "seed"))
        root = Path(data_dir) / f"synthetic-n{n}-seed{gen_seed}"
        if not (root / "labels.csv").is_file():
            import shutil

            from tqdm.auto import tqdm

            from layoutx.synth import generate

            partial = root.with_name(root.name + ".partial")  # renamed when complete: never reuse half a set
            shutil.rmtree(partial, ignore_errors=True)
            with tqdm(total=n, desc="synthetic images", unit="img") as bar:
                generate(n, gen_seed, partial, progress=bar.update)
            shutil.rmtree(root, ignore_errors=True)
            partial.rename(root)
        csv_path, images_dir = root / "labels.csv", root / "images"
        summary.update(n_images=n, synth_seed=gen_seed)
    elif name in ("challenge", "real_dev", "real_images"):
        hint = {"real_dev": " (real-dev is not on this machine)",
                "real_images": " (the hand-labelled real photos are not on this machine; data=synthetic trains without"
                               " them)"}.get(name, "")
        csv_path = _csv_path(data_cfg, name, "a train.csv-format file", hint)
        images_dir = Path(str(_get(data_cfg, "images_dir") or csv_path.parent / "images")).expanduser()
        stem = f"{csv_path.parent.name}-{csv_path.stem}" if name == "real_images" else csv_path.stem
        root = Path(data_dir) / f"{name}-{stem}"
        if _get(data_cfg, "download", False):
            from layoutx.core.tables import read_csv
            from layoutx.io.download import download_links

            rows = read_csv(csv_path, required=["image_link"])
            download_links([r["image_link"] for r in rows], images_dir)
        summary.update(csv=str(csv_path), images_dir=str(images_dir))
    else:
        raise InputFileError(f"unknown data source {name!r} (real, synthetic, challenge, real_dev or ocr_text)")
    built = root / f"built-{engine_name}-val{val_fraction}-seed{split_seed}-{build_version()}"
    if _built_ok(built):
        ds = load_built(built)
    else:
        from layoutx.ocr.pipeline import default_cache_dir, get_engine

        cache = Path(cache_dir) if cache_dir else default_cache_dir()
        engine = get_engine(engine_name, **settings)
        ds = build_dataset(csv_path, images_dir, built, engine=engine, cache_dir=cache,
                           val_fraction=val_fraction, seed=split_seed)
    summary.update(
        dataset_dir=str(built),
        rows={split: len(ds[split]) for split in ds},
        matched={split: int(sum(ds[split]["matched"])) for split in ds},
    )
    return ds, summary


def _csv_path(data_cfg: Any, name: str, what: str, hint: str = "") -> Path:
    """``data.csv`` as an existing file, or a one-line InputFileError saying how to set it."""
    csv_value = _get(data_cfg, "csv")
    if not csv_value:
        raise InputFileError(f"data={name} needs data.csv=PATH ({what})")
    csv_path = Path(str(csv_value)).expanduser()
    if not csv_path.is_file():
        raise InputFileError(f"{csv_path}: CSV file not found{hint}; set data.csv=PATH")
    return csv_path


def _prepare_text(data_cfg: Any, ocr_cfg: Any, data_dir: str | Path, cache_dir: str | Path | None, seed: int,
                  summary: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """data=ocr_text: weak labels on text-only OCR rows (held-out images left out), optionally mixed with a
    synthetic image set (its train and validation splits appended to the text ones)."""
    csv_path = _csv_path(data_cfg, "ocr_text", "a CSV with an ocr_text column")
    heldout = float(_get(data_cfg, "heldout_fraction", 0.5))
    val_fraction = float(_get(data_cfg, "val_fraction", 0.1))
    split_seed = int(_get(data_cfg, "split_seed", seed))
    ds, built = _text_dataset(csv_path, data_dir, heldout, val_fraction, split_seed)
    summary.update(csv=str(csv_path), heldout_fraction=heldout, split_seed=split_seed, images=False,
                   text_dataset_dir=str(built), text_rows={k: len(ds[k]) for k in ds},
                   text_matched={k: int(sum(ds[k]["matched"])) for k in ds})
    ds = _mix_synthetic(ds, data_cfg, ocr_cfg, data_dir, cache_dir, seed, summary)
    return ds, summary


def _text_dataset(csv_path: Path, data_dir: str | Path, heldout: float, val_fraction: float,
                  split_seed: int) -> tuple[Any, Path]:
    """The weak-label dataset of a text-only OCR CSV, built once per split and labelling code, and its folder."""
    from layoutx.labels.dataset import build_text, build_version, load_built

    built = (Path(data_dir) / f"ocr_text-{csv_path.stem}"
             / f"built-held{heldout}-val{val_fraction}-seed{split_seed}-{build_version()}")
    if _built_ok(built):
        return load_built(built), built
    return build_text(csv_path, built, heldout=heldout, val_fraction=val_fraction, seed=split_seed)[0], built


def _concat(a: Any, b: Any) -> Any:
    """``a`` then ``b`` (b's columns cast to a's types); an empty side is skipped, which datasets cannot
    concatenate."""
    from datasets import concatenate_datasets

    if len(b) == 0:
        return a
    b = b.cast(a.features)
    return b if len(a) == 0 else concatenate_datasets([a, b])


def _mix_synthetic(ds: Any, data_cfg: Any, ocr_cfg: Any, data_dir: str | Path, cache_dir: str | Path | None,
                   seed: int, summary: dict[str, Any]) -> Any:
    """``ds`` with a synthetic image set (``data.synthetic_images`` images, 0 = none) appended to its train
    and validation splits; the summary gets both parts' counts."""
    from datasets import DatasetDict

    n_synth = int(_get(data_cfg, "synthetic_images", 0) or 0)
    if n_synth:
        syn_cfg = {"name": "synthetic", "n_images": n_synth, "seed": int(_get(data_cfg, "synthetic_seed", 1)),
                   "val_fraction": float(_get(data_cfg, "val_fraction", 0.1)),
                   "split_seed": int(_get(data_cfg, "split_seed", seed))}
        syn, syn_summary = prepare_dataset(syn_cfg, ocr_cfg, data_dir, cache_dir, seed)
        ds = DatasetDict({k: _concat(ds[k], syn[k]) for k in ds})
        summary["synthetic"] = syn_summary
    summary.update(rows={k: len(ds[k]) for k in ds}, matched={k: int(sum(ds[k]["matched"])) for k in ds})
    return ds


def _prepare_real(data_cfg: Any, ocr_cfg: Any, data_dir: str | Path, cache_dir: str | Path | None, seed: int,
                  summary: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """data=real: weak labels on the real OCR boxes of hand-labelled real photos (data.csv + data.images_dir,
    never downloaded), split by image, mixed with a synthetic set (``_mix_synthetic``)."""
    real_cfg = {"name": "real_images", "csv": _get(data_cfg, "csv"), "images_dir": _get(data_cfg, "images_dir"),
                "download": False, "val_fraction": float(_get(data_cfg, "val_fraction", 0.1)),
                "split_seed": int(_get(data_cfg, "split_seed", seed))}
    ds, real_summary = prepare_dataset(real_cfg, ocr_cfg, data_dir, cache_dir, seed)
    summary.update(csv=real_summary.get("csv"), images_dir=real_summary.get("images_dir"),
                   real_dataset_dir=real_summary.get("dataset_dir"), real_rows=real_summary.get("rows"),
                   real_matched=real_summary.get("matched"))
    text_csv = _get(data_cfg, "text_csv")
    if text_csv:  # real OCR text rows (no boxes: the dummy layout of layoutx.labels.match.text_ocr)
        from datasets import DatasetDict

        text_path = _csv_path({"csv": text_csv}, "real", "a CSV with an ocr_text column")
        split_seed = int(_get(data_cfg, "split_seed", seed))
        val_fraction = float(_get(data_cfg, "val_fraction", 0.1))
        text, _ = _text_dataset(text_path, data_dir, 0.0, val_fraction, split_seed)
        ds = DatasetDict({k: _concat(ds[k], text[k]) for k in ds})
        summary.update(text_csv=str(text_path), text_rows={k: len(text[k]) for k in text})
    ds = _mix_synthetic(ds, data_cfg, ocr_cfg, data_dir, cache_dir, seed, summary)
    return ds, summary


@functools.lru_cache(maxsize=4096)
def _image_uint8(path: str, size: int) -> np.ndarray:
    from PIL import Image

    from layoutx.io.images import load_image

    return np.asarray(load_image(path).resize((size, size), Image.BILINEAR), dtype=np.uint8)


def _pixels(path: str, size: int) -> torch.Tensor:
    arr = _image_uint8(str(path), size).astype(np.float32)
    return torch.from_numpy(((arr / 255.0 - IMAGE_MEAN) / IMAGE_STD).transpose(2, 0, 1).copy())


def _redraw_number(text: str, rnd: random.Random) -> str:
    def digits(m: re.Match[str]) -> str:
        run = m.group(0)
        first = str(rnd.randint(1, 9)) if run[0] != "0" or len(run) == 1 else "0"
        return first + "".join(str(rnd.randint(0, 9)) for _ in run[1:])

    return _DIGIT_RUN.sub(digits, text)


_DIGIT_RUN = re.compile(r"\d+")


def augment_row(words: Sequence[str], boxes: Sequence[Sequence[int]], rnd: random.Random, p_digits: float,
                p_boxes: float) -> tuple[list[str], list[list[int]]]:
    """A training variant of one row. With probability ``p_digits`` every digit run is redrawn (same length, no new
    leading zero): tags stay valid, and the model must find the answer from context, units and layout instead of
    remembering the numbers of a few hundred images. With ``p_boxes`` the page is scaled/shifted (as another
    crop or zoom of the same photo would place it). Words are never added, dropped or reordered."""
    words, boxes = list(words), [list(b) for b in boxes]
    if p_digits and rnd.random() < p_digits:
        words = [_redraw_number(w, rnd) for w in words]
    if p_boxes and rnd.random() < p_boxes and boxes:
        sx, sy = rnd.uniform(0.75, 1.1), rnd.uniform(0.75, 1.1)
        dx, dy = rnd.uniform(-60, 60), rnd.uniform(-60, 60)
        boxes = [[min(1000, max(0, round(v * (sx if k % 2 == 0 else sy) + (dx if k % 2 == 0 else dy))))
                  for k, v in enumerate(b)] for b in boxes]
    return words, boxes


def budget_batches(order: Sequence[int], lengths: Sequence[int], batch_size: int,
                   windows: Sequence[int] | None = None, max_tokens: int | None = None) -> list[list[int]]:
    """Cut ``order`` into consecutive batches of at most ``batch_size`` rows and, with ``max_tokens``, at most
    that many padded tokens (windows in the batch x its longest window). Why: LayoutLMv3's relative
    position biases build tensors of batch x length x length x buckets, so a batch of long OCR rows
    (several 512-token windows each) costs gigabytes; short rows keep the full batch. A row over the
    budget on its own still gets a batch of its own."""
    out: list[list[int]] = []
    batch: list[int] = []
    n_win = longest = 0
    for i in order:
        w = windows[i] if windows is not None else 1
        if batch and (len(batch) >= batch_size or (
                max_tokens is not None and (n_win + w) * max(longest, lengths[i]) > max_tokens)):
            out.append(batch)
            batch, n_win, longest = [], 0, 0
        batch.append(i)
        n_win += w
        longest = max(longest, lengths[i])
    if batch:
        out.append(batch)
    return out


class LengthBucketSampler(torch.utils.data.Sampler):
    """Shuffled batches of similar length: rows are shuffled, cut into pools of 50 batches, sorted by
    length inside each pool, batched (``budget_batches``: at most ``batch_size`` rows and ``max_tokens``
    padded tokens), and the batches shuffled — far less padding than plain shuffling, a new order every
    epoch. ``lengths`` order the rows (words per row will do); the budget counts ``tokens`` (longest
    window per row) times ``windows`` per row. (Single process; under DDP the module uses plain shuffling
    + Lightning's DistributedSampler.)"""

    def __init__(self, lengths: Sequence[int], batch_size: int, seed: int = 0, pool: int = 50,
                 windows: Sequence[int] | None = None, max_tokens: int | None = None,
                 tokens: Sequence[int] | None = None) -> None:
        self.lengths, self.batch_size, self.seed, self.pool, self.epoch = list(lengths), batch_size, seed, pool, 0
        self.windows, self.max_tokens = (list(windows) if windows is not None else None), max_tokens
        self.tokens = list(tokens) if tokens is not None else self.lengths

    def _batches(self) -> list[list[int]]:
        rnd = random.Random(self.seed + self.epoch)
        order = list(range(len(self.lengths)))
        rnd.shuffle(order)
        size = self.batch_size * self.pool
        batches = []
        for start in range(0, len(order), size):
            chunk = sorted(order[start : start + size], key=self.lengths.__getitem__)
            batches += budget_batches(chunk, self.tokens, self.batch_size, self.windows, self.max_tokens)
        rnd.shuffle(batches)
        return batches

    def __iter__(self):  # type: ignore[no-untyped-def]
        batches = self._batches()
        self.epoch += 1
        return iter(batches)

    def __len__(self) -> int:
        if self.max_tokens is None:
            return (len(self.lengths) + self.batch_size - 1) // self.batch_size
        return len(self._batches())  # this epoch's layout (the count varies a little from epoch to epoch)


class TaggingDataModule(pl.LightningDataModule):
    """Windows for training (shuffled), whole items for validation (so answers are decoded per row)."""

    def __init__(self, dataset: Any, tokenizer: Any, *, batch_size: int = 16, eval_batch_size: int = 32,
                 max_length: int = 512, stride: int = 128, visual: bool = False, image_size: int = 224,
                 drop_unmatched: bool = True, num_workers: int = 0, prompt_format: str = "{entity}",
                 augment_digits: float = 0.0, augment_boxes: float = 0.0, seed: int = 0,
                 max_batch_tokens: int | None = None, orientation: bool = False, rule_hints: bool = False) -> None:
        super().__init__()
        self.orientation, self.rule_hints = orientation or rule_hints, rule_hints
        self.dataset, self.tokenizer = dataset, tokenizer
        self.batch_size, self.eval_batch_size = batch_size, eval_batch_size
        self.enc = {"max_length": max_length, "stride": stride, "prompt_format": prompt_format}
        self.visual, self.image_size = visual, image_size
        self.drop_unmatched, self.num_workers = drop_unmatched, num_workers
        self.augment_digits, self.augment_boxes = augment_digits, augment_boxes
        self.rnd = random.Random(seed)
        self.max_batch_tokens = max_batch_tokens
        self.train_rows: list[dict[str, Any]] = []
        self.train_shape: list[tuple[int, int]] = []  # (windows, longest window) per training row
        self.val_items: list[dict[str, Any]] = []

    def _rows(self, split: str) -> list[dict[str, Any]]:
        cols = ["words", "boxes", "tags", "entity_name", "entity_value", "matched", "image"]
        rows = [dict(zip(cols, vals)) for vals in zip(*(self.dataset[split][c] for c in cols))]
        has_orients = "orients" in self.dataset[split].column_names
        orients = self.dataset[split]["orients"] if has_orients and self.orientation else None
        for k, r in enumerate(rows):  # datasets built before orientations existed read as all upright
            r["orients"] = (list(orients[k]) if orients is not None else [0] * len(r["words"])) \
                if self.orientation else None
            if self.rule_hints:  # token types then also mark the rules' answer (encoding.word_types)
                r["orients"] = word_types(r["words"], r["boxes"], r["entity_name"], r["orients"], rule_hints=True)
        return rows

    def setup(self, stage: str | None = None) -> None:
        if not self.train_rows:
            for r in self._rows("train"):
                has_gold = bool(str(r["entity_value"] or "").strip())
                if self.drop_unmatched and has_gold and not r["matched"]:
                    continue  # the gold is on the image but OCR missed it: all-O tags would teach the wrong thing
                self.train_rows.append(r)
            for r in self.train_rows:  # digit redraws keep the digit count, so the token count is fixed
                ws = encode_item(self.tokenizer, r["words"], r["boxes"], r["entity_name"], r["tags"],
                                 orients=r["orients"], **self.enc)
                self.train_shape.append((len(ws), max((len(w.input_ids) for w in ws), default=1)))
        if not self.val_items and "validation" in self.dataset:
            for r in self._rows("validation"):
                windows = encode_item(self.tokenizer, r["words"], r["boxes"], r["entity_name"], r["tags"],
                                      orients=r["orients"], **self.enc)
                self.val_items.append({"windows": windows, "image": r["image"], "words": r["words"],
                                       "boxes": r["boxes"], "entity": r["entity_name"],
                                       "gold": r["entity_value"] or "", "tags": r["tags"]})

    def _collate_train(self, batch: Sequence[dict[str, Any]]) -> dict[str, Any]:
        windows, px = [], []
        for i, r in enumerate(batch):
            words, boxes = augment_row(r["words"], r["boxes"], self.rnd, self.augment_digits, self.augment_boxes)
            ws = encode_item(self.tokenizer, words, boxes, r["entity_name"], r["tags"], item=i,
                             orients=r["orients"], **self.enc)
            windows.extend(ws)
            if self.visual:
                px.extend([_pixels(r["image"], self.image_size)] * len(ws))
        return {"inputs": collate_windows(windows, self.tokenizer.pad_token_id, px if self.visual else None)}

    def _collate_val(self, batch: Sequence[dict[str, Any]]) -> dict[str, Any]:
        windows, px = [], []
        for i, it in enumerate(batch):
            for w in it["windows"]:
                windows.append(Window(i, w.input_ids, w.bbox, w.labels, w.word_index, w.token_types))
                if self.visual:
                    px.append(_pixels(it["image"], self.image_size))
        meta = [{k: it[k] for k in ("words", "boxes", "entity", "gold", "tags")} for it in batch]
        inputs = collate_windows(windows, self.tokenizer.pad_token_id, px if self.visual else None)
        return {"inputs": inputs, "windows": windows, "meta": meta}

    def train_dataloader(self) -> DataLoader:
        if self.trainer is not None and self.trainer.world_size > 1:  # DDP: Lightning's DistributedSampler shards
            return DataLoader(self.train_rows, batch_size=self.batch_size, shuffle=True,
                              collate_fn=self._collate_train, num_workers=self.num_workers)
        sampler = LengthBucketSampler([len(r["words"]) for r in self.train_rows], self.batch_size,
                                      seed=self.rnd.randint(0, 2**31 - 1), windows=[w for w, _ in self.train_shape],
                                      tokens=[n for _, n in self.train_shape], max_tokens=self.max_batch_tokens)
        return DataLoader(self.train_rows, batch_sampler=sampler, collate_fn=self._collate_train,
                          num_workers=self.num_workers)

    def val_dataloader(self) -> DataLoader:
        # sorted by length: less padding, and the order does not matter for the metrics
        items = sorted(self.val_items, key=lambda it: sum(len(w) for w in it["windows"]))
        if not self.max_batch_tokens or (self.trainer is not None and self.trainer.world_size > 1):
            return DataLoader(items, batch_size=self.eval_batch_size, shuffle=False, collate_fn=self._collate_val,
                              num_workers=self.num_workers)
        longest = [max((len(w.input_ids) for w in it["windows"]), default=1) for it in items]
        batches = budget_batches(range(len(items)), longest, self.eval_batch_size,
                                 [len(it["windows"]) for it in items], 2 * self.max_batch_tokens)  # no gradients
        return DataLoader(items, batch_sampler=batches, collate_fn=self._collate_val, num_workers=self.num_workers)
