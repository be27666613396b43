"""The small-print retry (layoutx.ocr.retry): which rows it is for, what replaces what, and the real engine
reading a real test-hand-train banner that only the retry reads ("8W" on a 500 x 26 px image)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from layoutx.extractor import Extractor
from layoutx.ocr.retry import DEFAULT_RETRY, count_retried, retry_settings, second_pass, wants_retry
from layoutx.ocr.types import OcrResult, Word
from layoutx.predict import run_prediction

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "test-hand-train"
BANNER = REAL / "images" / "21cLufe8Y5L.jpg"  # row 38 of test-hand-train: wattage 8.0 watt


def ocr(*texts: str) -> OcrResult:
    words = tuple(Word(t, (10.0 + 40 * k, 10.0, 45.0 + 40 * k, 30.0)) for k, t in enumerate(texts))
    return OcrResult(words, 400, 100, "rapidocr")


def test_retry_settings_default_per_engine_and_from_the_spec():
    assert retry_settings("rapidocr", None) == DEFAULT_RETRY["rapidocr"]
    assert retry_settings("rapidocr", {"name": "rapidocr", "max_side": 960}) == DEFAULT_RETRY["rapidocr"]
    assert retry_settings("easyocr", None) is None
    assert retry_settings("rapidocr", {"retry": None}) is None
    assert retry_settings("rapidocr", {"retry": False}) is None
    assert retry_settings("easyocr", {"retry": {"canvas_size": 4096}}) == {"canvas_size": 4096}
    with pytest.raises(ValueError, match="ocr.retry"):
        retry_settings("rapidocr", {"retry": 1600})


def test_wants_retry_only_without_a_quantity_the_entity_allows():
    assert wants_retry(ocr("Protein", "5"), "item_weight")
    assert not wants_retry(ocr("Net", "Wt", "500", "g"), "item_weight")
    assert wants_retry(ocr("Net", "Wt", "500", "g"), "voltage")  # grams do not answer a voltage
    assert not wants_retry(ocr("Protein", "5"), "height")  # lengths are never retried


def test_second_pass_replaces_only_rows_it_helps_and_ocrs_each_image_once():
    first = [ocr("Protein", "5"), ocr("Protein", "5"), ocr("12", "cm"), ocr("N/A"), ocr("220", "V")]
    rows = [("a.jpg", "item_weight"), ("a.jpg", "wattage"), ("b.jpg", "width"), ("c.jpg", "voltage"),
            ("d.jpg", "voltage")]
    retried = {"a.jpg": ocr("Net", "Wt", "500", "g"), "c.jpg": ocr("still", "nothing")}
    asked: list[list[str]] = []

    def again(keys: list[str]) -> dict[str, OcrResult]:
        asked.append(keys)
        return {k: retried[k] for k in keys}

    final = second_pass(rows, first, again)
    assert asked == [["a.jpg", "c.jpg"]]  # one call, each image once; the width row and row d are not retried
    assert final[0] is retried["a.jpg"]  # its weight is in the retry's words
    assert final[1] is first[1]  # the retry holds no wattage either: the first pass stays
    assert final[2] is first[2] and final[3] is first[3] and final[4] is first[4]
    assert count_retried(first, final) == 1


def test_second_pass_takes_a_quantity_the_retry_reads_only_through_a_misreading():
    """ "1.25 0z" (a zero for the o) and a bare "16 oz" on a volume are what the rules answer from the
    retry's words, so those words replace the first pass's; "0z" alone answers nothing; and where the first
    pass's words already answer through a misreading ("47 0Z"), a misreading of the retry's does not replace them."""
    first = [ocr("NET", "WT"), ocr("Repels"), ocr("NET", "WT"), ocr("NETWT.", "47", "0Z")]
    rows = [("a.jpg", "item_weight"), ("b.jpg", "item_volume"), ("c.jpg", "item_weight"), ("d.jpg", "item_weight")]
    retried = {"a.jpg": ocr("NET", "WT", "1.25", "0z"), "b.jpg": ocr("16", "oz"), "c.jpg": ocr("NET", "0z"),
               "d.jpg": ocr("NETWT.", "1.47", "0Z")}
    final = second_pass(rows, first, lambda keys: {k: retried[k] for k in keys})
    assert final[0] is retried["a.jpg"] and final[1] is retried["b.jpg"] and final[2] is first[2]
    assert final[3] is first[3]


def test_an_item_weight_without_a_keyed_quantity_is_retried_and_takes_only_a_keyed_one():
    """ "Protein 25 g" read, "NET WT 200g" missed: the retry's keyed 200 g replaces the first pass's words; a
    retry with no keyed weight leaves them; a keyed first pass and other entities are not retried for it."""
    assert wants_retry(ocr("Protein", "25", "g"), "item_weight")
    assert not wants_retry(ocr("Net", "Wt", "25", "g"), "item_weight")
    assert not wants_retry(ocr("Output", "12", "V"), "voltage")
    first = [ocr("Protein", "25", "g"), ocr("Protein", "25", "g"), ocr("Protein", "25", "g")]
    rows = [("a.jpg", "item_weight"), ("b.jpg", "item_weight"), ("c.jpg", "item_weight")]
    retried = {"a.jpg": ocr("Protein", "25", "g", "NET", "WT", "200g"), "b.jpg": ocr("Protein", "25", "g", "200g"),
               "c.jpg": ocr("nothing")}
    final = second_pass(rows, first, lambda keys: {k: retried[k] for k in keys})
    assert final[0] is retried["a.jpg"] and final[1] is first[1] and final[2] is first[2]
    assert Extractor.rules().predict_ocr([(final[0], "item_weight", None)])[0].text == "200.0 gram"


def test_second_pass_does_not_call_the_engine_when_no_row_needs_it():
    def again(keys: list[str]) -> dict:
        raise AssertionError("called")

    first = [ocr("12", "cm"), None]
    assert second_pass([("b.jpg", "height"), ("x.jpg", "item_weight")], first, again) == first


def test_model_meta_and_config_decide_the_retry(tmp_path):
    assert Extractor.rules().retry_target() == ("rapidocr", DEFAULT_RETRY["rapidocr"])
    assert Extractor.rules(ocr={"name": "rapidocr", "retry": None}).retry_target() is None
    spec = {"engine": "rapidocr", "settings": {"max_side": 960, "det_limit_side_len": 736},
            "retry": {"det_limit_side_len": 1280}}
    ex = Extractor.rules(ocr=spec)
    assert ex.ocr_target() == ("rapidocr", {"max_side": 960, "det_limit_side_len": 736})
    assert ex.retry_target() == ("rapidocr", {"max_side": 960, "det_limit_side_len": 1280})
    assert Extractor.rules(ocr="easyocr").retry_target() is None


@pytest.mark.skipif(not BANNER.is_file(), reason="../shared/data/real is not here")
def test_real_banner_read_only_by_the_retry_in_the_library_and_the_pipeline(tmp_path):
    cache = tmp_path / "cache"
    plain = Extractor.rules(ocr={"name": "rapidocr", "retry": None}, cache_dir=cache)
    assert "8W" not in plain.ocr_image(BANNER).text  # the first pass misreads the banner
    assert plain.predict(BANNER, "wattage").text == ""
    ex = Extractor.rules(cache_dir=cache)
    assert ex.predict(BANNER, "wattage").text == "8.0 watt"
    assert ex.predict_batch([(BANNER, "wattage"), (BANNER.read_bytes(), "wattage")])[1].text == "8.0 watt"

    inp, out = tmp_path / "in.csv", tmp_path / "out.csv"
    with inp.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["index", "image_link", "group_id", "entity_name"])
        w.writerow(["38", f"https://m.media-amazon.com/images/I/{BANNER.name}", "1", "wattage"])
        w.writerow(["39", f"https://m.media-amazon.com/images/I/{BANNER.name}", "1", "width"])
    run_prediction({"input": str(inp), "images_dir": str(BANNER.parent), "output": str(out), "cache_dir": str(cache),
                    "rules_only": True, "progress": False})
    with out.open(newline="", encoding="utf-8") as f:
        assert [r["prediction"] for r in csv.DictReader(f)] == ["8.0 watt", ""]
