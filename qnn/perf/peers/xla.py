"""XLA's CPU threads for the JAX peers, set where their processes start (XLA reads its flags once, at start)."""

from __future__ import annotations

import contextlib
import os


@contextlib.contextmanager
def xla_threads(threads: int | None):
    """Within: processes started get XLA flags that hold its CPU thread pool to `threads` (None: XLA's own
    choice, every core). The flags are the caller's environment plus these; restored on leaving.

    Example:
        >>> with xla_threads(1):
        ...     "intra_op_parallelism_threads=1" in os.environ["XLA_FLAGS"]
        True
    """
    if threads is None:
        yield
        return
    saved = os.environ.get("XLA_FLAGS")
    eigen = "true" if threads > 1 else "false"
    flags = f"--xla_cpu_multi_thread_eigen={eigen} intra_op_parallelism_threads={threads}"
    os.environ["XLA_FLAGS"] = f"{saved} {flags}" if saved else flags
    try:
        yield
    finally:
        if saved is None:
            del os.environ["XLA_FLAGS"]
        else:
            os.environ["XLA_FLAGS"] = saved
