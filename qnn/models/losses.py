"""The training losses and class probabilities of Bowles, Ahmed & Schuld 2024 (qml-benchmarks) for binary
classifiers whose output is one or more expectation values e ∈ [-1, 1] rather than logits.

Labels enter as class indices t ∈ {0, 1} (the estimators' `np.unique` order) and are used as y = 2t − 1 ∈ {−1, 1},
the paper's labels. The probability of the second class is (1 + ē)/2, ē the mean of the expectation values, so a
prediction is the sign of ē.

Example:
    >>> import torch
    >>> e, t = torch.tensor([[0.5], [-1.0]]), torch.tensor([1, 0])
    >>> linear_loss(e, t).item(), square_loss(e, t).item()
    (0.125, 0.0625)
    >>> expectation_probabilities(e).tolist()
    [[0.25, 0.75], [1.0, 0.0]]
"""

from __future__ import annotations

import torch


def _signed(targets: torch.Tensor) -> torch.Tensor:
    return 2.0 * targets.to(torch.float64) - 1.0


def _check_binary(outputs: torch.Tensor, targets: torch.Tensor) -> None:
    if outputs.ndim != 2 or len(outputs) != len(targets):
        raise ValueError(f"outputs must be (batch, n_values) with one row per target, got {tuple(outputs.shape)}")


def linear_loss(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean probability of a wrong label, (1 − y·e)/2 (the IQP variational classifier): outputs (batch, 1)."""
    _check_binary(outputs, targets)
    return ((1 - _signed(targets).to(outputs.dtype) * outputs[:, 0]) / 2).mean()


def square_loss(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean of (e − y)²/2 (optax's `l2_loss`; the circuit-centric classifier): outputs (batch, 1)."""
    _check_binary(outputs, targets)
    return ((outputs[:, 0] - _signed(targets).to(outputs.dtype)) ** 2 / 2).mean()


def squared_fidelity_loss(outputs: torch.Tensor, targets: torch.Tensor, alphas: torch.Tensor) -> torch.Tensor:
    """Pérez-Salinas et al.'s weighted fidelity cost (their eq. 23), as qml-benchmarks' data re-uploading model:

        ½ Σⱼ (α₀ⱼ (1 − eⱼ)/2 − (1 − y)/2)² + (α₁ⱼ (1 + eⱼ)/2 − (1 + y)/2)², averaged over the batch,

    with outputs e (batch, w) the ⟨Z⟩ of the first w qubits and trainable class weights `alphas` (2, w).
    """
    _check_binary(outputs, targets)
    if alphas.shape != (2, outputs.shape[1]):
        raise ValueError(f"alphas must have shape (2, {outputs.shape[1]}), got {tuple(alphas.shape)}")
    # Both terms at once, 2·term = α_c (1 + s_c e) − (1 + s_c y) with s = (−1, +1): few steps for autograd.
    signs = torch.tensor([-1.0, 1.0], dtype=outputs.dtype, device=outputs.device)[:, None, None]
    labels = 1 + signs * _signed(targets).to(outputs.dtype)[None, :, None]  # (2, batch, 1), no gradient
    twice = alphas[:, None, :] * (1 + signs * outputs) - labels  # (2, batch, w)
    return twice.square().sum() / (8 * outputs.shape[0])


def expectation_probabilities(outputs: torch.Tensor) -> torch.Tensor:
    """Class probabilities ((1 − ē)/2, (1 + ē)/2) from expectation values (batch, w): (batch, 2). ē is clipped to
    [−1, 1], where a trained bias can push it beyond (the label, its sign, is unchanged)."""
    mean = outputs.mean(dim=1).clamp(-1.0, 1.0)
    return torch.stack([(1 - mean) / 2, (1 + mean) / 2], dim=1)


def check_choice(name: str, value, choices: tuple) -> None:
    """A clear error for a string argument outside `choices`."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
