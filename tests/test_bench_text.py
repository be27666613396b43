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


def test_bench_text_heldout_scores_only_the_images_a_text_training_run_held_out(tmp_path):
    from layoutx.labels.dataset import HELDOUT, text_split

    csv = tmp_path / "text.csv"
    links = [f"http://x/{n:03d}.jpg" for n in range(30)]
    csv.write_text("image_link,entity_name,entity_value,ocr_text\n"
                   + "".join(f"{link},voltage,12.0 volt,Input 12V\n" for link in links))
    held = [link for link in links if text_split(link, 0.5, 0.0, 0) == HELDOUT]
    assert 0 < len(held) < 30
    out = last_json(run_cli("bench", "text", "--ocr-text", str(csv), "--heldout", "0.5", check=True).stdout)
    assert out["rows"] == len(held) and out["rules"]["f1"] == 1.0
    assert last_json(run_cli("bench", "text", "--ocr-text", str(csv), check=True).stdout)["rows"] == 30
    # --heldout needs the image_link column: a one-line error, exit 2
    (tmp_path / "bare.csv").write_text("entity_name,entity_value,ocr_text\nvoltage,12.0 volt,12V\n")
    proc = run_cli("bench", "text", "--ocr-text", str(tmp_path / "bare.csv"), "--heldout", "0.5")
    assert proc.returncode == 2 and "image_link" in proc.stderr and "Traceback" not in proc.stderr
