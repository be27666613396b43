"""Turn (entity, OCR words, boxes[, tags]) into LayoutLMv3 inputs, with sliding windows, and merge back per word.

Sequence layout (RoBERTa pair format, as LayoutLMv3 was pre-trained for question + document):

    <s> PROMPT </s> </s> WORD-TOKENS </s>

The prompt is the entity asked for ("item weight"); its tokens and the special tokens get the empty box
(0,0,0,0) and the label -100, so one image asked for two entities yields two different tag sequences.
Each OCR word contributes its sub-tokens, all with the word's 0..1000 box; only the first sub-token carries
the word's label (and is the one read back at inference). Documents longer than ``max_length`` tokens are
split at word boundaries into overlapping windows (``stride`` = tokens shared by consecutive windows), and
``merge_windows`` averages the per-word probabilities of the windows that saw a word: no word is ever dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

IGNORE = -100
EMPTY_BOX = (0, 0, 0, 0)
PROMPT_FORMAT = "{entity}"  # entity name with "_" -> " ", e.g. "item weight"
IMAGE_SIZE = 224
IMAGE_MEAN = 0.5  # LayoutLMv3ImageProcessor defaults (IMAGENET_STANDARD_MEAN/STD)
IMAGE_STD = 0.5


def type_vocab_size(orientation: bool, rule_hints: bool = False) -> int:
    """Token types a model reads: one per orientation class (or 1), twice that with the rules' pick as an
    input (``rule_hints`` implies ``orientation``)."""
    from layoutx.ocr.types import N_ORIENTATIONS

    if rule_hints:
        return 2 * N_ORIENTATIONS
    return N_ORIENTATIONS if orientation else 1


def input_kinds(config: Any) -> tuple[bool, bool]:
    """(orientation, rule_hints) of a model from its ``type_vocab_size`` (see ``type_vocab_size``)."""
    from layoutx.ocr.types import N_ORIENTATIONS

    n = int(getattr(config, "type_vocab_size", 1) or 1)
    return n > 1, n >= 2 * N_ORIENTATIONS


def word_types(words: Sequence[str], boxes: Sequence[Sequence[int]], entity: str, orients: Sequence[int] | None,
               *, rule_hints: bool = False) -> list[int]:
    """Each word's token type: its orientation class (0 when not given), plus ``N_ORIENTATIONS`` for the
    words the rules alone answer with when the model reads ``rule_hints`` (``layoutx.decode.rule_hints``)."""
    from layoutx.ocr.types import N_ORIENTATIONS

    base = [int(o) for o in orients] if orients is not None else [0] * len(words)
    if not rule_hints:
        return base
    from layoutx.decode import rule_hints as hints

    return [b + N_ORIENTATIONS * h for b, h in zip(base, hints(words, boxes, orients, entity))]


def prompt_text(entity: str, fmt: str = PROMPT_FORMAT) -> str:
    """The text of the entity segment; stored in layoutx.json so inference builds the same prompt."""
    return fmt.format(entity=entity.replace("_", " "))


@dataclass
class Window:
    """One model sequence: a window over the words of item ``item``."""

    item: int
    input_ids: list[int]
    bbox: list[list[int]]
    labels: list[int] | None
    # token position -> word index for first sub-tokens, -1 elsewhere (prompt, specials, continuations)
    word_index: list[int] = field(default_factory=list)
    # per token: the orientation class of its word (layoutx.ocr.types.orientation; 0 for prompt/specials),
    # fed as LayoutLMv3's token_type_ids; None when the model has no orientation input
    token_types: list[int] | None = None

    def __len__(self) -> int:
        return len(self.input_ids)


def _clean_box(box: Sequence[int]) -> list[int]:
    x0, y0, x1, y1 = (min(1000, max(0, int(v))) for v in box)
    return [min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)]


def word_token_ids(tokenizer: Any, words: Sequence[str]) -> list[list[int]]:
    """Sub-token ids of each word, tokenized as a space-preceded word (how byte-level BPE sees running text).

    A word that yields no token (e.g. only whitespace) gets the unknown token so every word keeps a slot.
    """
    backend = tokenizer.backend_tokenizer
    encs = backend.encode_batch([" " + str(w) for w in words], add_special_tokens=False) if words else []
    unk = tokenizer.unk_token_id
    return [list(e.ids) or [unk] for e in encs]


def _window_spans(lengths: Sequence[int], capacity: int, stride: int) -> list[tuple[int, int]]:
    """Word ranges [s, e) whose token counts fit ``capacity``; consecutive ranges share about ``stride`` tokens."""
    n = len(lengths)
    if n == 0:
        return [(0, 0)]
    spans: list[tuple[int, int]] = []
    s = 0
    while True:
        e, used = s, 0
        while e < n and used + lengths[e] <= capacity:
            used += lengths[e]
            e += 1
        if e == s:  # a single word longer than the window: it is truncated to its first sub-tokens
            e = s + 1
        spans.append((s, e))
        if e >= n:
            return spans
        # next start: the earliest word after s from which the tokens up to e fit in ``stride``
        nxt, tail = e, 0
        while nxt - 1 > s and tail + lengths[nxt - 1] <= stride:
            nxt -= 1
            tail += lengths[nxt]
        s = nxt


def encode_item(
    tokenizer: Any,
    words: Sequence[str],
    boxes: Sequence[Sequence[int]],
    entity: str,
    tags: Sequence[int] | None = None,
    *,
    item: int = 0,
    max_length: int = 512,
    stride: int = 128,
    prompt_format: str = PROMPT_FORMAT,
    orients: Sequence[int] | None = None,
) -> list[Window]:
    """Encode one (entity, words) example into one or more windows of at most ``max_length`` tokens.

    ``orients`` (one orientation class per word) become the windows' token types: a word's sub-tokens
    all carry its class, so the model sees which labels run vertically or slanted on a drawing."""
    if len(words) != len(boxes) or (tags is not None and len(tags) != len(words)) or (
            orients is not None and len(orients) != len(words)):
        raise ValueError(f"words ({len(words)}), boxes ({len(boxes)}), tags and orients must have the same length")
    cls_id, sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id
    prompt_ids = [i for ids in word_token_ids(tokenizer, prompt_text(entity, prompt_format).split()) for i in ids]
    head = [cls_id, *prompt_ids, sep_id, sep_id]
    capacity = max_length - len(head) - 1
    if capacity < 8:
        raise ValueError(f"max_length={max_length} leaves no room for words after the entity prompt")
    stride = max(0, min(stride, capacity // 2))
    per_word = [ids[:capacity] for ids in word_token_ids(tokenizer, words)]
    clean = [_clean_box(b) for b in boxes]
    windows = []
    for s, e in _window_spans([len(ids) for ids in per_word], capacity, stride):
        ids = list(head)
        bbox = [list(EMPTY_BOX)] * len(head)
        labels = [IGNORE] * len(head) if tags is not None else None
        word_index = [-1] * len(head)
        types = [0] * len(head) if orients is not None else None
        for w in range(s, e):
            for k, tid in enumerate(per_word[w]):
                ids.append(tid)
                bbox.append(clean[w])
                word_index.append(w if k == 0 else -1)
                if labels is not None:
                    labels.append(int(tags[w]) if k == 0 else IGNORE)
                if types is not None:
                    types.append(int(orients[w]))  # type: ignore[index]
        ids.append(sep_id)
        bbox.append(list(EMPTY_BOX))
        word_index.append(-1)
        if labels is not None:
            labels.append(IGNORE)
        if types is not None:
            types.append(0)
        windows.append(Window(item=item, input_ids=ids, bbox=bbox, labels=labels, word_index=word_index,
                              token_types=types))
    return windows


def image_pixels(image: Any, size: int = IMAGE_SIZE) -> torch.Tensor:
    """(3, size, size) float tensor as LayoutLMv3ImageProcessor prepares it (resize, /255, mean/std 0.5)."""
    from PIL import Image

    img = image if isinstance(image, Image.Image) else Image.open(image)
    arr = np.asarray(img.convert("RGB").resize((size, size), Image.BILINEAR), dtype=np.float32)
    arr = (arr / 255.0 - IMAGE_MEAN) / IMAGE_STD
    return torch.from_numpy(arr.transpose(2, 0, 1).copy())


def collate_windows(
    windows: Sequence[Window], pad_id: int, pixel_values: Sequence[torch.Tensor] | None = None
) -> dict[str, torch.Tensor]:
    """Pad windows into a batch of tensors; ``pixel_values`` holds one image tensor per window when given."""
    n, width = len(windows), max(len(w) for w in windows)
    input_ids = torch.full((n, width), pad_id, dtype=torch.long)
    attention = torch.zeros((n, width), dtype=torch.long)
    bbox = torch.zeros((n, width, 4), dtype=torch.long)
    has_labels = windows[0].labels is not None
    labels = torch.full((n, width), IGNORE, dtype=torch.long) if has_labels else None
    types = torch.zeros((n, width), dtype=torch.long) if windows[0].token_types is not None else None
    for r, w in enumerate(windows):
        k = len(w)
        input_ids[r, :k] = torch.tensor(w.input_ids)
        attention[r, :k] = 1
        bbox[r, :k] = torch.tensor(w.bbox)
        if labels is not None:
            labels[r, :k] = torch.tensor(w.labels)
        if types is not None and w.token_types is not None:
            types[r, :k] = torch.tensor(w.token_types)
    batch = {"input_ids": input_ids, "attention_mask": attention, "bbox": bbox}
    if types is not None:
        batch["token_type_ids"] = types
    if labels is not None:
        batch["labels"] = labels
    if pixel_values is not None:
        batch["pixel_values"] = torch.stack(list(pixel_values))
    return batch


def encode_batch(
    tokenizer: Any,
    items: Sequence[Sequence[Any]],
    tags: Sequence[Sequence[int]] | None = None,
    *,
    max_length: int = 512,
    stride: int = 128,
    visual: bool = False,
    image_size: int = IMAGE_SIZE,
    prompt_format: str = PROMPT_FORMAT,
    orientation: bool = False,
    rule_hints: bool = False,
) -> tuple[dict[str, torch.Tensor], list[Window]]:
    """Model inputs for items (words, boxes, entity, image|None[, orients]); returns the batch and its
    windows for merging. ``orientation``: the model reads token types (an item without orients gets 0s);
    ``rule_hints``: they also mark the rules' answer (``word_types``)."""
    windows: list[Window] = []
    pixels: list[torch.Tensor] | None = [] if visual else None
    for i, item in enumerate(items):
        words, boxes, entity, image = item[:4]
        orients = None
        if orientation or rule_hints:
            given = item[4] if len(item) > 4 and item[4] is not None else None
            orients = word_types(words, boxes, entity, given, rule_hints=rule_hints)
        ws = encode_item(
            tokenizer, words, boxes, entity, None if tags is None else tags[i],
            item=i, max_length=max_length, stride=stride, prompt_format=prompt_format, orients=orients,
        )
        windows.extend(ws)
        if pixels is not None:
            px = image_pixels(image, image_size) if image is not None else torch.zeros(3, image_size, image_size)
            pixels.extend([px] * len(ws))
    return collate_windows(windows, tokenizer.pad_token_id, pixels), windows


def merge_windows(
    windows: Sequence[Window], probs: torch.Tensor | np.ndarray, n_words: Sequence[int]
) -> list[list[list[float]]]:
    """Per item, per word: label probabilities averaged over the windows whose first sub-token saw the word.

    ``probs`` is (windows, tokens, labels) aligned with ``windows``; ``n_words[i]`` is item i's word count.
    """
    p = probs.detach().float().cpu().numpy() if isinstance(probs, torch.Tensor) else np.asarray(probs)
    n_labels = p.shape[-1]
    sums = [np.zeros((n, n_labels), dtype=np.float64) for n in n_words]
    counts = [np.zeros(n, dtype=np.int64) for n in n_words]
    for r, w in enumerate(windows):
        idx = np.asarray(w.word_index)
        pos = np.nonzero(idx >= 0)[0]
        np.add.at(sums[w.item], idx[pos], p[r, pos])
        np.add.at(counts[w.item], idx[pos], 1)
    out = []
    for s, c in zip(sums, counts):
        if (c == 0).any():
            raise AssertionError(f"words {np.nonzero(c == 0)[0].tolist()} were seen by no window")
        out.append((s / c[:, None]).tolist())
    return out
