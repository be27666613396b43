"""The one torchvision workaround: EasyOCR imports torchvision for two things only.

* ``easyocr/recognition.py``: ``import torchvision.transforms as transforms`` -> ``transforms.ToTensor()``
* ``easyocr/model/modules.py``: ``import torchvision; from torchvision import models`` ->
  ``torchvision.__version__`` (compared with 0.13), ``models.vgg16_bn(weights=None).features`` and
  ``models.VGG16_BN_Weights.DEFAULT`` (only read when pretrained ImageNet weights are asked for, which
  EasyOCR's CRAFT never does: its weights come from ``craft_mlt_25k.pth``).

PyPI's torchvision wheels are built against a specific torch and do not import with the torch here, and
installing one would pull another torch build. So when the real torchvision cannot be imported, a minimal
pure-torch stand-in is registered in ``sys.modules``; when it can, nothing is touched.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

SHIM_VERSION = "0.13.0+layoutx.shim"

# torchvision's VGG "D" configuration (vgg16): conv widths, "M" = 2x2 max-pool. With batch norm each conv
# is Conv2d -> BatchNorm2d -> ReLU, which gives the layer indices EasyOCR slices (0..11, 12..18, ...).
_VGG16_CFG: list[int | str] = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


class _ToTensor:
    """torchvision.transforms.ToTensor: PIL image / HxW(xC) uint8 array -> float CxHxW tensor in [0, 1]."""

    def __call__(self, pic: Any) -> Any:
        import numpy as np
        import torch

        arr = np.array(pic, copy=True)
        if arr.ndim == 2:
            arr = arr[:, :, None]
        t = torch.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))
        if t.dtype == torch.uint8:
            return t.to(torch.get_default_dtype()).div(255)
        if t.dtype == torch.bool:
            return t.to(torch.get_default_dtype())
        return t

    def __repr__(self) -> str:
        return "ToTensor()"


class _VGG16BNWeights:
    """Stands in for the enum; pretrained ImageNet weights are never available offline."""

    DEFAULT = "IMAGENET1K_V1"
    IMAGENET1K_V1 = "IMAGENET1K_V1"


def _vgg16_bn(weights: Any = None, pretrained: bool = False, progress: bool = True, **kwargs: Any) -> Any:
    """Only ``.features`` (what EasyOCR uses): 13 conv+BN+ReLU blocks and 5 max-pools."""
    import torch.nn as nn

    if weights is not None or pretrained:
        raise RuntimeError(
            "layoutx's torchvision shim has no ImageNet weights (no downloads at run time); "
            "EasyOCR loads its own weights, construct its networks with pretrained=False"
        )
    layers: list[nn.Module] = []
    in_ch = 3
    for v in _VGG16_CFG:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [nn.Conv2d(in_ch, int(v), kernel_size=3, padding=1), nn.BatchNorm2d(int(v)), nn.ReLU(inplace=True)]
            in_ch = int(v)
    model = nn.Module()
    model.features = nn.Sequential(*layers)
    return model


def _build() -> dict[str, types.ModuleType]:
    tv = types.ModuleType("torchvision")
    tv.__version__ = SHIM_VERSION  # type: ignore[attr-defined]
    tv.__layoutx_shim__ = True  # type: ignore[attr-defined]
    models = types.ModuleType("torchvision.models")
    models.vgg16_bn = _vgg16_bn  # type: ignore[attr-defined]
    models.VGG16_BN_Weights = _VGG16BNWeights  # type: ignore[attr-defined]
    transforms = types.ModuleType("torchvision.transforms")
    transforms.ToTensor = _ToTensor  # type: ignore[attr-defined]
    tv.models = models  # type: ignore[attr-defined]
    tv.transforms = transforms  # type: ignore[attr-defined]
    return {"torchvision": tv, "torchvision.models": models, "torchvision.transforms": transforms}


def install() -> bool:
    """Make ``import torchvision`` work for EasyOCR. Returns True when the shim was installed (i.e. the
    real torchvision is not importable), False when the real one is used."""
    existing = sys.modules.get("torchvision")
    if existing is not None:
        return bool(getattr(existing, "__layoutx_shim__", False))
    try:
        importlib.import_module("torchvision")
        return False
    except Exception:  # missing, or a wheel built for another torch: both mean "not usable here"
        for name in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
            del sys.modules[name]
    sys.modules.update(_build())
    return True


def is_shim_active() -> bool:
    return bool(getattr(sys.modules.get("torchvision"), "__layoutx_shim__", False))
