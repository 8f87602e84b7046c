"""Small constant tensors (offsets, phases, index lists), made once per dtype and device.

Creating a tensor from Python values costs a few microseconds; a training step needed about a dozen,
on every call.
"""

from collections.abc import Callable
from functools import lru_cache, wraps

import torch


def outside_inference_mode(make: Callable) -> Callable:
    """`make` run with inference mode off: for tensors kept between calls. One first made inside
    `torch.inference_mode()` would be an inference tensor, which a later training call can neither save for
    its backward pass nor write into."""

    @wraps(make)
    def made(*args, **kwargs):
        with torch.inference_mode(False):
            return make(*args, **kwargs)

    return made


@lru_cache(maxsize=512)
@outside_inference_mode
def constant(values: tuple, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """`torch.tensor(values, dtype=dtype, device=device)`, shared between calls: never write into it."""
    return torch.tensor(values, dtype=dtype, device=device)
