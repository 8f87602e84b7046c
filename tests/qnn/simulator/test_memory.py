"""The memory estimate of each method, and the refusal before allocating."""

import re

import pytest
import torch

import circuits
from qnn.simulator import SimulatorMemoryError, check_memory, compile_circuit, estimate_bytes, memory, workspace
from qnn.simulator.fusion import make_plan

MiB = 2**20


def plan_of(n=12, layers=1):
    return make_plan(compile_circuit(circuits.angle_encoding(n) + circuits.strongly_entangling(n, n_layers=layers)))


def test_estimates_in_states():
    plan = plan_of()
    one = 256 * 2**12 * 8  # a batch of 256 complex64 12-qubit states: 8 MiB
    # The angle encoding's product state: a 2×2 matrix per wire and sample, counted 8 times.
    small = 8 * 256 * 12 * 4 * 8
    assert memory.per_sample_bytes(plan, torch.complex64) == 12 * 4 * 8
    # Forward: the final states (kept when sampling) plus two and a half slices of 4 MiB.
    assert estimate_bytes(plan, 256, torch.complex64, "forward") == one + 2.5 * 4 * MiB + small
    # Adjoint: the final states plus four slices of the batch of 4 MiB each (128 samples here).
    assert estimate_bytes(plan, 256, torch.complex64, "adjoint") == one + 4 * 4 * MiB + small
    assert estimate_bytes(plan, 256, torch.complex64, "backprop") == (len(plan.ops) + 5.5) * one + small
    assert estimate_bytes(plan, 256, torch.complex128, "adjoint") == 2 * one + 4 * 4 * MiB + 2 * small
    assert estimate_bytes(plan, 64, torch.complex64, "adjoint") == 5 * one / 4 + small / 4  # one slice: the batch
    large = 256 * 2**16 * 8  # 128 MiB
    assert estimate_bytes(plan_of(16), 256, torch.complex64, "adjoint") == large + 4 * 4 * MiB + small * 16 // 12


def test_per_sample_bytes_count_blocks_that_read_inputs():
    reupload = circuits.reupload(circuits.angle_encoding(4), circuits.strongly_entangling(4, n_layers=1), 3)
    plan = make_plan(compile_circuit(reupload))
    batched_blocks = [op for op in plan.ops if getattr(op, "batched", False)]
    assert batched_blocks  # the second and third encodings sit in blocks with the ansatz
    expected = sum(4**op.width for op in batched_blocks) + 4 * 4  # and the prefix's matrices
    assert memory.per_sample_bytes(plan, torch.complex128) == expected * 16
    shared_only = make_plan(compile_circuit(circuits.strongly_entangling(4, n_layers=2)))
    assert memory.per_sample_bytes(shared_only, torch.complex64) == 0


def test_state_prep_counts_its_amplitudes_not_a_matrix():
    # A 12-qubit StatePrep holds 2^12 amplitudes per sample; a matrix would be 4^12 (128 MiB per sample).
    plan = make_plan(compile_circuit(circuits.amplitude_encoding(12)))
    assert memory.per_sample_bytes(plan, torch.complex64) == 2**12 * 8


def test_iqp_repeats_add_no_state_sized_tensors():
    """A phase run keeps its coefficients; its diagonal exists only while it is applied, a slice at a time."""

    def adjoint_estimate(repeats):
        program = compile_circuit(circuits.iqp_encoding(20, n_repeats=repeats) + circuits.strongly_entangling(20, 1))
        return estimate_bytes(make_plan(program), 32, torch.complex64, "adjoint")

    one = 32 * 2**20 * 8
    assert adjoint_estimate(10) - adjoint_estimate(1) < one / 20  # nine more runs: their coefficients only
    assert adjoint_estimate(10) < 2 * one


def test_adjoint_does_not_grow_with_depth():
    shallow, deep = plan_of(layers=1), plan_of(layers=8)
    assert estimate_bytes(shallow, 8, torch.complex64, "adjoint") == estimate_bytes(deep, 8, torch.complex64, "adjoint")
    assert estimate_bytes(deep, 8, torch.complex64, "backprop") > estimate_bytes(
        shallow, 8, torch.complex64, "backprop"
    )


def test_refusal_names_needed_available_and_largest_batch():
    plan = plan_of(layers=4)
    cpu = torch.device("cpu")
    expected = r"12 qubits at batch 256 .*backprop gradients\) needs about 148.8 MiB, but 64.0 MiB is available"
    with pytest.raises(SimulatorMemoryError, match=expected):
        check_memory(plan, 256, torch.complex64, cpu, "backprop", limit=64 * MiB)
    limit = 20 * MiB
    with pytest.raises(SimulatorMemoryError, match=r"Use a batch of at most (\d+) or fewer qubits") as refused:
        check_memory(plan, 256, torch.complex64, cpu, "adjoint", limit=limit)
    largest = int(re.search(r"at most (\d+)", str(refused.value)).group(1))
    assert estimate_bytes(plan, largest, torch.complex64, "adjoint") <= limit
    assert estimate_bytes(plan, largest + 1, torch.complex64, "adjoint") > limit
    check_memory(plan, 256, torch.complex64, cpu, "adjoint", limit=64 * MiB)  # about 25 MiB fits


def test_refusal_when_not_even_one_sample_fits_says_so():
    one_sample = estimate_bytes(plan_of(), 1, torch.complex64, "adjoint")
    with pytest.raises(SimulatorMemoryError, match="Even one sample does not fit: use fewer qubits.") as refused:
        check_memory(plan_of(), 4, torch.complex64, torch.device("cpu"), "adjoint", limit=one_sample - 1)
    assert "at most 0" not in str(refused.value)


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="method must be 'forward', 'adjoint' or 'backprop'"):
        estimate_bytes(plan_of(), 1, torch.complex64, "magic")


def test_tensors_kept_for_reuse_count_as_free_memory(monkeypatch):
    """The system counts the recycled and scratch tensors as taken, but the next call reuses them."""
    system = memory.psutil.virtual_memory()
    plan, cpu = plan_of(), torch.device("cpu")
    needed = estimate_bytes(plan, 256, torch.complex64, "adjoint")
    monkeypatch.setattr(memory.psutil, "virtual_memory", lambda: system._replace(available=needed - 8 * MiB))
    workspace.release()
    with pytest.raises(SimulatorMemoryError):
        check_memory(plan, 256, torch.complex64, cpu, "adjoint")
    workspace.recycle(torch.empty(256, 2**12, dtype=torch.complex64))  # a final state of 8 MiB, handed back
    workspace.scratch(workspace.TEMPORARY, (1024,), torch.complex64, cpu)
    assert memory.available_bytes(cpu) == needed - 8 * MiB + 8 * MiB + 1024 * 8
    check_memory(plan, 256, torch.complex64, cpu, "adjoint")
    workspace.release()
    assert memory.available_bytes(cpu) == needed - 8 * MiB
