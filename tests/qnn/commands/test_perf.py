import json

import pytest

from qnn.cli import main


def test_perf_prints_a_table_and_writes_json_and_plot(tmp_path, capsys):
    argv = ["perf", "--qubits", "2", "--batch", "4", "--layers", "1", "--repeats", "1", "--dtype", "complex128"]
    argv += ["--peers", "qnn", "torchquantum", "--out", str(tmp_path), "--quiet"]
    argv += ["--bandwidth", "--bandwidth-qubits", "10", "--threads", "1"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "forward + backward, batch 4, 1 layers, cpu, 1 thread(s), median of 1" in out
    assert "torchquantum" in out and "not installed" in out
    assert "one-qubit gate on a 10-qubit state" in out
    data = json.loads((tmp_path / "perf.json").read_text())
    ours = [m for m in data["measurements"] if m["peer"] == "qnn"]
    assert [m["n_qubits"] for m in ours] == [2] and all(m["samples_per_s"] > 0 for m in ours)
    assert (tmp_path / "perf.png").exists()


def test_rounds_are_measured_one_after_another_and_reported_as_their_median(tmp_path, capsys):
    argv = ["perf", "--qubits", "2", "--batch", "4", "--layers", "1", "--repeats", "2", "--dtype", "complex64"]
    argv += ["--peers", "qnn", "--rounds", "3", "--out", str(tmp_path), "--quiet"]
    assert main(argv) == 0
    assert "median of 2, median of 3 rounds" in capsys.readouterr().out
    (ours,) = json.loads((tmp_path / "perf.json").read_text())["measurements"]
    assert len(ours["seconds"]) == 6 and ours["samples_per_s"] > 0


def test_peers_take_turns_with_qnn_and_the_table_says_over_how_many(capsys):
    argv = ["perf", "--qubits", "2", "--batch", "4", "--layers", "1", "--repeats", "2", "--dtype", "complex128"]
    argv += ["--peers", "qnn", "default.qubit", "qiskit-ml", "--max-qiskit-qubits", "1", "--quiet"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    peer = next(line for line in lines if "default.qubit" in line)
    assert "×" in peer and "2 turns, middle half" in peer
    assert "skipped above --max-qiskit-qubits 1" in next(line for line in lines if "qiskit-ml" in line)


@pytest.mark.parametrize("value", ["0", "-5", "nan", "soon"])
def test_a_timeout_that_is_not_a_positive_number_is_refused(value, capsys):
    with pytest.raises(SystemExit):
        main(["perf", "--timeout", value])
    assert "--timeout: expected a positive number" in capsys.readouterr().err


def test_unknown_peer_is_refused(capsys):
    assert main(["perf", "--peers", "cirq"]) == 2
    assert "unknown peer" in capsys.readouterr().err
