"""Trainable ansätze, and data re-uploading of an encoding between ansatz layers.

Every ansatz reads no inputs; its weights are one block whose shape is in `weight_shapes`
(use `Circuit.split_weights` to get it back from a flat weight vector).

Example:
    >>> from circuits import angle_encoding, reupload, strongly_entangling
    >>> c = reupload(angle_encoding(2), strongly_entangling(2, n_layers=1), n_layers=3)
    >>> c.n_inputs, c.weight_shapes
    (2, ((1, 2, 3), (1, 2, 3), (1, 2, 3)))
"""

from circuits.circuit import Circuit, Operation, Weight, shift_operations, uses_state_prep
from circuits.encodings import check_int, check_rotation


def strongly_entangling(n_qubits: int, n_layers: int, ranges=None) -> Circuit:
    """PennyLane's `StronglyEntanglingLayers` with CNOT entanglers.

    Weights: one block of shape `(n_layers, n_qubits, 3)`. Layer `l` applies `Rot(*w[l, i])` on each
    wire `i`, then (with two or more wires) `CNOT(i, (i + r) % n_qubits)` for each `i`, where
    `r = ranges[l]`, by default `l % (n_qubits - 1) + 1`. No range may be a multiple of `n_qubits`.

    Example:
        >>> strongly_entangling(3, n_layers=2).weight_shapes
        ((2, 3, 3),)
    """
    n_qubits = check_int("n_qubits", n_qubits)
    n_layers = check_int("n_layers", n_layers)
    ranges = _check_ranges(ranges, n_qubits, n_layers)
    ops = []
    for l in range(n_layers):
        for i in range(n_qubits):
            first = (l * n_qubits + i) * 3
            ops.append(Operation("Rot", (i,), (Weight(first), Weight(first + 1), Weight(first + 2))))
        if n_qubits > 1:
            ops += [Operation("CNOT", (i, (i + ranges[l]) % n_qubits)) for i in range(n_qubits)]
    return Circuit.of(n_qubits, ops, n_inputs=0, weight_shapes=[(n_layers, n_qubits, 3)])


def _check_ranges(ranges, n_qubits: int, n_layers: int) -> tuple[int, ...]:
    if ranges is None:
        return tuple(l % (n_qubits - 1) + 1 for l in range(n_layers)) if n_qubits > 1 else (0,) * n_layers
    ranges = tuple(ranges)
    if len(ranges) != n_layers:
        raise ValueError(f"ranges must hold one range per layer ({n_layers}), got {len(ranges)}")
    for r in ranges:
        check_int("each range", r)
        if r % n_qubits == 0:
            raise ValueError(f"each range must not be a multiple of n_qubits = {n_qubits}, got {r}")
    return ranges


def basic_entangler(n_qubits: int, n_layers: int, rotation: str = "X") -> Circuit:
    """PennyLane's `BasicEntanglerLayers`: rotations, then a ring of CNOTs.

    Weights: one block of shape `(n_layers, n_qubits)`; layer `l` rotates wire `i` by `w[l, i]` about
    `rotation` ("X", "Y" or "Z"), then applies `CNOT(i, (i + 1) % n_qubits)` for each `i`. As in
    PennyLane, two wires get a single `CNOT(0, 1)` and one wire gets none.

    Example:
        >>> basic_entangler(2, n_layers=3).gate_counts
        {'RX': 6, 'CNOT': 3}
    """
    n_qubits = check_int("n_qubits", n_qubits)
    n_layers = check_int("n_layers", n_layers)
    gate = check_rotation(rotation)
    ops = []
    for l in range(n_layers):
        ops += [Operation(gate, (i,), (Weight(l * n_qubits + i),)) for i in range(n_qubits)]
        ops += [Operation("CNOT", pair) for pair in _cnot_ring(n_qubits)]
    return Circuit.of(n_qubits, ops, n_inputs=0, weight_shapes=[(n_layers, n_qubits)])


def _cnot_ring(n_qubits: int) -> list[tuple[int, int]]:
    """PennyLane's ring: CNOT(i, (i + 1) % n) for each i, but a single CNOT on two wires and none on one."""
    if n_qubits == 2:
        return [(0, 1)]
    return [(i, (i + 1) % n_qubits) for i in range(n_qubits)] if n_qubits > 2 else []


def hardware_efficient(n_qubits: int, n_layers: int) -> Circuit:
    """RY and RZ rotation layers between CZ ladders: Qiskit's
    `n_local(n_qubits, ["ry", "rz"], "cz", entanglement="linear", reps=n_layers)`.

    Weights: one block of shape `(n_layers + 1, 2, n_qubits)`: `w[l, 0, i]` is the RY and `w[l, 1, i]`
    the RZ angle of wire `i` in rotation layer `l`. Flattened, this is Qiskit's parameter order, so
    binding the same vector to both circuits gives the same state. Each of the first `n_layers`
    rotation layers is followed by `CZ(i, i + 1)` for `i = 0 … n_qubits - 2`. One qubit gets rotations
    only (Qiskit refuses a one-qubit `n_local` with a two-qubit entangler).

    Example:
        >>> hardware_efficient(3, n_layers=2).weight_shapes
        ((3, 2, 3),)
    """
    n_qubits = check_int("n_qubits", n_qubits)
    n_layers = check_int("n_layers", n_layers)
    ops = []
    for l in range(n_layers + 1):
        for k, gate in enumerate(("RY", "RZ")):
            ops += [Operation(gate, (i,), (Weight((2 * l + k) * n_qubits + i),)) for i in range(n_qubits)]
        if l < n_layers:
            ops += [Operation("CZ", (i, i + 1)) for i in range(n_qubits - 1)]
    return Circuit.of(n_qubits, ops, n_inputs=0, weight_shapes=[(n_layers + 1, 2, n_qubits)])


def tree_tensor(n_qubits: int) -> Circuit:
    """A tree tensor network (Grant et al. 2018, "Hierarchical quantum classifiers").

    `n_qubits` must be a power of two, at least 2. All wires start active; at each level the active
    wires are paired in order, `(a[0], a[1]), (a[2], a[3]), …`, each pair `(a, b)` gets `RY` on `a`,
    `RY` on `b` and `CNOT(a, b)`, and only the `b`s stay active. The last wire, `n_qubits - 1`, is the
    root: read the output there.

    Weights: one block of shape `(n_qubits - 1, 2)`, one row per pair in the order they are applied
    (level by level): `w[k, 0]` rotates `a`, `w[k, 1]` rotates `b`.

    Example:
        >>> [op.wires for op in tree_tensor(4).operations if op.gate == "CNOT"]
        [(0, 1), (2, 3), (1, 3)]
    """
    n_qubits = check_int("n_qubits", n_qubits, minimum=2)
    if n_qubits & (n_qubits - 1):
        raise ValueError(f"n_qubits must be a power of two, got {n_qubits}")
    ops, active = [], list(range(n_qubits))
    while len(active) > 1:
        for a, b in zip(active[::2], active[1::2], strict=True):
            k = 2 * (len(ops) // 3)
            ops += [Operation("RY", (a,), (Weight(k),)), Operation("RY", (b,), (Weight(k + 1),))]
            ops.append(Operation("CNOT", (a, b)))
        active = active[1::2]
    return Circuit.of(n_qubits, ops, n_inputs=0, weight_shapes=[(n_qubits - 1, 2)])


def reupload(encoding: Circuit, ansatz: Circuit, n_layers: int) -> Circuit:
    """Data re-uploading: `n_layers` times, `encoding` then `ansatz`.

    Every repetition of `encoding` reads the same inputs; every repetition of `ansatz` has its own
    weights. So the result reads `encoding.n_inputs` inputs, and its `weight_shapes` is
    `ansatz.weight_shapes` repeated `n_layers` times (repetition `l` first). The encoding must have
    no weights and the ansatz no inputs (put trainable encoding gates in the ansatz), and neither may
    hold a `StatePrep`, which needs wires still in |0…0⟩.

    Example:
        >>> from circuits import angle_encoding, basic_entangler
        >>> reupload(angle_encoding(3), basic_entangler(3, n_layers=1), n_layers=2).n_weights
        6
    """
    for name, circuit in (("encoding", encoding), ("ansatz", ansatz)):
        if not isinstance(circuit, Circuit):
            raise TypeError(f"{name} must be a Circuit, got {type(circuit).__name__}")
        if uses_state_prep(circuit):
            raise ValueError(f"{name} must not use StatePrep: it can only act on wires still in |0…0⟩")
    if encoding.n_weights:
        raise ValueError(f"encoding must have no weights, got {encoding.n_weights}")
    if ansatz.n_inputs:
        raise ValueError(f"ansatz must read no inputs, got n_inputs = {ansatz.n_inputs}")
    n_layers = check_int("n_layers", n_layers)
    ops = []
    for l in range(n_layers):
        ops += encoding.operations + shift_operations(ansatz.operations, weights=l * ansatz.n_weights)
    n_qubits = max(encoding.n_qubits, ansatz.n_qubits)
    return Circuit.of(n_qubits, ops, n_inputs=encoding.n_inputs, weight_shapes=ansatz.weight_shapes * n_layers)
