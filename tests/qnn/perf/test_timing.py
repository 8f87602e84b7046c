import pytest
import torch

import circuits
from qnn import QuantumLayer
from qnn.backends import SimulatorBackend
from qnn.perf import Measurement, Workload, measure, measure_together, median_round
from qnn.perf.timing import _add_pair_ratios, _fit, _Runner, _tensor_peak, _timed, steps_per_turn
from qnn.simulator import compile_circuit, estimate_bytes
from qnn.simulator.checkpoints import checkpoints
from qnn.simulator.dense_recipe import dense_bytes, dense_recipe
from qnn.simulator.engine import slice_rows
from qnn.simulator.fusion import make_plan
from qnn.simulator.memory import state_bytes
from qnn.simulator.settings import SimulatorSettings
from tests.qnn.simulator.test_adjoint import run_plan_of


def test_qnn_is_measured_in_a_child_process():
    result = measure("qnn", Workload(3, n_layers=1, batch=8), repeats=2, time_limit=60)
    assert result.note == "" and result.samples_per_s > 0
    assert result.batch == 8 and len(result.seconds) == 2
    assert result.samples_per_s == pytest.approx(8 / sorted(result.seconds)[0], rel=1.0)  # median of two
    assert result.peak_bytes >= 0 and result.dtype == "complex64"
    assert result.state_bytes == 8 * 2**3 * 8 and result.tensor_peak_bytes >= result.state_bytes


@pytest.mark.parametrize(("n_qubits", "batch"), [(10, 64), (13, 128)])
def test_qnn_tensor_peak_stays_within_the_memory_estimate(n_qubits, batch):
    """The profiled peak of one training step against `memory.estimate_bytes` (final states + slices)."""
    workload = Workload(n_qubits, n_layers=2, batch=batch)
    result = measure("qnn", workload, repeats=1, time_limit=60)
    plan = make_plan(compile_circuit(workload.circuit))
    estimate = estimate_bytes(plan, batch, workload.dtype, "adjoint")
    assert result.state_bytes <= result.tensor_peak_bytes <= estimate


@pytest.mark.parametrize(
    "circuit",
    [
        circuits.angle_encoding(2) + circuits.strongly_entangling(2, n_layers=4),
        circuits.angle_encoding(4) + circuits.strongly_entangling(4, n_layers=4),
        circuits.reupload(circuits.angle_encoding(4), circuits.strongly_entangling(4, n_layers=1), 3),
        circuits.reupload(circuits.angle_encoding(8), circuits.strongly_entangling(8, n_layers=1), 3),
        circuits.iqp_encoding(6) + circuits.strongly_entangling(6, n_layers=2),
        circuits.iqp_encoding(12, n_repeats=6) + circuits.strongly_entangling(12, n_layers=1),
    ],
    ids=["sel-2", "sel-4", "reupload-4", "reupload-8", "iqp-6", "iqp-12-repeated"],
)
def test_training_step_peak_stays_within_the_estimate_where_per_sample_matrices_dominate(circuit):
    """At few qubits, or with inputs in every layer, the per-sample matrices outweigh the states."""
    layer = QuantumLayer(circuit)
    x = torch.rand(256, circuit.n_inputs, requires_grad=True)

    def step(x):
        layer.zero_grad()
        layer(x).sum().backward()

    step(x)
    peak = _tensor_peak(step, x, "cpu")
    program = compile_circuit(circuit)
    plan = make_plan(program)
    path = SimulatorBackend().path(program, plan, differentiable=True)
    if path == "dense":  # small circuits run as batched unitaries, with an estimate of their own
        estimate = dense_bytes(dense_recipe(program), 256, torch.complex64)
    else:  # and the copies of earlier states the forward pass keeps within the memory target
        estimate = estimate_bytes(plan, 256, torch.complex64, path) + copies_bytes(circuit, 256, torch.complex64)
    assert peak <= estimate


def copies_bytes(circuit, batch: int, dtype) -> int:
    """The bytes of the copies of earlier states an adjoint step keeps (`checkpoints`)."""
    plan, cpu = run_plan_of(circuit, None), torch.device("cpu")
    rows = min(batch, slice_rows(circuit.n_qubits, dtype, cpu, SimulatorSettings()))
    kept = checkpoints(plan, batch, dtype, cpu, None, SimulatorSettings())
    return sum(c.slices for c in kept) * state_bytes(circuit.n_qubits, rows, dtype)


@pytest.mark.parametrize("dtype", [torch.complex64, torch.complex128])
def test_qnn_training_step_at_8_qubits_holds_under_four_states_beside_its_copies(dtype):
    """The final, adjoint and spare states, the copies kept for the backward pass, and little else: an
    overlap's products are made in the spare and the forward pass's probabilities in the adjoint state's
    buffer, not in a buffer of their own."""
    workload = Workload(8, batch=256, dtype=dtype)
    result = measure("qnn", workload, repeats=1, time_limit=60)
    copies = copies_bytes(workload.circuit, 256, dtype) / state_bytes(8, 256, dtype)  # one slice: whole states
    assert copies >= 1  # small states: every copy the backward pass can use, within the 256 MiB floor
    assert 3 + copies <= result.peak_states < 3.75 + copies


def test_simulators_take_turns_and_each_turn_gives_qnn_over_the_peer():
    workload = Workload(3, n_layers=1, batch=8)
    calls = []
    peers = ["qnn", "default.qubit", "torchquantum"]
    ours, peer, absent = measure_together(peers, workload, repeats=3, advance=lambda: calls.append(1))
    assert len(calls) == 3 + 3 + 2  # each simulator set up or skipped, the warm-up turn and three more, the end
    assert [m.peer for m in (ours, peer, absent)] == ["qnn", "default.qubit", "torchquantum"]
    assert len(ours.seconds) == len(peer.seconds) == 3 and absent.samples_per_s is None
    assert ours.pair_ratios == () and len(peer.pair_ratios) == 3
    for ratio, q, p in zip(peer.pair_ratios, ours.seconds, peer.seconds, strict=True):  # turn by turn
        assert ratio == pytest.approx((8 / q) / (8 / p))


def test_steps_of_milliseconds_are_timed_in_blocks():
    assert [steps_per_turn(s) for s in (2.0, 0.04, 0.002, 1e-6)] == [1, 1, 25, 100]
    calls = []
    seconds = _timed(lambda x: calls.append(x), torch.zeros(1), lambda: calls.append("sync"), steps=3)
    assert len(calls) == 4 and calls[-1] == "sync" and seconds >= 0


def test_pair_ratios_are_of_the_turns_both_took_part_in():
    """A peer that ran a smaller batch and sat out the last turn (time limit); one that failed gets none."""
    qnn = Measurement("qnn", 8, "complex64", 100.0, batch=256)
    slow = Measurement("default.qubit", 8, "complex64", 5.0, batch=16)
    failed = Measurement("lightning.qubit", 8, "complex64", None, note="failed: boom")
    results = {"qnn": qnn, "default.qubit": slow, "lightning.qubit": failed}
    turns = {"qnn": {1: 2.0, 2: 4.0, 3: 2.0}, "default.qubit": {1: 4.0, 2: 2.0}, "lightning.qubit": {}}
    _add_pair_ratios(results, turns)
    assert results["default.qubit"].pair_ratios == (32.0, 8.0)  # (256 / 2) / (16 / 4), (256 / 4) / (16 / 2)
    assert results["lightning.qubit"].pair_ratios == () and results["qnn"].pair_ratios == ()


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_a_simulator_that_fails_is_reported_with_its_error_and_the_next_one_is_still_tried():
    ours, peer = measure_together(["qnn", "default.qubit"], Workload(2, n_layers=1, batch=4, device="cuda"), 2)
    assert ours.samples_per_s is None and ours.note.startswith("failed: ") and "CUDA" in ours.note
    assert peer.samples_per_s is None and peer.note.startswith("failed: ")


def test_a_simulator_whose_process_is_killed_is_reported_as_failed():
    runner = _Runner("qnn", Workload(2, n_layers=1, batch=4), repeats=2, time_limit=60, threads=None)
    runner.process.kill()  # as the system does when memory runs out
    runner.step(0)
    result = runner.finish()
    assert result.samples_per_s is None and result.note == "failed: its process ended with exit code -9"


def test_unavailable_peers_are_skipped_with_a_note():
    result = measure("torchquantum", Workload(2))
    assert result == Measurement("torchquantum", 2, "complex64", None, note=result.note)
    assert "not installed" in result.note


def test_a_precision_a_peer_lacks_is_skipped_with_a_note():
    result = measure("qiskit-ml", Workload(2, dtype=torch.complex64))
    assert result.samples_per_s is None and result.note == "runs in complex128 only"


@pytest.mark.parametrize(
    ("one_sample", "expected"),
    [
        (0.001, (256, 5, "")),  # (2 + 5) × 256 × 1 ms fits in 60 s
        (0.125, (68, 5, "batch 68 of 256, 5 repeats (time limit)")),  # shrink the batch
        (15.0, (1, 2, "batch 1 of 256, 2 repeats (time limit)")),  # one sample takes 15 s: fewer repeats
    ],
)
def test_slow_peers_are_bounded(one_sample, expected):
    assert _fit(256, 5, one_sample, 60.0) == expected


def test_the_median_round_keeps_every_timed_step_and_pair_ratio_and_the_largest_peaks():
    rounds = [
        Measurement("qnn", 8, "complex64", 300.0, (0.1, 0.2), 256, 5, 40, 8, pair_ratios=(9.0, 11.0)),
        Measurement("qnn", 8, "complex64", None, note="stopped after 60 s"),
        Measurement("qnn", 8, "complex64", 100.0, (0.3,), 256, 9, 30, 8, pair_ratios=(12.0,)),
        Measurement("qnn", 8, "complex64", 200.0, (0.4,), 256, 2, 20, 8),
    ]
    result = median_round(rounds)
    assert result.samples_per_s == 200.0 and result.seconds == (0.1, 0.2, 0.3, 0.4)
    assert result.pair_ratios == (9.0, 11.0, 12.0)
    assert result.peak_bytes == 9 and result.tensor_peak_bytes == 40 and result.note == ""
    assert result.round_rates == (300.0, None, 100.0, 200.0)  # in the order measured, failed ones as None
    failed = [Measurement("qnn", 8, "complex64", None, note="failed: boom")] * 2
    assert median_round(failed) == failed[0]
