import pytest
import torch

import circuits
from qnn.perf import Workload


def test_the_standard_workload():
    w = Workload(5)
    assert w.circuit == circuits.angle_encoding(5) + circuits.strongly_entangling(5, n_layers=4)
    assert (w.batch, w.dtype, w.device) == (256, torch.complex64, "cpu")
    x = w.inputs()
    assert x.shape == (256, 5) and x.dtype == torch.float32 and x.requires_grad
    assert torch.equal(x, w.inputs())  # seeded
    assert w.weights().shape == (60,)
    assert Workload(3, dtype=torch.complex128).inputs(2).dtype == torch.float64
    assert (w.dtype_name, Workload(3, dtype=torch.complex128).dtype_name) == ("complex64", "complex128")
    assert w.with_batch(7).inputs().shape == (7, 5)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"n_qubits": 0}, "n_qubits must be a positive integer"), ({"n_qubits": 2, "batch": 1.5}, "batch must be"),
     ({"n_qubits": 2, "dtype": torch.float32}, "dtype must be torch.complex64 or torch.complex128")],
)  # fmt: skip
def test_bad_workloads_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Workload(**kwargs)
