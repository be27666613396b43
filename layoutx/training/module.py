"""LightningModule around LayoutLMv3ForTokenClassification: loss, AdamW + linear warm-up/decay, validation F1s."""

from __future__ import annotations

import time
from typing import Any

import pytorch_lightning as pl
import torch

from layoutx.labels.tags import LABELS
from layoutx.models.encoding import merge_windows
from layoutx.training.metrics import TagCounts, challenge_counts, decode_answer, f1_from_counts


class TaggerModule(pl.LightningModule):
    """Trains the tagger on windows; validates on whole items (windows merged per word, then decoded)."""

    def __init__(self, model: Any, lr: float = 5e-4, weight_decay: float = 0.01, warmup_ratio: float = 0.1,
                 min_lr_ratio: float = 0.0, time_budget_s: float | None = None) -> None:
        super().__init__()
        self.model = model
        self.save_hyperparameters(ignore=["model"])
        self._val: list[tuple[str, str, str, list[int], list[int]]] = []
        self._fit_start: float | None = None

    def on_train_start(self) -> None:
        self._fit_start = time.monotonic()

    def progress(self, step: int, total: int) -> float:
        """How far training is (0..1): the share of the planned steps, or of the time budget when that is
        further. Why: a fit cut by its time cap (``train.max_minutes``) after 7 of 25 planned epochs would
        otherwise end at 80% of the peak learning rate, never annealed."""
        done = step / max(1, total)
        budget = self.hparams.get("time_budget_s")
        if budget and self._fit_start is not None:
            done = max(done, (time.monotonic() - self._fit_start) / float(budget))
        return min(1.0, done)

    def lr_factor(self, step: int, total: int) -> float:
        """The peak learning rate's multiplier: linear warm-up over ``warmup_ratio`` of ``progress``, then
        linear decay to ``min_lr_ratio``."""
        done, warm = self.progress(step, total), float(self.hparams.warmup_ratio)
        if done < warm:
            return max(done, 1.0 / total) / warm
        return max(float(self.hparams.min_lr_ratio), (1.0 - done) / max(1e-9, 1.0 - warm))

    def forward(self, **inputs: torch.Tensor) -> Any:
        return self.model(**inputs)

    def training_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        out = self.model(**batch["inputs"])
        self.log("train_loss", out.loss, prog_bar=True, batch_size=batch["inputs"]["input_ids"].shape[0])
        return out.loss

    def validation_step(self, batch: dict[str, Any], batch_idx: int) -> None:
        inputs = batch["inputs"]
        out = self.model(**inputs)
        self.log("val_loss", out.loss, batch_size=inputs["input_ids"].shape[0], sync_dist=True)
        probs = torch.softmax(out.logits.float(), dim=-1)
        merged = merge_windows(batch["windows"], probs, [len(m["words"]) for m in batch["meta"]])
        for m, p in zip(batch["meta"], merged):
            pred_tags = [max(range(len(LABELS)), key=row.__getitem__) for row in p]
            answer = decode_answer(m["words"], m["boxes"], p, m["entity"])
            self._val.append((m["entity"], m["gold"], answer, list(m["tags"]), pred_tags))

    def on_validation_epoch_end(self) -> None:
        tags = TagCounts()
        for *_, gold_tags, pred_tags in self._val:
            tags.add(gold_tags, pred_tags)
        ch = challenge_counts([(e, g, p) for e, g, p, *_ in self._val])
        t = torch.tensor([tags.tp, tags.fp, tags.fn, ch["TP"], ch["FP"], ch["FN"], ch["TN"]],
                         dtype=torch.float64, device=self.device)
        t = self.trainer.strategy.reduce(t, reduce_op="sum") if self.trainer.world_size > 1 else t
        token_f1 = f1_from_counts(*t[:3].tolist())
        challenge_f1 = f1_from_counts(*t[3:6].tolist())
        self.log("val_token_f1", token_f1, prog_bar=True)
        self.log("val_challenge_f1", challenge_f1, prog_bar=True)
        # checkpoint criterion: the challenge F1, ties broken by the tag F1 (a better tagger of equal answers)
        self.log("val_score", challenge_f1 + 1e-3 * token_f1)
        self.log("val_rows", float(t[3:].sum()))
        self._val.clear()

    def configure_optimizers(self) -> Any:
        no_decay = ("bias", "LayerNorm.weight", "layer_norm", "norm.weight")
        params = [
            {"params": [p for n, p in self.model.named_parameters() if not any(k in n for k in no_decay)],
             "weight_decay": self.hparams.weight_decay},
            {"params": [p for n, p in self.model.named_parameters() if any(k in n for k in no_decay)],
             "weight_decay": 0.0},
        ]
        opt = torch.optim.AdamW(params, lr=self.hparams.lr)
        total = max(1, int(self.trainer.estimated_stepping_batches))
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: self.lr_factor(step, total))
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}
