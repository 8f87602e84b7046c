"""Estimate the memory a simulation needs, and refuse before allocating when it cannot fit."""

from collections.abc import Callable
from functools import partial

import psutil
import torch

from qnn.simulator import workspace
from qnn.simulator.engine import slice_rows
from qnn.simulator.fusion import PhaseRun, Plan
from qnn.simulator.settings import DEFAULT_SETTINGS, SimulatorSettings


class SimulatorMemoryError(MemoryError):
    """Raised before a simulation that would not fit in the device's free memory."""


def state_bytes(n_qubits: int, batch: int, dtype: torch.dtype) -> int:
    return batch * 2**n_qubits * dtype.itemsize


# Peak memory of each way of running a plan, in states of (batch, 2**n) amplitudes:
# - "forward": a slice's state before and after an operation, plus its probabilities (half a
#   slice), and the final states when they are kept for sampling;
# - "adjoint": the final states, kept from the forward pass, plus the working states of one slice of
#   the batch (`engine.batch_slices`): its forward buffer, then its adjoint state and a spare (which
#   holds an overlap's temporaries), and the per-sample factors of the product state, at most four
#   slices (measured, batch 256: 3.7 states at 8 qubits, where the slice is the whole batch; 3.3 at
#   10; 2.2 at 12 in complex64, 1.6 in complex128); copies of the state kept for the backward pass
#   come on top, only where they fit (`checkpoints`: up to 3 states in all, 2.9-3.0 at 16 qubits);
# - "backprop": autograd keeps the input of every operation, plus a forward pass's own peak (the
#   state before and after an operation and the probabilities: 2.5 states) and the gradient state
#   and its update during the backward pass (2 states).
FORWARD_SLICES = 2.5
ADJOINT_SLICES = 4
BACKPROP_EXTRA_STATES = 2.5 + 2
# Beside the states, every method builds the per-sample small tensors of the whole batch (the
# matrices of blocks that read inputs, the product state's per-wire matrices), and autograd keeps
# their intermediates and gradients: this many times their size covers the peaks measured above the
# states' share (adjoint, batch 256: 3.2-4.2 times for re-uploading circuits at 4-10 qubits and
# strongly entangling ones at 2-4, 7.7 for an IQP encoding at 6 qubits).
PER_SAMPLE_COPIES = 8
# A phase run's diagonal is built where it is applied, for the rows being run: its phase (real), the
# terms it is summed from and the complex diagonal come to this many states of those rows at most.
PHASE_RUN_STATES = 2.5


def estimate_bytes(
    plan: Plan, batch: int, dtype: torch.dtype, method: str, device=None, settings: SimulatorSettings = DEFAULT_SETTINGS
) -> int:
    """Peak bytes of one call with `method` ("forward", "adjoint" or "backprop"), gradients included."""
    one = state_bytes(plan.n_qubits, batch, dtype)
    rows = min(batch, slice_rows(plan.n_qubits, dtype, torch.device(device or "cpu"), settings))
    one_slice = state_bytes(plan.n_qubits, rows, dtype)
    small = PER_SAMPLE_COPIES * batch * per_sample_bytes(plan, dtype)
    runs = [op for op in plan.ops if isinstance(op, PhaseRun)]
    phase = PHASE_RUN_STATES if runs else 0
    if method == "forward":
        return one + int(one_slice * (FORWARD_SLICES + phase)) + small
    if method == "adjoint":
        return one + int(one_slice * (ADJOINT_SLICES + phase)) + small
    if method == "backprop":  # autograd keeps every run's diagonal and phase
        return int(one * (len(plan.ops) + 1 + BACKPROP_EXTRA_STATES + phase * len(runs))) + small
    raise ValueError(f"method must be 'forward', 'adjoint' or 'backprop', got {method!r}")


def per_sample_bytes(plan: Plan, dtype: torch.dtype) -> int:
    """Bytes per sample of the plan's input-dependent matrices and diagonals (see `blocks.plan_matrices`)."""
    return plan.per_sample_entries * dtype.itemsize


def fits(needed: int, device: torch.device, limit: int | None, settings: SimulatorSettings = DEFAULT_SETTINGS) -> bool:
    """Whether `needed` bytes fit within `limit` (default: free device memory)."""
    if limit is None and needed <= settings.unchecked_bytes:
        return True  # asking the system costs a file read per call, more than a small simulation's work
    return needed <= (available_bytes(device) if limit is None else limit)


def available_bytes(device: torch.device) -> int:
    """Free memory for the next call on `device`: on the CPU, the system's available memory plus the
    tensors `workspace` keeps for reuse; on CUDA, the device's free memory (what torch's caching
    allocator holds unused is not counted)."""
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return free
    return psutil.virtual_memory().available + workspace.held_bytes()


def check_memory(
    plan: Plan,
    batch: int,
    dtype: torch.dtype,
    device: torch.device,
    method: str,
    limit: int | None = None,
    settings: SimulatorSettings = DEFAULT_SETTINGS,
) -> None:
    """Raise `SimulatorMemoryError` if the estimate for `method` exceeds `limit` (default: free device memory)."""
    estimate = partial(estimate_bytes, plan, dtype=dtype, method=method, device=device, settings=settings)
    needed = estimate(batch)
    if not fits(needed, device, limit, settings):
        budget = available_bytes(device) if limit is None else limit
        one = state_bytes(plan.n_qubits, 1, dtype)
        max_batch = _largest_batch(estimate, batch, budget)
        raise SimulatorMemoryError(
            f"simulating {plan.n_qubits} qubits at batch {batch} ({dtype}, "
            f"{_doing(method)}) needs about {_fmt(needed)}, "
            f"but {_fmt(budget)} is available on {device}; one state takes {_fmt(one)} per sample. "
            + (
                f"Use a batch of at most {max_batch} or fewer qubits"
                if max_batch
                else "Even one sample does not fit: use fewer qubits"
            )
            + (", or complex64." if dtype == torch.complex128 else ".")
        )


def _doing(method: str) -> str:
    return {"forward": "without gradients", "dense": "as dense unitaries"}.get(method, f"{method} gradients")


def _largest_batch(estimate: Callable[[int], int], batch: int, budget: int) -> int:
    """The largest batch below `batch` whose estimate fits in `budget` (0 if none); estimates grow with the batch."""
    lo, hi = 0, batch
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if estimate(mid) <= budget else (lo, mid - 1)
    return lo


def _fmt(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{n} B"
        n /= 1024
    return f"{n} B"
