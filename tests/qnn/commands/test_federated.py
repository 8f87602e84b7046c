import json

import pytest

from qnn.cli import main

SMALL = ["federated", "--task", "linearly_separable", "--dimension", "2", "--samples", "60", "--clients", "2"]
SMALL += ["--rounds", "2", "--local-steps", "2", "--quiet"]


def test_federated_writes_json_with_history_traffic_energy_and_a_plot(tmp_path, capsys):
    argv = [*SMALL, "--partition", "dirichlet:0.5", "--strategy", "fedprox", "--out", str(tmp_path)]
    argv += ["--model", "DressedQuantumCircuitClassifier"]
    assert main(argv) == 0
    assert "federated test accuracy" in capsys.readouterr().out
    report = json.loads((tmp_path / "federated.json").read_text())
    assert 0 <= report["federated_test_accuracy"] <= 1 and 0 <= report["centralised_test_accuracy"] <= 1
    assert report["rounds"] == 2 and [h["round"] for h in report["history"]] == [0, 1, 2]
    assert report["history"][-1]["test_accuracy"] == report["federated_test_accuracy"]
    assert report["bytes_sent"] == report["bytes_to_clients"] + report["bytes_to_server"] > 0
    assert report["energy"]["federated"]["joules"] >= 0
    assert report["setup"]["strategy"] == "FedProx" and report["setup"]["centralised_steps"] == 4
    assert sum(c["n_samples"] for c in report["clients"]) == 48  # 80% of 60 samples for training
    assert (tmp_path / "federated.png").stat().st_size > 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--strategy", "fedsgd"], "strategy must be one of"),
        (["--partition", "halves"], "partition must be 'iid', 'dirichlet:ALPHA' or 'shards:K', got 'halves'"),
        (["--clients", "100"], "n_clients=100 needs at least 100 training samples (1 per client), got 48"),
        (["--model", "SVC"], "--model must be one of"),
        (["--task", "nope"], "task must be one of"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, extra, message):
    assert main([*SMALL, "--out", str(tmp_path), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qnn federated: error: ") and message in err and len(err.strip().splitlines()) == 1
