"""Exports: queue a circuit inside a PennyLane QNode, or turn it into a Qiskit circuit or OpenQASM 3.

Wire `i` of a circuit is PennyLane wire `i` and Qiskit qubit `i`. Qiskit orders basis states
little-endian (qubit 0 is the least significant bit), PennyLane big-endian, so a Qiskit
`Statevector` equals PennyLane's state after `reverse_qargs()`.

PennyLane and Qiskit are imported when an export is first called, not when `circuits` is imported.

Example:
    >>> from circuits import angle_encoding, to_qiskit
    >>> to_qiskit(angle_encoding(2), inputs=[0.1, 0.2]).num_parameters
    0
"""

from itertools import pairwise
from numbers import Real

import numpy as np

from circuits.circuit import Circuit, Const, Input, InputProduct, Operation, Param, Weight, input_indices
from circuits.gates import STATE_PREP

_PENNYLANE_GATES = {
    "H": "Hadamard", "X": "PauliX", "Y": "PauliY", "Z": "PauliZ", "S": "S", "T": "T",
    "RX": "RX", "RY": "RY", "RZ": "RZ", "PhaseShift": "PhaseShift", "Rot": "Rot", "U3": "U3",
    "CNOT": "CNOT", "CZ": "CZ", "CRX": "CRX", "CRY": "CRY", "CRZ": "CRZ", "SWAP": "SWAP",
    "RXX": "IsingXX", "RYY": "IsingYY", "RZZ": "IsingZZ", "MultiRZ": "MultiRZ",
}  # fmt: skip

# QuantumCircuit methods taking (*params, *qubits); Rot, MultiRZ and StatePrep are built by hand.
_QISKIT_METHODS = {
    "H": "h", "X": "x", "Y": "y", "Z": "z", "S": "s", "T": "t",
    "RX": "rx", "RY": "ry", "RZ": "rz", "PhaseShift": "p", "U3": "u",
    "CNOT": "cx", "CZ": "cz", "CRX": "crx", "CRY": "cry", "CRZ": "crz", "SWAP": "swap",
    "RXX": "rxx", "RYY": "ryy", "RZZ": "rzz",
}  # fmt: skip


def evaluate(param: Param, feature, weight):
    """The value of `param`, where `feature(i)` gives input `i` and `weight(j)` weight `j`.

    Works for numbers, tensors and Qiskit parameters alike; a unit scale or zero shift is skipped, so
    symbolic angles read `x[0]` rather than `1.0*x[0] + 0.0`.
    """
    if isinstance(param, Const):
        return param.value
    if isinstance(param, Weight):
        return _affine(weight(param.index), param.scale, 0.0)
    if isinstance(param, Input):
        return _affine(feature(param.index), param.scale, param.shift)
    assert isinstance(param, InputProduct)
    product = _affine(feature(param.factors[0].index), param.factors[0].scale, param.factors[0].shift)
    for f in param.factors[1:]:
        product = product * _affine(feature(f.index), f.scale, f.shift)
    return product if param.scale == 1.0 else product * param.scale


def _affine(value, scale: float, shift: float):
    value = value if scale == 1.0 else scale * value
    return value if shift == 0.0 else value + shift


def to_pennylane(circuit: Circuit):
    """A function `apply(inputs, weights)` that queues `circuit`'s gates; call it inside a QNode.

    `inputs`: `(n_inputs,)` or `(batch, n_inputs)` (PennyLane parameter broadcasting); `weights`:
    `(n_weights,)`. Any interface PennyLane accepts (torch, numpy, ...); use the same one for both.
    Either may be left out (None) when the circuit reads none.

    Example:
        >>> import pennylane as qml
        >>> from circuits import angle_encoding
        >>> apply = to_pennylane(angle_encoding(1))
        >>> @qml.qnode(qml.device("default.qubit", wires=1))
        ... def expval(x):
        ...     apply(x)
        ...     return qml.expval(qml.PauliZ(0))
        >>> round(float(expval([3.141592653589793])), 6)
        -1.0
    """
    import pennylane as qml

    def apply(inputs=None, weights=None) -> None:
        inputs, weights = _as_array(inputs), _as_array(weights)
        _check_length("inputs", qml.math.shape(inputs)[-1:], circuit.n_inputs)
        _check_length("weights", qml.math.shape(weights), circuit.n_weights)
        like = inputs if circuit.n_inputs else weights
        # Constants in the inputs' interface and dtype, so that PennyLane never mixes a float with a tensor.
        const = qml.math.cast_like(qml.math.convert_like(1.0, like), like)

        def value(p: Param):
            v = evaluate(p, lambda i: inputs[..., i], lambda j: weights[j])
            return const * v if isinstance(p, Const) else v

        for op in circuit.operations:
            if op.gate == STATE_PREP:
                # One amplitude per parameter, each broadcast to the batch shape so they stack.
                ones = qml.math.ones_like(qml.math.sum(inputs, axis=-1)) if circuit.n_inputs else const
                amplitudes = qml.math.stack([ones * value(p) for p in op.params], axis=-1)
                # PennyLane leaves amplitudes whose norm is within its tolerance (about 1e-5) of 1 as they
                # are; normalise them exactly, as qnn's simulator does (PennyLane then refuses all zeros).
                norm = qml.math.sqrt(qml.math.sum(qml.math.abs(amplitudes) ** 2, axis=-1))
                norm = qml.math.where(norm == 0, qml.math.ones_like(norm), norm)
                qml.AmplitudeEmbedding(amplitudes / norm[..., None], wires=op.wires, normalize=True)
            else:
                getattr(qml, _PENNYLANE_GATES[op.gate])(*(value(p) for p in op.params), wires=op.wires)

    return apply


def _as_array(values):
    if values is None:
        return np.zeros(0)
    return np.asarray(values, dtype=float) if isinstance(values, list | tuple) else values


def _check_length(name: str, shape, expected: int) -> None:
    if tuple(shape) != (expected,):
        raise ValueError(f"{name} must end in an axis of length {expected}, got shape {tuple(shape)}")


def to_qiskit(circuit: Circuit, inputs=None, weights=None):
    """A `qiskit.QuantumCircuit` with qubit `i` = wire `i`.

    Inputs are `ParameterVector("x", n_inputs)` and weights `ParameterVector("w", n_weights)`, unless
    numeric `inputs` / `weights` (1-D array-likes) are given, which are bound. A `StatePrep` becomes
    Qiskit's `StatePreparation` of the normalised amplitudes (an `ry` on a single wire) when they are
    numeric, and otherwise an opaque gate named "StatePrep" that can be drawn but not simulated or exported.

    Example:
        >>> from circuits import zz_feature_map
        >>> qc = to_qiskit(zz_feature_map(2, reps=1))
        >>> [p.name for p in qc.parameters]
        ['x[0]', 'x[1]']
    """
    from qiskit import QuantumCircuit
    from qiskit.circuit import ParameterVector

    x = ParameterVector("x", circuit.n_inputs) if inputs is None else _numeric("inputs", inputs, circuit.n_inputs)
    w = ParameterVector("w", circuit.n_weights) if weights is None else _numeric("weights", weights, circuit.n_weights)
    qc = QuantumCircuit(circuit.n_qubits)
    for op in circuit.operations:
        params = [evaluate(p, x.__getitem__, w.__getitem__) for p in op.params]
        _append(qc, op, params)
    return qc


def _numeric(name: str, values, expected: int) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    if values.shape != (expected,):
        raise ValueError(f"{name} must have shape ({expected},), got {values.shape}")
    return values


def _append(qc, op: Operation, params: list) -> None:
    wires = op.wires
    if op.gate == "Rot":  # Rot(φ, θ, ω) = RZ(ω) RY(θ) RZ(φ): RZ(φ) acts first
        qc.rz(params[0], wires[0])
        qc.ry(params[1], wires[0])
        qc.rz(params[2], wires[0])
    elif op.gate == "MultiRZ":
        _append_multi_rz(qc, params[0], wires)
    elif op.gate == STATE_PREP:
        _append_state_prep(qc, op, params)
    else:
        getattr(qc, _QISKIT_METHODS[op.gate])(*params, *wires)


def _append_multi_rz(qc, theta, wires: tuple[int, ...]) -> None:
    """exp(-iθ/2 Z⊗…⊗Z): RZ on one wire, RZZ on two, else a CNOT ladder computing the parity."""
    if len(wires) <= 2:
        (qc.rz if len(wires) == 1 else qc.rzz)(theta, *wires)
        return
    ladder = list(pairwise(wires))
    for a, b in ladder:
        qc.cx(a, b)
    qc.rz(theta, wires[-1])
    for a, b in reversed(ladder):
        qc.cx(a, b)


def _append_state_prep(qc, op: Operation, params: list) -> None:
    from qiskit.circuit import Gate
    from qiskit.circuit.library import StatePreparation

    if not all(isinstance(v, Real) for v in params):
        qc.append(Gate(STATE_PREP, len(op.wires), [], label=f"{STATE_PREP}({_sources(op)})"), op.wires)
        return
    amplitudes = np.asarray(params, dtype=float)
    norm = np.linalg.norm(amplitudes)
    if norm == 0:
        raise ValueError("StatePrep amplitudes are all zero; they cannot be normalised")
    if len(op.wires) == 1:
        # RY(2 atan2(a1, a0))|0⟩ = (a0|0⟩ + a1|1⟩) / |a|, signs included. Qiskit's one-qubit
        # StatePreparation drops the sign of (-1, 0), preparing |0⟩ instead of -|0⟩.
        qc.ry(2 * np.arctan2(amplitudes[1], amplitudes[0]), op.wires[0])
        return
    # Qiskit reads the first qubit as the least significant bit; PennyLane reads the first wire as the
    # most significant. Reversing the qubits makes amplitude k mean the same basis state in both.
    qc.append(StatePreparation(amplitudes / norm), op.wires[::-1])


def _sources(op: Operation) -> str:
    """A short label for the inputs and weights a gate reads: `x[0:4]`, or `x[0], x[2], w[1]`."""
    names = []
    for symbol, indices in (
        ("x", sorted({i for p in op.params for i in input_indices(p)})),
        ("w", sorted({p.index for p in op.params if isinstance(p, Weight)})),
    ):
        if len(indices) > 2 and indices == list(range(indices[0], indices[-1] + 1)):
            names.append(f"{symbol}[{indices[0]}:{indices[-1] + 1}]")
        else:
            names += [f"{symbol}[{i}]" for i in indices]
    return ", ".join(names)


def to_qasm3(circuit: Circuit, inputs=None, weights=None) -> str:
    """OpenQASM 3 text of `to_qiskit(circuit, inputs, weights)`; unbound parameters become `input`s.

    A `StatePrep` needs numeric amplitudes here (pass `inputs`), since OpenQASM has no opaque gates.

    Example:
        >>> from circuits import angle_encoding
        >>> to_qasm3(angle_encoding(1)).splitlines()[0]
        'OPENQASM 3.0;'
    """
    from qiskit import qasm3

    qc = to_qiskit(circuit, inputs, weights)
    if any(instruction.operation.name == STATE_PREP for instruction in qc.data):
        raise ValueError("to_qasm3 needs numeric inputs (and weights) for the amplitudes of a StatePrep")
    return qasm3.dumps(qc)
