"""LightningModule around LayoutLMv3ForTokenClassification: loss, AdamW + linear warm-up/decay, validation F1s."""

from __future__ import annotations

from typing import Any

import pytorch_lightning as pl
import torch

from layoutx.labels.tags import LABELS
from layoutx.models.encoding import merge_windows
from layoutx.training.metrics import TagCounts, challenge_counts, decode_answer, f1_from_counts


class TaggerModule(pl.LightningModule):
    """Trains the tagger on windows; validates on whole items (windows merged per word, then decoded)."""

    def __init__(self, model: Any, lr: float = 5e-4, weight_decay: float = 0.01, warmup_ratio: float = 0.1,
                 min_lr_ratio: float = 0.0) -> None:
        super().__init__()
        self.model = model
        self.save_hyperparameters(ignore=["model"])
        self._val: list[tuple[str, str, str, list[int], list[int]]] = []

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
        warmup = int(total * self.hparams.warmup_ratio)
        floor = self.hparams.min_lr_ratio

        def factor(step: int) -> float:
            if step < warmup:
                return (step + 1) / max(1, warmup)
            return max(floor, (total - step) / max(1, total - warmup))

        sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}
