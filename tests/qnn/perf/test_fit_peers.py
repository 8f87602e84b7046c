import pytest

from qnn.cli import main
from qnn.perf.fit_peers import StepComparison, compare_steps, format_comparison


def test_the_ratio_is_the_median_of_the_turns_and_comes_first():
    c = StepComparison("DataReuploadingClassifier", 1000, 10, (0.1, 0.1, 0.2), (0.3, 0.1, 0.2), 12.0)
    assert c.ratio == pytest.approx(1.0) and c.qnn_ms_per_step == pytest.approx(10.0)
    row = format_comparison([c]).splitlines()[1].split()
    assert row[:4] == ["DataReuploadingClassifier", "1.0x", "10.00", "20.00"]
    assert row[5:] == ["10.0", "20.0", "12.0"]  # fit seconds of each over 1000 steps, compile seconds


def test_a_peer_that_did_not_run_says_why():
    c = StepComparison("SeparableVariationalClassifier", 1000, 10, (0.1,), note="not installed (jax)")
    assert "peer skipped: not installed (jax)" in format_comparison([c])


def test_negative_fit_steps_are_refused(capsys):
    assert main(["perf", "--fits", "--fit-steps", "-1", "--quiet"]) == 2
    assert "--fit-steps must be 0 or more" in capsys.readouterr().err


def test_qnn_and_the_peer_take_turns_on_a_bench_model():
    pytest.importorskip("jax")
    pytest.importorskip("pennylane")
    (c,) = compare_steps({"SeparableVariationalClassifier": 100}, turns=2, block=2)
    assert c.note == "" and len(c.qnn_seconds) == len(c.peer_seconds) == 2
    assert c.compile_seconds > 0 and c.ratio > 0
