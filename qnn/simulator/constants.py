"""Small constant tensors (offsets, phases, index lists), made once per dtype and device.

Creating a tensor from Python values costs a few microseconds; a training step needed about a dozen,
on every call.
"""

from functools import lru_cache

import torch


@lru_cache(maxsize=512)
def constant(values: tuple, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """`torch.tensor(values, dtype=dtype, device=device)`, shared between calls: never write into it."""
    return torch.tensor(values, dtype=dtype, device=device)
