"""The unitary of a run of shared layers (`dense_recipe` runs that read no input) as one autograd node in NumPy.

A shared run is a few small matrices for the whole batch: each layer's gates multiplied along each wire, their
Kronecker product over the wires, the layer's constant entanglers after it, the layers multiplied together.
Recorded by autograd that is a few dozen tensor operations forward and as many backward, each costing more than
its arithmetic (a 4-qubit standard step spent about a third of its time there); here it is one node whose
backward is written out with torch's conventions for complex gradients (those of `torch.matmul`: for
Y = A B, ∂A = G Bᴴ and ∂B = Aᴴ G; for a product of factors, each factor's gradient is the others' conjugates
times G, summed over what they do not share).
"""

from __future__ import annotations

import numpy as np
import torch
from torch.autograd.function import once_differentiable

from qnn.simulator.one_wire_forms import as_array

# Past this many qubits a run's matrices are no longer small: NumPy's BLAS multiplies 64 × 64 matrices on two
# threads of its own beside torch's. With one other process busy, a 6-qubit standard step then took 2.5 times as
# long as on a quiet machine (0.9-1.2x with torch's operations); with two torch threads, 4 layers at 7 qubits took
# 12 against 4 ms. At 5 qubits and below its products run on one thread.
MAX_QUBITS = 5


def supports(recipe, device: torch.device) -> bool:
    """Whether `run_unitary` builds this recipe's shared runs: on the CPU, with constant entanglers, on a few
    qubits."""
    return device.type == "cpu" and recipe.constant_entanglers is not None and recipe.n_qubits <= MAX_QUBITS


def run_unitary(recipe, table: torch.Tensor, layers: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
    """(1, D, D): the run's layers in order, each its gates' Kronecker product then its entanglers, from the
    one-qubit table's shared rows `table` (rows, 2, 2) (`blocks.OneQubitTable.shared`)."""
    rows = recipe.rows[layers[0] : layers[-1] + 1]  # (L, n, longest) table rows
    entanglers = recipe.tensor("entanglers", None, dtype, table.device)[layers[0] : layers[-1] + 1]
    return _RunUnitary.apply(table, rows, entanglers)


class _RunUnitary(torch.autograd.Function):
    @staticmethod
    def forward(ctx, table, rows, entanglers):
        gates = as_array(table)[rows]  # (L, n, longest, 2, 2), earliest gate first
        chains = [gates[:, :, 0]]  # each wire's product after its first k + 1 gates
        for k in range(1, gates.shape[2]):
            chains.append(gates[:, :, k] @ chains[-1])
        partials = _kron_partials(chains[-1])  # chains[-1]: (L, n, 2, 2), each wire's product in each layer
        layers = as_array(entanglers) @ partials[0]  # (L, D, D)
        products = [layers[0]]  # layers[l] ··· layers[0]
        for layer in layers[1:]:
            products.append(layer @ products[-1])
        ctx.saved = (gates, chains, partials, layers, products)
        ctx.rows, ctx.n_rows, ctx.entanglers = rows, table.shape[0], entanglers
        return torch.from_numpy(products[-1][None].copy())

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        gates, chains, partials, layers, products = ctx.saved
        g = as_array(grad)[0]  # ∂L/∂(layers[L-1] ··· layers[0])
        grad_layers = np.empty_like(layers)
        for k in range(len(layers) - 1, 0, -1):
            grad_layers[k] = g @ products[k - 1].conj().T
            g = layers[k].conj().T @ g
        grad_layers[0] = g
        grad_kron = as_array(ctx.entanglers).conj().transpose(0, 2, 1) @ grad_layers  # (L, D, D)
        g = _kron_gradients(grad_kron, chains[-1], partials)  # (L, n, 2, 2)
        grad_gates = np.empty_like(gates)
        for k in range(gates.shape[2] - 1, 0, -1):
            grad_gates[:, :, k] = g @ chains[k - 1].conj().swapaxes(-1, -2)
            g = gates[:, :, k].conj().swapaxes(-1, -2) @ g
        grad_gates[:, :, 0] = g
        grad_table = np.zeros((ctx.n_rows, 2, 2), gates.dtype)
        np.add.at(grad_table, ctx.rows, grad_gates)  # a row read by several gates sums their gradients
        return torch.from_numpy(grad_table), None, None


def _kron_partials(factors: np.ndarray) -> list[np.ndarray]:
    """(L, n, 2, 2) → [R_0, …, R_{n-1}], R_k = factors of wires k … n-1 in a Kronecker product (L, 2^(n-k),
    2^(n-k)), wire k on the top bit: R_0 is each layer's whole product, the others what its backward reuses."""
    partials = [factors[:, -1]]
    for w in range(factors.shape[1] - 2, -1, -1):
        rest, d = partials[-1], partials[-1].shape[-1]
        partials.append((factors[:, w, :, None, :, None] * rest[:, None, :, None, :]).reshape(-1, 2 * d, 2 * d))
    return partials[::-1]


def _kron_gradients(grad: np.ndarray, factors: np.ndarray, partials: list[np.ndarray]) -> np.ndarray:
    """∂L/∂factors (L, n, 2, 2) from ∂L/∂R_0 `grad` (L, 2^n, 2^n), peeling one wire at a time: for R_k = C_k ⊗
    R_{k+1}, ∂C_k[i, j] = Σ ∂R_k[(i, b), (j, d)] conj(R_{k+1}[b, d]), ∂R_{k+1}[b, d] = Σ ∂R_k[…] conj(C_k[i, j])."""
    out = np.empty_like(factors)
    for k, rest in enumerate(partials[1:]):
        d = rest.shape[-1]
        by_pair = grad.reshape(-1, 2, d, 2, d).transpose(0, 1, 3, 2, 4).reshape(-1, 4, d * d)  # (L, (i, j), (b, d))
        out[:, k] = (by_pair @ rest.conj().reshape(-1, d * d, 1)).reshape(-1, 2, 2)
        grad = (factors[:, k].conj().reshape(-1, 1, 4) @ by_pair).reshape(-1, d, d)
    out[:, -1] = grad
    return out
