"""Load an exported tagger and get per-word label probabilities — the only model API the predictor uses."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from layoutx.models.encoding import PROMPT_FORMAT, Window, encode_batch, input_kinds, merge_windows
from layoutx.models.export import read_meta, resolve_model_dir

# (words, boxes 0..1000, entity, PIL image | None[, orientation class per word])
Item = Sequence[Any]


class Tagger:
    """A LayoutLMv3 token classifier with the encoding settings it was trained with (from layoutx.json)."""

    def __init__(self, model: Any, tokenizer: Any, meta: dict[str, Any] | None = None, device: str | None = None):
        self.meta = dict(meta or {})
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        enc = self.meta.get("encoding", {})
        self.max_length = int(enc.get("max_length", 512))
        self.stride = int(enc.get("stride", 128))
        self.prompt_format = str(enc.get("prompt_format", PROMPT_FORMAT))
        self.visual = bool(getattr(model.config, "visual_embed", False))
        self.image_size = int(getattr(model.config, "input_size", 224))
        # token types: one per orientation class, doubled when the model reads the rules' pick (encoding)
        self.orientation, self.rule_hints = input_kinds(model.config)

    @classmethod
    def from_pretrained(cls, model_dir: str | Path | None = None, device: str | None = None) -> Tagger:
        """Load an export (None → ``models/latest``, else the shipped model: ``resolve_model_dir``); plain
        transformers loaders, offline."""
        from transformers import AutoTokenizer, LayoutLMv3ForTokenClassification

        path = resolve_model_dir(model_dir)
        model = LayoutLMv3ForTokenClassification.from_pretrained(path, local_files_only=True)
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        return cls(model, tokenizer, read_meta(path), device)

    @property
    def labels(self) -> list[str]:
        return [self.model.config.id2label[i] for i in range(self.model.config.num_labels)]

    def encode(self, items: Sequence[Item]) -> tuple[dict[str, torch.Tensor], list[Window]]:
        return encode_batch(
            self.tokenizer, items, max_length=self.max_length, stride=self.stride, visual=self.visual,
            image_size=self.image_size, prompt_format=self.prompt_format, orientation=self.orientation,
            rule_hints=self.rule_hints,
        )

    @torch.inference_mode()
    def word_probs(self, items: Sequence[Item], batch_size: int = 16) -> list[list[list[float]]]:
        """Per item, per word: probabilities over the labels (order of config.id2label), windows merged per word."""
        items = list(items)
        out: list[list[list[float]] | None] = [None] * len(items)
        # similar lengths together: less padding
        order = sorted(range(len(items)), key=lambda i: len(items[i][0]))
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            batch, windows = self.encode([items[i] for i in chunk])
            batch = {k: v.to(self.device) for k, v in batch.items()}
            probs = torch.softmax(self.model(**batch).logits.float(), dim=-1)
            merged = merge_windows(windows, probs, [len(items[i][0]) for i in chunk])
            for i, m in zip(chunk, merged):
                out[i] = m
        return [o if o is not None else [] for o in out]
