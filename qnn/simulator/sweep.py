"""Layers of per-sample matrices applied one after another, with their backward pass written out.

The dense path applies each layer that reads inputs to every sample's state as two small products over
halves of the wires, U_hi · M · U_loᵀ (M the state as a 2^h × 2^l matrix), followed by the layer's
constant entanglers, a permutation and a phase (CZ, CNOT, …). Recorded by autograd, a 15-layer
re-uploading circuit makes about 200 nodes of a few microseconds each, several times the products'
own cost. Here the whole run is one autograd node: the forward keeps each layer's M and M · U_loᵀ, and
the backward walks the layers in reverse with four products a layer (torch's conventions for complex
gradients, those of `torch.matmul`):

    G = ∂/∂(U_hi M U_loᵀ):  ∂U_hi = G (M U_loᵀ)ᴴ,  H = U_hiᴴ G,  ∂U_lo = Hᵀ M̄,  ∂M = H Ū_lo

Example:
    >>> import torch
    >>> eye = torch.eye(2, dtype=torch.complex64).expand(3, 1, 2, 2)  # (layers, rows, 2, 2)
    >>> state = torch.tensor([[0, 1, 0, 0]], dtype=torch.complex64)
    >>> flip = LayerEntanglers(torch.tensor([[1, 0, 3, 2]] * 3), None)  # an X on the low wire, three times
    >>> sweep_layers(state, eye, eye, flip).real
    tensor([[1., 0., 0., 0.]])
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import torch
from torch.autograd.function import once_differentiable


@dataclass(frozen=True, eq=False)
class LayerEntanglers:
    """Each layer's constant entanglers as new[i] = phases[k, i] · old[permutations[k, i]]."""

    permutations: torch.Tensor | None  # (layers, D) long; None where every layer keeps the order
    phases: torch.Tensor | None  # (layers, D) complex; None where every phase is 1

    @cached_property
    def inverse(self) -> torch.Tensor | None:
        """(layers, D): where each amplitude came from, to send gradients back."""
        return None if self.permutations is None else self.permutations.argsort(dim=1)

    @cached_property
    def conjugate_phases(self) -> torch.Tensor | None:
        return None if self.phases is None else self.phases.conj().resolve_conj()

    def forward(self, k: int, state: torch.Tensor) -> torch.Tensor:
        """(rows, D) states after layer k's entanglers."""
        if self.permutations is not None:
            state = state[:, self.permutations[k]]
        return state if self.phases is None else state * self.phases[k]

    def backward(self, k: int, grad: torch.Tensor) -> torch.Tensor:
        """(rows, D) gradient before layer k's entanglers from the one after them."""
        if self.phases is not None:
            grad = grad * self.conjugate_phases[k]
        return grad if self.permutations is None else grad[:, self.inverse[k]]


def sweep_layers(
    state: torch.Tensor, upper: torch.Tensor, lower: torch.Tensor, entanglers: LayerEntanglers
) -> torch.Tensor:
    """(rows, 2^(h+l)) states after every layer: (U_hi[k] ⊗ U_lo[k]) then layer k's entanglers, k in order.

    `upper` (layers, rows, 2^h, 2^h) and `lower` (layers, rows, 2^l, 2^l) of the states' complex dtype, the
    high wires' factor first. Differentiable with respect to the states and both factors, once.
    """
    return _Sweep.apply(state, upper, lower, entanglers)


class _Sweep(torch.autograd.Function):
    @staticmethod
    def forward(ctx, state, upper, lower, entanglers):
        n_layers, rows, high = upper.shape[:3]
        low = lower.shape[-1]
        inputs = state.new_empty(n_layers, rows, high, low)  # each layer's M
        halfway = state.new_empty(n_layers, rows, high, low)  # M U_loᵀ
        matrix = state.reshape(rows, high, low)
        lower_t = lower.transpose(-1, -2)
        for k in range(n_layers):
            inputs[k] = matrix
            torch.bmm(matrix, lower_t[k], out=halfway[k])
            flat = torch.bmm(upper[k], halfway[k]).reshape(rows, high * low)
            matrix = entanglers.forward(k, flat).reshape(rows, high, low)
        ctx.save_for_backward(upper, lower, inputs, halfway)
        ctx.entanglers = entanglers
        return matrix.reshape(rows, high * low)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        upper, lower, inputs, halfway = ctx.saved_tensors
        n_layers, rows, high = upper.shape[:3]
        low = lower.shape[-1]
        # Conjugates for all layers at once: four ops, not four a layer.
        upper_h = upper.conj().transpose(-1, -2).resolve_conj()
        lower_c = lower.conj().resolve_conj()
        halfway_h = halfway.conj().transpose(-1, -2).resolve_conj()
        inputs_c = inputs.conj().resolve_conj()
        grad_upper = upper.new_empty(upper.shape)
        grad_lower = lower.new_empty(lower.shape)
        grad = grad.reshape(rows, high * low)
        for k in reversed(range(n_layers)):
            g = ctx.entanglers.backward(k, grad).reshape(rows, high, low)
            torch.bmm(g, halfway_h[k], out=grad_upper[k])
            g_half = torch.bmm(upper_h[k], g)
            torch.bmm(g_half.transpose(-1, -2), inputs_c[k], out=grad_lower[k])
            grad = torch.bmm(g_half, lower_c[k]).reshape(rows, high * low)
        return grad, grad_upper, grad_lower, None
