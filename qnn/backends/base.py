"""The interface every engine implements."""

from typing import Protocol, runtime_checkable

import torch

from circuits.circuit import Circuit
from qnn.observables import Observable


@runtime_checkable
class Backend(Protocol):
    name: str

    def run(
        self,
        circuit: Circuit,
        observables: tuple[Observable, ...] | Observable,
        inputs: torch.Tensor,
        weights: torch.Tensor,
        shots: int | None = None,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Measure `circuit` on `inputs` (batch, n_inputs) with `weights` (n_weights,).

        Returns (batch, n_outputs) real tensors of the weights' dtype, differentiable with
        respect to `inputs` and `weights` by autograd.
        """
        ...
