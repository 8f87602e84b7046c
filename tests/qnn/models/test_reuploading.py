"""Data re-uploading against a PennyLane QNode of qml-benchmarks' definition (Pérez-Salinas et al.)."""

import numpy as np
import pennylane as qml
import pytest
import torch

from qnn.models.circuit_tools import entangling_operations
from qnn.models.reuploading import DataReuploading, reuploading_circuit


def pennylane_reuploading(x, omegas, thetas, final_thetas, n_qubits, n_layers):
    """qml-benchmarks' circuit: thetas (n_layers, n_qubits, 3), omegas (n_layers + 1, 3 n_qubits)."""

    @qml.qnode(qml.device("default.qubit", wires=n_qubits))
    def node():
        for l in range(n_layers):
            for i in range(n_qubits):
                qml.Rot(*(x[3 * i : 3 * i + 3] * omegas[l, 3 * i : 3 * i + 3]), wires=i)
                qml.Rot(*thetas[l, i], wires=i)
            start = 0 if l % 2 == 0 else 1
            for i in range(start, n_qubits - 1, 2):
                qml.CZ(wires=[i, i + 1])
        for i in range(n_qubits):
            angles = x[3 * i : 3 * i + 3] * omegas[n_layers, 3 * i : 3 * i + 3] + final_thetas[3 * i : 3 * i + 3]
            qml.Rot(*angles, wires=i)
        return [qml.expval(qml.PauliZ(i)) for i in range(n_qubits)]

    return np.array(node(), dtype=float)


@pytest.mark.parametrize(("n_features", "n_layers"), [(7, 2), (6, 3), (2, 1)])
def test_matches_pennylane(n_features, n_layers, generator):
    model = DataReuploading(n_features, 2, n_layers=n_layers, generator=generator, observable_type="full").double()
    n = model.n_qubits
    x = torch.rand(3, n_features, dtype=torch.float64, generator=generator)
    thetas = model.quantum.weights.detach().numpy().reshape(n_layers, n, 3)
    omegas = model.omegas.detach().numpy()
    final = model.final_thetas.detach().numpy()
    padded = np.pad(x.numpy(), ((0, 0), (0, 3 * n - n_features)))
    expected = [pennylane_reuploading(row, omegas, thetas, final, n, n_layers) for row in padded]
    with torch.no_grad():
        expvals = model(x)
    torch.testing.assert_close(expvals, torch.tensor(np.array(expected), dtype=torch.float64))
    # The cross-entropy variant reads the same ⟨Z₀⟩ through σ(6⟨Z₀⟩).
    logits_model = DataReuploading(n_features, 2, n_layers=n_layers, readout="logits").double()
    logits_model.load_state_dict({k: v for k, v in model.state_dict().items() if k != "alphas"})
    with torch.no_grad():
        torch.testing.assert_close(logits_model(x)[:, 1] / 3, expvals[:, 0])


@pytest.mark.parametrize(("observable_type", "n_qubits", "w"), [("single", 4, 1), ("half", 4, 2), ("half", 1, 1),
                                                                 ("full", 4, 4), ("half", 5, 2)])  # fmt: skip
def test_observable_type_sets_how_many_qubits_are_read(observable_type, n_qubits, w, generator):
    model = DataReuploading(3 * n_qubits, 2, n_layers=1, generator=generator, observable_type=observable_type)
    assert model(torch.rand(2, 3 * n_qubits)).shape == (2, w) and model.alphas.shape == (2, w)
    assert torch.equal(model.alphas, torch.ones(2, w))  # the paper starts the class weights at one


def test_the_papers_loss_needs_two_classes_and_known_choices(generator):
    with pytest.raises(ValueError, match="two classes"):
        DataReuploading(3, 3, generator=generator)
    with pytest.raises(ValueError, match="observable_type must be one of"):
        DataReuploading(3, 2, generator=generator, observable_type="all")


def test_more_features_than_qubits_use_ceil_d_over_3_wires(generator):
    assert DataReuploading(10, 2, generator=generator).n_qubits == 4
    with pytest.raises(ValueError, match="n_qubits must be at least"):
        DataReuploading(10, 2, n_qubits=3, generator=generator)


def test_extra_qubits_repeat_the_features(generator):
    model = DataReuploading(2, 3, n_layers=1, n_qubits=3, generator=generator, readout="logits")
    assert model.feature_index.tolist() == [0, 1, 0, 1, 0, 1, 0, 1, 0]
    assert model(torch.rand(4, 2)).shape == (4, 3)


def test_input_scaling_is_trainable(generator):
    model = DataReuploading(3, 2, n_layers=2, generator=generator)
    model(torch.rand(5, 3)).sum().backward()
    assert model.omegas.grad is not None and model.omegas.grad.abs().sum() > 0


def test_ablation_removes_the_czs():
    assert {op.gate for op in entangling_operations(reuploading_circuit(4, 2))} == {"CZ"}
    assert entangling_operations(reuploading_circuit(4, 2, entangling=False)) == []
