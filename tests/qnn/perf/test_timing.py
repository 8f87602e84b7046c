import pytest
import torch

from qnn.perf import Measurement, Workload, measure
from qnn.perf.timing import _fit


def test_qnn_is_measured_in_a_child_process():
    result = measure("qnn", Workload(3, n_layers=1, batch=8), repeats=2, time_limit=60)
    assert result.note == "" and result.samples_per_s > 0
    assert result.batch == 8 and len(result.seconds) == 2
    assert result.samples_per_s == pytest.approx(8 / sorted(result.seconds)[0], rel=1.0)  # median of two
    assert result.peak_bytes >= 0 and result.dtype == "complex64"


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
        (0.001, (256, 5, "")),  # (1 + 5) × 256 × 1 ms fits in 60 s
        (0.125, (80, 5, "batch 80 of 256, 5 repeats (time limit)")),  # shrink the batch
        (20.0, (1, 2, "batch 1 of 256, 2 repeats (time limit)")),  # one sample takes 20 s: fewer repeats
    ],
)
def test_slow_peers_are_bounded(one_sample, expected):
    assert _fit(256, 5, one_sample, 60.0) == expected
