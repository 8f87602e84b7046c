import pytest
import torch

from qnn.perf import Measurement, Workload, measure, median_round
from qnn.perf.timing import _fit
from qnn.simulator import compile_circuit, estimate_bytes
from qnn.simulator.fusion import make_plan


def test_qnn_is_measured_in_a_child_process():
    result = measure("qnn", Workload(3, n_layers=1, batch=8), repeats=2, time_limit=60)
    assert result.note == "" and result.samples_per_s > 0
    assert result.batch == 8 and len(result.seconds) == 2
    assert result.samples_per_s == pytest.approx(8 / sorted(result.seconds)[0], rel=1.0)  # median of two
    assert result.peak_bytes >= 0 and result.dtype == "complex64"
    assert result.state_bytes == 8 * 2**3 * 8 and result.tensor_peak_bytes >= result.state_bytes


@pytest.mark.parametrize(("n_qubits", "batch"), [(10, 64), (13, 128)])
def test_qnn_tensor_peak_stays_within_the_memory_estimate(n_qubits, batch):
    """The profiled peak of one training step against `memory.estimate_bytes` (final states + slices)."""
    workload = Workload(n_qubits, n_layers=2, batch=batch)
    result = measure("qnn", workload, repeats=1, time_limit=60)
    plan = make_plan(compile_circuit(workload.circuit))
    estimate = estimate_bytes(plan, batch, workload.dtype, "adjoint")
    assert result.state_bytes <= result.tensor_peak_bytes <= estimate


def test_unavailable_peers_are_skipped_with_a_note():
    result = measure("torchquantum", Workload(2))
    assert result == Measurement("torchquantum", 2, "complex64", None, note=result.note)
    assert "not installed" in result.note


def test_a_precision_a_peer_lacks_is_skipped_with_a_note():
    result = measure("qiskit-ml", Workload(2, dtype=torch.complex64))
    assert result.samples_per_s is None and result.note == "runs in complex128 only"


@pytest.mark.parametrize(
    ("one_sample", "expected"),
    [
        (0.001, (256, 5, "")),  # (2 + 5) × 256 × 1 ms fits in 60 s
        (0.125, (68, 5, "batch 68 of 256, 5 repeats (time limit)")),  # shrink the batch
        (15.0, (1, 2, "batch 1 of 256, 2 repeats (time limit)")),  # one sample takes 15 s: fewer repeats
    ],
)
def test_slow_peers_are_bounded(one_sample, expected):
    assert _fit(256, 5, one_sample, 60.0) == expected


def test_the_median_round_keeps_every_timed_step_and_the_largest_peaks():
    rounds = [
        Measurement("qnn", 8, "complex64", 300.0, (0.1, 0.2), 256, 5, 40, 8),
        Measurement("qnn", 8, "complex64", None, note="stopped after 60 s"),
        Measurement("qnn", 8, "complex64", 100.0, (0.3,), 256, 9, 30, 8),
        Measurement("qnn", 8, "complex64", 200.0, (0.4,), 256, 2, 20, 8),
    ]
    result = median_round(rounds)
    assert result.samples_per_s == 200.0 and result.seconds == (0.1, 0.2, 0.3, 0.4)
    assert result.peak_bytes == 9 and result.tensor_peak_bytes == 40 and result.note == ""
    assert result.round_rates == (300.0, None, 100.0, 200.0)  # in the order measured, failed ones as None
    failed = [Measurement("qnn", 8, "complex64", None, note="failed: boom")] * 2
    assert median_round(failed) == failed[0]
