"""Estimate the memory a simulation needs, and refuse before allocating when it cannot fit."""

import psutil
import torch

from qnn.simulator.program import Program


class SimulatorMemoryError(MemoryError):
    """Raised before a simulation that would not fit in the device's free memory."""


def state_bytes(n_qubits: int, batch: int, dtype: torch.dtype) -> int:
    itemsize = torch.empty((), dtype=dtype).element_size()
    return batch * 2**n_qubits * itemsize


def estimate_bytes(program: Program, batch: int, dtype: torch.dtype, differentiable: bool) -> int:
    """Peak bytes of one forward pass (and the tensors autograd keeps for its backward pass)."""
    one = state_bytes(program.n_qubits, batch, dtype)
    # Autograd keeps every intermediate state; a forward pass alone holds a few at once.
    kept = len(program.steps) + 4 if differentiable else 4
    return one * kept


def available_bytes(device: torch.device) -> int:
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return free
    return psutil.virtual_memory().available


def check_memory(
    program: Program,
    batch: int,
    dtype: torch.dtype,
    device: torch.device,
    differentiable: bool,
    limit: int | None = None,
) -> None:
    """Raise `SimulatorMemoryError` if the estimate exceeds `limit` (default: free device memory)."""
    needed = estimate_bytes(program, batch, dtype, differentiable)
    budget = available_bytes(device) if limit is None else limit
    if needed > budget:
        one = state_bytes(program.n_qubits, 1, dtype)
        max_batch = max(budget // max(needed // batch, 1), 0)
        raise SimulatorMemoryError(
            f"simulating {program.n_qubits} qubits at batch {batch} ({dtype}, "
            f"{'with' if differentiable else 'without'} gradients) needs about {_fmt(needed)}, "
            f"but {_fmt(budget)} is available on {device}; one state takes {_fmt(one)} per sample. "
            f"Use a batch of at most {max_batch} or fewer qubits"
            + (", or complex64." if dtype == torch.complex128 else ".")
        )


def _fmt(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{n} B"
        n /= 1024
    return f"{n} B"
