"""The PennyLane + JAX peer of a fitted qnn estimator, with the same sizes and the same parameter values.

A `PeerSpec` is plain data (NumPy arrays and numbers), so that it can be sent to the process the peer
runs in; `PeerSpec.build()` (which imports JAX) turns it into a `qnn.perf.peers.models.PeerModel`.

Example:
    >>> from qnn.models import SeparableVariationalClassifier  # doctest: +SKIP
    >>> est = SeparableVariationalClassifier(max_steps=1).fit(X, y)  # doctest: +SKIP
    >>> sorted(peer_spec(est).params)  # doctest: +SKIP
    ['weights']
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn


@dataclass(frozen=True)
class PeerSpec:
    model: str  # the estimator's class name, a key of `qnn.perf.peers.models.BUILDERS`
    options: dict = field(default_factory=dict)  # keyword arguments of that builder
    params: dict[str, np.ndarray] = field(default_factory=dict)  # the parameter pytree, float64

    def build(self):
        from qnn.perf.peers.models import BUILDERS

        return BUILDERS[self.model](**self.options)


def peer_spec(estimator) -> PeerSpec:
    """The peer of a fitted estimator among `qnn.perf.fits.FIT_MODELS` (its `model_` is
    `Sequential(feature scaling, core)`), with the paper's readout and classical layers."""
    name = type(estimator).__name__
    if name not in _CONVERTERS:
        raise ValueError(f"estimator must be one of {', '.join(_CONVERTERS)}; got {name}")
    scaling, core = estimator.model_[0], estimator.model_[1]
    options = {"scale": _array(scaling.scale), "offset": _array(scaling.offset)}
    more, params = _CONVERTERS[name](estimator, core)
    return PeerSpec(name, options | more, params)


def _array(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().double().numpy()


def _reuploading(estimator, core) -> tuple[dict, dict]:
    n, layers, d = core.n_qubits, core.n_layers, core.n_features
    slots = torch.arange(3 * n)
    if not torch.equal(core.feature_index.cpu(), torch.where(slots < d, slots, -1)):
        raise ValueError("the peer re-uploads each feature once (n_qubits = ceil(d / 3)); got more wires")
    if not hasattr(core, "alphas"):
        raise ValueError("the peer trains the paper's fidelity loss; got loss='cross_entropy'")
    params = {
        "omegas": _array(core.omegas),
        "final_thetas": _array(core.final_thetas),
        "thetas": _array(core.quantum.weights).reshape(layers, n, 3),
        "alphas": _array(core.alphas),
    }
    return {"n_qubits": n, "n_layers": layers, "n_readout": core.alphas.shape[1]}, params


def _dressed(estimator, core) -> tuple[dict, dict]:
    into, layer, out = core[0], core[4], core[5]
    if into.bias is not None or out.bias is not None:
        raise ValueError("the peer has the paper's linear layers without bias; got linear_layers='torch'")
    n = layer.circuit.n_qubits
    weights = _array(layer.weights).reshape(-1, n)
    params = {"into": _array(into.weight), "weights": weights, "out": _array(out.weight)}
    return {"n_qubits": n, "n_layers": len(weights)}, params


def _iqp(estimator, core) -> tuple[dict, dict]:
    layer, head = core[0], core[1]
    if not isinstance(head, nn.Identity):
        raise ValueError("the peer trains the paper's linear loss on two classes; got a logit readout")
    n = layer.circuit.n_qubits
    params = {"weights": _array(layer.weights).reshape(estimator.n_layers, n, 3)}
    return {"n_qubits": n, "n_layers": estimator.n_layers, "repeats": estimator.repeats}, params


def _separable(estimator, core) -> tuple[dict, dict]:
    layer, readout = core[0], core[1]
    if isinstance(readout, nn.Linear):
        raise ValueError("the peer has the two-class readout σ(6·mean⟨Z⟩); got more classes")
    n = layer.circuit.n_qubits
    return {"n_layers": estimator.n_layers}, {"weights": _array(layer.weights).reshape(-1, n, 3)}


_CONVERTERS = {
    "DataReuploadingClassifier": _reuploading,
    "DressedQuantumCircuitClassifier": _dressed,
    "IQPVariationalClassifier": _iqp,
    "SeparableVariationalClassifier": _separable,
}
