"""The bench's four paper models in PennyLane + JAX: the peers of `qnn perf --fits`.

Written from the paper's definitions (Bowles, Ahmed & Schuld 2024) and qnn's models (`qnn.models`): the
same circuits built from PennyLane's own templates (`IQPEmbedding`, `StronglyEntanglingLayers`,
`BasicEntanglerLayers`, `Rot`), simulated by `default.qubit` under JAX, the same classical layers and the
same losses. A model is two pure functions of a parameter pytree (a dict of arrays), so that a training
step can be `jax.jit`-compiled whole (`qnn.perf.peers.training`); a batch runs as `jax.vmap` over samples.
Every model first applies the fixed feature scaling that qnn's estimator fits (`scale`, `offset`: (d,)).

Example:
    >>> import numpy as np
    >>> model = separable_variational(np.ones(2), np.zeros(2), n_layers=1)  # doctest: +SKIP
    >>> params = {"weights": np.zeros((2, 2, 3))}  # doctest: +SKIP
    >>> model.forward(params, np.zeros((5, 2))).shape  # doctest: +SKIP
    (5, 2)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import pennylane as qml


@dataclass(frozen=True)
class PeerModel:
    """`forward(params, x)`: raw features (batch, d) → the outputs qnn's model gives (batch, k);
    `loss(params, x, y)`: the training loss on class indices y (batch,) ∈ {0, 1}, a scalar."""

    forward: Callable
    loss: Callable


def _scaled(scale: np.ndarray, offset: np.ndarray) -> Callable:
    scale, offset = np.asarray(scale), np.asarray(offset)
    return lambda x: x * scale + offset


def _batched(circuit: Callable, n_qubits: int) -> Callable:
    """`circuit(sample_inputs, weights)` as a default.qubit QNode under JAX, vmapped over the samples."""
    node = qml.QNode(circuit, qml.device("default.qubit", wires=n_qubits), interface="jax")
    return jax.vmap(node, in_axes=(0, None))


def _cross_entropy(logits: jax.Array, y: jax.Array) -> jax.Array:
    log_p = jax.nn.log_softmax(logits, axis=1)
    return -jnp.take_along_axis(log_p, y[:, None], axis=1).mean()


def _signed(y: jax.Array, dtype) -> jax.Array:
    return 2.0 * y.astype(dtype) - 1.0


def data_reuploading(scale, offset, n_qubits: int, n_layers: int, n_readout: int = 1) -> PeerModel:
    """Pérez-Salinas et al.: per layer Rot(ω ⊙ x) then Rot(θ) on each wire and CZs on alternate pairs; a last
    Rot(ω ⊙ x + θ_final). Outputs ⟨Z⟩ of the first `n_readout` wires (batch, n_readout); loss: the weighted
    fidelity cost with class weights α. Params: omegas (L+1, 3n), final_thetas (3n,), thetas (L, n, 3),
    alphas (2, n_readout). Features are zero-padded to 3n."""
    n, scaled = n_qubits, _scaled(scale, offset)

    def circuit(angles, thetas):  # angles (L+1, n, 3)
        for l in range(n_layers + 1):
            for i in range(n):
                qml.Rot(*angles[l, i], wires=i)
                if l < n_layers:
                    qml.Rot(*thetas[l, i], wires=i)
            if l < n_layers:
                for i in range(l % 2, n - 1, 2):
                    qml.CZ(wires=(i, i + 1))
        return [qml.expval(qml.Z(i)) for i in range(n_readout)]

    expectations = _batched(circuit, n)

    def forward(params, x):
        x = scaled(x)
        padded = jnp.pad(x, ((0, 0), (0, 3 * n - x.shape[1])))
        angles = params["omegas"][None] * padded[:, None, :]
        angles = angles.at[:, -1].add(params["final_thetas"])
        return jnp.stack(expectations(angles.reshape(len(x), n_layers + 1, n, 3), params["thetas"]), axis=1)

    def loss(params, x, y):
        e, alphas = forward(params, x), params["alphas"]
        y = _signed(y, e.dtype)[:, None]
        wrong = alphas[0] * (1 - e) / 2 - (1 - y) / 2
        right = alphas[1] * (1 + e) / 2 - (1 + y) / 2
        return (wrong**2 + right**2).sum(axis=1).mean() / 2

    return PeerModel(forward, loss)


def dressed_quantum_circuit(scale, offset, n_qubits: int, n_layers: int) -> PeerModel:
    """Mari et al.: Linear (no bias) → tanh·π/2 → H and RY(x) on each wire, `BasicEntanglerLayers` of RY →
    ⟨Z⟩ on each wire → Linear (no bias); logits (batch, n_classes), cross-entropy.
    Params: into (n, d), weights (L, n), out (n_classes, n)."""
    scaled, wires = _scaled(scale, offset), range(n_qubits)

    def circuit(inputs, weights):
        for i in wires:
            qml.Hadamard(wires=i)
        qml.AngleEmbedding(inputs, wires=wires, rotation="Y")
        qml.BasicEntanglerLayers(weights, wires=wires, rotation=qml.RY)
        return [qml.expval(qml.Z(i)) for i in wires]

    expectations = _batched(circuit, n_qubits)

    def forward(params, x):
        angles = jnp.tanh(scaled(x) @ params["into"].T) * (math.pi / 2)
        return jnp.stack(expectations(angles, params["weights"]), axis=1) @ params["out"].T

    return PeerModel(forward, lambda params, x, y: _cross_entropy(forward(params, x), y))


def iqp_variational(scale, offset, n_qubits: int, n_layers: int, repeats: int) -> PeerModel:
    """Havlíček et al.: `IQPEmbedding` repeated `repeats` times, `StronglyEntanglingLayers` with CZ entanglers;
    outputs ⟨Z₀Z₁⟩ (batch, 1); loss: the probability of a wrong label, (1 − y⟨Z₀Z₁⟩)/2.
    Params: weights (L, n, 3)."""
    scaled, wires = _scaled(scale, offset), range(n_qubits)

    def circuit(x, weights):
        qml.IQPEmbedding(x, wires=wires, n_repeats=repeats)
        qml.StronglyEntanglingLayers(weights, wires=wires, imprimitive=qml.CZ)
        return qml.expval(qml.Z(0) @ qml.Z(1))

    expectation = _batched(circuit, n_qubits)

    def forward(params, x):
        return expectation(scaled(x), params["weights"])[:, None]

    def loss(params, x, y):
        e = forward(params, x)[:, 0]
        return ((1 - _signed(y, e.dtype) * e) / 2).mean()

    return PeerModel(forward, loss)


def separable_variational(scale, offset, n_layers: int) -> PeerModel:
    """qml-benchmarks' separable model: on each wire `n_layers` × (Rot(w), RY(xᵢ)), then Rot(w); f = mean ⟨Zᵢ⟩,
    logits (−3f, 3f) (so P(second class) = σ(6f)), cross-entropy. Params: weights (L+1, n, 3), n = d."""
    scaled, wires = _scaled(scale, offset), range(len(np.asarray(scale)))

    def circuit(x, weights):
        for l in range(n_layers + 1):
            for i in wires:
                qml.Rot(*weights[l, i], wires=i)
                if l < n_layers:
                    qml.RY(x[i], wires=i)
        return [qml.expval(qml.Z(i)) for i in wires]

    expectations = _batched(circuit, len(wires))

    def forward(params, x):
        f = jnp.stack(expectations(scaled(x), params["weights"]), axis=1).mean(axis=1, keepdims=True)
        return jnp.concatenate([-3 * f, 3 * f], axis=1)

    return PeerModel(forward, lambda params, x, y: _cross_entropy(forward(params, x), y))


BUILDERS: dict[str, Callable[..., PeerModel]] = {
    "DataReuploadingClassifier": data_reuploading,
    "DressedQuantumCircuitClassifier": dressed_quantum_circuit,
    "IQPVariationalClassifier": iqp_variational,
    "SeparableVariationalClassifier": separable_variational,
}
