"""Scratch and recycled tensors that stay allocated between calls, on the CPU.

A tensor of a few MiB freshly allocated on the CPU is mapped in from the system page by page as it
is first written (the C allocator returns large blocks when they are freed). At 8 qubits, batch
256, a training step made about 1,200 such page faults, 16% of its CPU time. Tensors that never
leave one call (a spare state, the temporaries of a contraction) are taken from here instead
(`scratch`), and so are the final states an adjoint forward pass keeps for its backward pass, which
hands them back when done (`reused`, `recycle`). On a GPU, PyTorch's caching allocator already does this.
"""

from __future__ import annotations

import math
import threading

import torch

# Only scratch tensors up to this size are kept, one per name and thread; larger ones (a single
# sample of 19 qubits or more) are allocated as usual, where the page faults cost little beside
# the arithmetic.
KEEP_AT_MOST_BYTES = 4 * 2**20

# Three names, each for uses that never overlap in time, so that at most three slices are kept:
# STATE: the second state buffer of a forward pass; the adjoint sweep's spare state (and in it an
#   overlap's products).
# ADJOINT: the adjoint state; the probabilities of an adjoint forward pass; the other buffer of a
#   forward pass in slices (`engine.measure_in_slices`).
# TEMPORARY: probabilities while measuring; an overlap's products when the sweep has no spare.
STATE, ADJOINT, TEMPORARY = "state", "adjoint", "temporary"

_LOCAL = threading.local()


def scratch(
    name: str, shape: tuple[int, ...], dtype: torch.dtype, device, keep_at_most_bytes: int = KEEP_AT_MOST_BYTES
) -> torch.Tensor:
    """An uninitialised tensor of `shape`, which the next call asking for `name` gets again.

    The caller must be done with it before that call (see the names above); only for tensors that
    are not returned to the user or kept for the backward pass. Larger than `keep_at_most_bytes`: a
    fresh tensor, not kept.
    """
    nbytes = math.prod(shape) * dtype.itemsize
    if torch.device(device).type != "cpu" or nbytes > keep_at_most_bytes:
        return torch.empty(shape, dtype=dtype, device=device)
    kept = _LOCAL.__dict__.setdefault("buffers", {})
    buffer = kept.get(name)
    if buffer is None or buffer.numel() < nbytes:
        kept.pop(name, None)
        buffer = None  # its last reference: a smaller tensor is freed before the larger one is allocated
        with torch.inference_mode(False):  # kept between calls: not an inference tensor
            buffer = kept[name] = torch.empty(max(nbytes, 64), dtype=torch.uint8)
    return buffer[:nbytes].view(dtype).view(shape)


# Final states kept for the backward pass are handed back when it is done (`recycle`) and taken again
# by the next forward pass (`reused`), up to this many bytes per thread: writing a fresh 4 MiB slice
# cost 1.2 ms of page faults beside a 0.2 ms gather (16 qubits, measured alone). At most a batched
# state of 16 qubits, complex128, batch 256.
RECYCLE_AT_MOST_BYTES = 256 * 2**20


def reused(shape: tuple[int, ...], dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """An uninitialised tensor of `shape`: a recycled one of the same size if there is one, else a new one.

    Unlike `scratch`, it belongs to the caller until the caller hands it to `recycle`.
    """
    nbytes = math.prod(shape) * dtype.itemsize
    recycled = _LOCAL.__dict__.get("recycled", {}).get(nbytes)
    if torch.device(device).type == "cpu" and recycled:
        tensor = recycled.pop()
        if tensor.dtype == dtype and tensor.shape == shape:  # the common case: the same kind of copy again
            return tensor
        return tensor.view(-1).view(torch.uint8).view(dtype).view(shape)
    with torch.inference_mode(False):  # it may be recycled and taken again by a later call
        return torch.empty(shape, dtype=dtype, device=device)


def recycle(tensor: torch.Tensor, at_most_bytes: int = RECYCLE_AT_MOST_BYTES) -> None:
    """Keep a tensor that nothing reads any more for `reused`, unless it shares memory with a scratch
    tensor or another tensor, is not on the CPU, or the thread would keep more than `at_most_bytes`."""
    nbytes = tensor.numel() * tensor.element_size()
    storage = tensor.untyped_storage()
    if tensor.device.type != "cpu" or not tensor.is_contiguous() or storage.nbytes() != nbytes:
        return
    if tensor.is_inference():  # a later call outside inference mode could not write into it
        return
    kept = _LOCAL.__dict__.get("buffers", {}).values()
    if any(buffer.untyped_storage().data_ptr() == storage.data_ptr() for buffer in kept):
        return
    if _recycled_bytes() + nbytes <= at_most_bytes:
        _LOCAL.__dict__.setdefault("recycled", {}).setdefault(nbytes, []).append(tensor)


def _recycled_bytes() -> int:
    return sum(len(free) * size for size, free in _LOCAL.__dict__.get("recycled", {}).items())


def held_bytes() -> int:
    """Bytes of the scratch and recycled tensors this thread keeps: free memory for its next call,
    which reuses them, though the system counts them as taken."""
    scratch_bytes = sum(b.numel() for b in _LOCAL.__dict__.get("buffers", {}).values())  # uint8 buffers
    return scratch_bytes + _recycled_bytes()


def release() -> None:
    """Free the scratch and recycled tensors this thread keeps (they are allocated again when next needed)."""
    _LOCAL.__dict__.pop("buffers", None)
    _LOCAL.__dict__.pop("recycled", None)
