import pytest

from qnn.bench.store import read_results
from qnn.cli import main

SWEEP = """
n_folds = 2
seeds = [0, 1]

[[tasks]]
name = "linearly_separable"
dimensions = [2, 3]
n_samples = 40

[[models]]
name = "tests.qnn.bench.stand_in:StandInQuantumClassifier"
matched_mlp = false

[[models]]
name = "LogisticRegression"
grid = {C = [0.1, 1.0]}
"""


def test_bench_then_report(tmp_path, capsys):
    (tmp_path / "sweep.toml").write_text(SWEEP)
    args = ["bench", "--config", str(tmp_path / "sweep.toml"), "--out", str(tmp_path / "out"), "--jobs", "1"]
    assert main([*args, "--quiet", "--power-watts", "5", "--grid-intensity", "100"]) == 0
    out = capsys.readouterr().out
    results = read_results(tmp_path / "out" / "results.sqlite")
    # stand-in and its ablation: 2 seeds each; logistic regression: 2 configs x 2 folds + 2 seeds; 2 dimensions
    assert len(results) == 2 * (2 + 2 + 6)
    assert f"{len(results)} fits run, 0 already" in out
    assert "best classical" in out and (tmp_path / "out" / "report.md").exists()
    assert set(results["energy_method"]) <= {"estimate: cpu time × 5.0 W per core", "rapl"}  # RAPL, where readable
    assert results["co2_grams"].sum() == pytest.approx(results["joules"].sum() / 3.6e6 * 100)

    assert main([*args, "--quiet", "--no-report"]) == 0  # the same command again finds everything done
    assert f"0 fits run, {len(results)} already" in capsys.readouterr().out

    (tmp_path / "out" / "report.md").unlink()
    assert main(["report", str(tmp_path / "out")]) == 0
    assert "report.md" in capsys.readouterr().out and (tmp_path / "out" / "report.md").exists()


def test_report_without_results_says_so(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "no results database" in capsys.readouterr().err


def test_address_needs_ray(capsys):
    assert main(["bench", "--address", "auto", "--quiet"]) == 2
    assert "--executor ray" in capsys.readouterr().err


def test_help_lists_bench_and_report(capsys):
    assert main([]) == 0
    help_text = capsys.readouterr().out
    assert "bench" in help_text and "report" in help_text
