import pytest

from layoutx.core.metric import NUMERIC, STRICT, Counts, answers_equal, row_outcome, score


@pytest.mark.parametrize(
    "gold, pred, mode, outcome",
    [
        ("500.0 gram", "500.0 gram", STRICT, "TP"),
        ("500.0 gram", "500 gram", STRICT, "FP"),  # the official comparison is on strings
        ("500.0 gram", "500 gram", NUMERIC, "TP"),
        ("500.0 gram", "0.5 kilogram", NUMERIC, "FP"),  # same mass, other unit: not the answer
        ("500.0 gram", "", NUMERIC, "FN"),
        ("", "500.0 gram", NUMERIC, "FP"),
        ("", "", NUMERIC, "TN"),
        ("", "", STRICT, "TN"),
        ("3.0 meter", "3.0 metre", NUMERIC, "TP"),
        ("3.0 meter", "3.0 metre", STRICT, "FP"),
        ("[100.0, 240.0] volt", "240.0 volt", NUMERIC, "FP"),
        ("[100.0, 240.0] volt", "[100, 240] volt", NUMERIC, "TP"),
        ("500.0 gram", "garbage", NUMERIC, "FP"),
        ("500.0 gram", "500.0000001 gram", NUMERIC, "TP"),  # within relative tolerance 1e-6
        ("500.0 gram", "500.01 gram", NUMERIC, "FP"),
    ],
)
def test_row_outcome(gold, pred, mode, outcome):
    assert row_outcome(gold, pred, mode) == outcome


def test_scores_hand_computed():
    rows = [
        ("item_weight", "500.0 gram", "500 gram"),  # numeric TP, strict FP
        ("item_weight", "2.0 kilogram", "2.0 kilogram"),  # TP
        ("item_weight", "3.0 kilogram", ""),  # FN
        ("width", "", "4.0 centimetre"),  # FP
        ("width", "", ""),  # TN
        ("width", "10.0 inch", "12.0 inch"),  # FP
    ]
    s = score(rows)
    n = s.numeric
    assert (n.tp, n.fp, n.fn, n.tn) == (2, 2, 1, 1)
    assert n.precision == pytest.approx(2 / 4)
    assert n.recall == pytest.approx(2 / 3)
    assert n.f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    st = s.strict
    assert (st.tp, st.fp, st.fn, st.tn) == (1, 3, 1, 1)
    assert s.per_entity["item_weight"].f1 == pytest.approx(0.8)  # tp 2, fn 1, fp 0
    assert s.per_entity["width"].f1 == 0.0
    out = s.to_json()
    assert out["rows"] == 6 and out["per_entity"]["width"]["rows"] == 3


def test_empty_counts_score_zero_not_crash():
    assert Counts().f1 == 0.0
    assert Counts(tn=5).precision == 0.0


def test_unknown_mode_rejected():
    with pytest.raises(ValueError):
        answers_equal("1 gram", "1 gram", "fuzzy")
