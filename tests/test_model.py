"""Model pieces: entity-conditioned encoding with exact ids/labels, sliding windows, tiny forward/backward,
export + plain-transformers reload, the Tagger API, models/latest, and the base preset's offline loading."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image
from transformers import AutoTokenizer, LayoutLMv3ForTokenClassification, LayoutLMv3Model, LayoutLMv3Tokenizer

from layoutx.decode import rule_hints
from layoutx.errors import ModelNotFoundError
from layoutx.labels.match import match
from layoutx.labels.tags import ID2LABEL, LABEL2ID
from layoutx.labels.tokens import split_glued
from layoutx.models.encoding import (
    IGNORE,
    encode_batch,
    encode_item,
    input_kinds,
    merge_windows,
    type_vocab_size,
    word_types,
)
from layoutx.models.export import export_model, read_meta, resolve_model_dir, update_latest
from layoutx.models.inference import Tagger
from layoutx.models.presets import build_model, load_base, split_hidden, tiny_config, train_tokenizer
from layoutx.ocr.types import N_ORIENTATIONS, Word

# A hand-written byte-level BPE vocabulary: every id below is a literal, not computed by the code under test.
VOCAB_TOKENS = [
    "<s>", "<pad>", "</s>", "<unk>", "<mask>",                       # 0..4
    "Ġ", "0", "5", "N", "W", "e", "g", "h", "i", "m", "t", "w",      # 5..16
    "Ġi", "Ġit", "Ġite", "Ġitem",                                    # 17..20
    "Ġw", "Ġwe", "Ġwei", "Ġweig", "Ġweigh", "Ġweight",               # 21..26
    "Ġ5", "Ġ50", "Ġ500", "Ġg", "ĠN", "ĠNe", "ĠNet", "ĠW", "ĠWt",     # 27..35
]
MERGES = [
    ("Ġ", "i"), ("Ġi", "t"), ("Ġit", "e"), ("Ġite", "m"), ("Ġ", "w"), ("Ġw", "e"), ("Ġwe", "i"), ("Ġwei", "g"),
    ("Ġweig", "h"), ("Ġweigh", "t"), ("Ġ", "5"), ("Ġ5", "0"), ("Ġ50", "0"), ("Ġ", "g"), ("Ġ", "N"), ("ĠN", "e"),
    ("ĠNe", "t"), ("Ġ", "W"), ("ĠW", "t"),
]
BOX_NET, BOX_WT, BOX_500G = (100, 200, 180, 240), (190, 200, 250, 240), (260, 200, 400, 240)


@pytest.fixture(scope="module")
def hand_tokenizer() -> LayoutLMv3Tokenizer:
    return LayoutLMv3Tokenizer(vocab={t: i for i, t in enumerate(VOCAB_TOKENS)}, merges=MERGES)


@pytest.fixture(scope="module")
def tiny_tokenizer() -> LayoutLMv3Tokenizer:
    words = ["Net", "Wt", "500", "g", "Width", "12", "cm", "Voltage", "220", "V", "Weight", "kg", "1.5"] * 30
    return train_tokenizer(words, vocab_size=600, min_frequency=2)


def test_encoding_exact_ids_and_labels_with_entity_segment_and_glued_word(hand_tokenizer):
    # OCR read "Net Wt 500g"; the weak labeler cuts "500g" into "500" + "g" and tags them
    ocr = [Word("Net", BOX_NET), Word("Wt", BOX_WT), Word("500g", BOX_500G)]
    words = split_glued(ocr)
    assert [w.text for w in words] == ["Net", "Wt", "500", "g"]
    tags = [LABEL2ID[t] for t in match(ocr, "500 gram", "item_weight").tags]
    assert tags == [0, 0, 1, 3]
    boxes = [list(w.box) for w in words]  # already 0..1000 here
    (win,) = encode_item(hand_tokenizer, [w.text for w in words], boxes, "item_weight", tags)
    #                  <s> Ġitem Ġweight </s> </s> ĠNet ĠWt Ġ500 Ġg </s>
    assert win.input_ids == [0, 20, 26, 2, 2, 33, 35, 29, 30, 2]
    assert win.labels == [IGNORE] * 5 + [0, 0, 1, 3] + [IGNORE]
    assert win.word_index == [-1] * 5 + [0, 1, 2, 3] + [-1]
    z = [0, 0, 0, 0]
    g0, g1 = boxes[2], boxes[3]  # the split sub-boxes of "500g"
    assert g0[0] == 260 and g1[2] == 400 and g0[2] <= g1[0]
    assert win.bbox == [z] * 5 + [list(BOX_NET), list(BOX_WT), g0, g1] + [z]


def test_encoding_labels_only_first_subtoken_and_prompt_differs_by_entity(hand_tokenizer):
    # "Nett" = ĠNet + t (two sub-tokens); "Wt500" is not split here: ĠWt + 5 + 0 + 0
    (win,) = encode_item(hand_tokenizer, ["Nett", "Wt500"], [[1, 2, 3, 4], [5, 6, 7, 8]], "item_weight", [3, 1])
    #                  <s> Ġitem Ġweight </s> </s> ĠNet t  ĠWt 5  0  0  </s>
    assert win.input_ids == [0, 20, 26, 2, 2, 33, 15, 35, 7, 6, 6, 2]
    assert win.labels == [IGNORE] * 5 + [3, IGNORE, 1, IGNORE, IGNORE, IGNORE, IGNORE]
    assert win.word_index == [-1] * 5 + [0, -1, 1, -1, -1, -1, -1]
    assert win.bbox[5:11] == [[1, 2, 3, 4]] * 2 + [[5, 6, 7, 8]] * 4


def test_prompt_is_the_entity_and_gets_empty_boxes(tiny_tokenizer):
    a = encode_item(tiny_tokenizer, ["500", "g"], [[1, 2, 3, 4]] * 2, "item_weight", [1, 3])[0]
    b = encode_item(tiny_tokenizer, ["500", "g"], [[1, 2, 3, 4]] * 2, "item_volume", [0, 0])[0]
    prompt_a = a.input_ids[1 : a.input_ids.index(2)]
    assert tiny_tokenizer.decode(prompt_a).strip() == "item weight"
    assert tiny_tokenizer.decode(b.input_ids[1 : b.input_ids.index(2)]).strip() == "item volume"
    assert all(box == [0, 0, 0, 0] for box in a.bbox[: len(prompt_a) + 3])
    assert a.input_ids[len(prompt_a) + 1 : len(prompt_a) + 3] == [2, 2]  # </s></s> between prompt and words


def test_trained_tokenizer_saves_and_loads_with_autotokenizer_offline(tiny_tokenizer, tmp_path):
    tiny_tokenizer.save_pretrained(tmp_path)
    loaded = AutoTokenizer.from_pretrained(tmp_path, local_files_only=True)
    assert type(loaded).__name__ == "LayoutLMv3Tokenizer"
    words, boxes = ["Net", "Wt", "500", "g", "Ωmega"], [[1, 2, 3, 4]] * 5
    assert encode_item(loaded, words, boxes, "item_weight")[0].input_ids == \
        encode_item(tiny_tokenizer, words, boxes, "item_weight")[0].input_ids
    # the library's own pair encoding agrees with ours on the words part (prompt as text, words with boxes)
    ref = loaded("item weight", words, boxes=boxes)["input_ids"]
    assert ref == encode_item(loaded, words, boxes, "item_weight")[0].input_ids
    # byte-level: an unseen character is still encoded, never dropped
    assert loaded.decode(encode_item(loaded, ["Ωmega"], [[0, 0, 1, 1]], "width")[0].input_ids[4:-1]).strip() == "Ωmega"


def test_windows_cover_every_word_and_merge_averages_overlaps(tiny_tokenizer):
    words = [f"{i}kg" if i % 7 else "Weight" for i in range(900)]
    boxes = [[i % 1000, 10, i % 1000 + 1, 20] for i in range(900)]
    windows = encode_item(tiny_tokenizer, words, boxes, "item_weight", [0] * 900, max_length=512, stride=64)
    assert len(windows) >= 3
    assert all(len(w) <= 512 for w in windows)
    seen = [sorted(i for i in w.word_index if i >= 0) for w in windows]
    assert sorted(set().union(*map(set, seen))) == list(range(900))  # nothing cut
    for a, b in zip(seen, seen[1:]):
        assert b[0] <= a[-1] and b[-1] > a[-1]  # consecutive windows overlap and advance
        assert a == list(range(a[0], a[-1] + 1))
    # probabilities = window number: overlapped words get the mean of the windows that saw them
    width = max(len(w) for w in windows)
    probs = torch.zeros(len(windows), width, 5)
    for r in range(len(windows)):
        probs[r, :, 0] = float(r)
    merged = merge_windows(windows, probs, [900])[0]
    for i in range(900):
        owners = [r for r, s in enumerate(seen) if i in s]
        assert merged[i][0] == pytest.approx(sum(owners) / len(owners))


def test_long_single_word_is_truncated_to_window_not_dropped(tiny_tokenizer):
    long_word = "x" * 3000
    windows = encode_item(tiny_tokenizer, ["500", long_word, "g"], [[0, 0, 1, 1]] * 3, "width", [1, 0, 3])
    assert all(len(w) <= 512 for w in windows)
    assert sorted({i for w in windows for i in w.word_index if i >= 0}) == [0, 1, 2]


@pytest.mark.parametrize("visual", [False, True])
def test_tiny_forward_backward_and_a_few_steps_learn(tiny_tokenizer, visual):
    torch.manual_seed(0)
    config = tiny_config(len(tiny_tokenizer), visual_embed=visual, hidden_size=64, num_hidden_layers=2,
                         num_attention_heads=2, intermediate_size=128, dropout=0.0)
    assert 4 * config.coordinate_size + 2 * config.shape_size == config.hidden_size
    model = LayoutLMv3ForTokenClassification(config)
    items = [(["Net", "Wt", "500", "g"], [[10, 10, 50, 30], [60, 10, 90, 30], [100, 10, 150, 30],
                                          [160, 10, 180, 30]], "item_weight", Image.new("RGB", (320, 240), "white")),
             (["Width", "12", "cm"], [[10, 50, 80, 70], [90, 50, 120, 70], [130, 50, 160, 70]], "width", None)]
    batch, windows = encode_batch(tiny_tokenizer, items, tags=[[0, 0, 1, 3], [0, 1, 3]], visual=visual)
    assert ("pixel_values" in batch) == visual
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(15):
        out = model(**batch)
        assert out.logits.shape[:2] == batch["input_ids"].shape
        out.loss.backward()
        if not losses:
            assert model.classifier.weight.grad.abs().sum() > 0
            assert model.layoutlmv3.embeddings.word_embeddings.weight.grad.abs().sum() > 0
            if visual:
                assert model.layoutlmv3.patch_embed.proj.weight.grad.abs().sum() > 0
        opt.step()
        opt.zero_grad()
        losses.append(out.loss.item())
    assert losses[-1] < 0.5 * losses[0]


def test_orientation_classes_become_token_types_of_every_sub_token(hand_tokenizer):
    # "Nett" = ĠNet + t: both sub-tokens carry the word's class; prompt and specials carry 0
    (win,) = encode_item(hand_tokenizer, ["Nett", "Wt500"], [[1, 2, 3, 4], [5, 6, 7, 8]], "item_weight", [3, 1],
                         orients=[1, 3])
    assert win.token_types == [0] * 5 + [1, 1, 3, 3, 3, 3] + [0]
    batch, _ = encode_batch(hand_tokenizer, [(["Nett"], [[1, 2, 3, 4]], "item_weight", None, [2]),
                                             (["Wt500", "Nett"], [[5, 6, 7, 8]] * 2, "item_weight", None)],
                            orientation=True)  # the second item has no orients: all upright
    assert batch["token_type_ids"].tolist() == [[0] * 5 + [2, 2] + [0] * 5, [0] * 12]
    assert "token_type_ids" not in encode_batch(hand_tokenizer, [(["Nett"], [[1, 2, 3, 4]], "width", None)])[0]
    with pytest.raises(ValueError, match="orients"):
        encode_item(hand_tokenizer, ["Nett"], [[1, 2, 3, 4]], "width", orients=[0, 1])


def test_orientation_is_what_tells_two_identical_layouts_apart(tiny_tokenizer):
    """Same words, same boxes: a height label printed vertically, a width label printed upright. Only
    the token types differ, and the model with orientation learns both taggings."""
    torch.manual_seed(0)
    model, _ = build_model({"name": "tiny", "orientation": True, "hidden_size": 64, "num_hidden_layers": 2,
                            "num_attention_heads": 2, "intermediate_size": 128, "dropout": 0.0},
                           ["12", "cm", "30"] * 5)
    assert model.config.type_vocab_size == N_ORIENTATIONS
    words, boxes = ["12", "cm", "30", "cm"], [[100, 100, 140, 120], [150, 100, 180, 120],
                                              [100, 300, 140, 320], [150, 300, 180, 320]]
    items = [(words, boxes, "height", None, [1, 1, 0, 0]), (words, boxes, "height", None, [0, 0, 1, 1])]
    tags = [[1, 3, 0, 0], [0, 0, 1, 3]]
    batch, windows = encode_batch(tiny_tokenizer, items, tags=tags, orientation=True)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    for _ in range(40):
        loss = model(**batch).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
    model.eval()
    with torch.no_grad():
        probs = merge_windows(windows, torch.softmax(model(**batch).logits, -1), [4, 4])
    assert [[int(np.argmax(p)) for p in item] for item in probs] == tags


def test_rule_hints_mark_the_rules_answer_in_the_token_types(tiny_tokenizer, tmp_path):
    """A rule_hints model reads the rules' answer as token type + N_ORIENTATIONS (decode.rule_hints), in
    training (word_types) and at inference (Tagger) alike, and exports as a plain LayoutLMv3."""
    words = ["Protein", "5", "g", "Net", "Wt", "500g"]  # an unsplit glued word is split for the rules
    boxes = [[0, 0, 100, 20], [110, 0, 130, 20], [130, 0, 140, 20], [0, 50, 60, 80], [70, 50, 120, 80],
             [130, 50, 220, 80]]
    assert rule_hints(words, boxes, [0] * 6, "item_weight") == [0, 0, 0, 0, 0, 1]  # after "Net Wt"
    assert rule_hints(words, boxes, None, "voltage") == [0] * 6
    drawing = ["Height", "12", "cm"]  # lengths never get hints: the layout decides on a drawing
    assert rule_hints(drawing, boxes[:3], None, "height") == [0, 0, 0]
    assert rule_hints(drawing, boxes[:3], None, "maximum_weight_recommendation") == [0, 0, 0]
    assert word_types(words, boxes, "item_weight", [1, 0, 0, 0, 0, 0], rule_hints=True) == [1, 0, 0, 0, 0, 5]
    assert word_types(words, boxes, "item_weight", [1, 0, 0, 0, 0, 0]) == [1, 0, 0, 0, 0, 0]
    assert (type_vocab_size(True, True), type_vocab_size(True), type_vocab_size(False)) == (10, 5, 1)
    model, _ = build_model({"name": "tiny", "orientation": True, "rule_hints": True, "hidden_size": 64,
                            "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 128},
                           ["12", "cm", "30"] * 5)
    assert input_kinds(model.config) == (True, True)
    batch, _ = encode_batch(tiny_tokenizer, [(words, boxes, "item_weight", None, [0] * 6)], rule_hints=True)
    types = batch["token_type_ids"][0].tolist()
    assert max(types) == N_ORIENTATIONS and types.count(N_ORIENTATIONS) == len(tiny_tokenizer.tokenize(" 500g"))
    out = export_model(model, tiny_tokenizer, tmp_path / "export", {"encoding": {}, "ocr": {"engine": "x"}})
    assert LayoutLMv3ForTokenClassification.from_pretrained(out, local_files_only=True).config.type_vocab_size == 10
    assert Tagger.from_pretrained(out, device="cpu").rule_hints


def test_split_hidden_respects_layoutlmv3_constraint():
    for h in (64, 128, 256, 768):
        c, s = split_hidden(h)
        assert 4 * c + 2 * s == h
    with pytest.raises(ValueError):
        split_hidden(100)


def _small_model(tokenizer, visual=False):
    torch.manual_seed(1)
    return build_model({"name": "tiny", "visual_embed": visual, "hidden_size": 64, "num_hidden_layers": 2,
                        "num_attention_heads": 2, "intermediate_size": 128}, ["Net", "500", "g"] * 5)


@pytest.mark.parametrize("visual", [False, True])
def test_export_reload_identical_logits_and_tagger(tmp_path, visual):
    model, tok = _small_model(None, visual)
    model.eval()
    items = [(["Net", "Wt", "500", "g"], [[10, 10, 50, 30]] * 4, "item_weight", Image.new("RGB", (64, 48), "red")),
             ([f"w{i}" for i in range(400)], [[i, 1, i + 2, 3] for i in range(400)], "depth", None)]
    batch, windows = encode_batch(tok, items, visual=visual, max_length=256, stride=32)
    with torch.no_grad():
        ref = model(**batch).logits
    meta = {"encoding": {"max_length": 256, "stride": 32, "prompt_format": "{entity}"}, "ocr": {"engine": "x"}}
    out = export_model(model, tok, tmp_path / "export", meta)
    # plain transformers, nothing from layoutx
    plain = LayoutLMv3ForTokenClassification.from_pretrained(out, local_files_only=True).eval()
    plain_tok = AutoTokenizer.from_pretrained(out, local_files_only=True)
    assert plain.config.id2label == ID2LABEL and plain.config.label2id == LABEL2ID
    assert plain.config.visual_embed is visual
    batch2, _ = encode_batch(plain_tok, items, visual=visual, max_length=256, stride=32)
    assert torch.equal(batch2["input_ids"], batch["input_ids"])
    with torch.no_grad():
        assert torch.equal(plain(**batch2).logits, ref)
    assert read_meta(out) == json.loads(json.dumps(meta))

    tagger = Tagger.from_pretrained(out, device="cpu")
    assert tagger.meta["encoding"]["max_length"] == 256
    probs = tagger.word_probs([items[1][:3] + (None,), items[0]], batch_size=1)
    assert [len(p) for p in probs] == [400, 4]
    expected = merge_windows(windows, torch.softmax(ref, -1), [4, 400])
    np.testing.assert_allclose(probs[1], expected[0], atol=1e-5)
    np.testing.assert_allclose(probs[0], expected[1], atol=1e-5)
    assert all(sum(row) == pytest.approx(1.0, abs=1e-5) for row in probs[0])


def test_latest_pointer_and_resolve_model_dir(tmp_path, monkeypatch):
    model, tok = _small_model(None)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LAYOUTX_MODELS_DIR", raising=False)
    with pytest.raises(ModelNotFoundError, match="python train.py"):
        resolve_model_dir(tmp_path / "nothing")
    export = export_model(model, tok, tmp_path / "models" / "tiny-1", {"x": 1})
    pointer = update_latest(export, tmp_path / "models")
    assert pointer.read_text().strip() == "tiny-1"
    assert resolve_model_dir() == tmp_path / "models" / "tiny-1"
    assert resolve_model_dir(export) == export
    assert resolve_model_dir(pointer) == tmp_path / "models" / "tiny-1"
    (tmp_path / "models" / "latest").write_text("gone\n")
    with pytest.raises(ModelNotFoundError):
        resolve_model_dir()


def test_resolve_model_dir_without_any_model_names_the_command(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LAYOUTX_MODELS_DIR", raising=False)
    import layoutx.models.export as ex

    monkeypatch.setattr(ex, "_project_roots", lambda: [tmp_path])
    monkeypatch.setattr(ex, "shipped_model_dir", lambda: tmp_path / "stripped")  # an install without the shipped model
    with pytest.raises(ModelNotFoundError, match="python train.py"):
        resolve_model_dir()


def test_base_loads_from_a_local_pretrained_directory(tmp_path, tiny_tokenizer):
    # a small stand-in for microsoft/layoutlmv3-base, written the way the hub copy is: backbone + tokenizer
    cfg = tiny_config(len(tiny_tokenizer), visual_embed=True, hidden_size=64, num_hidden_layers=1,
                      num_attention_heads=2, intermediate_size=64)
    backbone = LayoutLMv3Model(cfg)
    backbone.save_pretrained(tmp_path / "pre")
    tiny_tokenizer.save_pretrained(tmp_path / "pre")
    model, tok = build_model({"name": "base", "pretrained": str(tmp_path / "pre"), "visual_embed": True})
    assert model.config.num_labels == 5 and model.config.id2label == ID2LABEL
    assert torch.equal(model.layoutlmv3.embeddings.word_embeddings.weight,
                       backbone.embeddings.word_embeddings.weight)  # pretrained weights, not random
    assert tok("item weight", ["500"], boxes=[[0, 0, 1, 1]])["input_ids"][0] == 0


def test_base_without_weights_fails_clearly(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))  # an empty cache
    with pytest.raises(ModelNotFoundError, match="model.pretrained="):
        load_base(str(tmp_path / "missing"))
    with pytest.raises(ModelNotFoundError, match="huggingface-cli download microsoft/layoutlmv3-base"):
        load_base("microsoft/layoutlmv3-base")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelNotFoundError):
        load_base(str(tmp_path / "empty"))


def test_build_model_rejects_unknown_preset():
    with pytest.raises(ValueError, match="unknown model preset"):
        build_model({"name": "huge"}, ["a"])
