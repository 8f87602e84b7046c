"""Layers of per-sample matrices applied one after another, with their backward pass written out.

The dense path applies each layer that reads inputs to every sample's state as two small products over
halves of the wires, U_hi · M · U_loᵀ (M the state as a 2^h × 2^l matrix), followed by the layer's
constant entanglers, a permutation and a phase (CZ, CNOT, …). Recorded by autograd, a 15-layer
re-uploading circuit makes about 200 nodes of a few microseconds each, several times the products'
own cost. Here the whole run is one autograd node: the forward keeps each layer's M and M · U_loᵀ, and
the backward walks the layers in reverse with two products a layer, and makes the factors' gradients for
all layers in one product each after the walk (torch's conventions for complex gradients, those of
`torch.matmul`):

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

from qnn.simulator.constants import outside_inference_mode


@dataclass(frozen=True, eq=False)
class LayerEntanglers:
    """Each layer's constant entanglers as new[i] = phases[k, i] · old[permutations[k, i]]."""

    permutations: torch.Tensor | None  # (layers, D) long; None where every layer keeps the order
    phases: torch.Tensor | None  # (layers, D) complex; None where every phase is 1

    @cached_property  # the per-layer rows below are read once a layer on every call: views made once
    @outside_inference_mode
    def _forward_rows(self) -> tuple[tuple | None, tuple | None]:
        return _rows(self.permutations), _rows(self.phases)

    @cached_property
    @outside_inference_mode
    def _backward_rows(self) -> tuple[tuple | None, tuple | None]:
        """(where each amplitude came from, to send gradients back; the conjugate phases), per layer."""
        inverse = None if self.permutations is None else self.permutations.argsort(dim=1)
        conjugate = None if self.phases is None else self.phases.conj().resolve_conj()
        return _rows(inverse), _rows(conjugate)

    def forward_into(self, k: int, state: torch.Tensor, out: torch.Tensor) -> None:
        """(rows, D) states after layer k's entanglers, written into `out`: one op where there is one thing to do."""
        permutations, phases = self._forward_rows
        if permutations is not None:
            torch.index_select(state, 1, permutations[k], out=out)
            if phases is not None:
                out.mul_(phases[k])
        elif phases is not None:
            torch.mul(state, phases[k], out=out)
        else:
            out.copy_(state)

    def backward_into(self, k: int, grad: torch.Tensor, out: torch.Tensor) -> None:
        """(rows, D) gradient before layer k's entanglers from the one after them, written into `out`."""
        inverse, conjugate_phases = self._backward_rows
        if conjugate_phases is not None and inverse is not None:
            torch.index_select(grad * conjugate_phases[k], 1, inverse[k], out=out)
        elif conjugate_phases is not None:
            torch.mul(grad, conjugate_phases[k], out=out)
        elif inverse is not None:
            torch.index_select(grad, 1, inverse[k], out=out)
        else:
            out.copy_(grad)


def _rows(table: torch.Tensor | None) -> tuple[torch.Tensor, ...] | None:
    return None if table is None else table.unbind(0)


def sweep_layers(
    state: torch.Tensor, upper: torch.Tensor, lower: torch.Tensor, entanglers: LayerEntanglers
) -> torch.Tensor:
    """(rows, 2^(h+l)) states after every layer: (U_hi[k] ⊗ U_lo[k]) then layer k's entanglers, k in order.

    `upper` (layers, rows, 2^h, 2^h) and `lower` (layers, rows, 2^l, 2^l) of the states' complex dtype, the
    high wires' factor first. Differentiable with respect to the states and both factors, once.
    """
    return _Sweep.apply(state, upper, lower, entanglers)


class _Sweep(torch.autograd.Function):
    # Every op a layer costs a few microseconds whatever its size, so the loops below hold only what must be
    # sequential (two products and the entanglers forward, one product less backward), write into buffers made
    # once, and leave the products that every layer can do apart to one batched call after the loop.

    @staticmethod
    def forward(ctx, state, upper, lower, entanglers):
        n_layers, rows, high = upper.shape[:3]
        low = lower.shape[-1]
        inputs = state.new_empty(n_layers + 1, rows, high, low)  # each layer's M, then the final state
        halfway = state.new_empty(n_layers, rows, high, low)  # M U_loᵀ
        turned = state.new_empty(rows, high, low)  # U_hi M U_loᵀ, before the entanglers
        inputs[0] = state.reshape(rows, high, low)
        matrices, halves = inputs.unbind(0), halfway.unbind(0)
        flat_inputs, flat_turned = inputs.view(-1, rows, high * low).unbind(0), turned.view(rows, high * low)
        for k, (u_high, u_low_t) in enumerate(zip(upper.unbind(0), lower.transpose(-1, -2).unbind(0), strict=True)):
            torch.bmm(matrices[k], u_low_t, out=halves[k])
            torch.bmm(u_high, halves[k], out=turned)
            entanglers.forward_into(k, flat_turned, flat_inputs[k + 1])
        ctx.save_for_backward(upper, lower, inputs, halfway)
        ctx.entanglers = entanglers
        return flat_inputs[-1].clone()

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        upper, lower, inputs, halfway = ctx.saved_tensors
        n_layers, rows, high = upper.shape[:3]
        low = lower.shape[-1]
        # Conjugates for all layers at once: two ops, not two a layer.
        upper_h = upper.conj().transpose(-1, -2).resolve_conj().unbind(0)
        lower_c = lower.conj().resolve_conj().unbind(0)
        outputs = grad.new_empty(n_layers, rows, high, low)  # G: ∂ each layer's U_hi M U_loᵀ
        halves = grad.new_empty(n_layers, rows, high, low)  # H = U_hiᴴ G
        later = grad.new_empty(2, rows, high, low)  # ∂M of each layer, alternately in one of two buffers
        grad = grad.reshape(rows, high * low)
        # Every per-layer view made once, outside the loop (a few microseconds each, four a layer).
        each_output, each_half = outputs.unbind(0), halves.unbind(0)
        each_later, flat_later = later.unbind(0), later.view(2, rows, -1).unbind(0)
        flat_outputs = outputs.view(n_layers, rows, -1).unbind(0)
        for k in reversed(range(n_layers)):
            ctx.entanglers.backward_into(k, grad, flat_outputs[k])
            torch.bmm(upper_h[k], each_output[k], out=each_half[k])
            torch.bmm(each_half[k], lower_c[k], out=each_later[k % 2])
            grad = flat_later[k % 2]
        # ∂U_hi = G (M U_loᵀ)ᴴ and ∂U_lo = Hᵀ M̄ for every layer in one product each.
        grad_upper = torch.matmul(outputs, halfway.conj().transpose(-1, -2))
        grad_lower = torch.matmul(halves.transpose(-1, -2), inputs[:-1].conj())
        return grad, grad_upper, grad_lower, None
