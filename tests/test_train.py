"""Training: the real Hydra config composed with overrides, Lightning fit + export on small weak-label datasets,
learning on a text-level task, and user mistakes failing with one line through `python train.py`."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir
from transformers import AutoTokenizer, LayoutLMv3ForTokenClassification

from layoutx.labels.dataset import to_dataset_dict
from layoutx.labels.match import match
from layoutx.labels.tags import LABEL2ID
from layoutx.models.encoding import encode_batch
from layoutx.ocr.types import Word
from layoutx.training import train
from layoutx.training.data import LengthBucketSampler, augment_row, budget_batches
from layoutx.training.module import TaggerModule

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "conf"

# (entity, printed phrase, gold) pools; each image prints one weight and one size so the prompt matters
WEIGHTS = [("Net Wt {v} g", "{v} gram"), ("Weight: {v} kg", "{v} kilogram"), ("{v} lbs", "{v} pound")]
WIDTHS = [("Width {v} cm", "{v} centimetre"), ("W: {v} in", "{v} inch"), ("{v} mm wide", "{v} millimetre")]
FILLER = ["Premium", "Quality", "Product", "Made", "in", "USA", "Model", "X200", "New", "Fresh", "Organic"]


def _layout(texts: list[str], rnd: random.Random) -> list[Word]:
    words, y = [], 40
    for line in texts:
        x = rnd.randint(20, 200)
        for t in line.split():
            w = 18 * len(t)
            words.append(Word(t, (x, y, x + w, y + 30)))
            x += w + 12
        y += rnd.randint(45, 80)
    return words


def text_rows(n_images: int, seed: int, image_dir: Path) -> list[dict]:
    """Rows as the weak-label builder makes them (tags from the real matcher), without rendering/OCR."""
    rnd = random.Random(seed)
    rows = []
    for i in range(n_images):
        wv, wd = rnd.choice([125, 250, 500, 750, 1.5, 2, 12]), rnd.choice([10, 15, 22.5, 30, 48])
        (wp, wg), (dp, dg) = rnd.choice(WEIGHTS), rnd.choice(WIDTHS)
        lines = [" ".join(rnd.sample(FILLER, 3)), wp.format(v=wv), " ".join(rnd.sample(FILLER, 2)), dp.format(v=wd)]
        if rnd.random() < 0.5:
            lines[1], lines[3] = lines[3], lines[1]
        words = _layout(lines, rnd)
        for entity, gold in (("item_weight", wg.format(v=wv)), ("width", dg.format(v=wd))):
            m = match(words, gold, entity)
            rows.append({
                "id": f"{i}-{entity}", "index": f"{i}-{entity}", "image": str(image_dir / f"img{i}.jpg"),
                "group_id": "0", "entity_name": entity, "entity_value": gold,
                "words": [w.text for w in m.words],
                "boxes": [[min(1000, int(v)) for v in w.box] for w in m.words],
                "tags": [LABEL2ID[t] for t in m.tags], "matched": m.matched, "width": 1000, "height": 1000,
            })
    return rows


def built_dataset(tmp: Path, n_train: int, n_val: int, seed: int = 0) -> Path:
    rows = text_rows(n_train + n_val, seed, tmp / "images")
    assert all(r["matched"] for r in rows)
    dd = to_dataset_dict(rows[: 2 * n_train], rows[2 * n_train :])
    out = tmp / "built"
    dd.save_to_disk(str(out))
    return out


def compose_cfg(tmp: Path, *overrides: str):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose(config_name="config", overrides=[
            f"paths.models_dir={tmp / 'models'}", f"paths.data_dir={tmp / 'data'}", f"paths.cache_dir={tmp / 'cache'}",
            f"paths.runs_dir={tmp / 'runs'}", "trainer.threads=1", *overrides,
        ])


def test_config_composes_with_all_groups():
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose(config_name="config")
        assert (cfg.model.name, cfg.data.name, cfg.trainer.accelerator) == ("tiny", "real", "cpu")
        assert cfg.model.orientation is True and cfg.data.synthetic_images == 600
        assert cfg.train.lr == cfg.model.lr == 2e-3
        base = compose(config_name="config", overrides=["model=base", "trainer=ddp", "data=challenge"])
        assert base.train.lr == 3e-5 and base.trainer.strategy == "ddp" and base.data.download is True
        assert compose(config_name="config", overrides=["data=real_dev"]).data.val_fraction == 0.3
        assert compose(config_name="config", overrides=["data=ocr_text"]).data.heldout_fraction == 0.5
        assert compose(config_name="config", overrides=["trainer=gpu"]).trainer.precision == "16-mixed"


def test_fast_dev_run_from_real_config_exports_a_plain_transformers_model(tmp_path):
    built = built_dataset(tmp_path, 6, 2)
    cfg = compose_cfg(tmp_path, f"data.built_dir={built}", "trainer.fast_dev_run=2", "model.hidden_size=32",
                      "model.num_hidden_layers=1", "model.num_attention_heads=2", "model.intermediate_size=64")
    result = train(cfg)
    export = Path(result["export_dir"])
    assert (tmp_path / "models" / "latest").read_text().strip() == export.name
    model = LayoutLMv3ForTokenClassification.from_pretrained(export, local_files_only=True)
    tok = AutoTokenizer.from_pretrained(export, local_files_only=True)
    assert model.config.hidden_size == 32 and model.config.num_labels == 5
    meta = json.loads((export / "layoutx.json").read_text())
    assert meta["encoding"]["prompt_format"] == "{entity}" and meta["ocr"]["engine"] == cfg.ocr.name == "rapidocr"
    assert meta["data"]["rows"] == {"train": 12, "validation": 4}
    assert "val_challenge_f1" in meta["validation"] and "val_token_f1" in meta["validation"]
    batch, _ = encode_batch(tok, [(["Net", "500", "g"], [[1, 1, 2, 2]] * 3, "item_weight", None)])
    assert model(**batch).logits.shape == (1, batch["input_ids"].shape[1], 5)


def test_training_learns_the_entity_conditioned_task(tmp_path):
    """A short real fit: the model must tell the weight from the width on the same image (the prompt)."""
    built = built_dataset(tmp_path, 60, 12)
    cfg = compose_cfg(tmp_path, f"data.built_dir={built}", "train.max_epochs=20", "train.batch_size=8",
                      "train.early_stopping_patience=0", "model.hidden_size=64", "model.num_hidden_layers=2",
                      "model.num_attention_heads=2", "model.intermediate_size=128", "train.lr=3e-3",
                      "trainer.progress_refresh=50", "seed=3", "trainer.threads=1")
    result = train(cfg)
    assert result["scores"]["val_challenge_f1"] >= 0.8, result["scores"]
    assert result["scores"]["val_token_f1"] >= 0.7
    run = Path(result["run_dir"])
    assert list(run.glob("checkpoints/best-*.ckpt"))
    metrics = (run / "csv" / "version_0" / "metrics.csv").read_text()
    assert "val_challenge_f1" in metrics and "train_loss" in metrics
    assert list(run.glob("tensorboard/version_0/events.out.tfevents.*"))


def test_augment_row_redraws_digits_and_moves_boxes_only():
    rnd = random.Random(0)
    words = ["Net", "Wt", "500", "g", "12.5", "x", "07"]
    boxes = [[100, 100, 200, 150]] * 7
    changed = 0
    for _ in range(50):
        w, b = augment_row(words, boxes, rnd, 1.0, 1.0)
        assert [x for x in w if not any(c.isdigit() for c in x)] == ["Net", "Wt", "g", "x"]
        assert [len(x) for x in w] == [len(x) for x in words] and "." in w[4] and w[6][0] == "0"
        assert w[2][0] != "0" and w[4][0] != "0"  # no new leading zeros
        assert all(0 <= v <= 1000 for box in b for v in box) and all(x0 <= x1 for x0, _, x1, _ in b)
        changed += w[2] != "500"
    assert changed >= 45
    assert augment_row(words, boxes, rnd, 0.0, 0.0) == (words, boxes)


def test_length_bucket_sampler_covers_everything_once_with_little_padding():
    rnd = random.Random(1)
    lengths = [rnd.randint(5, 400) for _ in range(1000)]
    sampler = LengthBucketSampler(lengths, 16, seed=0)
    first, second = list(sampler), list(sampler)
    assert len(first) == len(sampler) == 63
    for batches in (first, second):
        assert sorted(i for b in batches for i in b) == list(range(1000))
    assert first != second  # a new order each epoch
    padded = sum(len(b) * max(lengths[i] for i in b) for b in first)
    assert padded < 1.2 * sum(lengths)


def test_token_budget_splits_batches_of_long_rows_only():
    # rows 0-3 short (1 window of 100 tokens), rows 4-7 long (3 windows, the longest 512 tokens)
    lengths = [100] * 4 + [512] * 4
    windows = [1] * 4 + [3] * 4
    assert budget_batches(range(8), lengths, 16, windows, max_tokens=None) == [list(range(8))]
    # 4 short rows: 4 x 100 tokens; then each long row adds 3 windows of 512: 5 windows x 512 > 2048
    assert budget_batches(range(8), lengths, 16, windows, max_tokens=2048) == [[0, 1, 2, 3], [4], [5], [6], [7]]
    # 3072: two long rows fit (6 windows x 512), a third does not
    assert budget_batches(range(8), lengths, 16, windows, max_tokens=3072) == [[0, 1, 2, 3], [4, 5], [6, 7]]
    assert budget_batches(range(8), lengths, 3, windows, max_tokens=10**6) == [[0, 1, 2], [3, 4, 5], [6, 7]]
    # single-window rows of at most 512 tokens never hit the default 8192 budget with batches of 16
    assert budget_batches(range(40), [512] * 40, 16, [1] * 40, 8192) == [list(range(16)), list(range(16, 32)),
                                                                        list(range(32, 40))]
    # the sampler: every row once per epoch, no batch over the budget unless it is a single row
    rnd = random.Random(2)
    lengths = [rnd.randint(20, 512) for _ in range(300)]
    windows = [rnd.choice([1, 1, 1, 2, 4]) for _ in range(300)]
    sampler = LengthBucketSampler(lengths, 16, seed=0, windows=windows, tokens=lengths, max_tokens=4096)
    batches = list(sampler)
    assert sorted(i for b in batches for i in b) == list(range(300))
    assert all(len(b) == 1 or sum(windows[i] for i in b) * max(lengths[i] for i in b) <= 4096 for b in batches)
    assert max(len(b) for b in batches) == 16 and len(sampler) == len(sampler._batches())


def _train_py(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "train.py"), f"paths.models_dir={tmp_path / 'models'}",
         f"paths.data_dir={tmp_path / 'data'}", f"hydra.run.dir={tmp_path / 'out'}", *args],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
        env={**__import__("os").environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")},
    )


@pytest.mark.parametrize("args, message", [
    (("model=base", f"model.pretrained={'/nonexistent/layoutlmv3-base'}"), "model.pretrained="),
    (("model=base",), "huggingface-cli download microsoft/layoutlmv3-base"),
    (("data=challenge", "data.csv=/nonexistent/train.csv"), "CSV file not found"),
    (("data=real_dev",), "real-dev is not on this machine"),
    (("data=real", "data.csv=/nonexistent/labels.csv"), "data=synthetic trains without them"),
])
def test_user_mistakes_print_one_line_and_exit_2(tmp_path, args, message):
    proc = _train_py(tmp_path, *args)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0] and lines[0].startswith("error: ")
    assert not (tmp_path / "models").exists()


def test_default_synthetic_chain_generates_ocrs_labels_and_trains(tmp_path):
    """data=synthetic end to end on 3 images: generator → real RapidOCR (cached) → weak labels → fit → export,
    with image patches on; a second run reuses every stage (no new images, no new OCR)."""
    cfg = compose_cfg(tmp_path, "data=synthetic", "data.n_images=3", "trainer.fast_dev_run=1", "model.hidden_size=32",
                      "model.visual_embed=true",
                      "model.num_hidden_layers=1", "model.num_attention_heads=2", "model.intermediate_size=64")
    first = train(cfg)
    root = tmp_path / "data" / "synthetic-n3-seed1"
    assert len(list((root / "images").glob("*.jpg"))) == 3
    rows = first["data"]["rows"]
    assert rows["train"] + rows["validation"] == len((root / "labels.csv").read_text().splitlines()) - 1
    assert first["data"]["matched"]["train"] >= 1  # OCR read at least one answer the labeler could find
    cache_files = sorted(p for p in (tmp_path / "cache").rglob("*") if p.is_file())
    assert cache_files
    mtimes = [p.stat().st_mtime_ns for p in cache_files]
    second = train(cfg)
    assert second["data"] == first["data"]
    assert [p.stat().st_mtime_ns for p in cache_files] == mtimes
    export = Path(second["export_dir"])
    assert LayoutLMv3ForTokenClassification.from_pretrained(export, local_files_only=True).config.visual_embed


def test_data_ocr_text_trains_on_real_text_rows_without_the_held_out_images(tmp_path):
    """data=ocr_text: text-only OCR rows -> weak labels (held-out images left out) -> fit -> export; a
    model with image patches is refused (there are no images)."""
    from layoutx.errors import LayoutxError
    from layoutx.labels.dataset import HELDOUT, text_split

    csv_path = tmp_path / "text.csv"
    lines = ["image_link,group_id,entity_name,entity_value,ocr_text"]
    lines += [f"http://x/{n:03d}.jpg,1,item_weight,{n + 1}.0 gram,Tea Net Wt {n + 1} g Serving 2 g" for n in range(40)]
    csv_path.write_text("\n".join(lines) + "\n")
    small = ("model.hidden_size=32", "model.num_hidden_layers=1", "model.num_attention_heads=2",
             "model.intermediate_size=64")
    cfg = compose_cfg(tmp_path, "data=ocr_text", f"data.csv={csv_path}", "data.synthetic_images=0",
                      "trainer.fast_dev_run=1", *small)
    result = train(cfg)
    kept = [n for n in range(40) if text_split(f"{n:03d}.jpg", 0.5, 0.1, 0) != HELDOUT]
    assert result["data"]["images"] is False and result["data"]["heldout_fraction"] == 0.5
    assert sum(result["data"]["rows"].values()) == len(kept) == sum(result["data"]["matched"].values())
    meta = json.loads((Path(result["export_dir"]) / "layoutx.json").read_text())
    assert meta["data"]["source"] == "ocr_text"
    with pytest.raises(LayoutxError, match="no images for the visual patches"):
        train(compose_cfg(tmp_path, "data=ocr_text", f"data.csv={csv_path}", "data.synthetic_images=0",
                          "trainer.fast_dev_run=1", "model.visual_embed=true", *small))


def test_learning_rate_anneals_over_the_time_cap_when_it_comes_first():
    """A fit planned for 1,000 steps but capped at 100 s: half the time gone means half the schedule done,
    whatever the step; without a cap (or before the fit starts) the steps alone count."""
    plain = TaggerModule(torch.nn.Linear(2, 2), warmup_ratio=0.1)
    assert plain.progress(50, 1000) == 0.05 and plain.lr_factor(50, 1000) == pytest.approx(0.5)
    assert plain.lr_factor(550, 1000) == pytest.approx(0.5) and plain.lr_factor(1000, 1000) == 0.0
    capped = TaggerModule(torch.nn.Linear(2, 2), warmup_ratio=0.1, time_budget_s=100.0)
    assert capped.progress(50, 1000) == 0.05  # not started: steps only
    capped._fit_start = time.monotonic() - 50.0
    assert capped.progress(50, 1000) == pytest.approx(0.5, abs=0.01)
    assert capped.lr_factor(50, 1000) == pytest.approx(0.5 / 0.9, abs=0.02)
    assert capped.progress(900, 1000) == 0.9  # the steps may still come first
    capped._fit_start = time.monotonic() - 150.0
    assert capped.lr_factor(60, 1000) == 0.0  # past the cap: fully annealed
