"""Circuit edits the models need: the no-entanglement ablation and swapping the entangling gate.

Example:
    >>> import circuits
    >>> c = circuits.strongly_entangling(3, n_layers=2)
    >>> without_entanglement(c).gate_counts
    {'Rot': 6}
"""

from __future__ import annotations

from dataclasses import replace

from circuits.circuit import Circuit, Operation
from circuits.gates import STATE_PREP


def entangling_operations(circuit: Circuit) -> list[Operation]:
    """Every gate acting on two or more wires (`StatePrep` included: it can prepare any state)."""
    return [op for op in circuit.operations if len(op.wires) > 1]


def without_entanglement(circuit: Circuit, keep_state_prep: bool = False) -> Circuit:
    """`circuit` with every gate on two or more wires removed; inputs and weights keep their indices.

    `keep_state_prep=True` keeps an amplitude encoding's `StatePrep`: it loads the data rather than
    entangling qubits as a gate of the ansatz would.
    """
    kept = [op for op in circuit.operations if len(op.wires) == 1 or (keep_state_prep and op.gate == STATE_PREP)]
    return Circuit(circuit.n_qubits, tuple(kept), circuit.n_inputs, circuit.weight_shapes)


def replace_gate(circuit: Circuit, old: str, new: str) -> Circuit:
    """`circuit` with every `old` gate replaced by `new` on the same wires (e.g. CNOT → CZ)."""
    ops = tuple(replace(op, gate=new) if op.gate == old else op for op in circuit.operations)
    return replace(circuit, operations=ops)


def prefix_hadamards(n_qubits: int) -> Circuit:
    """A Hadamard on every wire (the |+⟩ start of the dressed circuit's encoding)."""
    return Circuit.of(n_qubits, [Operation("H", (i,)) for i in range(n_qubits)], n_inputs=0)
