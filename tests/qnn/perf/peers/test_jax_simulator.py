import pytest
import torch

from qnn.perf import PEERS, Workload

pytest.importorskip("jax")


@pytest.mark.parametrize("peer", ["default.qubit+jax", "tensorcircuit+jax"])
@pytest.mark.parametrize("dtype", [torch.complex64, torch.complex128])
def test_jax_peers_give_the_input_gradients_of_qnn(peer, dtype):
    workload = Workload(3, n_layers=2, batch=4, dtype=dtype)
    if PEERS[peer].unavailable(workload):
        pytest.skip(PEERS[peer].unavailable(workload))
    x = workload.inputs()
    PEERS[peer].setup(workload)(x)
    reference = x.detach().clone().requires_grad_(True)
    PEERS["qnn"].setup(workload)(reference)
    tolerance = 1e-4 if dtype == torch.complex64 else 1e-9
    torch.testing.assert_close(x.grad, reference.grad, atol=tolerance, rtol=0)
