"""Every peer that can run here computes the same workload: its input gradients equal qnn's."""

import pytest
import torch

from qnn.perf import PEERS, Workload


def input_gradient(peer: str, workload: Workload) -> torch.Tensor:
    step = PEERS[peer].setup(workload)
    x = workload.inputs(3)
    step(x)
    return x.grad


@pytest.mark.parametrize("peer", ["default.qubit", "qnn.simulator", "lightning.qubit", "qiskit-ml"])
def test_peers_compute_the_same_gradients_as_qnn(peer):
    workload = Workload(3, n_layers=1, batch=3, dtype=torch.complex128)
    if PEERS[peer].unavailable(workload):
        pytest.skip(PEERS[peer].unavailable(workload))
    expected = input_gradient("qnn", workload)
    assert expected.abs().sum() > 0
    # Qiskit ML's TorchConnector hands its results back in float32, whatever the input precision.
    atol = 1e-6 if peer == "qiskit-ml" else 1e-8
    torch.testing.assert_close(input_gradient(peer, workload), expected, atol=atol, rtol=0)


def test_default_qubit_runs_in_the_workload_precision():
    workload = Workload(2, n_layers=1, batch=2, dtype=torch.complex64)
    torch.testing.assert_close(
        input_gradient("default.qubit", workload), input_gradient("qnn", workload), atol=1e-5, rtol=0
    )


def test_unavailable_peers_say_why():
    assert "qiskit 0.46" in PEERS["torchquantum"].unavailable(Workload(2))
    assert PEERS["qiskit-ml"].unavailable(Workload(2)) == "runs in complex128 only"
    assert PEERS["qnn"].unavailable(Workload(2)) is None


@pytest.mark.cuda
def test_default_qubit_on_cuda_with_a_batch():
    workload = Workload(3, n_layers=1, batch=3, dtype=torch.complex128, device="cuda")
    torch.testing.assert_close(
        input_gradient("default.qubit", workload), input_gradient("qnn", workload), atol=1e-8, rtol=0
    )
