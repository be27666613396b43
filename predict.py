"""Predict a test.csv-format file: `python predict.py [input=... images_dir=... output=... model_path=... ocr=...]`.

Thin on purpose: Hydra composes conf/predict.yaml and ``layoutx.predict.run_prediction`` does the work
(tests and library users call it directly). With no arguments it runs the default model on the embedded
synthetic sample and prints its F1. The model is ``model_path=``, else ``models/latest`` when you trained one
(``$LAYOUTX_MODELS_DIR/latest`` when that is set), else the model shipped in the package; `--help` says the
same and the run prints which one it used. User mistakes print one line and exit 2.
"""

from __future__ import annotations

import sys

import hydra
from omegaconf import DictConfig


@hydra.main(config_path="conf", config_name="predict", version_base="1.3")
def main(cfg: DictConfig) -> None:
    from layoutx.predict import main_from_config

    code = main_from_config(cfg)
    if code:
        sys.exit(code)


if __name__ == "__main__":
    main()
