"""`QuantumLayer`: a variational circuit as a PyTorch module."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from circuits.circuit import Circuit
from qnn.backends import get_backend
from qnn.layer_state import add_fingerprint, check_fingerprint
from qnn.observables import Probabilities, parse_observables
from qnn.threads import run_sized

REAL_OF = {torch.complex64: torch.float32, torch.complex128: torch.float64}


class QuantumLayer(nn.Module):
    """Measure `circuit` on each input: (batch, n_inputs) or (n_inputs,) float → (batch, n_outputs).

    Args:
        circuit: the `circuits.Circuit` to run (encoding and ansatz).
        observables: None (⟨Z⟩ on every wire), Pauli words such as ``["ZIZI", {"XX": 0.5}]``, or
            ``"probs"`` / ``Probabilities()`` for all 2**n_qubits probabilities.
        backend: a backend object or name; ``"simulator"`` (default) is qnn's own simulator.
        shots: None for exact expectation values, or the number of samples per measurement.
        dtype: complex precision of the simulation, ``torch.complex64`` (default) or ``torch.complex128``;
            the weights are float32 or float64 accordingly (``layer.double()`` switches too).
        init: a ``(low, high)`` range for uniform initialisation (default ``(0, 2π)``), or a function
            that fills the weight tensor in place, e.g. ``partial(nn.init.normal_, std=0.1)``.
        generator: the ``torch.Generator`` used for initialisation and shot sampling.

    The trainable parameters are one 1-D ``weights`` of length ``circuit.n_weights``: each block of
    ``circuit.weight_shapes`` flattened in C order, concatenated (``circuit.split_weights`` undoes it).

    Example:
        >>> import circuits
        >>> layer = QuantumLayer(circuits.angle_encoding(2) + circuits.basic_entangler(2, n_layers=1))
        >>> layer(torch.zeros(5, 2)).shape
        torch.Size([5, 2])
    """

    def __init__(
        self,
        circuit: Circuit,
        observables=None,
        backend="simulator",
        shots: int | None = None,
        *,
        dtype: torch.dtype = torch.complex64,
        init: tuple[float, float] | Callable[[torch.Tensor], object] = (0.0, 2 * math.pi),
        generator: torch.Generator | None = None,
    ):
        super().__init__()
        if not isinstance(circuit, Circuit):
            raise TypeError(f"circuit must be a circuits.Circuit, got {type(circuit).__name__}")
        if dtype not in REAL_OF:
            raise TypeError(f"dtype must be torch.complex64 or torch.complex128, got {dtype}")
        if shots is not None and (isinstance(shots, bool) or not isinstance(shots, int) or shots < 1):
            raise ValueError(f"shots must be None or a positive integer, got {shots!r}")
        if generator is not None and not isinstance(generator, torch.Generator):  # a seed is not a generator
            raise TypeError(f"generator must be a torch.Generator or None, got {generator!r}")
        self.circuit = circuit
        self.observables = parse_observables(observables, circuit.n_qubits)
        self.backend = get_backend(backend)
        self.shots = shots
        self.generator = generator
        self.weights = nn.Parameter(_initial_weights(circuit.n_weights, REAL_OF[dtype], init, generator))
        self.register_state_dict_post_hook(add_fingerprint)
        self.register_load_state_dict_pre_hook(check_fingerprint)

    @property
    def n_outputs(self) -> int:
        if isinstance(self.observables, Probabilities):
            return 2**self.circuit.n_qubits
        return len(self.observables)

    def forward(self, inputs: torch.Tensor | None = None) -> torch.Tensor:
        batch = self._check_inputs(inputs)
        if batch.shape[0] == 0:  # an empty batch gives an empty result, as nn.Linear does
            return batch.new_zeros(0, self.n_outputs) + 0 * self.weights.sum()
        # Small work on one thread: it is as fast on an idle machine and far faster on a busy one.
        outputs = run_sized(batch.shape[0] * 2**self.circuit.n_qubits, self._run, batch, self.weights)
        return outputs if inputs is not None and inputs.dim() == 2 else outputs[0]

    def _run(self, batch: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        return self.backend.run(self.circuit, self.observables, batch, weights, self.shots, self.generator)

    @torch.no_grad()
    def counts(self, inputs: torch.Tensor | None = None, shots: int | None = None) -> torch.Tensor:
        """How often each basis state is measured in `shots` runs: (batch, n_inputs) → (batch, 2**n_qubits) int64.

        Index b counts the bitstring of b with wire 0 the most significant bit (as ``"probs"``). Hardware
        backends (``aer``, ``fake:``, ``ibm:``) run one sampler job; the others draw from the exact
        probabilities with the layer's `generator`. shots: default the layer's, else 1024.

        Example:
            >>> import circuits
            >>> layer = QuantumLayer(circuits.angle_encoding(1), generator=torch.Generator().manual_seed(0))
            >>> layer.counts(torch.tensor([[0.0]]), shots=10)
            tensor([[10,  0]])
        """
        shots = (self.shots or 1024) if shots is None else shots
        if isinstance(shots, bool) or not isinstance(shots, int) or shots < 1:
            raise ValueError(f"shots must be a positive integer, got {shots!r}")
        batch = self._check_inputs(inputs)
        if batch.shape[0] == 0:  # as forward: an empty batch, an empty result
            return torch.zeros(0, 2**self.circuit.n_qubits, dtype=torch.int64)
        if hasattr(self.backend, "counts"):
            counts = self.backend.counts(self.circuit, batch, self.weights, shots, self.generator)
        else:
            probs = self.backend.run(self.circuit, Probabilities(), batch, self.weights, None, self.generator)
            weights = probs.clamp(min=0).double().cpu()
            draws = torch.multinomial(weights, shots, replacement=True, generator=self.generator)
            counts = torch.zeros(probs.shape, dtype=torch.int64).scatter_add_(1, draws, torch.ones_like(draws))
        return counts if inputs is not None and inputs.dim() == 2 else counts[0]

    def _check_inputs(self, inputs) -> torch.Tensor:
        n = self.circuit.n_inputs
        w = self.weights
        if inputs is None:
            if n:
                raise ValueError(f"inputs are required: the circuit reads {n} features")
            return torch.zeros(1, 0, dtype=w.dtype, device=w.device)
        if not isinstance(inputs, torch.Tensor):
            raise TypeError(f"inputs must be a torch.Tensor, got {type(inputs).__name__}")
        if not inputs.is_floating_point():
            raise TypeError(f"inputs must be a floating-point tensor, got dtype {inputs.dtype}")
        if inputs.dim() not in (1, 2) or inputs.shape[-1] != n:
            raise ValueError(f"inputs must have shape (batch, {n}) or ({n},), got {tuple(inputs.shape)}")
        # The sum first: a finite sum means finite entries, in a quarter of the time of checking each one.
        if not math.isfinite(inputs.sum().item()) and not torch.isfinite(inputs).all():
            raise ValueError("inputs contain NaN or inf")
        _check_range(inputs, w.dtype)
        batch = inputs if inputs.dim() == 2 else inputs[None]
        return batch.to(dtype=w.dtype, device=w.device)

    def to_backend(self, backend) -> QuantumLayer:
        """Run this layer (same weights) on another backend; returns self."""
        self.backend = get_backend(backend)
        return self

    def draw(self) -> str:
        return self.circuit.draw()

    def extra_repr(self) -> str:
        c = self.circuit
        shots = f", shots={self.shots}" if self.shots else ""
        return (
            f"n_qubits={c.n_qubits}, n_inputs={c.n_inputs}, n_weights={c.n_weights}, n_outputs={self.n_outputs}, "
            f"backend={self.backend.name}, dtype={self.weights.dtype}{shots}"
        )


def _check_range(inputs: torch.Tensor, dtype: torch.dtype) -> None:
    """Refuse finite inputs that would overflow to inf in the layer's precision (float64 data, float32 layer)."""
    largest = torch.finfo(dtype).max
    if inputs.numel() and torch.finfo(inputs.dtype).max > largest and inputs.abs().max() > largest:
        raise ValueError(
            f"inputs hold {inputs.abs().max().item():.3g}, beyond the layer's {dtype} range (±{largest:.3g}); "
            "rescale the features or use a float64 layer (dtype=torch.complex128 or layer.double())"
        )


def _initial_weights(n: int, dtype: torch.dtype, init, generator) -> torch.Tensor:
    if not callable(init) and not (isinstance(init, tuple | list) and len(init) == 2):
        raise TypeError(f"init must be a (low, high) range or a function filling a tensor, got {init!r}")
    weights = torch.empty(n, dtype=dtype)
    if callable(init):
        with torch.no_grad():
            init(weights)
        return weights
    low, high = init
    if not low < high:
        raise ValueError(f"init must be a (low, high) range with low < high, got {init!r}")
    return weights.uniform_(low, high, generator=generator)
