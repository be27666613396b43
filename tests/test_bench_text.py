from tests.conftest import last_json, run_cli


def test_bench_text_scores_rules_on_ocr_text(tmp_path):
    csv = tmp_path / "text.csv"
    csv.write_text(
        "entity_name,entity_value,ocr_text\n"
        "item_weight,500.0 gram,Organic Tea Net Wt 500g (17.6 oz)\n"
        "voltage,12.0 volt,Input 12V 2A Output 5V\n"
        "width,30.0 centimetre,no numbers at all\n"
    )
    out = last_json(run_cli("bench", "text", "--ocr-text", str(csv), check=True).stdout)
    assert out["rows"] == 3
    assert out["ceiling"] == round(2 / 3, 6)  # the third row's answer is not in its text
    rules = out["rules"]
    # TP, TP, FN: precision 1, recall 2/3
    assert (rules["precision"], rules["recall"], rules["f1"]) == (1.0, round(2 / 3, 6), 0.8)
    assert "model only" not in out
