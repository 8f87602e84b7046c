"""Data encodings: circuits that load a feature vector `x` (shape `(n_inputs,)`) into a state.

Each builder matches a reference library's template gate for gate, so that a state computed here
equals the one PennyLane or Qiskit computes for the same features.

Example:
    >>> from circuits import angle_encoding, iqp_encoding
    >>> angle_encoding(3, rotation="Y").gate_counts
    {'RY': 3}
    >>> iqp_encoding(3).gate_counts
    {'H': 3, 'RZ': 3, 'MultiRZ': 3}
"""

import math
from itertools import combinations
from numbers import Integral

from circuits.circuit import Circuit, Const, Input, InputProduct, Operation
from circuits.gates import STATE_PREP

ROTATIONS = ("X", "Y", "Z")


def check_int(name: str, value, minimum: int = 1) -> int:
    """`value` as an int, or a ValueError naming `name` unless it is an integer >= `minimum`."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        expected = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    return int(value)


def check_rotation(rotation) -> str:
    """The gate name (`"RX"`, `"RY"` or `"RZ"`) of a rotation axis given as `"X"`, `"Y"` or `"Z"`."""
    if rotation not in ROTATIONS:
        raise ValueError(f"rotation must be one of {', '.join(map(repr, ROTATIONS))}, got {rotation!r}")
    return "R" + rotation


def angle_encoding(n_qubits: int, rotation: str = "X") -> Circuit:
    """PennyLane's `AngleEmbedding`: a rotation by `x[i]` about `rotation` on wire `i`.

    Reads `n_inputs = n_qubits` features; no weights.

    Example:
        >>> angle_encoding(2).operations[1]
        Operation(gate='RX', wires=(1,), params=(Input(index=1, scale=1.0, shift=0.0),))
    """
    n_qubits = check_int("n_qubits", n_qubits)
    gate = check_rotation(rotation)
    return Circuit.of(n_qubits, [Operation(gate, (i,), (Input(i),)) for i in range(n_qubits)], n_inputs=n_qubits)


def iqp_encoding(n_qubits: int, n_repeats: int = 1) -> Circuit:
    """PennyLane's `IQPEmbedding` with its default all-to-all pattern.

    Per repeat: `H` then `RZ(x[i])` on each wire `i`, then `MultiRZ(x[i] * x[j])` on `(i, j)`
    for every pair `i < j` in `itertools.combinations` order. Reads `n_qubits` features.

    Example:
        >>> iqp_encoding(2, n_repeats=2).gate_counts
        {'H': 4, 'RZ': 4, 'MultiRZ': 2}
    """
    n_qubits = check_int("n_qubits", n_qubits)
    n_repeats = check_int("n_repeats", n_repeats)
    layer = []
    for i in range(n_qubits):
        layer += [Operation("H", (i,)), Operation("RZ", (i,), (Input(i),))]
    for i, j in combinations(range(n_qubits), 2):
        layer.append(Operation("MultiRZ", (i, j), (InputProduct((Input(i), Input(j))),)))
    return Circuit.of(n_qubits, layer * n_repeats, n_inputs=n_qubits)


def zz_feature_map(n_qubits: int, reps: int = 2) -> Circuit:
    """Qiskit's `zz_feature_map(n_qubits, reps)` with its defaults (full entanglement, alpha = 2).

    Per rep: `H` on every qubit, `PhaseShift(2 x[i])` on each, then for every pair `i < j` in
    `itertools.combinations` order: `CNOT(i, j)`, `PhaseShift(2 (x[i] - π)(x[j] - π))` on `j`,
    `CNOT(i, j)`. Like Qiskit, it needs at least two qubits. Reads `n_qubits` features.

    Example:
        >>> zz_feature_map(3, reps=1).gate_counts
        {'H': 3, 'PhaseShift': 6, 'CNOT': 6}
    """
    n_qubits = check_int("n_qubits", n_qubits, minimum=2)
    reps = check_int("reps", reps)
    layer = [Operation("H", (i,)) for i in range(n_qubits)]
    layer += [Operation("PhaseShift", (i,), (Input(i, scale=2.0),)) for i in range(n_qubits)]
    for i, j in combinations(range(n_qubits), 2):
        # Qiskit writes the angle as 2 (x_i - π)(x_j - π), which equals 2 (π - x_i)(π - x_j).
        angle = InputProduct((Input(i, shift=-math.pi), Input(j, shift=-math.pi)), scale=2.0)
        layer += [Operation("CNOT", (i, j)), Operation("PhaseShift", (j,), (angle,)), Operation("CNOT", (i, j))]
    return Circuit.of(n_qubits, layer * reps, n_inputs=n_qubits)


def amplitude_encoding(n_qubits: int, n_features: int | None = None) -> Circuit:
    """PennyLane's `AmplitudeEmbedding(normalize=True, pad_with=0)`: the state `x / |x|`.

    One `StatePrep` on all wires; its `2**n_qubits` amplitudes are the `n_features` inputs
    (default `2**n_qubits`) followed by zeros. Amplitude `k` belongs to the basis state whose
    binary digits are the wires in order, wire 0 the most significant (PennyLane's order).

    Example:
        >>> c = amplitude_encoding(2, n_features=3)
        >>> c.n_inputs, c.operations[0].params[3]
        (3, Const(value=0.0))
    """
    n_qubits = check_int("n_qubits", n_qubits)
    dim = 2**n_qubits
    n_features = dim if n_features is None else n_features
    if isinstance(n_features, bool) or not isinstance(n_features, Integral) or not 1 <= n_features <= dim:
        raise ValueError(f"n_features must be an integer from 1 to 2**n_qubits = {dim}, got {n_features!r}")
    params = tuple(Input(i) for i in range(n_features)) + (Const(0.0),) * (dim - n_features)
    return Circuit.of(n_qubits, [Operation(STATE_PREP, tuple(range(n_qubits)), params)], n_inputs=int(n_features))
