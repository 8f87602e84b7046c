"""The circuit data model: construction, validation, composition, shifting and immutability."""

import dataclasses

import numpy as np
import pytest
import torch

from circuits import Circuit, Const, Input, InputProduct, Operation, Weight
from circuits.circuit import shift_operations, uses_state_prep
from circuits.gates import STATE_PREP


def rx(source, wire=0):
    return Operation("RX", (wire,), (source,))


def test_of_derives_inputs_and_weights_from_the_operations():
    c = Circuit.of(3, [rx(Input(4)), rx(Weight(2), 1), Operation("CNOT", (1, 2))])
    assert (c.n_qubits, c.n_inputs, c.n_weights, c.weight_shapes) == (3, 5, 3, ((3,),))


def test_of_keeps_explicit_counts():
    c = Circuit.of(1, [rx(Weight(5))], n_inputs=2, weight_shapes=[(2, 3)])
    assert (c.n_inputs, c.weight_shapes, c.n_weights) == (2, ((2, 3),), 6)


def test_numbers_become_constants():
    op = Operation("Rot", [0], [1, 2.5, Const(3.0)])
    assert op.wires == (0,) and op.params == (Const(1.0), Const(2.5), Const(3.0))


def test_addition_shifts_the_second_circuits_inputs_and_weights():
    first = Circuit.of(2, [rx(Input(0)), rx(Weight(0), 1)], weight_shapes=[(1, 1)])
    product = InputProduct((Input(0), Input(1, scale=2.0, shift=0.5)), scale=3.0)
    second = Circuit.of(3, [Operation("MultiRZ", (0, 2), (product,)), rx(Weight(1))], weight_shapes=[(2,)])
    both = first + second
    assert (both.n_qubits, both.n_inputs, both.n_weights) == (3, 3, 3)
    assert both.weight_shapes == ((1, 1), (2,))
    assert both.operations[:2] == first.operations
    shifted = InputProduct((Input(1), Input(2, scale=2.0, shift=0.5)), scale=3.0)
    assert both.operations[2].params == (shifted,)
    assert both.operations[3].params == (Weight(2),)


def test_addition_with_a_non_circuit_is_a_type_error():
    with pytest.raises(TypeError):
        Circuit.of(1, []) + [rx(Const(0.0))]


def test_shift_operations_moves_only_inputs_and_weights():
    ops = [Operation("U3", (0,), (Input(1, scale=2.0), Weight(0), Const(0.3)))]
    (op,) = shift_operations(ops, inputs=2, weights=5)
    assert op.params == (Input(3, scale=2.0), Weight(5), Const(0.3))
    assert op.gate == "U3" and op.wires == (0,)
    assert shift_operations(ops) == tuple(ops)


def test_split_weights_gives_one_block_per_shape_in_c_order():
    c = Circuit.of(1, [rx(Weight(i)) for i in range(8)], weight_shapes=[(2, 3), (2,)])
    for flat in (np.arange(8.0), torch.arange(8.0)):
        a, b = c.split_weights(flat)
        assert a.shape == (2, 3) and b.shape == (2,)
        assert a[1, 0] == 3 and b[1] == 7


def test_gate_counts_and_depth():
    c = Circuit.of(3, [Operation("H", (0,)), Operation("H", (1,)), Operation("CNOT", (0, 1)), Operation("X", (2,))])
    assert c.gate_counts == {"H": 2, "CNOT": 1, "X": 1}
    assert c.depth == 2


def test_circuits_and_records_are_frozen_and_hashable():
    c = Circuit.of(1, [rx(Input(0))])
    for record, field in ((c, "n_qubits"), (c.operations[0], "gate"), (Const(1.0), "value"), (Weight(0), "index")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(record, field, 2)
    assert hash(c) == hash(Circuit.of(1, [rx(Input(0))]))


def test_lists_passed_to_the_constructor_become_tuples():
    c = Circuit(2, [rx(Input(0))], 1, [[2]])
    assert c.operations == (rx(Input(0)),) and c.weight_shapes == ((2,),)
    assert (c + c).n_inputs == 2  # would fail on list + tuple
    assert InputProduct([Input(0)]).factors == (Input(0),)


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: Operation("FOO", (0,)), ValueError, "unknown gate 'FOO'"),
        (lambda: Operation("CNOT", (0,)), ValueError, "acts on 2 wire"),
        (lambda: Operation("CNOT", (1, 1)), ValueError, "wires must be distinct"),
        (lambda: Operation("X", (-1,)), ValueError, "wires must be >= 0"),
        (lambda: Operation("MultiRZ", ()), ValueError, "at least one wire"),
        (lambda: Operation("RX", (0,), ()), ValueError, "takes 1 parameter"),
        (lambda: Operation(STATE_PREP, (0, 1), (1.0,) * 3), ValueError, "takes 4 parameter"),
        (lambda: Operation("RX", (0,), ("a",)), TypeError, "must be Const, Input"),
        (lambda: InputProduct(()), TypeError, "one or more Input"),
        (lambda: InputProduct((Weight(0),)), TypeError, "one or more Input"),
        (lambda: Circuit.of(0, []), ValueError, "n_qubits must be a positive integer"),
        (lambda: Circuit(1, (), -1), ValueError, "n_inputs must be a non-negative integer"),
        (lambda: Circuit(1, (), 0, ((2, -1),)), ValueError, "non-negative integers"),
        (lambda: Circuit.of(1, [Operation("CNOT", (0, 1))]), ValueError, "out of range for 1 qubits"),
        (lambda: Circuit.of(1, [rx(Input(2))], n_inputs=2), ValueError, "reads input 2, but the circuit has 2"),
        (lambda: Circuit.of(1, [rx(Weight(3))], weight_shapes=[(3,)]), ValueError, "reads weight 3, but the"),
        (lambda: Circuit(1, ["RX"]), TypeError, "must be Operation records"),
    ],
)
def test_invalid_records_are_rejected_with_a_message(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_state_prep_must_come_before_other_gates_on_its_wires():
    prep = Operation(STATE_PREP, (1, 2), (Input(0), Input(1), Const(0.0), Const(0.0)))
    assert uses_state_prep(Circuit.of(3, [Operation("H", (0,)), prep]))
    assert not uses_state_prep(Circuit.of(3, [Operation("H", (0,))]))
    with pytest.raises(ValueError, match=r"StatePrep on wires \(1, 2\) must come before"):
        Circuit.of(3, [Operation("H", (2,)), prep])


def test_repr_reports_the_shape():
    c = Circuit.of(2, [rx(Input(0)), rx(Weight(1), 1)])
    assert repr(c) == "Circuit(n_qubits=2, n_inputs=1, n_weights=2, operations=2)"


def test_a_weight_keeps_its_scale_when_shifted_and_prints_as_before_when_unscaled():
    # Saved layers carry a digest of the circuit's repr: an unscaled weight must print as it always did.
    assert repr(Weight(3)) == "Weight(index=3)"
    assert repr(Weight(3, 0.5)) == "Weight(index=3, scale=0.5)"
    one = Circuit.of(1, [Operation("RX", (0,), (Weight(0, -2.0),))])
    assert (one + one).operations[1].params == (Weight(1, -2.0),)
    with pytest.raises(ValueError, match="Weight scale must be a finite number"):
        Weight(0, float("nan"))
