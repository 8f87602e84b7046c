"""Which copies of the state an adjoint forward pass keeps: the costliest runs first, within 3 batched states."""

import torch

import circuits
from qnn.simulator import memory
from qnn.simulator.checkpoints import Checkpoint, checkpoints
from qnn.simulator.engine import batch_slices
from qnn.simulator.fusion import Block
from qnn.simulator.settings import SimulatorSettings
from tests.qnn.simulator.test_adjoint import run_plan_of

CPU = torch.device("cpu")
DEFAULTS = SimulatorSettings()


def standard_plan(n: int, layers: int = 4):
    """The benchmark's workload as the backend runs it (⟨Z⟩ on every wire: the final permutation folded)."""
    return run_plan_of(circuits.angle_encoding(n) + circuits.strongly_entangling(n, n_layers=layers), None)


def test_copies_fill_the_room_three_states_leave_at_16_qubits():
    """Batch 256 in complex128 spans 64 slices of 4 MiB: every slice keeps the state before the last
    layer of blocks, and as many as fit the one before the layer before it."""
    plan, dtype = standard_plan(16), torch.complex128
    last, before = plan.commuting_runs[-1].start, plan.commuting_runs[-3].start
    assert isinstance(plan.ops[last], Block) and isinstance(plan.ops[before], Block)
    kept = checkpoints(plan, 256, dtype, CPU, 2**40, DEFAULTS)
    assert [c.op for c in kept] == [last, before]
    assert kept[0].slices == len(batch_slices(16, 256, dtype, CPU, DEFAULTS)) == 64
    assert 0 < kept[1].slices < 64
    base = memory.estimate_bytes(plan, 256, dtype, "adjoint", CPU)
    copy, budget = memory.state_bytes(16, 4, dtype), DEFAULTS.step_states * memory.state_bytes(16, 256, dtype)
    copies = sum(c.slices for c in kept)
    assert base + copies * copy <= budget < base + (copies + 1) * copy  # as many as fit


def test_a_memory_limit_leaves_fewer_copies_or_none():
    plan, dtype = standard_plan(16), torch.complex128
    base = memory.estimate_bytes(plan, 256, dtype, "adjoint", CPU)
    copy = memory.state_bytes(16, 4, dtype)
    assert checkpoints(plan, 256, dtype, CPU, base + 10 * copy, DEFAULTS) == (
        Checkpoint(plan.commuting_runs[-1].start, 10),
    )
    assert checkpoints(plan, 256, dtype, CPU, base + copy - 1, DEFAULTS) == ()


def test_no_copies_within_three_states_where_one_slice_is_the_whole_batch():
    """At 8 qubits the working states are the batch's own size: the final, adjoint and spare states
    (and four slices in the estimate) leave no room under 3 states."""
    states_only = SimulatorSettings(step_floor_bytes=0)
    assert checkpoints(standard_plan(8), 256, torch.complex64, CPU, 2**40, states_only) == ()


def test_small_states_keep_every_copy_within_the_floor():
    """8 qubits at batch 256 in complex64 (512 KiB a state): the 256 MiB floor holds a copy before every
    run the backward pass would rewind; a floor just below the estimate with one copy keeps one."""
    plan, dtype = standard_plan(8), torch.complex64
    kept = checkpoints(plan, 256, dtype, CPU, 2**40, DEFAULTS)
    assert [c.op for c in kept] == [run.start for run in plan.rewound_runs()] and len(kept) > 1
    assert all(c.slices == 1 for c in kept)  # one slice is the whole batch
    base = memory.estimate_bytes(plan, 256, dtype, "adjoint", CPU)
    one_copy = SimulatorSettings(step_floor_bytes=base + memory.state_bytes(8, 256, dtype))
    assert checkpoints(plan, 256, dtype, CPU, 2**40, one_copy) == kept[:1]


def test_a_circuit_without_layers_to_rewind_keeps_no_copies():
    """One layer of blocks after the product state: the backward pass never rewinds the state."""
    plan, short = standard_plan(16), standard_plan(16, layers=2)
    assert len(plan.commuting_runs) > len(short.commuting_runs)
    assert checkpoints(short, 256, torch.complex128, CPU, 2**40, DEFAULTS) == ()
