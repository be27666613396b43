"""Model presets: ``tiny`` (random init + a byte-level BPE tokenizer trained on the training words) and ``base``
(microsoft/layoutlmv3-base, loaded offline only — never silently replaced by random weights)."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from transformers import AutoTokenizer, LayoutLMv3Config, LayoutLMv3ForTokenClassification, LayoutLMv3Tokenizer

from layoutx.errors import ModelNotFoundError
from layoutx.labels.tags import ID2LABEL, LABEL2ID, LABELS
from layoutx.models.encoding import type_vocab_size

SPECIAL_TOKENS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]  # ids 0..4, RoBERTa/LayoutLMv3 order
BASE_HUB_ID = "microsoft/layoutlmv3-base"


def _label_kwargs() -> dict[str, Any]:
    return {"num_labels": len(LABELS), "id2label": dict(ID2LABEL), "label2id": dict(LABEL2ID)}


def split_hidden(hidden_size: int) -> tuple[int, int]:
    """(coordinate_size, shape_size) with 4*coordinate + 2*shape == hidden, as LayoutLMv3's 2-D embedding requires."""
    if hidden_size % 8:
        raise ValueError(f"hidden_size must be a multiple of 8, got {hidden_size}")
    return hidden_size // 8, hidden_size // 4


def tiny_config(
    vocab_size: int,
    *,
    visual_embed: bool = False,
    hidden_size: int = 128,
    num_hidden_layers: int = 4,
    num_attention_heads: int = 4,
    intermediate_size: int = 512,
    dropout: float = 0.1,
    input_size: int = 224,
    patch_size: int = 16,
    type_vocab_size: int = 1,
) -> LayoutLMv3Config:
    """A small LayoutLMv3 configuration; keeps the relative 1-D/2-D attention biases that make layout count.
    ``type_vocab_size`` > 1 gives each word orientation class its own token type (see encoding)."""
    coordinate_size, shape_size = split_hidden(hidden_size)
    return LayoutLMv3Config(
        vocab_size=vocab_size,
        hidden_size=hidden_size,
        num_hidden_layers=num_hidden_layers,
        num_attention_heads=num_attention_heads,
        intermediate_size=intermediate_size,
        hidden_dropout_prob=dropout,
        attention_probs_dropout_prob=dropout,
        max_position_embeddings=514,  # 512 tokens + RoBERTa's padding offset of 2
        coordinate_size=coordinate_size,
        shape_size=shape_size,
        visual_embed=visual_embed,
        input_size=input_size,
        patch_size=patch_size,
        type_vocab_size=type_vocab_size,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        **_label_kwargs(),
    )


def train_tokenizer(words: Iterable[str], vocab_size: int = 1000, min_frequency: int = 2) -> LayoutLMv3Tokenizer:
    """Byte-level BPE trained offline on the given words with digits kept single (see ``_digit_free``), plus entity
    names and unit aliases so prompts and units are whole tokens; returned as a LayoutLMv3Tokenizer that ``save_pretrained``/``AutoTokenizer`` round-trip."""
    from tokenizers import ByteLevelBPETokenizer

    from layoutx.core.units import ENTITIES, unit_aliases

    extra = [w for e in ENTITIES for w in e.split("_")] + list(unit_aliases()) + list("0123456789")
    bpe = ByteLevelBPETokenizer(add_prefix_space=True)
    bpe.train_from_iterator(
        _chain(_digit_free(words), extra * max(2, min_frequency)),
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=SPECIAL_TOKENS,
        show_progress=False,
    )
    with tempfile.TemporaryDirectory() as tmp:
        bpe.save_model(tmp)
        vocab = json.loads(Path(tmp, "vocab.json").read_text(encoding="utf-8"))
        lines = Path(tmp, "merges.txt").read_text(encoding="utf-8").splitlines()
    merges = [tuple(line.split(" ")) for line in lines if line and not line.startswith("#version")]
    return LayoutLMv3Tokenizer(vocab=vocab, merges=merges, add_prefix_space=True)


def _digit_free(words: Iterable[str]) -> Iterable[str]:
    """The words with their digit runs cut out ("500g" -> "g"): no merge is learned inside numbers, so a number
    is read digit by digit ("Ġ5" "0" "0") and the model generalises to values it never saw, instead of
    memorising whole numbers of the training set as single tokens."""
    for w in words:
        for part in _DIGITS.split(str(w)):
            if part:
                yield part


_DIGITS = re.compile(r"\d+")


def _chain(*iterables: Iterable[str]) -> Iterable[str]:
    for it in iterables:
        for w in it:
            yield str(w)


def load_base(pretrained: str | None, visual_embed: bool | None = None, orientation: bool = False,
              rule_hints: bool = False) -> tuple[Any, Any]:
    """Load LayoutLMv3 weights + tokenizer from a local dir or the HF cache (offline); ModelNotFoundError otherwise."""
    source = str(pretrained or BASE_HUB_ID)
    hint = (
        f"pretrained LayoutLMv3 weights {source!r} are not available offline; on a connected machine run "
        f"`huggingface-cli download {BASE_HUB_ID}` (Hugging Face cache) or save them to a directory and pass "
        "model.pretrained=/path/to/layoutlmv3-base"
    )
    if Path(source).expanduser().exists():
        source = str(Path(source).expanduser())
    elif source.startswith((".", "/", "~")):
        raise ModelNotFoundError(hint)
    overrides: dict[str, Any] = dict(_label_kwargs())
    if visual_embed is not None:
        overrides["visual_embed"] = bool(visual_embed)
    if orientation or rule_hints:
        overrides["type_vocab_size"] = type_vocab_size(orientation, rule_hints)
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=True)
        model = LayoutLMv3ForTokenClassification.from_pretrained(
            source, local_files_only=True, ignore_mismatched_sizes=True, **overrides
        )
    except (OSError, ValueError) as exc:
        raise ModelNotFoundError(hint) from exc
    return model, tokenizer


def build_model(spec: Mapping[str, Any], train_words: Iterable[str] | None = None) -> tuple[Any, Any]:
    """(LayoutLMv3ForTokenClassification, tokenizer) for a model spec (the Hydra ``model`` group as a mapping)."""
    name = spec.get("name", "tiny")
    if name == "small":  # MiniLM text weights from an installed package (layoutx/models/small.py)
        from layoutx.models.small import build_small

        return build_small(spec)
    if name == "base":
        return load_base(spec.get("pretrained"), spec.get("visual_embed"), bool(spec.get("orientation", False)),
                         bool(spec.get("rule_hints", False)))
    if name != "tiny":
        raise ValueError(f"unknown model preset {name!r} (tiny, small or base)")
    if train_words is None:
        raise ValueError("the tiny preset trains its tokenizer on the training words; pass train_words")
    tokenizer = train_tokenizer(train_words, int(spec.get("vocab_size", 1000)), int(spec.get("min_frequency", 2)))
    config = tiny_config(
        len(tokenizer),
        visual_embed=bool(spec.get("visual_embed", False)),
        hidden_size=int(spec.get("hidden_size", 128)),
        num_hidden_layers=int(spec.get("num_hidden_layers", 4)),
        num_attention_heads=int(spec.get("num_attention_heads", 4)),
        intermediate_size=int(spec.get("intermediate_size", 512)),
        dropout=float(spec.get("dropout", 0.1)),
        input_size=int(spec.get("input_size", 224)),
        patch_size=int(spec.get("patch_size", 16)),
        type_vocab_size=type_vocab_size(bool(spec.get("orientation", False)), bool(spec.get("rule_hints", False))),
    )
    return LayoutLMv3ForTokenClassification(config), tokenizer
