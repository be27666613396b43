"""Decoding per-word tag probabilities into one answer (layoutx.decode): exact outputs on hand-made words."""

from __future__ import annotations

import collections
import csv

import pytest

from layoutx.core.values import parse_entity_value
from layoutx.decode import FALLBACK, MODEL, MOST_LIKELY_UNIT, NONE, UNIT_ADJACENT, UNIT_PRIOR, decode
from layoutx.errors import UnknownEntityError
from layoutx.labels.tags import LABELS
from layoutx.labels.tokens import split_glued
from layoutx.ocr.types import Word


def line(texts: list[str], heights: dict[int, float] | None = None, conf: float = 0.8) -> list[Word]:
    """Words left to right on one line, 5 px apart; optional per-word heights (default 20 px) with
    characters half as wide as tall (10 px at the default height)."""
    out, x = [], 0.0
    for i, t in enumerate(texts):
        h = (heights or {}).get(i, 20.0)
        out.append(Word(t, (x, 0.0, x + h / 2 * len(t), h), conf))
        x += h / 2 * len(t) + 5
    return out


def probs(tags: list[str], p: float = 0.9) -> list[list[float]]:
    """Probability rows putting ``p`` on the given tag and the rest evenly on the others."""
    rest = (1 - p) / (len(LABELS) - 1)
    return [[p if label == t else rest for label in LABELS] for t in tags]


def test_glued_value_and_unit_are_split_and_decoded() -> None:
    words = split_glued(line(["Net", "Wt", "500g"]))
    assert [w.text for w in words] == ["Net", "Wt", "500", "g"]
    pred = decode(words, probs(["O", "O", "B-VALUE", "B-UNIT"]), "item_weight")
    assert pred.text == "500.0 gram"
    assert (pred.value, pred.unit, pred.source) == (500.0, "gram", MODEL)
    assert pred.word_indices == (2, 3)
    # the glued word "500g" spans x 60..100: 3 characters of number, 1 of unit
    assert pred.boxes == ((60.0, 0.0, 90.0, 20.0), (90.0, 0.0, 100.0, 20.0))
    assert pred.score == pytest.approx(0.925 * 0.925)
    assert pred.tags == ("O", "O", "B-VALUE", "B-UNIT")


def test_glued_gsm_fabric_weight_is_a_gram_weight() -> None:
    words = split_glued(line(["Fabric", "160GSM", "Microfiber"]))
    assert [w.text for w in words] == ["Fabric", "160", "GSM", "Microfiber"]
    assert decode(words, None, "item_weight").text == "160.0 gram"
    assert decode(words, None, "width").text == ""


def test_glued_fluid_ounce_unit_spans_two_words() -> None:
    words = split_glued(line(["16.9FL", "OZ"]))
    assert [w.text for w in words] == ["16.9", "FL", "OZ"]
    pred = decode(words, probs(["B-VALUE", "B-UNIT", "I-UNIT"]), "item_volume")
    assert pred.text == "16.9 fluid ounce"
    assert pred.word_indices == (0, 1, 2)


def test_value_without_tagged_unit_takes_the_adjacent_unit_word() -> None:
    words = line(["Weight", "250", "g"])
    pred = decode(words, probs(["O", "B-VALUE", "O"]), "item_weight")
    assert pred.text == "250.0 gram"
    assert pred.word_indices == (1, 2)
    assert pred.score == pytest.approx(0.925 * UNIT_ADJACENT)


def test_a_misread_unit_after_a_tagged_value_is_read_through_the_misreading() -> None:
    """ "31 0Z": the model's value keeps the ounce the zero stands for, whether it tagged "0Z" as the unit
    (the decoder used to drop that quantity) or not (it used to guess grams); the rules read it the same way."""
    words = line(["METAL", "31", "0Z", "GARDEN"])
    assert decode(words, probs(["O", "B-VALUE", "B-UNIT", "O"]), "item_weight", fallback=False).text == "31.0 ounce"
    assert decode(words, probs(["O", "B-VALUE", "O", "O"]), "item_weight", fallback=False).text == "31.0 ounce"
    assert decode(words, None, "item_weight").text == "31.0 ounce"
    volume = line(["28", "FL", "0", "Z"])
    assert decode(volume, probs(["B-VALUE", "O", "O", "O"]), "item_volume", fallback=False).text == "28.0 fluid ounce"
    assert decode(words, probs(["O", "B-VALUE", "O", "O"]), "voltage", fallback=False).text == "31.0 volt"
    # on a volume, the ounce after the model's value is a fluid ounce ("12 OZ CANS"), as the rules read it
    cans = line(["12", "OZ", "CANS"])
    assert decode(cans, probs(["B-VALUE", "O", "O"]), "item_volume", fallback=False).text == "12.0 fluid ounce"
    assert decode(cans, None, "item_volume").text == "12.0 fluid ounce"
    assert decode(cans, probs(["B-VALUE", "B-UNIT", "O"]), "item_volume", fallback=False).text == "12.0 fluid ounce"


def test_an_unkeyed_item_weight_prefers_a_quantity_printed_in_two_units() -> None:
    """A dose printed large ("600 mg") loses to the net weight declared twice ("8.82 oz (250 g)", the first
    printing answering); without a pair the larger print still wins, and a keyword still comes first."""
    words = line(["NAC", "600", "mg", "8.82", "oz", "(", "250", "g", ")"], {1: 40.0, 2: 40.0})
    assert decode(words, None, "item_weight").text == "8.82 ounce"
    assert decode(line(["NAC", "600", "mg", "250", "g"], {1: 40.0, 2: 40.0}), None, "item_weight").text == "600.0 milligram"
    keyed = line(["Net", "Wt", "300", "g", "8.82", "oz", "(", "250", "g", ")"])
    assert decode(keyed, None, "item_weight").text == "300.0 gram"
    assert decode(words, None, "maximum_weight_recommendation").text == "600.0 milligram"  # item weights only


def test_a_tagged_value_word_that_reads_only_through_a_misreading_is_read_so() -> None:
    """The model tags the whole of "30Z" (3 oz, the o read as a zero and glued) or "25o" (250) as the value:
    the decoder reads them through the usual repairs instead of dropping them; a word that is no number stays none."""
    assert decode(line(["NETWT", "30Z", "CUPS"]), probs(["O", "B-VALUE", "O"]), "item_weight",
                  fallback=False).text == "3.0 ounce"
    assert decode(line(["Capacity:", "25o", "lbs"]), probs(["O", "B-VALUE", "B-UNIT"]),
                  "maximum_weight_recommendation", fallback=False).text == "250 pound"
    assert decode(line(["NETWT", "CUPS"]), probs(["O", "B-VALUE"]), "item_weight", fallback=False).text == ""


def test_a_model_value_that_ends_a_longer_reading_is_read_whole() -> None:
    """ "(1 LB . 2 OZ)" tagged as two quantities: the model's 2 oz is the end of 18 oz, as the rules read it."""
    words = line(["(", "1", "LB", ".", "2", "OZ", ")"])
    tags = probs(["O", "B-VALUE", "B-UNIT", "O", "B-VALUE", "B-UNIT", "O"])
    tags[1] = probs(["B-VALUE"], 0.6)[0]  # the ounces score higher
    assert decode(words, tags, "item_weight", fallback=False).text == "18.0 ounce"
    assert decode(line(["2", "OZ"]), probs(["B-VALUE", "B-UNIT"]), "item_weight", fallback=False).text == "2.0 ounce"
    # the model tags only the denominator of "3 / 4 oz": the whole fraction
    words = line(["NET", "WT", "3", "/", "4", "oz"])
    assert decode(words, probs(["O", "O", "O", "O", "B-VALUE", "B-UNIT"]), "item_weight", fallback=False).text == "0.75 ounce"


def test_value_without_any_unit_takes_the_entity_most_likely_unit() -> None:
    words = line(["Weight", "250", "net"])
    pred = decode(words, probs(["O", "B-VALUE", "O"]), "item_weight")
    assert pred.text == "250.0 gram"
    assert pred.word_indices == (1,)
    assert pred.score == pytest.approx(0.925 * UNIT_PRIOR)
    assert decode(line(["Depth", "12"]), probs(["O", "B-VALUE"]), "depth").text == "12.0 centimetre"
    assert decode(line(["Input", "110"]), probs(["O", "B-VALUE"]), "voltage").text == "110.0 volt"


def test_several_candidates_highest_score_wins() -> None:
    w2 = line(["12", "oz", "500", "g"])
    rows = probs(["B-VALUE", "B-UNIT"], 0.6) + probs(["B-VALUE", "B-UNIT"], 0.95)
    pred = decode(w2, rows, "item_weight", fallback=False)  # (with it, RULES_FIRST gives the weight to the rules)
    assert pred.text == "500.0 gram"
    assert pred.word_indices == (2, 3)
    # the same words with the confidence the other way round pick the ounces
    rows = probs(["B-VALUE", "B-UNIT"], 0.95) + probs(["B-VALUE", "B-UNIT"], 0.6)
    assert decode(w2, rows, "item_weight", fallback=False).text == "12.0 ounce"
    # a tagged unit beats a guessed one at equal value confidence
    w3 = line(["500", "Pack", "2", "kg"])
    assert decode(w3, probs(["B-VALUE", "O", "B-VALUE", "B-UNIT"]), "item_weight").text == "2.0 kilogram"


def test_nothing_tagged_falls_back_to_the_largest_candidate() -> None:
    words = line(["Net", "12", "oz", "500", "g", "Made", "in", "5", "kg", "plant"], heights={3: 60.0, 4: 60.0})
    nothing = probs(["O"] * len(words))
    pred = decode(words, nothing, "item_weight")
    assert pred.text == "500.0 gram"
    assert pred.source == FALLBACK
    assert pred.word_indices == (3, 4)
    assert pred.score == pytest.approx(0.25 * 0.8)
    assert pred.model_only_text() == ""
    # the model-only figure: no fallback -> no answer
    off = decode(words, nothing, "item_weight", fallback=False)
    assert (off.text, off.source, off.value) == ("", NONE, None)
    # no model at all (rules-only) gives the same fallback answer
    assert decode(words, None, "item_weight").text == "500.0 gram"
    # equal heights -> the first in reading order
    assert decode(line(["12", "oz", "500", "g"]), None, "item_weight").text == "12.0 ounce"


def test_nothing_anywhere_is_empty() -> None:
    words = line(["Premium", "quality", "since", "1998"])
    pred = decode(words, probs(["O"] * 4), "item_weight")
    assert (pred.text, pred.source, pred.word_indices) == ("", NONE, ())
    assert decode([], [], "width").text == ""


def test_unit_not_allowed_for_the_entity_discards_the_candidate() -> None:
    # "5 kg" tagged for a width: kg is not a length, so no answer (never "5.0 centimetre")
    words = line(["5", "kg"])
    assert decode(words, probs(["B-VALUE", "B-UNIT"]), "width", fallback=False).text == ""
    assert decode(words, probs(["B-VALUE", "B-UNIT"]), "width").text == ""
    # the same with an untagged kg after the number
    assert decode(words, probs(["B-VALUE", "O"]), "width", fallback=False).text == ""
    # grams are a weight, not an item_volume unit: the fallback then finds the millilitres; a bare "oz" after
    # the model's value on a volume is a fluid ounce, as test-hand-train writes it ("12 OZ CANS")
    words = line(["8", "g", "300", "ml"])
    pred = decode(words, probs(["B-VALUE", "B-UNIT", "O", "O"]), "item_volume")
    assert (pred.text, pred.source) == ("300.0 millilitre", FALLBACK)
    pred = decode(line(["8", "oz", "300", "ml"]), probs(["B-VALUE", "B-UNIT", "O", "O"]), "item_volume")
    assert (pred.text, pred.source) == ("8.0 fluid ounce", MODEL)
    # "m" is a metre only for lengths
    assert decode(line(["3", "m"]), probs(["B-VALUE", "B-UNIT"]), "item_weight", fallback=False).text == ""
    assert decode(line(["3", "m"]), probs(["B-VALUE", "B-UNIT"]), "width").text == "3.0 metre"


def test_ranges_follow_the_measured_policy() -> None:
    words = split_glued(line(["Input", "100-240V"]))
    assert [w.text for w in words] == ["Input", "100", "-", "240", "V"]
    tagged = probs(["O", "B-VALUE", "I-VALUE", "I-VALUE", "B-UNIT"])
    pred = decode(words, tagged, "voltage")
    assert (pred.text, pred.range) == ("240.0 volt", (100.0, 240.0))
    # two VALUE spans joined by an untagged connector are a range too
    assert decode(words, probs(["O", "B-VALUE", "O", "B-VALUE", "B-UNIT"]), "voltage").text == "240.0 volt"
    # lengths answer the low end
    words = split_glued(line(["55-65cm"]))
    pred = decode(words, probs(["B-VALUE", "I-VALUE", "I-VALUE", "B-UNIT"]), "height")
    assert (pred.text, pred.range) == ("55.0 centimetre", (55.0, 65.0))
    # the fallback applies the same policy
    assert decode(split_glued(line(["Input", "100-240V"])), None, "voltage").text == "240.0 volt"
    assert decode(split_glued(line(["55-65cm"])), None, "height").text == "55.0 centimetre"
    # a dimension list is not a range: the first number with the shared unit
    assert decode(line(["10", "x", "20", "cm"]), None, "width").text == "10.0 centimetre"


def test_number_separators_use_the_weak_label_reader() -> None:
    assert decode(line(["1,500", "mg"]), probs(["B-VALUE", "B-UNIT"]), "item_weight").text == "1500.0 milligram"
    assert decode(line(["0,5", "kg"]), probs(["B-VALUE", "B-UNIT"]), "item_weight").text == "0.5 kilogram"


def test_ill_formed_tags_still_decode() -> None:
    # an I- tag with no B- before it opens a span
    assert decode(line(["500", "g"]), probs(["I-VALUE", "I-UNIT"]), "item_weight").text == "500.0 gram"
    # a tagged unit with an untagged number before it: a weak model answer, used when the fallback is off
    # (the model-only figure) and ranked after the fallback otherwise
    words = line(["500", "g", "Serving", "30", "g"], heights={3: 40.0, 4: 40.0})
    tags = probs(["O", "B-UNIT", "O", "O", "O"])
    pred = decode(words, tags, "item_weight", fallback=False)
    assert (pred.text, pred.source, pred.word_indices) == ("500.0 gram", MODEL, (0, 1))
    assert pred.score == pytest.approx(0.925 * 0.5)
    pred = decode(words, tags, "item_weight")
    assert (pred.text, pred.source) == ("30.0 gram", FALLBACK)
    # a VALUE tag on a word that is no number is ignored
    assert decode(line(["Net", "g"]), probs(["B-VALUE", "O"]), "item_weight", fallback=False).text == ""


def test_errors() -> None:
    with pytest.raises(UnknownEntityError, match="valid entities: width"):
        decode(line(["5", "cm"]), None, "colour")
    with pytest.raises(ValueError, match="1 probability rows for 2 words"):
        decode(line(["5", "cm"]), probs(["O"]), "width")


def test_most_likely_unit_matches_train_csv(train_csv) -> None:
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    with open(train_csv, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            q = parse_entity_value(row["entity_value"], row["entity_name"]).quantity
            if q is not None:
                counts[row["entity_name"]][q.unit] += 1
    assert {e: c.most_common(1)[0][0] for e, c in counts.items()} == MOST_LIKELY_UNIT


def test_fallback_prefers_a_number_named_by_an_entity_keyword() -> None:
    # a dimension list: only the letter tells width from height; the keyed candidate wins over taller text
    words = line(["H:", "77", "cm", "D:", "143", "cm", "W:", "66", "cm"], heights={4: 40.0})
    assert decode(words, None, "width").text == "66.0 centimetre"
    assert decode(words, None, "height").text == "77.0 centimetre"
    assert decode(words, None, "depth").text == "143.0 centimetre"
    assert decode(words, None, "width").word_indices == (7, 8)
    weights = line(["Serving", "30", "g", "Net", "Wt", "250", "g"], heights={1: 50.0, 2: 50.0})
    assert decode(weights, None, "item_weight").text == "250.0 gram"
    # without a keyword for the entity: the tallest candidate
    assert decode(line(["Serving", "30", "g", "250", "g"], heights={1: 50.0, 2: 50.0}), None,
                  "item_weight").text == "30.0 gram"


def test_range_policy_matches_train_csv_with_its_ocr_text(train_csv) -> None:
    """Re-measure RANGE_POLICY: for train rows whose EasyOCR text shows "a-b unit" in the gold unit, is
    the gold the low end, the high end or the range? (see the RANGE_POLICY comment for the counts)"""
    import math
    import re

    from layoutx.core.units import LENGTH_ENTITIES, resolve_unit
    from layoutx.decode import RANGE_POLICY

    ocr_csv = train_csv.parents[1] / "extras" / "ocr" / "train_easyocr_text.csv"
    if not ocr_csv.exists():
        pytest.skip("extras/ocr/train_easyocr_text.csv is not on this machine")
    num = r"(\d+(?:[.,]\d+)?)"
    pat = re.compile(num + r"\s*([a-zA-Z\"']{0,6})\s*(?:-|~|–|to)\s*" + num + r"\s*([a-zA-Z\"'.]{1,8})")
    counts: dict[str, collections.Counter] = {"length": collections.Counter(), "other": collections.Counter()}
    with open(ocr_csv, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            entity = row["entity_name"]
            q = parse_entity_value(row["entity_value"], entity).quantity
            if q is None:
                continue
            seen = set()
            for m in pat.finditer(row["ocr_text"]):
                unit = resolve_unit(m.group(4).rstrip("."), entity)
                if unit != q.unit or (m.group(2) and resolve_unit(m.group(2), entity) not in (None, unit)):
                    continue
                a, b = float(m.group(1).replace(",", ".")), float(m.group(3).replace(",", "."))
                if a >= b:
                    continue
                if q.is_range and math.isclose(q.value, a) and math.isclose(q.high, b):
                    seen.add("range")
                elif not q.is_range and math.isclose(q.value, b):
                    seen.add("high")
                elif not q.is_range and math.isclose(q.value, a):
                    seen.add("low")
            counts["length" if entity in LENGTH_ENTITIES else "other"].update(seen)
    assert dict(counts["length"]) == {"low": 21, "high": 5}
    assert dict(counts["other"]) == {"range": 17, "high": 3}
    # the policy keeps the better single end (a range cannot be submitted)
    assert RANGE_POLICY["length"] == "low"
    assert all(RANGE_POLICY[d] == "high" for d in ("weight", "volume", "voltage", "wattage"))


def test_fallback_repairs_ocr_misreadings_only_when_nothing_reads_as_is() -> None:
    # digits misread as letters: "1OOW" -> 100 W, "I0Og" -> 100 g, "4OOML" -> 400 mL; the indices name the
    # words given (decode takes split words, as the extractor gives them: "1OO" "W")
    words = split_glued(line(["Motor", "1OOW", "Q"]))
    assert [w.text for w in words] == ["Motor", "1OO", "W", "Q"]
    pred = decode(words, None, "wattage")
    assert (pred.text, pred.source, pred.word_indices) == ("100.0 watt", FALLBACK, (1, 2))
    assert decode(split_glued(line(["Peso", "Neto:", "I0Og"])), None, "item_weight").text == "100.0 gram"
    assert decode(split_glued(line(["CAPACITY:", "4OOML"])), None, "item_volume").text == "400.0 millilitre"
    # unit misreadings of the entity's units: "0z" for oz, a "9" for g
    assert decode(split_glued(line(["NET", "WT", "8", "0z"])), None, "item_weight").text == "8.0 ounce"
    assert decode(split_glued(line(["33.8", "FL.", "0Z"])), None, "item_volume").text == "33.8 fluid ounce"
    assert decode(split_glued(line(["85", "9"])), None, "item_weight").text == "85.0 gram"
    assert decode(split_glued(line(["Weight", "7.3k9"])), None, "item_weight").text == "7.3 kilogram"
    # a quantity that reads as printed wins: the repair pass does not run
    assert decode(split_glued(line(["1OOW", "max", "60W"])), None, "wattage").text == "60.0 watt"
    # a "9" is a gram only for weights, and nothing numeric stays nothing
    assert decode(split_glued(line(["85", "9"])), None, "width").text == ""
    assert decode(split_glued(line(["SOLO", "lOO%", "cotton"])), None, "item_weight").text == ""


@pytest.mark.parametrize("texts, entity, answer", [
    (["Net", "weight:", "200ge"], "item_weight", "200.0 gram"),  # the EU estimated sign read as an "e"
    (["TUNA", "FILLET", "156ge"], "item_weight", "156.0 gram"),
    (["250mLe"], "item_volume", "250.0 millilitre"),
    (["Unit", "Weight.", "501b", "Warranty"], "item_weight", "50.0 pound"),  # "lb" read with a one
    (["TWIN", "800", "1b", "weight"], "maximum_weight_recommendation", "800 pound"),
    (["Weight", "5.731b(2.6kg)"], "item_weight", "5.73 pound"),
    (["part", "21B3"], "item_weight", ""),  # not a "1b" unit: the word is a name
    (["RYOBI", "ONE+", "18VLITHIUM"], "voltage", "18.0 volt"),  # a volt sign glued to the next word
    (["Rated", "Voltage", "220VIsuHz"], "voltage", "220.0 volt"),
    (["190T", "Polyester", "2.9", "kg"], "item_weight", "2.9 kilogram"),  # 190T: a thread count, not tons
    (["2000GPH", "12-VOLT", "10AMP"], "voltage", "12.0 volt"),  # a unit word spelled out after a hyphen
    (["5-in-1", "tool"], "width", ""),  # ... not a two-letter one: "5-in-1" is not five inches
    (["Size", "4", '1/2"'], "width", "4.5 inch"),  # fractions and mixed numbers are one number
    (['12-9/16"', "wide"], "width", "12.5625 inch"),
    (["narrow-ruled", "(1/4-inch)", "spacing"], "width", "0.25 inch"),
    (["3/4", "cup"], "item_volume", "0.75 cup"),
    (["AC", "50/60Hz"], "voltage", ""),  # not a usual denominator: no fraction
    (["NET", "WT", "2.5", "lb(1.13k)"], "item_weight", "2.5 pound"),  # a unit, then a second printing cut short
    (["NETWT", "1LB454G"], "item_weight", "1.0 pound"),  # the B of LB is a letter, not an 8
    (["NET", "WT", "(1LB.2OZ)"], "item_weight", "18.0 ounce"),  # pounds and ounces are one weight
    (["NETWT.180Z.(1LB.2OZ)510g"], "item_weight", "18.0 ounce"),  # ... the first printing of 510 g
    (["2", "lb", "/", "8", "oz"], "item_weight", "2.0 pound"),  # a slash between: two weights
    (["NET", "WT", "(2LBS12", "OZ)"], "item_weight", "44.0 ounce"),  # the BS of LBS stay letters
    (["GMO", "28FL0Z(1.75", "PT)(828", "mL)"], "item_volume", "28.0 fluid ounce"),  # FL0Z: the first printing
])
def test_units_misread_as_printed_are_read_as_quantities(texts, entity, answer) -> None:
    assert decode(split_glued(line(texts)), None, entity).text == answer


@pytest.mark.parametrize("texts, tall, answer", [
    (["PRODUCT", "WEIGHS:", "9.25", "LBS", "MAX", "WEIGH", "LIMIT:", "33", "LBS"], 7, "9.25 pound"),
    (["Shelf", "9", "kg", "Stand", "150", "kg", "capacity"], 4, "9.0 kilogram"),
    (["Shelf", "9", "kg", "Stand", "150", "kg", "steel"], 4, "150.0 kilogram"),  # no keyword: the largest print
    (["Maximale", "Belastung:", "180", "kg", "Leichtgewichtler:", "1.15", "kg"], 2, "1.15 kilogram"),
    # the same quantity printed again elsewhere, unnamed, is still the capacity
    (["400", "LBS", "ONLY", "27", "LBS", "400", "LBS", "CAPACITY"], 0, "27.0 pound"),
])
def test_a_weight_named_as_another_quantity_is_not_the_item_weight(texts, tall, answer) -> None:
    """Printed larger, but named a limit or a capacity, before it or right after its unit (there or where the
    same quantity is printed again)."""
    assert decode(split_glued(line(texts, heights={tall: 40.0})), None, "item_weight").text == answer


def test_a_net_weight_is_not_the_maximum_weight() -> None:
    """A maximum load printed small beside the item's own, larger, net weight."""
    texts = ["NET", "WT", "1.4", "KG", "pets", "under", "8", "kg"]
    assert decode(split_glued(line(texts, {2: 40.0, 3: 40.0})), None, "maximum_weight_recommendation").text == "8 kilogram"
    texts[:2] = ["Size", "is"]  # no weight keyword: the larger print
    assert decode(split_glued(line(texts, {2: 40.0, 3: 40.0})), None, "maximum_weight_recommendation").text == "1.4 kilogram"


def test_a_battery_charging_voltage_is_not_its_voltage() -> None:
    """ "(6 V 4.5 Ah)" on a lead-acid battery, then its charging table: "Voltage Regulation 6.80-6.90 V"."""
    texts = ["C4.5S", "(", "6", "V", "4.5", "Ah", ")", "Constant", "Voltage", "Charge", "Voltage", "Regulation", "6.80",
             "-", "6.90", "V"]
    assert decode(split_glued(line(texts, {12: 30.0, 14: 30.0})), None, "voltage").text == "6.0 volt"
    assert decode(split_glued(line(["Input", "Voltage", "12", "V"])), None, "voltage").text == "12.0 volt"


def _drawing() -> list[Word]:
    """A dimension drawing: a product silhouette's labels — "40 cm" below it (width), "25 cm" beside it
    upright, "15 cm" beside it read bottom to top, "10 cm" on the slanted depth line, all the same size."""
    return [
        Word("Sofa", (300, 20, 420, 60)),
        Word("40", (360, 900, 400, 940)), Word("cm", (405, 900, 445, 940)),
        Word("25", (900, 480, 940, 520)), Word("cm", (945, 480, 985, 520)),
        Word("15", (40, 520, 80, 560), angle=90.0), Word("cm", (40, 470, 80, 515), angle=90.0),
        Word("10", (700, 800, 740, 840), angle=35.0), Word("cm", (745, 790, 785, 830), angle=35.0),
    ]


@pytest.mark.parametrize("entity, answer", [("height", "15.0 centimetre"), ("width", "40.0 centimetre"),
                                            ("depth", "10.0 centimetre")])
def test_fallback_reads_a_drawing_by_label_direction(entity: str, answer: str) -> None:
    """Height runs along the vertical line, width along the horizontal one, depth along the slant."""
    pred = decode(_drawing(), None, entity)
    assert (pred.text, pred.source) == (answer, FALLBACK)


def test_a_written_entity_letter_wins_over_the_label_direction() -> None:
    words = [*_drawing(), Word("H:", (300, 600, 340, 640)), Word("7", (345, 600, 365, 640)),
             Word("cm", (370, 600, 410, 640))]
    assert decode(words, None, "height").text == "7.0 centimetre"


def test_a_printed_entity_keyword_overrides_a_disagreeing_model_but_not_the_model_only_answer() -> None:
    words = split_glued(line(["Net", "Wt", "500g", "Serving", "30g"]))
    assert [w.text for w in words] == ["Net", "Wt", "500", "g", "Serving", "30", "g"]
    pred = decode(words, probs(["O", "O", "O", "O", "O", "B-VALUE", "B-UNIT"]), "item_weight")
    assert (pred.text, pred.source, pred.model_only_text()) == ("500.0 gram", FALLBACK, "30.0 gram")
    alone = decode(words, probs(["O", "O", "O", "O", "O", "B-VALUE", "B-UNIT"]), "item_weight", fallback=False)
    assert (alone.text, alone.source) == ("30.0 gram", MODEL)
    # dimensions are the model's: a letter on a drawing does not override it
    words = line(["W", "40", "cm", "H", "25", "cm"])
    pred = decode(words, probs(["O", "O", "O", "O", "B-VALUE", "B-UNIT"]), "width")
    assert (pred.text, pred.source) == ("25.0 centimetre", MODEL)


def test_the_model_ranks_printed_quantities_when_it_tags_no_value() -> None:
    """No word's argmax is VALUE, but the model puts 0.3 on "250": that quantity is the model's answer,
    ahead of the rules' tallest-number choice ("90 g" printed larger)."""
    words = line(["250", "ml", "90", "ml"], heights={2: 40.0, 3: 40.0})
    rows = probs(["O", "O", "O", "O"], p=0.95)
    rows[0] = [0.7 if label == "O" else (0.3 if label == "B-VALUE" else 0.0) for label in LABELS]
    pred = decode(words, rows, "item_volume")
    assert (pred.text, pred.source, pred.model_only_text()) == ("250.0 millilitre", MODEL, "250.0 millilitre")
    assert decode(words, None, "item_volume").text == "90.0 millilitre"
    weak_rows = [[1.0 if label == "O" else 0.0 for label in LABELS] for _ in words]
    pred = decode(words, weak_rows, "item_volume")  # no probability anywhere: the rules answer
    assert (pred.text, pred.source, pred.model_only_text()) == ("90.0 millilitre", FALLBACK, "")


@pytest.mark.parametrize("texts, entity, answer", [
    (["NET", "WT", "8", "OZ", "(227g)"], "item_weight", "8.0 ounce"),
    (["25.4cm/10in"], "height", "25.4 centimetre"),
    (["10", "in", "/", "25.4", "cm"], "width", "10.0 inch"),
])
def test_the_first_of_two_printings_of_one_quantity_is_the_answer(texts, entity, answer) -> None:
    """Model and rules alike: the model tags the second printing (the grams), the answer is the first."""
    words = split_glued(line(texts, heights={len(texts) - 1: 40.0}))
    tags = ["O"] * len(words)
    last_value = max(i for i, w in enumerate(words) if w.text[0].isdigit())
    tags[last_value], tags[last_value + 1] = "B-VALUE", "B-UNIT"
    pred = decode(words, probs(tags), entity)
    assert (pred.text, pred.model_only_text()) == (answer, answer)
    assert decode(words, None, entity).text == answer  # the rules pick the larger second printing first


@pytest.mark.parametrize("tagged", [0, 3, 5, 8])
def test_a_label_printed_twice_pairs_within_each_label_only(tagged) -> None:
    """ "11.8 in / 30 cm" at both ends of a drawing: whichever printing the model tags, the answer is the
    first printing of its own label; the second "11.8 in" is not the second printing of the first "30 cm"."""
    words = split_glued(line(["11.8", "in", "/", "30", "cm", "11.8", "in", "/", "30", "cm"]))
    tags = ["O"] * len(words)
    tags[tagged], tags[tagged + 1] = "B-VALUE", "B-UNIT"
    pred = decode(words, probs(tags), "width")
    assert (pred.text, pred.word_indices) == ("11.8 inch", (0, 1) if tagged < 5 else (5, 6))


def test_two_different_quantities_are_not_one_printing() -> None:
    words = split_glued(line(["Serving", "8", "oz", "(500g)"]))
    pred = decode(words, probs(["O", "O", "O", "O", "B-VALUE", "B-UNIT", "O"]), "item_weight", fallback=False)
    assert pred.text == "500.0 gram"


def test_the_first_printing_is_read_through_a_unit_misreading() -> None:
    """ "4.5 0Z" is 4.5 oz misread; 4.5 oz = 127.6 g, so it is the first printing of "(127g)". A misread
    number that is not the same quantity stays unpaired."""
    words = split_glued(line(["NET", "WT.", "4.5", "0Z", "(127g)"], heights={4: 40.0}))
    assert decode(words, None, "item_weight").text == "4.5 ounce"
    words = split_glued(line(["NET", "WT.", "9.5", "0Z", "(127g)"], heights={4: 40.0}))
    assert decode(words, None, "item_weight").text == "127.0 gram"


@pytest.mark.parametrize("texts, answer", [
    (["16", "oz", "(473ml)"], "16.0 fluid ounce"),  # a bare oz paired with its millilitres is a fluid ounce
    (["12", "FL.", "0Z.", "(355ml"], "12.0 fluid ounce"),  # "0Z." with its dot is still a misread oz
    (["4FL.OZ.(118.28", "mL)"], "4.0 fluid ounce"),  # split into "FL", ".", "OZ": one unit across the dot
    (["15", "f", "oz", "(443", "mL)"], "15.0 fluid ounce"),  # the OCR dropped the "l" of "fl oz"
    (["2", "fioz", "(60ml)"], "2.0 fluid ounce"),
    (["16", "oz", "(500ml)"], "500.0 millilitre"),  # 16 fl oz = 473 ml: not one quantity, no pair
    (["16", "oz", "bottle"], "16.0 fluid ounce"),  # a bare oz is a volume only where no volume is printed
    (["16", "oz", "bottle", "500ml"], "500.0 millilitre"),
    (["Repels", "16f", "oz.", "473", "ml"], "16.0 fluid ounce"),  # the OCR dropped the "l" of "fl"
])
def test_volume_first_printings_in_fluid_ounces_read_through_ocr_variants(texts, answer) -> None:
    """Rules: the millilitres are printed twice as tall, so they win unless the fl oz pairs with them."""
    texts = [w.text for w in split_glued(line(texts))]
    tall = {i for i, t in enumerate(texts) if t.lower().startswith("ml")}
    words = line(texts, heights={i: 40.0 for i in tall | {i - 1 for i in tall}})
    assert decode(words, None, "item_volume").text == answer


def test_a_reading_far_beyond_any_catalogue_value_is_never_the_answer() -> None:
    """ "217003.7V": a cell size glued to its voltage; 3000 V is ten times the official 99th percentile."""
    words = split_glued(line(["4600MAH", "217003.7V", "battery", "3.7V"], heights={1: 40.0}))
    assert decode(words, None, "voltage").text == "3.7 volt"
    tags = ["B-VALUE" if w.text == "217003.7" else "O" for w in words]
    pred = decode(words, probs(tags), "voltage", fallback=False)
    assert pred.text == "3.7 volt"  # the model's implausible span gives way to its ranking of the others
    assert decode(split_glued(line(["2999V"])), None, "voltage").text == "2999.0 volt"
    alone = split_glued(line(["4600MAH", "217003.7V"]))
    tags = ["B-VALUE" if w.text == "217003.7" else "O" for w in alone]
    assert decode(alone, probs(tags), "voltage", fallback=False).text == ""  # nothing plausible: no answer
    # a misread unit: "98 m" printed taller than "38 cm" is still no height (30 m is the limit)
    assert decode(line(["98", "m", "38", "cm"], heights={0: 40.0, 1: 40.0}), None, "height").text == "38.0 centimetre"
    assert decode(line(["28", "m", "38", "cm"], heights={0: 40.0, 1: 40.0}), None, "height").text == "28.0 metre"
    assert decode(split_glued(line(["651", "m"])), None, "width").text == ""  # nothing else: no answer


def test_a_pack_count_is_not_a_weight_but_a_dimension_list_is_lengths() -> None:
    words = split_glued(line(["CAFE", "6x200gr"], heights={1: 40.0}))
    assert [w.text for w in words] == ["CAFE", "6", "x", "200", "gr"]
    assert decode(words, None, "item_weight").text == "200.0 gram"
    assert decode(split_glued(line(["4", "x", "28", "ml"])), None, "item_volume").text == "28.0 millilitre"
    assert decode(split_glued(line(["10", "x", "20", "cm"])), None, "width").text == "10.0 centimetre"


@pytest.mark.parametrize("texts, answer", [
    (["Max", "User", "Weight:", "265LBS", "Item", "Weight:", "74", "LBS"], "74.0 pound"),
    (["Weight", "Capacity:", "331", "lbs", "Net", "Weight:", "15.5", "lbs"], "15.5 pound"),
    (["800x600x35MM", "N.W.:9.0KG", "G.W.:10.0KG"], "9.0 kilogram"),
])
def test_a_weight_keyword_next_to_capacity_or_gross_names_another_weight(texts, answer) -> None:
    """Every number is printed twice as tall as the right answer; the keyword decides."""
    words = split_glued(line(texts))
    heights = {i: 20.0 for i in range(len(words))}
    wrong = [i for i, w in enumerate(words) if w.text[:1].isdigit() and answer.split()[0] not in (w.text + ".0")]
    heights.update({i: 40.0 for i in wrong})
    words = [Word(w.text, (w.box[0], 0.0, w.box[2], heights[i]), w.confidence) for i, w in enumerate(words)]
    assert decode(words, None, "item_weight").text == answer


def test_nutrition_panel_rows_are_not_the_item_weight() -> None:
    words = split_glued(line(["Serving", "size", "1", "Package", "(35g)", "Total", "Fat", "12g", "Sodium", "150mg"],
                             heights={7: 40.0, 9: 40.0}))
    assert decode(words, None, "item_weight").text == "35.0 gram"
    # with only panel rows printed, the tallest still answers
    words = split_glued(line(["Total", "Fat", "12g", "Sodium", "150mg"], heights={2: 40.0}))
    assert decode(words, None, "item_weight").text == "12.0 gram"


def test_the_rules_answer_item_weight_over_a_disagreeing_model() -> None:
    """item_weight is in RULES_FIRST (validation of test-hand-train: model 0.853 vs rules 0.901 on weights):
    the rules' pick wins with the fallback on; the model's own answer stays the model-only answer."""
    words = line(["500", "g", "30", "g"], heights={0: 40.0, 1: 40.0})
    tags = ["O", "O", "B-VALUE", "B-UNIT"]
    pred = decode(words, probs(tags), "item_weight")
    assert (pred.text, pred.source, pred.model_only_text()) == ("500.0 gram", FALLBACK, "30.0 gram")
    assert decode(words, probs(tags), "item_weight", fallback=False).text == "30.0 gram"
    words = line(["500", "ml", "30", "ml"], heights={0: 40.0, 1: 40.0})
    assert decode(words, probs(tags), "item_volume").text == "30.0 millilitre"  # not in RULES_FIRST


def test_a_zero_quantity_is_never_the_rules_answer() -> None:
    words = line(["Cholesterol", "0", "mg", "Net", "25", "g"], heights={1: 40.0, 2: 40.0})
    assert decode(words, None, "item_weight").text == "25.0 gram"
    # nothing that could answer: no answer rather than "0.0 watt" (never right, and wrong on an empty gold)
    assert decode(line(["0", "W"]), None, "wattage").text == ""
    assert decode(split_glued(line(["Cholesterol", "0mg", "Sugar", "Og"])), None, "item_weight").text == ""
    # ... and the misreadings' second pass still runs ("0g" then "I20g": 120 g)
    assert decode(split_glued(line(["Sugar", "0g", "Net", "I20g"])), None, "item_weight").text == "120.0 gram"


def test_a_unitless_model_value_yields_to_a_printed_quantity() -> None:
    """The model tags "8" (no unit printed after it) beside "158 g": a guessed unit loses to the printed
    quantity the model ranks highest; with no printed quantity the guess stays."""
    words = split_glued(line(["158g", "8"]))
    tags = ["O", "O", "B-VALUE"]
    assert decode(words, probs(tags), "item_weight", fallback=False).text == "158.0 gram"
    assert decode(line(["Pack", "8"]), probs(["O", "B-VALUE"]), "item_weight", fallback=False).text == "8.0 gram"


def test_the_model_alone_skips_quantities_the_rules_never_answer() -> None:
    """The model tags a nutrition row ("Protein 2 g"): the model-only answer is the printed quantity it ranks
    highest among the plausible ones; a zero is skipped the same way."""
    words = line(["Serving", "size", "35", "g", "Protein", "2", "g"])
    rows = probs(["O", "O", "O", "O", "O", "B-VALUE", "B-UNIT"])
    rows[2] = [0.8 if label == "O" else (0.2 if label == "B-VALUE" else 0.0) for label in LABELS]
    assert decode(words, rows, "item_weight", fallback=False).text == "35.0 gram"
    words = line(["0", "ml", "250", "ml"])
    rows = probs(["B-VALUE", "B-UNIT", "O", "O"])
    assert decode(words, rows, "item_volume", fallback=False).text == "250.0 millilitre"
    # nothing else printed: no answer rather than "0.0 millilitre"
    assert decode(line(["0", "ml"]), probs(["B-VALUE", "B-UNIT"]), "item_volume", fallback=False).text == ""


def test_a_guessed_unit_gives_way_to_a_unit_the_rules_read_through_a_misreading() -> None:
    """The model tags "12" of "12 0Z" on a can: the decoder reads "0Z" as the misread ounce, a fluid ounce on a
    volume, as the rules do. Where nothing after the value reads as a unit ("12 CANS"), its unit is a guess
    (ml), and the rules' reading through a misreading elsewhere ("12 0Z" printed again) answers instead."""
    words = split_glued(line(["WATERMELON", "12", "0Z"]))
    model_only = decode(words, probs(["O", "B-VALUE", "O"]), "item_volume", fallback=False)
    assert (model_only.text, model_only.word_indices) == ("12.0 fluid ounce", (1, 2))
    words = split_glued(line(["12", "CANS", "WATERMELON", "12", "0Z"]))
    tags = probs(["B-VALUE", "O", "O", "O", "O"])
    assert decode(words, tags, "item_volume", fallback=False).text == "12.0 millilitre"
    pred = decode(words, tags, "item_volume")
    assert (pred.text, pred.source, pred.word_indices) == ("12.0 fluid ounce", FALLBACK, (3, 4))


def test_a_tagged_fraction_is_one_number() -> None:
    words = split_glued(line(["Size", "4", '1/2"']))
    assert [w.text for w in words] == ["Size", "4", "1", "/", "2", '"']
    pred = decode(words, probs(["O", "B-VALUE", "I-VALUE", "I-VALUE", "I-VALUE", "B-UNIT"]), "width", fallback=False)
    assert (pred.text, pred.word_indices) == ("4.5 inch", (1, 2, 3, 4, 5))


def test_a_badge_number_takes_the_unit_printed_under_it() -> None:
    """Icon badges print the number with its unit on the line below ("1630" over "W"): reading order
    never puts them together, so only the box below pairs them, and only when nothing else answers."""
    badge = [Word("1630", (10, 10, 70, 40)), Word("1.2", (100, 10, 140, 40)), Word("GLASS", (200, 10, 280, 40)),
             Word("W", (30, 45, 50, 70)), Word("L", (112, 45, 128, 70))]
    assert decode(badge, None, "wattage").text == "1630.0 watt"
    assert decode(badge, None, "item_volume").text == "1.2 litre"
    # a unit too far below, or beside a number of its own ("90.7 kg" under "200"), is not the badge's
    far = [Word("1630", (10, 10, 70, 40)), Word("GLASS", (200, 10, 280, 40)), Word("W", (30, 90, 50, 115))]
    assert decode(far, None, "wattage").text == ""
    own = [Word("200", (40, 380, 90, 410)), Word("90.7", (36, 406, 80, 429)), Word("WEIGHT", (42, 424, 70, 431)),
           Word("KG", (74, 418, 87, 426))]
    assert decode(own, None, "maximum_weight_recommendation").text == ""
    # a quantity printed in reading order wins over a badge
    assert decode(badge + [Word("60", (300, 10, 330, 40)), Word("W", (335, 10, 350, 40))], None, "wattage").text == "60.0 watt"
