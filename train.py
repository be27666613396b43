"""Train the LayoutLMv3 tagger: `python train.py [model=tiny|base] [data=synthetic|challenge|real_dev] [trainer=...]`.

Thin on purpose: Hydra composes conf/config.yaml and ``layoutx.training.train`` does the work (tests call it
directly). User mistakes (missing weights or CSV) print one line and exit 2, without a traceback.
"""

from __future__ import annotations

import json
import os
import sys

# Before torch loads OpenMP: busy-waiting threads make CPU training several times slower whenever the cores
# are shared with other processes (OCR workers, other jobs); passive waiting costs nothing when they are not.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import hydra  # noqa: E402
from omegaconf import DictConfig  # noqa: E402

from layoutx.errors import LayoutxError  # noqa: E402


@hydra.main(config_path="conf", config_name="config", version_base="1.3")
def main(cfg: DictConfig) -> None:
    from layoutx.training import train

    try:
        result = train(cfg)
    except LayoutxError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    scores = result.get("scores", {})
    print(f"exported {result.get('export_dir')}  val challenge F1 {scores.get('val_challenge_f1', float('nan')):.4f}"
          f"  token F1 {scores.get('val_token_f1', float('nan')):.4f}  ({result.get('seconds')} s)")
    print(json.dumps({k: result.get(k) for k in ("export_dir", "scores", "epochs", "seconds")}, default=str))


if __name__ == "__main__":
    main()
