"""A circuit as plain data: an immutable sequence of gate records.

Each parameter of a gate says where its value comes from:

- `Const(value)`: a fixed number;
- `Input(index, scale=1.0, shift=0.0)`: `scale * x[index] + shift`, from the input features;
- `InputProduct(factors, scale=1.0)`: `scale * Π factor`, a product of `Input`s (IQP and ZZ maps);
- `Weight(index, scale=1.0)`: `scale * w[index]`, from the trainable weights.

Example:
    >>> c = Circuit.of(2, [Operation("RX", (0,), (Input(0),)), Operation("CNOT", (0, 1))])
    >>> c.n_qubits, c.n_inputs, c.n_weights
    (2, 1, 0)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from circuits.gates import STATE_PREP, check_gate, n_params_of


@dataclass(frozen=True)
class Const:
    value: float

    def __post_init__(self):
        _check_finite("Const value", self.value)


@dataclass(frozen=True)
class Input:
    index: int
    scale: float = 1.0
    shift: float = 0.0

    def __post_init__(self):
        _check_index("Input index", self.index)
        _check_finite("Input scale", self.scale)
        _check_finite("Input shift", self.shift)


@dataclass(frozen=True)
class InputProduct:
    factors: tuple[Input, ...]
    scale: float = 1.0

    def __post_init__(self):
        object.__setattr__(self, "factors", tuple(self.factors))
        if not self.factors or not all(isinstance(f, Input) for f in self.factors):
            raise TypeError(f"InputProduct factors must be one or more Input records, got {self.factors!r}")
        _check_finite("InputProduct scale", self.scale)


@dataclass(frozen=True)
class Weight:
    index: int
    scale: float = 1.0  # θ/2 or 2γ in imported circuits

    def __post_init__(self):
        _check_index("Weight index", self.index)
        _check_finite("Weight scale", self.scale)

    def __repr__(self) -> str:
        # Unscaled weights print as before scales existed: saved layers' circuit fingerprints stay valid.
        return (
            f"Weight(index={self.index!r})"
            if self.scale == 1.0
            else f"Weight(index={self.index!r}, scale={self.scale!r})"
        )


Param = Const | Input | InputProduct | Weight


def _is_int(value) -> bool:
    # numbers.Integral takes NumPy integers too; a bool or a float such as 1.5 is a user's mistake, not a wire.
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_index(name: str, value) -> None:
    if not _is_int(value):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")


def _check_finite(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")


def input_indices(param: Param) -> tuple[int, ...]:
    if isinstance(param, Input):
        return (param.index,)
    if isinstance(param, InputProduct):
        return tuple(f.index for f in param.factors)
    return ()


@dataclass(frozen=True)
class Operation:
    """One gate: its name (see `circuits.gates.GATES`), wires, and parameter sources."""

    gate: str
    wires: tuple[int, ...]
    params: tuple[Param, ...] = ()

    def __post_init__(self):
        if isinstance(self.wires, str) or not isinstance(self.wires, Iterable):
            raise TypeError(f"gate {self.gate}: wires must be a tuple of integers, got {self.wires!r}")
        wires = tuple(self.wires)
        if not all(_is_int(w) for w in wires):  # int() would silently turn wire 0.5 into 0
            raise TypeError(f"gate {self.gate}: wires must be integers, got {wires!r}")
        object.__setattr__(self, "wires", tuple(int(w) for w in wires))
        object.__setattr__(self, "params", tuple(_as_param(p) for p in self.params))
        check_gate(self.gate, len(self.wires))
        if not self.wires:
            raise ValueError(f"gate {self.gate} needs at least one wire")
        if min(self.wires) < 0:
            raise ValueError(f"gate {self.gate}: wires must be >= 0, got {self.wires}")
        if len(set(self.wires)) != len(self.wires):
            raise ValueError(f"gate {self.gate}: wires must be distinct, got {self.wires}")
        expected = n_params_of(self.gate, len(self.wires))
        if len(self.params) != expected:
            raise ValueError(
                f"gate {self.gate} on {len(self.wires)} wire(s) takes {expected} parameter(s), got {len(self.params)}"
            )


def _as_param(p) -> Param:
    if isinstance(p, Const | Input | InputProduct | Weight):
        return p
    if isinstance(p, numbers.Real) and not isinstance(p, bool):
        return Const(float(p))
    raise TypeError(f"a gate parameter must be Const, Input, InputProduct, Weight or a number, got {p!r}")


@dataclass(frozen=True)
class Circuit:
    """An immutable circuit on `n_qubits` wires reading `n_inputs` features and `n_weights` weights.

    `weight_shapes` lists the shape of each block's weights; the flat weight vector is their
    concatenation, each flattened in C order (see `split_weights`).
    """

    n_qubits: int
    operations: tuple[Operation, ...] = ()
    n_inputs: int = 0
    weight_shapes: tuple[tuple[int, ...], ...] = field(default=())

    @staticmethod
    def of(
        n_qubits: int,
        operations: Iterable[Operation],
        n_inputs: int | None = None,
        weight_shapes: Iterable[tuple[int, ...]] | None = None,
    ) -> Circuit:
        """Build a circuit, deriving `n_inputs` and `weight_shapes` from the operations when omitted."""
        operations = tuple(operations)
        if n_inputs is None:
            n_inputs = 1 + max((i for op in operations for p in op.params for i in input_indices(p)), default=-1)
        if weight_shapes is None:
            n = 1 + max((p.index for op in operations for p in op.params if isinstance(p, Weight)), default=-1)
            weight_shapes = ((n,),) if n else ()
        return Circuit(n_qubits, operations, n_inputs, tuple(tuple(s) for s in weight_shapes))

    def __post_init__(self):
        if not isinstance(self.n_qubits, int) or self.n_qubits < 1:
            raise ValueError(f"n_qubits must be a positive integer, got {self.n_qubits!r}")
        if not isinstance(self.n_inputs, int) or self.n_inputs < 0:
            raise ValueError(f"n_inputs must be a non-negative integer, got {self.n_inputs!r}")
        # Copy into tuples: a list passed in would leave the "frozen" circuit mutable and break `+`.
        object.__setattr__(self, "operations", tuple(self.operations))
        object.__setattr__(self, "weight_shapes", tuple(tuple(s) for s in self.weight_shapes))
        for shape in self.weight_shapes:
            if not all(isinstance(d, int) and d >= 0 for d in shape):
                raise ValueError(f"weight_shapes must hold tuples of non-negative integers, got {shape!r}")
        touched: set[int] = set()
        n_weights = self.n_weights  # read once: the device builds a circuit per call
        for op in self.operations:
            if not isinstance(op, Operation):
                raise TypeError(f"operations must be Operation records, got {op!r}")
            if max(op.wires) >= self.n_qubits:
                raise ValueError(f"gate {op.gate} on wires {op.wires} is out of range for {self.n_qubits} qubits")
            if op.gate == STATE_PREP and touched.intersection(op.wires):
                raise ValueError(f"StatePrep on wires {op.wires} must come before any other gate on those wires")
            touched.update(op.wires)
            for p in op.params:
                for i in input_indices(p):
                    if not 0 <= i < self.n_inputs:
                        raise ValueError(f"gate {op.gate} reads input {i}, but the circuit has {self.n_inputs} inputs")
                if isinstance(p, Weight) and not 0 <= p.index < n_weights:
                    raise ValueError(f"gate {op.gate} reads weight {p.index}, but the circuit has {n_weights} weights")

    @property
    def n_weights(self) -> int:
        return sum(math.prod(s) for s in self.weight_shapes)

    def __add__(self, other: Circuit) -> Circuit:
        """Run `self` then `other`; `other`'s inputs and weights come after `self`'s."""
        if not isinstance(other, Circuit):
            return NotImplemented
        return Circuit(
            max(self.n_qubits, other.n_qubits),
            self.operations + shift_operations(other.operations, self.n_inputs, self.n_weights),
            self.n_inputs + other.n_inputs,
            self.weight_shapes + other.weight_shapes,
        )

    def split_weights(self, weights):
        """Split a flat weight vector (tensor or array) into one block per `weight_shapes` entry."""
        blocks, start = [], 0
        for shape in self.weight_shapes:
            size = math.prod(shape)
            blocks.append(weights[start : start + size].reshape(shape))
            start += size
        return blocks

    @property
    def gate_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for op in self.operations:
            counts[op.gate] = counts.get(op.gate, 0) + 1
        return counts

    @property
    def depth(self) -> int:
        level = [0] * self.n_qubits
        for op in self.operations:
            top = 1 + max(level[w] for w in op.wires)
            for w in op.wires:
                level[w] = top
        return max(level, default=0)

    def draw(self) -> str:
        """A text drawing of the circuit (Qiskit's text drawer; parameters shown by name)."""
        from circuits.export import to_qiskit

        return str(to_qiskit(self).draw(output="text", fold=-1))

    def __repr__(self) -> str:
        return (
            f"Circuit(n_qubits={self.n_qubits}, n_inputs={self.n_inputs}, n_weights={self.n_weights}, "
            f"operations={len(self.operations)})"
        )


def shift_operations(operations: Iterable[Operation], inputs: int = 0, weights: int = 0) -> tuple[Operation, ...]:
    """The operations reading inputs `inputs` and weights `weights` places further along."""
    return tuple(replace(op, params=tuple(_shift(p, inputs, weights) for p in op.params)) for op in operations)


def _shift(p: Param, inputs: int, weights: int) -> Param:
    if isinstance(p, Input):
        return replace(p, index=p.index + inputs)
    if isinstance(p, InputProduct):
        return replace(p, factors=tuple(replace(f, index=f.index + inputs) for f in p.factors))
    if isinstance(p, Weight):
        return replace(p, index=p.index + weights)
    return p


def uses_state_prep(circuit: Circuit) -> bool:
    return any(op.gate == STATE_PREP for op in circuit.operations)
