import time

from tests.conftest import last_json, run_cli


def _write(path, text):
    path.write_text(text)
    return path


def test_help_lists_subcommands():
    out = run_cli("--help", check=True).stdout
    for name in ("values", "evaluate", "sanity", "download", "ocr", "weak-labels", "synth", "report", "bench"):
        assert name in out


def test_import_is_fast_and_torch_free():
    import subprocess
    import sys

    code = "import sys, layoutx; import layoutx.core.metric; print('torch' in sys.modules)"
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
    assert time.perf_counter() - start < 20  # generous: a torch import would still show in the flag above


def test_values_report_on_train_csv(train_csv):
    proc = run_cli("values", "--report", str(train_csv), check=True)
    out = last_json(proc.stdout)
    assert out["rows"] == 2639
    assert out["parsed"] + sum(out["by_reason"].values()) == out["rows"]
    assert out["rate"] >= 0.995


def test_evaluate(tmp_path):
    gold = _write(tmp_path / "gold.csv", "index,entity_name,entity_value\n0,item_weight,500.0 gram\n1,width,\n"
                  "2,width,10.0 inch\n3,voltage,12.0 volt\n")
    pred = _write(tmp_path / "pred.csv", 'index,prediction\n0,500 gram\n1,\n2,11.0 inch\n')
    out = last_json(run_cli("evaluate", "--gold", str(gold), "--pred", str(pred), check=True).stdout)
    # row 0 TP (numeric), row 1 TN, row 2 FP, row 3 missing -> FN
    assert out["rows"] == 4
    assert out["precision"] == 0.5 and out["recall"] == 0.5 and out["f1"] == 0.5
    assert out["f1_strict"] == 0.0
    assert out["per_entity"]["item_weight"] == {"f1": 1.0, "rows": 1}


def test_evaluate_rejects_unknown_index(tmp_path):
    gold = _write(tmp_path / "gold.csv", "index,entity_value\n0,500.0 gram\n")
    pred = _write(tmp_path / "pred.csv", "index,prediction\n7,500 gram\n")
    proc = run_cli("evaluate", "--gold", str(gold), "--pred", str(pred))
    assert proc.returncode == 2
    assert "index '7'" in proc.stderr and "Traceback" not in proc.stderr


def test_missing_file_is_one_line_error(tmp_path):
    proc = run_cli("evaluate", "--gold", str(tmp_path / "nope.csv"), "--pred", str(tmp_path / "p.csv"))
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "no such file" in proc.stderr


TEST_CSV = (
    "index,image_link,group_id,entity_name\n"
    "0,https://x/a.jpg,1,item_weight\n1,https://x/b.jpg,1,width\n2,https://x/c.jpg,1,voltage\n"
)


def test_sanity_accepts_good_file(tmp_path):
    test = _write(tmp_path / "test.csv", TEST_CSV)
    pred = _write(tmp_path / "pred.csv", "index,prediction\n0,500.0 gram\n1,\n2,12 volt\n")
    proc = run_cli("sanity", "--test", str(test), "--pred", str(pred))
    assert proc.returncode == 0, proc.stdout
    assert last_json(proc.stdout) == {"ok": True, "problems": 0}


def _sanity_problems(tmp_path, body):
    test = _write(tmp_path / "test.csv", TEST_CSV)
    pred = _write(tmp_path / "pred.csv", "index,prediction\n" + body)
    proc = run_cli("sanity", "--test", str(test), "--pred", str(pred))
    return proc


def test_sanity_missing_index(tmp_path):
    proc = _sanity_problems(tmp_path, "0,500.0 gram\n1,\n")
    assert proc.returncode == 1
    assert "index 2: missing" in proc.stdout
    assert last_json(proc.stdout) == {"ok": False, "problems": 1}


def test_sanity_extra_index(tmp_path):
    proc = _sanity_problems(tmp_path, "0,500.0 gram\n1,\n2,\n9,1.0 gram\n")
    assert proc.returncode == 1 and "index 9: not in the test file" in proc.stdout


def test_sanity_invalid_values(tmp_path):
    proc = _sanity_problems(tmp_path, '0,2 gms\n1,2.2e2 kilogram\n2,"60 ounce/1.7 kilogram"\n')
    assert proc.returncode == 1
    assert last_json(proc.stdout)["problems"] == 3
    for bad in ("'2 gms'", "'2.2e2 kilogram'", "'60 ounce/1.7 kilogram'"):
        assert bad in proc.stdout


def test_sanity_rejects_non_csv(tmp_path):
    test = _write(tmp_path / "test.txt", TEST_CSV)
    proc = run_cli("sanity", "--test", str(test), "--pred", str(test))
    assert proc.returncode == 2 and "not a .csv" in proc.stderr
