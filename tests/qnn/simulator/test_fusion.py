"""How `make_plan` groups a program's steps (the results are checked against references in test_agreement)."""

import pytest

import circuits
from qnn.simulator import compile_circuit
from qnn.simulator.fusion import Block, Diagonal, Permutation, Single, StatePrep, make_plan, operation_wires


def standard(n=6, layers=2):
    return compile_circuit(circuits.angle_encoding(n) + circuits.strongly_entangling(n, n_layers=layers))


def test_leading_one_qubit_gates_become_the_product_state():
    plan = make_plan(standard(), fuse=4, product_state=True)
    # RX(x) then the first layer's Rot on every wire, before any CNOT.
    assert [[s.gate for s in steps] for steps in plan.prefix] == [["RX", "Rot"]] * 6
    assert all(s.gate != "RX" for op in plan.ops for s in getattr(op, "steps", ()))
    assert make_plan(standard(), fuse=4, product_state=False).prefix is None


@pytest.mark.parametrize("fuse", [1, 2, 3, 4])
def test_blocks_span_at_most_fuse_neighbouring_wires_and_keep_every_step(fuse):
    program = standard()
    plan = make_plan(program, fuse=fuse, product_state=False)
    blocks = [op for op in plan.ops if isinstance(op, Block)]
    assert all(1 <= b.width <= fuse and b.lo + b.width <= 6 for b in blocks)
    assert all(b.lo <= min(s.wires) and max(s.wires) < b.lo + b.width for b in blocks for s in b.steps)
    kept = [s for op in plan.ops for s in (op.steps if isinstance(op, Block | Permutation) else (op.step,))]
    assert sorted(kept, key=program.steps.index) == list(program.steps)
    # A CNOT ring is one permutation per layer; the Rot layer takes ceil(6 / fuse) blocks or fewer.
    assert sum(isinstance(op, Permutation) for op in plan.ops) == 2
    assert len(blocks) <= 2 * -(-6 // fuse)


def test_without_fusion_every_step_is_its_own_operation():
    program = compile_circuit(circuits.zz_feature_map(3, reps=1) + circuits.hardware_efficient(3, n_layers=1))
    plan = make_plan(program, fuse=0, product_state=False)
    assert len(plan.ops) == len(program.steps)
    kinds = {type(op) for op in plan.ops}
    assert kinds <= {Block, Permutation, Diagonal, Single, StatePrep}


def test_gates_on_distant_wires_are_not_fused():
    c = circuits.circuit.Circuit.of(
        5, [circuits.circuit.Operation("CRX", (0, 4), (circuits.circuit.Weight(0),)),
            circuits.circuit.Operation("CZ", (4, 0))]
    )  # fmt: skip
    plan = make_plan(compile_circuit(c), fuse=4, product_state=True)
    assert [type(op) for op in plan.ops] == [Single, Diagonal]


def test_state_prep_is_an_operation_of_its_own_kind():
    plan = make_plan(compile_circuit(circuits.amplitude_encoding(2) + circuits.basic_entangler(2, 1)), fuse=4)
    assert isinstance(plan.ops[0], StatePrep) and plan.ops[0].step.gate == "StatePrep"
    assert plan.has_state_prep
    assert not make_plan(compile_circuit(circuits.basic_entangler(2, 1))).has_state_prep


@pytest.mark.parametrize("fuse", [-1, 1.5, True])
def test_fuse_must_be_a_non_negative_integer(fuse):
    with pytest.raises(ValueError, match="fuse must be a non-negative integer"):
        make_plan(standard(), fuse=fuse)


def test_commuting_runs_are_the_layers_of_blocks():
    plan = make_plan(standard(n=6, layers=3), fuse=4, product_state=True)
    kinds = [type(plan.ops[i]).__name__ for run in plan.commuting_runs for i in run]
    assert kinds == [type(op).__name__ for op in plan.ops]  # every operation, in order, once
    layout = [[type(plan.ops[i]).__name__[0] for i in run] for run in plan.commuting_runs]
    assert layout == [["P"], ["B", "B"], ["P"], ["B", "B"], ["P"]]


def test_operations_sharing_a_wire_start_a_new_run():
    plan = make_plan(standard(n=3, layers=1), fuse=0, product_state=False)
    for run in plan.commuting_runs:
        wires = [w for i in run for w in operation_wires(plan.ops[i])]
        assert len(wires) == len(set(wires))
    for before, after in zip(plan.commuting_runs, plan.commuting_runs[1:], strict=False):
        taken = {w for i in before for w in operation_wires(plan.ops[i])}
        assert taken & operation_wires(plan.ops[after.start])  # maximal: the next one could not join


def test_a_layer_of_one_qubit_gates_is_tiled_from_the_last_wire():
    """At 10 qubits the blocks are [6-9], [2-5], [0-1]: none with two to eight wires after it. Each wire's
    gates keep their order (RY before RZ), those of different wires are free to move."""
    Op, W = circuits.circuit.Operation, circuits.circuit.Weight
    layer = [Op(gate, (w,), (W(2 * w + k),)) for w in range(10) for k, gate in enumerate(("RY", "RZ"))]
    c = circuits.circuit.Circuit.of(10, [Op("CNOT", (0, 1)), *layer], weight_shapes=[(20,)])
    plan = make_plan(compile_circuit(c), fuse=4, product_state=False)
    blocks = [op for op in plan.ops if isinstance(op, Block)]
    assert [(b.lo, b.width) for b in blocks] == [(6, 4), (2, 4), (0, 2)]
    for block in blocks:
        for w in range(block.lo, block.lo + block.width):
            assert [s.gate for s in block.steps if s.wires == (w,)] == ["RY", "RZ"]
