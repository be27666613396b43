"""Lightning training of the LayoutLMv3 tagger: data module, LightningModule, ``train(cfg)``."""

from __future__ import annotations

from typing import Any


def train(cfg: Any) -> dict[str, Any]:
    """Train and export the tagger described by a composed Hydra config (see conf/config.yaml)."""
    from layoutx.training.loop import train as _train

    return _train(cfg)
