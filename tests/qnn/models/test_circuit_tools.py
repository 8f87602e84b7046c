"""Circuit edits: the entanglement ablation keeps inputs and weights; gate replacement; Hadamards."""

import circuits
from qnn.models.circuit_tools import entangling_operations, prefix_hadamards, replace_gate, without_entanglement


def test_without_entanglement_keeps_single_wire_gates_and_shapes():
    c = circuits.iqp_encoding(3) + circuits.strongly_entangling(3, 2)
    ablated = without_entanglement(c)
    assert entangling_operations(ablated) == []
    assert [op for op in c.operations if len(op.wires) == 1] == list(ablated.operations)
    assert (ablated.n_qubits, ablated.n_inputs, ablated.weight_shapes) == (c.n_qubits, c.n_inputs, c.weight_shapes)


def test_state_prep_counts_as_entangling_unless_kept():
    c = circuits.amplitude_encoding(2) + circuits.basic_entangler(2, 1)
    assert [op.gate for op in entangling_operations(c)] == ["StatePrep", "CNOT"]
    assert [op.gate for op in entangling_operations(without_entanglement(c, keep_state_prep=True))] == ["StatePrep"]


def test_replace_gate_and_hadamards():
    swapped = replace_gate(circuits.strongly_entangling(3, 1), "CNOT", "CZ")
    assert swapped.gate_counts == {"Rot": 3, "CZ": 3}
    assert prefix_hadamards(2).gate_counts == {"H": 2}
