"""Weak-label matcher: number readings, glued-word splitting, candidates and tags (exact expectations)."""

from __future__ import annotations

import pytest

from layoutx.core.values import Quantity
from layoutx.errors import UnknownEntityError
from layoutx.labels.candidates import find_candidates
from layoutx.labels.match import (
    BAD_GOLD,
    UNIT_MISMATCH,
    VALUE_ABSENT,
    covers,
    match,
    text_ocr,
    text_words,
    unit_confusions,
)
from layoutx.labels.tags import LABELS
from layoutx.labels.tokens import correct_confusions, fraction_at, number_readings, split_glued, word_number
from layoutx.ocr.types import Word


def line(text: str, height: float = 20.0) -> list[Word]:
    """Words of one line, 10 px per character, one space between words."""
    out, x = [], 0.0
    for t in text.split():
        out.append(Word(t, (x, 100.0, x + 10.0 * len(t), 100.0 + height)))
        x += 10.0 * (len(t) + 1)
    return out


def tagged(text: str, gold: str | Quantity, entity: str) -> list[tuple[str, str]]:
    """(word, tag) for every split word of ``text``; asserts tags come from LABELS."""
    res = match(line(text), gold, entity)
    assert len(res.words) == len(res.tags) and set(res.tags) <= set(LABELS)
    return [(w.text, t) for w, t in zip(res.words, res.tags)]


# ---------------------------------------------------------------- number readings (separator rules)
@pytest.mark.parametrize(
    "text, readings",
    [
        ("500", (500.0,)),
        ("500.0", (500.0,)),
        ("500,0", (500.0,)),  # decimal comma: not three digits after it
        (".5", (0.5,)),
        (",5", (0.5,)),
        ("0.50", (0.5,)),
        ("500.", (500.0,)),
        ("1,000", (1000.0, 1.0)),  # thousands first, decimal comma as the alternative
        ("1.000", (1.0, 1000.0)),  # decimal point first, European thousands as the alternative
        ("12,500", (12500.0, 12.5)),
        ("0,500", (0.5,)),  # a group starting with 0 is never a thousands group
        ("0.500", (0.5,)),
        ("1,5", (1.5,)),
        ("1,000,000", (1000000.0,)),
        ("1.000.000", (1000000.0,)),
        ("1,234.5", (1234.5,)),
        ("1.234,5", (1234.5,)),
        ("5.5.6", ()),
        ("1,23,4", ()),
        ("abc", ()),
        ("", ()),
    ],
)
def test_number_readings(text, readings):
    assert number_readings(text) == readings


def test_word_number_strips_brackets_but_not_letters():
    assert word_number("(500") == (500.0,)
    assert word_number("500)") == (500.0,)
    assert word_number("~12") == (12.0,)
    assert word_number("XJ500") == ()
    assert word_number("500g") == ()


@pytest.mark.parametrize(
    "printed, gold",
    [
        ("500", "500.0 gram"),
        ("500.0", "500 gram"),
        ("500,0", "500.0 gram"),
        ("0.50", "0.5 gram"),
        (".5", "0.5 gram"),
        ("1,000", "1000.0 gram"),
        ("1.000", "1000 gram"),  # the European reading is accepted because the gold says so
        ("1.000", "1.0 gram"),
    ],
)
def test_number_forms_match_with_exact_tags(printed, gold):
    assert tagged(f"Net Wt {printed} g", gold, "item_weight") == [
        ("Net", "O"), ("Wt", "O"), (printed, "B-VALUE"), ("g", "B-UNIT"),
    ]


def test_numeric_tolerance_is_relative_1e6():
    assert match(line("500.0000001 g"), "500 gram", "item_weight").matched
    assert not match(line("500.01 g"), "500 gram", "item_weight").matched


# ---------------------------------------------------------------- glued words -> sub-words with boxes
def boxes_of(text: str) -> list[tuple[str, tuple[float, float, float, float]]]:
    word = Word(text, (100.0, 10.0, 100.0 + 10.0 * len(text), 30.0), 0.9)
    parts = split_glued([word])
    assert all(p.confidence == 0.9 for p in parts)
    return [(p.text, p.box) for p in parts]


def test_split_500g_exact_boxes():
    assert boxes_of("500g") == [("500", (100.0, 10.0, 130.0, 30.0)), ("g", (130.0, 10.0, 140.0, 30.0))]


def test_split_glued_exact_boxes_for_every_form():
    assert boxes_of("12V") == [("12", (100.0, 10.0, 120.0, 30.0)), ("V", (120.0, 10.0, 130.0, 30.0))]
    assert boxes_of("1.5kg") == [("1.5", (100.0, 10.0, 130.0, 30.0)), ("kg", (130.0, 10.0, 150.0, 30.0))]
    assert boxes_of("25x30cm") == [
        ("25", (100.0, 10.0, 120.0, 30.0)), ("x", (120.0, 10.0, 130.0, 30.0)),
        ("30", (130.0, 10.0, 150.0, 30.0)), ("cm", (150.0, 10.0, 170.0, 30.0)),
    ]
    assert boxes_of("100-240V") == [
        ("100", (100.0, 10.0, 130.0, 30.0)), ("-", (130.0, 10.0, 140.0, 30.0)),
        ("240", (140.0, 10.0, 170.0, 30.0)), ("V", (170.0, 10.0, 180.0, 30.0)),
    ]
    assert boxes_of("(500mL)") == [
        ("(", (100.0, 10.0, 110.0, 30.0)), ("500", (110.0, 10.0, 140.0, 30.0)),
        ("mL", (140.0, 10.0, 160.0, 30.0)), (")", (160.0, 10.0, 170.0, 30.0)),
    ]
    assert boxes_of("16.9FL") == [("16.9", (100.0, 10.0, 140.0, 30.0)), ("FL", (140.0, 10.0, 160.0, 30.0))]
    assert [t for t, _ in boxes_of("12.5cm/4.9in")] == ["12.5", "cm", "/", "4.9", "in"]
    assert [t for t, _ in boxes_of('10"')] == ["10", '"']
    assert [t for t, _ in boxes_of("25cmx30cm")] == ["25", "cm", "x", "30", "cm"]
    assert [t for t, _ in boxes_of("AC100-240V")] == ["AC", "100", "-", "240", "V"]
    assert [t for t, _ in boxes_of("Weight:4g")] == ["Weight", ":", "4", "g"]
    assert [t for t, _ in boxes_of("240.0]")] == ["240.0", "]"]
    assert [t for t, _ in boxes_of("Weight150")] == ["Weight", "150"]  # OCR dropped the space


def test_split_rotated_word_along_its_height():
    word = Word("500g", (10.0, 100.0, 30.0, 180.0))  # text turned 90 degrees, read bottom to top
    assert [(p.text, p.box) for p in split_glued([word])] == [
        ("500", (10.0, 120.0, 30.0, 180.0)), ("g", (10.0, 100.0, 30.0, 120.0)),
    ]


@pytest.mark.parametrize("text", ["XJ500", "5000mAh", "GX53", "Hello", "500", "1,000", "(", "2300k"])
def test_words_left_whole(text):
    assert boxes_of(text) == [(text, (100.0, 10.0, 100.0 + 10.0 * len(text), 30.0))]


def test_split_glued_is_idempotent():
    words = line("Net Wt 16.9FL OZ (500mL) 100-240V")
    once = split_glued(words)
    assert split_glued(once) == once


def test_glued_value_and_unit_get_separate_tags():
    assert tagged("Net Wt 500g", "500 gram", "item_weight") == [
        ("Net", "O"), ("Wt", "O"), ("500", "B-VALUE"), ("g", "B-UNIT"),
    ]
    assert tagged("DC 12V 2A", "12 volt", "voltage") == [
        ("DC", "O"), ("12", "B-VALUE"), ("V", "B-UNIT"), ("2A", "O"),
    ]
    assert tagged("Size 25x30cm", "30 centimetre", "width") == [
        ("Size", "O"), ("25", "O"), ("x", "O"), ("30", "B-VALUE"), ("cm", "B-UNIT"),
    ]
    # 25 takes the unit of the chain "25 x 30 cm": value and shared unit both tagged
    assert tagged("Size 25x30cm", "25 centimetre", "width") == [
        ("Size", "O"), ("25", "B-VALUE"), ("x", "O"), ("30", "O"), ("cm", "B-UNIT"),
    ]
    assert tagged("16.9FL OZ (500mL)", "500 millilitre", "item_volume") == [
        ("16.9", "O"), ("FL", "O"), ("OZ", "O"), ("(", "O"), ("500", "B-VALUE"), ("mL", "B-UNIT"), (")", "O"),
    ]
    assert tagged("12.5cm/4.9in", "4.9 inch", "height") == [
        ("12.5", "O"), ("cm", "O"), ("/", "O"), ("4.9", "B-VALUE"), ("in", "B-UNIT"),
    ]


# ---------------------------------------------------------------- value and unit across words, aliases
def test_value_and_multiword_unit_across_words():
    assert tagged("16.9 FL OZ (500 mL)", "16.9 fluid ounce", "item_volume") == [
        ("16.9", "B-VALUE"), ("FL", "B-UNIT"), ("OZ", "I-UNIT"), ("(", "O"), ("500", "O"), ("mL)", "O"),
    ]
    assert tagged("16.9 FL OZ (500 mL)", "500 millilitre", "item_volume") == [
        ("16.9", "O"), ("FL", "O"), ("OZ", "O"), ("(", "O"), ("500", "B-VALUE"), ("mL)", "B-UNIT"),
    ]


@pytest.mark.parametrize(
    "text, gold, entity, unit_words",
    [
        ("2 lbs", "2 pound", "item_weight", ["lbs"]),
        ("250 Gms", "250 gram", "item_weight", ["Gms"]),
        ("1.5 Ltr", "1.5 litre", "item_volume", ["Ltr"]),
        ("8 fl. oz.", "8 fluid ounce", "item_volume", ["fl.", "oz."]),
        ("3 cu ft", "3 cubic foot", "item_volume", ["cu", "ft"]),
        ("40 Watts", "40 watt", "wattage", ["Watts"]),
        ("10 Inches", "10 inch", "width", ["Inches"]),
        ("2 m", "2 metre", "height", ["m"]),
    ],
)
def test_unit_aliases(text, gold, entity, unit_words):
    pairs = tagged(text, gold, entity)
    assert pairs[0][1] == "B-VALUE"
    assert [w for w, t in pairs if t.endswith("UNIT")] == unit_words
    assert [t for _, t in pairs[1:]] == ["B-UNIT"] + ["I-UNIT"] * (len(unit_words) - 1)


def test_stray_dot_between_value_and_unit():
    assert tagged("Item weight 1059 . grams", "1059 gram", "item_weight") == [
        ("Item", "O"), ("weight", "O"), ("1059", "B-VALUE"), (".", "O"), ("grams", "B-UNIT"),
    ]


def test_oz_on_a_volume_matches_a_fluid_ounce_gold():
    assert tagged("12 oz", "12 fluid ounce", "item_volume") == [("12", "B-VALUE"), ("oz", "B-UNIT")]


# ---------------------------------------------------------------- OCR confusions
@pytest.mark.parametrize(
    "text, fixed",
    [
        ("5OOg", "500g"), ("5ooml", "500ml"), ("l.5kg", "1.5kg"), ("1O0", "100"), ("I2V", "12V"),
        ("S00", "500"), ("1B0", "180"), ("5OOl", "500l"), ("5Olb", "50lb"), ("16Oz", "16Oz"),
        ("SOO", "SOO"),  # no real digit: not a number
        ("Oil", "Oil"), ("lbs", "lbs"),
        ("1LB454G", "1LB454G"), ("KB500", "K8500"),  # the B of a unit before the number stays a letter
    ],
)
def test_correct_confusions(text, fixed):
    assert correct_confusions(text) == fixed
    assert len(correct_confusions(text)) == len(text)


def test_confusion_used_when_exact_absent_and_keeps_ocr_text():
    res = match(line("Net Wt 5OOg"), "500 gram", "item_weight")
    assert res.matched and res.confusion
    assert [(w.text, t) for w, t in zip(res.words, res.tags)] == [
        ("Net", "O"), ("Wt", "O"), ("5OO", "B-VALUE"), ("g", "B-UNIT"),
    ]
    assert res.words[2].box == (70.0, 100.0, 100.0, 120.0)
    assert tagged("l.5 kg", "1.5 kilogram", "item_weight") == [("l.5", "B-VALUE"), ("kg", "B-UNIT")]
    # a misread unit glued to what follows it is repaired once the word is cut: "0Z.340g" -> "0" "Z" "." ...
    res = match(line("NETWT.12 0Z.340g"), "12 ounce", "item_weight")
    assert res.matched and res.confusion
    assert [(w.text, t) for w, t in zip(res.words, res.tags) if t != "O"] == [("12", "B-VALUE"), ("0", "B-UNIT"),
                                                                              ("Z", "I-UNIT")]


def test_split_is_confusion_aware_so_training_and_prediction_cut_alike():
    assert [t for t, _ in boxes_of("5OOg")] == ["5OO", "g"]
    assert [t for t, _ in boxes_of("l.5kg")] == ["l.5", "kg"]
    assert tagged("Net 1809", "180 gram", "item_weight") == [("Net", "O"), ("180", "B-VALUE"), ("9", "B-UNIT")]


def test_confusion_not_tried_when_exact_present():
    res = match(line("5OO g or 500 g"), "500 gram", "item_weight")
    assert res.matched and not res.confusion
    assert [(w.text, t) for w, t in zip(res.words, res.tags)] == [
        ("5OO", "O"), ("g", "O"), ("or", "O"), ("500", "B-VALUE"), ("g", "B-UNIT"),
    ]


def test_unit_confusions_only_for_the_gold_unit():
    assert unit_confusions(["3.5", "0z", "80z", "9"], "ounce") == ["3.5", "oz", "8oz", "9"]
    assert unit_confusions(["33.8", "FL.", "0Z", "Hi", "0z"], "fluid ounce") == ["33.8", "FL.", "oz", "Hi", "0z"]
    assert unit_confusions(["250", "k", "9", "1809"], "kilogram") == ["250", "k", "g", "180g"]
    assert unit_confusions(["7.3k9", "50", "K9", "k9"], "kilogram") == ["7.3kg", "50", "Kg", "k9"]  # "k9": a kg
    assert unit_confusions(["24", "'"], "inch") == ["24", '"']
    assert unit_confusions(["24", "'"], "foot") == ["24", "'"]
    assert tagged("Serving 100 9 / 3.5 0z", "3.5 ounce", "item_weight") == [
        ("Serving", "O"), ("100", "O"), ("9", "O"), ("/", "O"), ("3.5", "B-VALUE"), ("0z", "B-UNIT"),
    ]
    assert tagged("SONGMICS 250 k 9", "250 kilogram", "item_weight") == [
        ("SONGMICS", "O"), ("250", "B-VALUE"), ("k", "B-UNIT"), ("9", "I-UNIT"),
    ]


# ---------------------------------------------------------------- ranges and several occurrences
def test_range_gold_tags_both_printed_endpoints():
    assert tagged("AC 100-240V 50/60Hz", "[100.0, 240.0] volt", "voltage") == [
        ("AC", "O"), ("100", "B-VALUE"), ("-", "O"), ("240", "B-VALUE"), ("V", "B-UNIT"),
        ("50/60Hz", "O"),
    ]


def test_range_gold_matches_one_printed_endpoint():
    assert tagged("Input 240 V", "[100.0, 240.0] volt", "voltage") == [
        ("Input", "O"), ("240", "B-VALUE"), ("V", "B-UNIT"),
    ]
    assert tagged("Input 100 V", "10 kilogram to 100 kilogram", "item_weight") == [
        ("Input", "O"), ("100", "O"), ("V", "O"),
    ]


def test_single_gold_matches_an_endpoint_of_a_printed_range():
    assert tagged("AC100-240V", "100 volt", "voltage") == [
        ("AC", "O"), ("100", "B-VALUE"), ("-", "O"), ("240", "O"), ("V", "B-UNIT"),
    ]
    assert tagged("[100.0, 240.0] volt", "240 volt", "voltage") == [
        ("[", "O"), ("100.0", "O"), (",", "O"), ("240.0", "B-VALUE"), ("]", "O"), ("volt", "B-UNIT"),
    ]
    assert tagged("100 to 240 V", "100 volt", "voltage") == [
        ("100", "B-VALUE"), ("to", "O"), ("240", "O"), ("V", "B-UNIT"),
    ]


def test_every_occurrence_is_tagged():
    res = match(line("500g net 500 g (1.1 lb) 500 GMS"), "500 gram", "item_weight")
    assert [(w.text, t) for w, t in zip(res.words, res.tags)] == [
        ("500", "B-VALUE"), ("g", "B-UNIT"), ("net", "O"), ("500", "B-VALUE"), ("g", "B-UNIT"),
        ("(", "O"), ("1.1", "O"), ("lb)", "O"), ("500", "B-VALUE"), ("GMS", "B-UNIT"),
    ]
    assert len(res.spans) == 3


# ---------------------------------------------------------------- never invent a match
@pytest.mark.parametrize(
    "text, gold, entity, reason",
    [
        ("Net Wt 450 g", "500 gram", "item_weight", VALUE_ABSENT),
        ("Model 500 Pack of 2", "500 gram", "item_weight", UNIT_MISMATCH),  # number without a unit
        ("Net Wt 0.5 kg", "500 gram", "item_weight", VALUE_ABSENT),  # other unit: not converted
        ("500 ml", "500 gram", "item_weight", UNIT_MISMATCH),  # same number, other unit
        ("XJ500 g", "500 gram", "item_weight", VALUE_ABSENT),  # a model number is not a value
        ("5000mAh", "5000 milliampere", "item_weight", BAD_GOLD),
        ("12 kV", "12 volt", "voltage", UNIT_MISMATCH),
        ("SOO g", "500 gram", "item_weight", VALUE_ABSENT),  # no real digit: no confusion repair
        ("5 in 1", "5 inch", "item_weight", UNIT_MISMATCH),  # "in" is an inch only on lengths
        ("", "500 gram", "item_weight", VALUE_ABSENT),
    ],
)
def test_never_invents(text, gold, entity, reason):
    res = match(line(text), gold, entity)
    assert not res.matched and res.reason == reason
    assert res.tags == ["O"] * len(res.words) and res.spans == []
    assert not covers(line(text), gold, entity)


def test_quantity_gold_and_covers():
    assert match(line("Net Wt 500g"), Quantity(500.0, "gram"), "item_weight").matched
    assert covers(line("Net Wt 500g"), "500.0 gram", "item_weight")
    assert not covers(line("Net Wt 500g"), "nonsense", "item_weight")
    with pytest.raises(UnknownEntityError):
        match(line("500 g"), "500 gram", "colour")


# ---------------------------------------------------------------- candidates (shared with the decoder)
def test_find_candidates_strict_units_heights_and_spans():
    words = line("Serving 30 g") + [Word("500g", (0.0, 200.0, 80.0, 260.0))] + line("16.9 FL OZ")
    cands = find_candidates(words, "item_weight")
    assert [(c.value, c.unit, c.start, c.end, c.value_span, c.unit_span, c.height) for c in cands] == [
        (30.0, "gram", 1, 3, (1, 2), (2, 3), 20.0),
        (500.0, "gram", 3, 5, (3, 4), (4, 5), 60.0),
    ]  # "16.9 FL OZ" is a volume: not a weight candidate
    vol = find_candidates(words, "item_volume")
    assert [(c.value, c.unit, c.value_span, c.unit_span) for c in vol] == [(16.9, "fluid ounce", (5, 6), (6, 8))]


def test_candidate_height_of_rotated_text_is_its_width():
    (c,) = find_candidates([Word("500g", (10.0, 100.0, 30.0, 180.0), angle=90.0)], "item_weight")
    assert (c.value, c.height) == (500.0, 20.0)
    # a narrow word on an upright line ("19" in "NET WT. 19 OZ.") is not turned: its height is its box's
    (c,) = find_candidates([Word("19", (128.0, 408.0, 145.0, 443.0)), Word("OZ", (154.0, 408.0, 180.0, 443.0))],
                           "item_weight")
    assert c.height == 35.0
    (c,) = find_candidates([Word("5", (0.0, 0.0, 12.0, 20.0)), Word("kg", (15.0, 0.0, 35.0, 20.0))], "item_weight")
    assert c.height == 20.0


def test_find_candidates_chain_and_readings():
    cands = find_candidates(line("10 x 20 x 30 cm"), "height")
    assert [(c.value, c.unit, c.shared_unit, c.unit_span) for c in cands] == [
        (10.0, "centimetre", True, (5, 6)), (20.0, "centimetre", True, (5, 6)), (30.0, "centimetre", False, (5, 6)),
    ]
    (c,) = find_candidates(line("1,000 mg"), "item_weight")
    assert c.value == 1000.0 and c.readings == (1000.0, 1.0)
    assert find_candidates(line("5 oz"), "item_volume") == []  # bare oz is a weight
    assert find_candidates(line("5 oz"), "item_volume", lenient=True)[0].unit == "ounce"


def test_text_words_and_extras_style_row():
    words = text_words("Bearing 120 kg Capacity: 1 20kg")
    assert [w.box for w in words[:2]] == [(0.0, 0.0, 70.0, 20.0), (80.0, 0.0, 110.0, 20.0)]
    # lines of at most 60 characters (600 px); a word that does not fit starts the next line, 30 px lower
    wrapped = text_words("x" * 55 + " abcdef g")
    assert [w.box for w in wrapped] == [(0.0, 0.0, 550.0, 20.0), (0.0, 30.0, 60.0, 50.0), (70.0, 30.0, 80.0, 50.0)]
    page = text_ocr("x" * 55 + " abcdef g")
    assert (page.width, page.height, [w.text for w in page.words]) == (550, 50, ["x" * 55, "abcdef", "g"])
    assert (text_ocr("").width, text_ocr("").height, text_ocr("").words) == (10, 20, ())
    res = match(words, "120 kilogram", "maximum_weight_recommendation")
    assert [(w.text, t) for w, t in zip(res.words, res.tags)] == [
        ("Bearing", "O"), ("120", "B-VALUE"), ("kg", "B-UNIT"), ("Capacity:", "O"), ("1", "O"), ("20", "O"),
        ("kg", "O"),
    ]


def test_invariants_on_random_ocr_noise():
    """Split is idempotent and keeps every character; spans index the split words; match never raises."""
    import random
    import string

    rng = random.Random(0)
    chars = string.ascii_letters + string.digits * 3 + ".,-/()[]'\"~xX:;%µ″” " + "OolISB"
    golds = ["500 gram", "[100.0, 240.0] volt", "16.9 fluid ounce", "12 inch", "nan", ""]
    entities = ["item_weight", "voltage", "item_volume", "width", "wattage"]
    for _ in range(1500):
        words = [Word("".join(rng.choice(chars) for _ in range(rng.randint(0, 8))),
                      (0.0, 0.0, rng.uniform(1, 100), rng.uniform(1, 100))) for _ in range(rng.randint(0, 6))]
        entity = rng.choice(entities)
        split = split_glued(words)
        assert split_glued(split) == split
        assert "".join(w.text for w in split) == "".join(w.text for w in words)
        cands = find_candidates(words, entity)
        assert cands == find_candidates(split, entity, split=False)
        assert all(0 <= c.start < c.end <= len(split) for c in cands)
        res = match(words, rng.choice(golds), entity)
        assert len(res.words) == len(res.tags) and (res.matched or set(res.tags) <= {"O"})


@pytest.mark.parametrize("texts, expected", [
    (["1", "/", "4", "inch"], (0.25, 3)),
    (["4", "1", "/", "2", '"'], (4.5, 4)),
    (["12", "-", "9", "/", "16", '"'], (12.5625, 5)),
    (["50", "/", "60", "Hz"], None),  # not a usual denominator
    (["3", "/", "2"], None),  # not a proper fraction
    (["12", "02", "/", "3", "G"], None),  # "02": a misread oz, not a numerator
])
def test_fraction_at(texts, expected):
    assert fraction_at(texts, 0) == expected


def test_a_mixed_number_is_tagged_as_one_value():
    assert tagged('Size 4 1/2" wide', "4.5 inch", "width") == [
        ("Size", "O"), ("4", "B-VALUE"), ("1", "I-VALUE"), ("/", "I-VALUE"), ("2", "I-VALUE"), ('"', "B-UNIT"),
        ("wide", "O"),
    ]
