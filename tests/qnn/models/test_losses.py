"""The paper's losses against a plain NumPy transcription of their definitions (qml-benchmarks, labels ±1)."""

import numpy as np
import pytest
import torch

from qnn.models.losses import (
    check_choice,
    expectation_probabilities,
    linear_loss,
    square_loss,
    squared_fidelity_loss,
)


@pytest.fixture
def batch(rng):
    expvals = rng.uniform(-1, 1, size=(9, 3))
    targets = rng.integers(0, 2, size=9)
    return expvals, targets, 2 * targets - 1  # class indices and the paper's labels y ∈ {-1, 1}


def paper_squared_fidelity(expvals, y, alphas):
    """Eq. 23 of Pérez-Salinas et al. as qml-benchmarks sums it: over qubits j and samples, halved, per sample."""
    total = 0.0
    for e_row, label in zip(expvals, y, strict=True):
        for j, e in enumerate(e_row):
            total += (alphas[0, j] * (1 - e) / 2 - (1 - label) / 2) ** 2
            total += (alphas[1, j] * (1 + e) / 2 - (1 + label) / 2) ** 2
    return total / 2 / len(y)


def test_squared_fidelity_loss_is_the_papers_eq_23(batch, rng):
    expvals, targets, y = batch
    alphas = rng.uniform(0.5, 1.5, size=(2, 3))
    ours = squared_fidelity_loss(torch.tensor(expvals), torch.tensor(targets), torch.tensor(alphas))
    assert ours.item() == pytest.approx(paper_squared_fidelity(expvals, y, alphas), rel=1e-12)


def test_squared_fidelity_loss_is_zero_for_perfect_outputs_and_trains_alphas():
    # Label y = 1 wants ⟨Z⟩ = 1 and y = -1 wants ⟨Z⟩ = -1 (prediction by the sign of the mean).
    expvals, targets = torch.tensor([[1.0], [-1.0]]), torch.tensor([1, 0])
    alphas = torch.ones(2, 1, requires_grad=True)
    assert squared_fidelity_loss(expvals, targets, alphas).item() == 0.0
    squared_fidelity_loss(expvals * 0.5, targets, alphas).backward()
    assert alphas.grad.abs().sum() > 0


def test_linear_and_square_losses(batch):
    expvals, targets, y = batch
    e = expvals[:, :1]
    assert linear_loss(torch.tensor(e), torch.tensor(targets)).item() == pytest.approx(np.mean((1 - y * e[:, 0]) / 2))
    assert square_loss(torch.tensor(e), torch.tensor(targets)).item() == pytest.approx(np.mean((e[:, 0] - y) ** 2 / 2))


def test_probabilities_follow_the_sign_of_the_mean(batch):
    expvals = batch[0]
    probabilities = expectation_probabilities(torch.tensor(expvals)).numpy()
    mean = expvals.mean(axis=1)
    np.testing.assert_allclose(probabilities, np.c_[(1 - mean) / 2, (1 + mean) / 2])
    np.testing.assert_array_equal(probabilities.argmax(1), (mean > 0).astype(int))
    # A bias can push ⟨Z⟩ + b past 1: the probabilities stay in [0, 1], the label is its sign.
    assert expectation_probabilities(torch.tensor([[1.2], [-1.5]])).tolist() == [[0.0, 1.0], [1.0, 0.0]]


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="alphas must have shape"):
        squared_fidelity_loss(torch.zeros(2, 2), torch.zeros(2), torch.ones(2, 1))
    with pytest.raises(ValueError, match="outputs must be"):
        linear_loss(torch.zeros(3), torch.zeros(3))
    with pytest.raises(ValueError, match="loss must be one of 'a', 'b'; got 'c'"):
        check_choice("loss", "c", ("a", "b"))
