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
    assert f"{len(results)} fits run (0 failed), 0 already" in out
    assert "best classical" in out and (tmp_path / "out" / "report.md").exists()
    assert set(results["energy_method"]) <= {"estimate: cpu time × 5.0 W per core", "rapl"}  # RAPL, where readable
    assert results["co2_grams"].sum() == pytest.approx(results["joules"].sum() / 3.6e6 * 100)

    assert main([*args, "--quiet", "--no-report"]) == 0  # the same command again finds everything done
    assert f"0 fits run (0 failed), {len(results)} already" in capsys.readouterr().out

    (tmp_path / "out" / "report.md").unlink()
    assert main(["report", str(tmp_path / "out")]) == 0
    assert "report.md" in capsys.readouterr().out and (tmp_path / "out" / "report.md").exists()


def test_a_part_of_the_dimensions_runs_first_and_the_whole_sweep_then_skips_it(tmp_path, capsys):
    (tmp_path / "sweep.toml").write_text(SWEEP)
    args = ["bench", "--config", str(tmp_path / "sweep.toml"), "--out", str(tmp_path / "out"), "--jobs", "1"]
    assert main([*args, "--quiet", "--no-report", "--dimensions", "3"]) == 0
    assert set(read_results(tmp_path / "out" / "results.sqlite")["dimension"]) == {3}
    capsys.readouterr()
    assert main([*args, "--quiet", "--no-report"]) == 0
    assert "10 fits run (0 failed), 10 already" in capsys.readouterr().out  # d=2 only; d=3 was done
    assert main([*args, "--dimensions", "4"]) == 2
    assert "dimensions must be among the sweep's (2, 3); got ['4']" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*args, "--dimensions", "3,x"])
    assert "expected positive integers separated by commas" in capsys.readouterr().err


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


FAILING = """
n_folds = 2
seeds = [0, 1]

[[tasks]]
name = "linearly_separable"
dimensions = [2]
n_samples = 40

[[models]]
name = "tests.qnn.bench.stand_in:StandInQuantumClassifier"
grid = {fail_with = ["memory"], sleep_s = [SLEEP]}
matched_mlp = false
ablation = false

[[models]]
name = "tests.qnn.bench.stand_in:StandInQuantumClassifier"
grid = {C = [0.1, 1.0, 10.0], sleep_s = [SLEEP]}
matched_mlp = false
ablation = false
"""


def test_failures_are_reported_and_retried_on_request(tmp_path, capsys):
    (tmp_path / "sweep.toml").write_text(FAILING.replace("SLEEP", "0.0"))
    args = ["bench", "--config", str(tmp_path / "sweep.toml"), "--out", str(tmp_path), "--jobs", "1", "--quiet"]
    assert main([*args, "--no-report"]) == 0
    assert "10 fits run (2 failed), 0 already" in capsys.readouterr().out
    assert main([*args, "--no-report"]) == 0
    assert "0 fits run (0 failed), 10 already" in capsys.readouterr().out
    assert main([*args, "--no-report", "--retry-failed"]) == 0
    assert "2 fits run (2 failed), 8 already" in capsys.readouterr().out


def test_two_bench_processes_sharing_out_run_each_fit_once(tmp_path):
    import re
    import subprocess
    import sys

    (tmp_path / "sweep.toml").write_text(FAILING.replace("SLEEP", "0.3"))
    args = ["bench", "--config", str(tmp_path / "sweep.toml"), "--out", str(tmp_path), "--jobs", "1", "--quiet"]
    script = f"from qnn.cli import main; raise SystemExit(main({[*args, '--no-report']!r}))"
    processes = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) for _ in "ab"]
    outputs = [process.communicate(timeout=300)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0]
    ran = [int(re.search(r"(\d+) fits run", out).group(1)) for out in outputs]
    assert sum(ran) == 10 and min(ran) > 0  # 2 failures of the first model; 6 CV and 2 final fits of the second
    assert len(read_results(tmp_path / "results.sqlite")) == 8


def test_estimate_prints_the_fits_and_hours_and_runs_nothing(tmp_path, capsys):
    (tmp_path / "sweep.toml").write_text(FAILING.replace("SLEEP", "0.0"))
    args = ["bench", "--config", str(tmp_path / "sweep.toml"), "--out", str(tmp_path), "--jobs", "3", "--quiet"]
    assert main([*args, "--estimate", "--ray-workers", "7"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("10 fits\n")
    assert "  2 expected to fail: SimulatorMemoryError: the stand-in needs 1 TiB of simulator memory" in out
    assert "this machine, 3 workers:" in out and "Ray, 7 workers:" in out
    assert "costliest cells (hours of one process, every seed and fold):\n  linearly_separable d=" in out
    assert not (tmp_path / "results.sqlite").exists()
