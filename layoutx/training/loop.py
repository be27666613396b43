"""``train(cfg)``: data → model → Lightning fit (checkpoint on best val challenge F1) → export → models/latest."""

from __future__ import annotations

import json
import math
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from layoutx.errors import LayoutxError, ModelNotFoundError


def _run_dir(cfg: DictConfig) -> Path:
    """Hydra's output dir under ``python train.py``; ``paths.runs_dir``/timestamp when composed in a test."""
    try:
        from hydra.core.hydra_config import HydraConfig

        if HydraConfig.initialized():
            return Path(HydraConfig.get().runtime.output_dir)
    except Exception:  # noqa: BLE001 - not under hydra.main
        pass
    return Path(cfg.paths.runs_dir) / datetime.now().strftime("%Y%m%d-%H%M%S-%f")


def _check_model_cfg(cfg: DictConfig) -> None:
    if cfg.model.name not in ("tiny", "base", "small"):
        raise ModelNotFoundError(f"unknown model preset {cfg.model.name!r}; use model=tiny, small or base")


def _token_cap(train_cap: int | None, model_cap: int | None) -> int | None:
    caps = [int(c) for c in (train_cap, model_cap) if c]
    return min(caps) if caps else None


def train(cfg: DictConfig) -> dict[str, Any]:
    """Train and export; returns {"export_dir", "scores", "data", ...}. Raises LayoutxError for user mistakes."""
    import pytorch_lightning as pl
    import torch
    from pytorch_lightning.callbacks import EarlyStopping, ModelCheckpoint, TQDMProgressBar
    from pytorch_lightning.loggers import CSVLogger, TensorBoardLogger

    from layoutx.models.encoding import input_kinds
    from layoutx.models.export import export_model, update_latest
    from layoutx.models.presets import build_model
    from layoutx.training.data import TaggingDataModule, prepare_dataset
    from layoutx.training.module import TaggerModule

    t0 = time.time()
    _check_model_cfg(cfg)
    pl.seed_everything(int(cfg.seed), workers=True, verbose=False)
    if cfg.trainer.get("threads"):
        torch.set_num_threads(int(cfg.trainer.threads))
    model = tokenizer = None
    if cfg.model.name in ("base", "small"):  # fail at once, before any data work, when the weights are not here
        model, tokenizer = build_model(OmegaConf.to_container(cfg.model, resolve=True))

    data_dir = Path(cfg.paths.data_dir)
    ds, data_summary = prepare_dataset(cfg.data, cfg.ocr, data_dir, cfg.paths.cache_dir, seed=int(cfg.seed))
    data_seconds = time.time() - t0
    if model is None:
        words = (w for ws in ds["train"]["words"] for w in ws)
        model, tokenizer = build_model(OmegaConf.to_container(cfg.model, resolve=True), train_words=words)
    visual = bool(getattr(model.config, "visual_embed", False))
    if visual and data_summary.get("images") is False:
        raise LayoutxError(f"data={cfg.data.name} has no images for the visual patches; "
                                 "use a preset with visual_embed=false")
    orientation, rule_hints = input_kinds(model.config)  # what the token types carry (encoding)
    dm = TaggingDataModule(
        ds, tokenizer, batch_size=int(cfg.train.batch_size), eval_batch_size=int(cfg.train.eval_batch_size),
        max_length=int(cfg.model.max_length), stride=int(cfg.model.stride), visual=visual,
        image_size=int(getattr(model.config, "input_size", 224)), drop_unmatched=bool(cfg.data.drop_unmatched),
        num_workers=int(cfg.trainer.num_workers), prompt_format=str(cfg.model.prompt_format),
        augment_digits=float(cfg.train.augment_digits), augment_boxes=float(cfg.train.augment_boxes),
        seed=int(cfg.seed),
        # a preset may cap the padded tokens per step lower than train's (wider models: more memory per token)
        max_batch_tokens=_token_cap(cfg.train.get("max_batch_tokens"), cfg.model.get("max_batch_tokens")),
        orientation=orientation, rule_hints=rule_hints,
    )
    run_dir = _run_dir(cfg)
    run_dir.mkdir(parents=True, exist_ok=True)
    ckpt = ModelCheckpoint(dirpath=run_dir / "checkpoints", filename="best-{epoch}-{val_challenge_f1:.4f}",
                           monitor="val_score", mode="max", save_top_k=1, save_weights_only=True)
    callbacks: list[Any] = [ckpt, TQDMProgressBar(refresh_rate=int(cfg.trainer.progress_refresh))]
    if cfg.train.early_stopping_patience:
        callbacks.append(EarlyStopping(monitor="val_score", mode="max",
                                       patience=int(cfg.train.early_stopping_patience)))
    loggers = [CSVLogger(run_dir, name="csv"), TensorBoardLogger(run_dir, name="tensorboard")]
    max_time = cfg.train.max_minutes
    total = cfg.train.get("total_minutes")
    if total:  # the whole run (data stages included) should end within ``total``; keep ≥1 minute for the fit
        left = float(total) - (time.time() - t0) / 60 - 0.5  # 0.5: final validation + export
        max_time = max(1.0, min(float(max_time), left) if max_time else left)
    # the learning rate anneals over the time cap too: a fit cut by it still ends at the low rate
    module = TaggerModule(model, lr=float(cfg.train.lr), weight_decay=float(cfg.train.weight_decay),
                          warmup_ratio=float(cfg.train.warmup_ratio),
                          time_budget_s=float(max_time) * 60 if max_time else None)
    trainer = pl.Trainer(
        accelerator=cfg.trainer.accelerator, devices=cfg.trainer.devices, strategy=cfg.trainer.strategy,
        num_nodes=int(cfg.trainer.num_nodes), precision=cfg.trainer.precision,
        max_epochs=int(cfg.train.max_epochs), max_time={"minutes": float(max_time)} if max_time else None,
        gradient_clip_val=float(cfg.train.gradient_clip), accumulate_grad_batches=int(cfg.train.accumulate),
        log_every_n_steps=int(cfg.trainer.log_every_n_steps), callbacks=callbacks, logger=loggers,
        fast_dev_run=cfg.trainer.fast_dev_run, limit_train_batches=cfg.trainer.limit_train_batches,
        limit_val_batches=cfg.trainer.limit_val_batches, deterministic=cfg.trainer.deterministic,
        default_root_dir=run_dir, enable_model_summary=False, num_sanity_val_steps=0,
    )
    t_fit = time.time()
    trainer.fit(module, datamodule=dm)
    fit_seconds = time.time() - t_fit

    best_path = ckpt.best_model_path
    if best_path and Path(best_path).is_file():
        state = torch.load(best_path, map_location="cpu", weights_only=True)["state_dict"]
        module.load_state_dict(state)
    scores = {k: float(v) for k, v in trainer.validate(module, datamodule=dm, verbose=False)[0].items()}

    result: dict[str, Any] = {"scores": scores, "data": data_summary, "run_dir": str(run_dir),
                              "best_checkpoint": best_path or None, "epochs": int(trainer.current_epoch),
                              "global_step": int(trainer.global_step), "data_seconds": round(data_seconds, 1),
                              "fit_seconds": round(fit_seconds, 1)}
    if trainer.is_global_zero:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        export_dir = Path(cfg.paths.models_dir) / f"{cfg.model.name}-{cfg.data.name}-{stamp}"
        n = 1
        while export_dir.exists():  # two runs in the same second
            n += 1
            export_dir = Path(cfg.paths.models_dir) / f"{cfg.model.name}-{cfg.data.name}-{stamp}-{n}"
        meta = {
            "format": 1,
            "preset": cfg.model.name,
            "labels": list(model.config.id2label[i] for i in range(model.config.num_labels)),
            "encoding": {"prompt_format": str(cfg.model.prompt_format), "max_length": int(cfg.model.max_length),
                         "stride": int(cfg.model.stride), "visual_embed": bool(model.config.visual_embed),
                         "image_size": int(getattr(model.config, "input_size", 224)),
                         "orientation": orientation, "rule_hints": rule_hints},
            "ocr": {"engine": data_summary["ocr_engine"], "settings": data_summary["ocr_settings"],
                    "retry": data_summary.get("ocr_retry")},
            "data": data_summary,
            "validation": {k: (round(v, 6) if math.isfinite(v) else None) for k, v in scores.items()},
            "training": {"epochs": result["epochs"], "global_step": result["global_step"],
                         "data_seconds": result["data_seconds"], "fit_seconds": result["fit_seconds"],
                         "seed": int(cfg.seed),
                         "config": OmegaConf.to_container(cfg, resolve=True)},
            "created": stamp,
        }
        model = module.model.to("cpu").eval()
        export_model(model, tokenizer, export_dir, meta)
        result["export_dir"] = str(export_dir)
        if cfg.paths.update_latest:
            result["latest"] = str(update_latest(export_dir, cfg.paths.models_dir))
        (run_dir / "result.json").write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    result["seconds"] = round(time.time() - t0, 1)
    return result
