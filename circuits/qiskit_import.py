"""Import a Qiskit `QuantumCircuit` as a `Circuit`; the inverse of `circuits.to_qiskit`.

Qubit `i` becomes wire `i`. Gates the circuit model has are taken as they are (`p` as PhaseShift, `u`
as U3, `cx` as CNOT, ...); any other gate is replaced by its Qiskit definition, recursively. Numeric
`state_preparation`s with real amplitudes become a `StatePrep`. The global phase is dropped: it changes
no expectation value or probability.

Example:
    >>> from qiskit.circuit.library import real_amplitudes, zz_feature_map
    >>> encoding = zz_feature_map(2, reps=1)
    >>> ansatz = real_amplitudes(2, reps=1)
    >>> qc = encoding.compose(ansatz)
    >>> c = from_qiskit(qc, inputs=encoding.parameters)
    >>> c.n_inputs, c.n_weights
    (2, 4)
"""

from __future__ import annotations

import numpy as np

from circuits.circuit import Circuit, Const, Input, Operation, Param, Weight
from circuits.gates import STATE_PREP
from circuits.sources import recover_sources

# Qiskit instruction name -> gate of the circuit model, for those that mean the same unitary.
_GATES = {
    "h": "H", "x": "X", "y": "Y", "z": "Z", "s": "S", "t": "T",
    "rx": "RX", "ry": "RY", "rz": "RZ", "p": "PhaseShift", "u1": "PhaseShift", "u": "U3", "u3": "U3",
    "cx": "CNOT", "cz": "CZ", "crx": "CRX", "cry": "CRY", "crz": "CRZ", "swap": "SWAP",
    "rxx": "RXX", "ryy": "RYY", "rzz": "RZZ",
}  # fmt: skip
_SKIPPED = {"barrier", "id", "delay"}  # no effect on the state


def from_qiskit(quantum_circuit, inputs=(), weights=None) -> Circuit:
    """The `Circuit` of `quantum_circuit`, its free parameters read as inputs and weights.

    Args:
        quantum_circuit: a `qiskit.QuantumCircuit` without measurements or resets (for a circuit that
            ends in measurements, pass `quantum_circuit.remove_final_measurements(inplace=False)`).
        inputs: the parameters that are input features, input `i` being `inputs[i]`: a
            `ParameterVector`, or a sequence of `Parameter`s (e.g. a feature map's `.parameters`).
        weights: the parameters that are trainable weights, in the same forms; None (default) takes
            every parameter not among `inputs`, in `quantum_circuit.parameters` order.

    A gate angle may be a constant, a weight, or a product of affine functions of inputs
    (`2 * (pi - x[0]) * (pi - x[1])`, as Qiskit's feature maps have); anything else raises ValueError.
    """
    from qiskit.circuit import QuantumCircuit

    if not isinstance(quantum_circuit, QuantumCircuit):
        raise TypeError(f"quantum_circuit must be a qiskit QuantumCircuit, got {type(quantum_circuit).__name__}")
    inputs = _parameters("inputs", inputs)
    if weights is None:
        weights = tuple(p for p in quantum_circuit.parameters if p not in set(inputs))
    weights = _parameters("weights", weights)
    _check_assignment(quantum_circuit, inputs, weights)
    raw = []
    for instruction in quantum_circuit.data:
        wires = tuple(quantum_circuit.find_bit(q).index for q in instruction.qubits)
        _flatten(instruction.operation, wires, raw)
    params = _sources(raw, inputs, weights)
    operations = [Operation(gate, wires, p) for (gate, wires, _), p in zip(raw, params, strict=True)]
    return Circuit(quantum_circuit.num_qubits, tuple(operations), len(inputs), ((len(weights),),) if weights else ())


def _parameters(name: str, values) -> tuple:
    from qiskit.circuit import Parameter

    values = tuple(values)
    for v in values:
        if not isinstance(v, Parameter):
            raise TypeError(f"{name} must hold qiskit Parameters (or be a ParameterVector), got {v!r}")
    if len(set(values)) != len(values):
        raise ValueError(f"{name} names a parameter more than once: {[str(v) for v in values]}")
    return values


def _check_assignment(quantum_circuit, inputs: tuple, weights: tuple) -> None:
    both = set(inputs) & set(weights)
    if both:
        raise ValueError(f"parameters {sorted(map(str, both))} are given as both inputs and weights")
    unassigned = set(quantum_circuit.parameters) - set(inputs) - set(weights)
    if unassigned:
        raise ValueError(
            f"parameters {sorted(map(str, unassigned))} are neither inputs nor weights; list them in one of the two"
        )


def _flatten(operation, wires: tuple[int, ...], out: list) -> None:
    """Append (gate, wires, qiskit params) for `operation`, expanding gates the model lacks."""
    name = operation.name
    if name in _SKIPPED:
        return
    if name in _GATES:
        out.append((_GATES[name], wires, list(operation.params)))
        return
    if name == "state_preparation" and _real_amplitudes(operation.params) is not None:
        # Qiskit reads the first qubit as the least significant bit, the circuit model as the most.
        out.append((STATE_PREP, wires[::-1], list(_real_amplitudes(operation.params))))
        return
    if name in ("measure", "reset"):
        raise ValueError(
            f"cannot import the instruction {name!r} on qubits {wires}: it is no unitary gate "
            "(remove measurements first: quantum_circuit.remove_final_measurements(inplace=False))"
        )
    if operation.definition is None:
        raise ValueError(
            f"cannot import the gate {name!r} on qubits {wires}: Qiskit has no definition of it in other gates "
            "(an unbound StatePrep from to_qiskit is such a gate: export it with numeric inputs)"
        )
    definition = operation.definition
    for instruction in definition.data:
        inner = tuple(wires[definition.find_bit(q).index] for q in instruction.qubits)
        _flatten(instruction.operation, inner, out)


def _real_amplitudes(params) -> np.ndarray | None:
    try:
        amplitudes = np.asarray(params, dtype=complex)
    except (TypeError, ValueError):
        return None
    return amplitudes.real if np.allclose(amplitudes.imag, 0) else None


def _sources(raw: list, inputs: tuple, weights: tuple) -> list[tuple[Param, ...]]:
    """The source of every gate parameter; expressions are recovered from their values."""
    from qiskit.circuit import Parameter, ParameterExpression

    index = {p: Input(i) for i, p in enumerate(inputs)} | {p: Weight(j) for j, p in enumerate(weights)}
    params = [[index[p] if isinstance(p, Parameter) else None for p in plist] for _, _, plist in raw]
    pending = []  # (gate position, param position, expression)
    for k, (gate, wires, plist) in enumerate(raw):
        for m, p in enumerate(plist):
            if params[k][m] is not None:
                continue
            if not isinstance(p, ParameterExpression) or not p.parameters:
                params[k][m] = Const(float(p))
            else:
                pending.append((k, m, p, f"gate {k} ({gate} on wires {wires})"))
    if pending:
        recovered = _recover([p for *_, p, _ in pending], [n for *_, n in pending], inputs, weights)
        for (k, m, _, _), source in zip(pending, recovered, strict=True):
            params[k][m] = source
    return [tuple(p) for p in params]


def _recover(expressions: list, names: list[str], inputs: tuple, weights: tuple) -> list[Param]:
    def angles(x: np.ndarray, w: np.ndarray) -> np.ndarray:
        values = dict(zip(inputs, x, strict=True)) | dict(zip(weights, w, strict=True))
        return np.array([float(e.bind(values, allow_unknown_parameters=True)) for e in expressions])

    return recover_sources(angles, names, len(inputs), len(weights), np.random.default_rng(0))
