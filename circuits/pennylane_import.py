"""Import a PennyLane quantum function or tape as a `Circuit`; the inverse of `circuits.to_pennylane`.

A quantum function is called the way `qml.qnn.TorchLayer` calls it: `qfunc(inputs=x, **weights)`,
with `x` a float64 torch tensor of shape (n_inputs,) and one tensor per entry of `weight_shapes`. It is
traced at a few points and each gate angle's source (constant, weight, or product of affine functions
of the inputs) recovered from its values (`circuits.sources`). Gates the circuit model lacks are
decomposed by PennyLane's `qml.transforms.decompose`; global phases are dropped and measurements ignored
(a `QuantumLayer` chooses its own observables).

Example:
    >>> import pennylane as qml
    >>> def qfunc(inputs, weights):
    ...     qml.AngleEmbedding(inputs, wires=range(2))
    ...     qml.BasicEntanglerLayers(weights, wires=range(2))
    >>> c = from_pennylane(qfunc, n_inputs=2, weight_shapes={"weights": (3, 2)})
    >>> c.n_qubits, c.n_inputs, c.weight_shapes
    (2, 2, ((3, 2),))
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from circuits.circuit import Circuit, Const, Operation
from circuits.export import _PENNYLANE_GATES
from circuits.gates import STATE_PREP
from circuits.sources import recover_sources

# AmplitudeEmbedding holds its padded, normalised amplitudes, as StatePrep does.
_GATES = {name: gate for gate, name in _PENNYLANE_GATES.items()} | {
    "StatePrep": STATE_PREP,
    "AmplitudeEmbedding": STATE_PREP,
}
_SKIPPED = {"GlobalPhase", "Identity", "Barrier", "Snapshot"}  # no effect on the state's measurements


def from_pennylane(
    qfunc_or_tape,
    n_inputs: int = 0,
    weight_shapes: Mapping[str, tuple[int, ...]] | None = None,
    wires: Sequence | None = None,
) -> Circuit:
    """The `Circuit` of a PennyLane quantum function (or QNode, or tape).

    Args:
        qfunc_or_tape: a function queuing gates, called as ``qfunc(inputs=x, **weights)`` (``inputs``
            left out when ``n_inputs`` is 0); a `qml.QNode` (its function is used); or a
            `qml.tape.QuantumScript`, whose parameters become constants.
        n_inputs: length of the ``inputs`` vector the function reads.
        weight_shapes: the shape of each weight argument, as for `qml.qnn.TorchLayer`; they become the
            circuit's `weight_shapes`, in this order.
        wires: the wire labels, wire ``i`` of the circuit being ``wires[i]``; default: ``range(k + 1)``
            for integer labels up to ``k``, else the labels in the order the gates first use them.

    Example:
        >>> import pennylane as qml
        >>> tape = qml.tape.QuantumScript([qml.RX(0.5, wires=0), qml.CNOT([0, 1])])
        >>> from_pennylane(tape).gate_counts
        {'RX': 1, 'CNOT': 1}
    """
    import pennylane as qml

    weight_shapes = _weight_shapes(weight_shapes)
    if isinstance(qfunc_or_tape, qml.tape.QuantumScript):
        if n_inputs or weight_shapes:
            raise ValueError("a tape holds numbers only: pass a quantum function to import inputs and weights")
        return _circuit([_flat(op) for op in _decomposed(qfunc_or_tape)], wires, 0, ())
    qfunc = qfunc_or_tape.func if isinstance(qfunc_or_tape, qml.QNode) else qfunc_or_tape
    if not callable(qfunc):
        raise TypeError(f"qfunc_or_tape must be a function, a QNode or a tape, got {type(qfunc_or_tape).__name__}")
    if isinstance(n_inputs, bool) or not isinstance(n_inputs, int) or n_inputs < 0:
        raise ValueError(f"n_inputs must be a non-negative integer, got {n_inputs!r}")
    trace = _tracer(qfunc, n_inputs, weight_shapes)
    n_weights = sum(math.prod(s) for s in weight_shapes.values())
    layout = trace(np.zeros(n_inputs), np.zeros(n_weights))
    names = [f"gate {k} ({gate} on wires {tuple(w)})" for k, (gate, w, values) in enumerate(layout) for _ in values]

    def angles(x: np.ndarray, w: np.ndarray) -> np.ndarray:
        gates = trace(x, w)
        if [(g, list(w), len(v)) for g, w, v in gates] != [(g, list(w), len(v)) for g, w, v in layout]:
            raise ValueError("the function queues different gates for different inputs or weights; cannot import it")
        return np.array([v for _, _, values in gates for v in values], dtype=float)

    sources = iter(recover_sources(angles, names, n_inputs, n_weights, np.random.default_rng(0)))
    gates = [(gate, w, [next(sources) for _ in values]) for gate, w, values in layout]
    return _circuit(gates, wires, n_inputs, tuple(weight_shapes.values()))


def _weight_shapes(weight_shapes) -> dict[str, tuple[int, ...]]:
    if weight_shapes is None:
        return {}
    if not isinstance(weight_shapes, Mapping):
        raise TypeError(f"weight_shapes must map argument names to shapes, got {weight_shapes!r}")
    shapes = {name: (shape,) if isinstance(shape, int) else tuple(shape) for name, shape in weight_shapes.items()}
    for name, shape in shapes.items():
        if not all(isinstance(d, int) and d >= 0 for d in shape):
            raise ValueError(f"weight_shapes[{name!r}] must be a tuple of non-negative integers, got {shape!r}")
    return shapes


def _tracer(qfunc: Callable, n_inputs: int, weight_shapes: dict) -> Callable:
    """`trace(x, w)`: the (gate, wires, angle values) the function queues for flat inputs and weights."""
    import pennylane as qml
    import torch

    def trace(x: np.ndarray, w: np.ndarray) -> list:
        kwargs = {"inputs": torch.as_tensor(x)} if n_inputs else {}
        start = 0
        for name, shape in weight_shapes.items():
            size = math.prod(shape)
            kwargs[name] = torch.as_tensor(w[start : start + size]).reshape(shape)
            start += size
        tape = qml.tape.make_qscript(qfunc)(**kwargs)
        return [_flat(op) for op in _decomposed(tape)]

    return trace


def _decomposed(tape) -> list:
    import pennylane as qml

    [tape], _ = qml.transforms.decompose(tape, gate_set=set(_GATES) | _SKIPPED)
    return [op for op in tape.operations if op.name not in _SKIPPED]


def _flat(op) -> tuple[str, list, list[float]]:
    """(gate, wire labels, real angle values) of a PennyLane operation in the circuit model's gate set."""
    import pennylane as qml

    if op.name not in _GATES:
        raise ValueError(f"cannot import {op.name} on wires {op.wires.tolist()}: PennyLane could not decompose it")
    values = np.concatenate([np.ravel(qml.math.to_numpy(p)) for p in op.data]) if op.data else np.zeros(0)
    if np.iscomplexobj(values):
        if not np.allclose(values.imag, 0):
            raise ValueError(f"cannot import {op.name} on wires {op.wires.tolist()}: complex amplitudes")
        values = values.real
    return _GATES[op.name], op.wires.tolist(), [float(v) for v in values]


def _circuit(gates: list, wires, n_inputs: int, weight_shapes: tuple) -> Circuit:
    labels = list(wires) if wires is not None else _default_wires(gates)
    position = {label: i for i, label in enumerate(labels)}
    missing = {w for _, ws, _ in gates for w in ws} - set(position)
    if missing:
        raise ValueError(f"wires must include every wire the gates act on; missing {sorted(map(str, missing))}")
    operations = [
        Operation(gate, tuple(position[w] for w in ws), tuple(p if not isinstance(p, float) else Const(p) for p in ps))
        for gate, ws, ps in gates
    ]
    return Circuit(max(len(labels), 1), tuple(operations), n_inputs, weight_shapes)


def _default_wires(gates: list) -> list:
    """0 to the highest wire for integer labels (idle wires kept), else the order they first appear in."""
    labels = list(dict.fromkeys(w for _, ws, _ in gates for w in ws))
    if all(isinstance(w, int) and w >= 0 for w in labels):
        return list(range(max(labels, default=0) + 1))
    return labels
