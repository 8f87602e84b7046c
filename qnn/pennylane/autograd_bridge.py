"""A torch function as a HIPS autograd primitive, differentiable to any order, for PennyLane's autograd interface.

PennyLane's default numpy interface differentiates with the `autograd` package; qnn's simulator is
written in torch. `autograd_function(fn)` lets autograd call `fn` on its arrays and ask torch for the
vector-Jacobian products, each of which is again such a function (so Hessians work too).
Complex values do not cross the boundary (the two packages conjugate differently): `fn` maps real
arrays to real arrays.

Example:
    >>> import autograd
    >>> import autograd.numpy as anp
    >>> square = autograd_function(lambda x: x**2)
    >>> float(autograd.grad(lambda x: anp.sum(square(x)))(anp.array(3.0)))
    6.0
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from autograd.extend import defvjp_argnums, primitive


def autograd_function(fn: Callable[..., torch.Tensor]) -> Callable:
    """`fn(*real float64 tensors) -> real tensor` as an autograd primitive of numpy arrays."""

    @primitive
    def function(*arrays):
        with torch.no_grad():
            return fn(*(torch.as_tensor(np.asarray(a, dtype=float)) for a in arrays)).numpy()

    def vjp_maker(argnums, ans, args, kwargs):
        backward = [autograd_function(_vector_jacobian_product(fn, i)) for i in argnums]
        return lambda g: tuple(b(*args, g) for b in backward)

    defvjp_argnums(function, vjp_maker)
    return function


def _vector_jacobian_product(fn: Callable, argnum: int) -> Callable:
    """`(*args, g) -> g·∂fn/∂args[argnum]`, itself differentiable by torch (create_graph)."""

    def product(*args_and_g):
        *args, g = args_and_g
        args = [a if a.requires_grad else a.detach().requires_grad_(True) for a in args]
        with torch.enable_grad():
            out = fn(*args)
            (grad,) = torch.autograd.grad(out, args[argnum], g, create_graph=True, allow_unused=True)
        return torch.zeros_like(args[argnum]) if grad is None else grad

    return product
