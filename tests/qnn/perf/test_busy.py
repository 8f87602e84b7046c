import re

import pytest

from qnn.cli import main
from qnn.perf import Workload
from qnn.perf.busy import busy_slowdown

# The spinner is forked. When the JAX peers' tests ran earlier in this process, JAX warns at every fork that
# its threads make a fork unsafe; the forked spinner runs a bare loop and never touches JAX.
pytestmark = pytest.mark.filterwarnings(r"ignore:os\.fork\(\) was called:RuntimeWarning")


def test_busy_slowdown_times_both_spells_turn_by_turn():
    result = busy_slowdown(Workload(2, n_layers=1, batch=4), turns=2, steps_per_turn=1)
    assert result.n_qubits == 2 and result.batch == 4
    assert result.quiet_seconds > 0 and result.busy_seconds > 0 and result.ratio > 0


def test_perf_busy_prints_the_slowdown_per_qubit_count(capsys):
    assert (
        main(["perf", "--busy", "--qubits", "2", "3", "--batch", "4", "--layers", "1", "--repeats", "1", "--quiet"])
        == 0
    )
    out = capsys.readouterr().out
    assert "one other process spinning" in out
    rows = [line for line in out.splitlines() if re.match(r"\s+[23]\s", line)]
    assert len(rows) == 2 and all(line.rstrip().endswith("x") for line in rows)
