"""How `make_plan` groups a program's steps (the results are checked against references in test_agreement)."""

import pytest

import circuits
from qnn.simulator import compile_circuit
from qnn.simulator.fusion import Block, Diagonal, Permutation, Single, make_plan


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
    assert kinds <= {Block, Permutation, Diagonal, Single}


def test_gates_on_distant_wires_are_not_fused():
    c = circuits.circuit.Circuit.of(
        5, [circuits.circuit.Operation("CRX", (0, 4), (circuits.circuit.Weight(0),)),
            circuits.circuit.Operation("CZ", (4, 0))]
    )  # fmt: skip
    plan = make_plan(compile_circuit(c), fuse=4, product_state=True)
    assert [type(op) for op in plan.ops] == [Single, Diagonal]


def test_state_prep_stays_a_single_operation():
    plan = make_plan(compile_circuit(circuits.amplitude_encoding(2) + circuits.basic_entangler(2, 1)), fuse=4)
    assert isinstance(plan.ops[0], Single) and plan.ops[0].step.gate == "StatePrep"
    assert plan.has_state_prep


@pytest.mark.parametrize("fuse", [-1, 1.5, True])
def test_fuse_must_be_a_non_negative_integer(fuse):
    with pytest.raises(ValueError, match="fuse must be a non-negative integer"):
        make_plan(standard(), fuse=fuse)
