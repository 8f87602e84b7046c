"""The one training loop every torch model in qnn shares.

Minibatch gradient descent with a torch optimiser (Adam, RMSprop, SGD, …), L2 weight decay, a
convergence-based stopping rule with a maximum number of steps, seeded minibatch sampling, CPU or
CUDA, a progress bar that can be silenced, and, on request, the energy the run took (`qnn.energy`).

Example:
    >>> import torch
    >>> from torch import nn
    >>> x, y = torch.randn(64, 3), torch.randint(0, 2, (64,))
    >>> result = train(nn.Linear(3, 2), x, y, TrainConfig(max_steps=20), generator=torch.Generator().manual_seed(0))
    >>> result.n_steps <= 20
    True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from qnn.energy import EnergyMeasurement, measure_energy
from qnn.optimiser_steps import optimiser_steps


@dataclass(frozen=True)
class TrainConfig:
    optimizer: type[torch.optim.Optimizer] = torch.optim.Adam  # any torch optimiser class taking lr, weight_decay
    learning_rate: float = 0.01
    weight_decay: float = 0.0  # L2 penalty, passed to the optimiser
    batch_size: int = 32  # samples per step; a batch larger than the data set uses all of it
    max_steps: int = 200  # stop here even if the loss has not converged
    convergence_interval: int = 20  # steps per window compared by the stopping rule; 0 disables it
    device: str | torch.device = "cpu"
    verbose: bool = False  # show a tqdm progress bar
    # Record the energy of the run in `TrainResult.energy` (see `qnn.energy`). Off by default: a meter costs
    # about 30 ms a run (1.6 s the first time, to load CodeCarbon), and the bench measures each fit itself.
    measure_energy: bool = False

    def __post_init__(self):
        if not (isinstance(self.optimizer, type) and issubclass(self.optimizer, torch.optim.Optimizer)):
            raise TypeError(f"optimizer must be a torch.optim.Optimizer class, got {self.optimizer!r}")
        _check_positive("learning_rate", self.learning_rate, float)
        if not self.weight_decay >= 0:
            raise ValueError(f"weight_decay must be >= 0, got {self.weight_decay!r}")
        _check_positive("batch_size", self.batch_size, int)
        _check_positive("max_steps", self.max_steps, int)
        if isinstance(self.convergence_interval, bool) or not isinstance(self.convergence_interval, int):
            raise ValueError(f"convergence_interval must be an integer >= 0, got {self.convergence_interval!r}")
        if self.convergence_interval < 0:
            raise ValueError(f"convergence_interval must be an integer >= 0, got {self.convergence_interval!r}")
        _check_device(self.device)


def _check_device(device) -> None:
    """Refuse a device torch cannot parse or this machine lacks, before any model is moved there."""
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"device must be a torch device such as 'cpu' or 'cuda', got {device!r}") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {str(device)!r} was asked for, but torch.cuda.is_available() is False")


def _check_positive(name: str, value, kind) -> None:
    ok = not isinstance(value, bool) and isinstance(value, int | float if kind is float else int)
    if not ok or not value > 0 or (kind is float and not math.isfinite(value)):
        expected = "a positive number" if kind is float else "a positive integer"
        raise ValueError(f"{name} must be {expected}, got {value!r}")


@dataclass(frozen=True)
class TrainResult:
    losses: list[float] = field(default_factory=list)  # one minibatch loss per step
    converged: bool = False  # True when the stopping rule ended training before max_steps
    n_samples_seen: int = 0  # samples through the forward pass, summed over steps
    energy: EnergyMeasurement | None = None  # the energy of the run, when `TrainConfig.measure_energy`

    @property
    def n_steps(self) -> int:
        return len(self.losses)


def has_converged(losses: list[float] | np.ndarray, interval: int) -> bool:
    """The stopping rule of qml-benchmarks' `train`: once more than 2·`interval` + 1 losses are in, stop when the
    mean loss of the last `interval` steps differs from the mean of the `interval` before by no more than half the
    last window's standard error (its population standard deviation, NumPy's default, over √interval)."""
    if interval < 2 or len(losses) < 2 * interval + 2:
        return False
    window = np.asarray(losses[-2 * interval :], dtype=np.float64)
    before, last = window[:interval], window[interval:]
    # `<=` so that a perfectly flat loss (zero spread) counts as converged.
    return abs(last.mean() - before.mean()) <= last.std() / math.sqrt(interval) / 2


def train(
    model: nn.Module,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    config: TrainConfig = TrainConfig(),
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    generator: torch.Generator | None = None,
) -> TrainResult:
    """Train `model` in place on `inputs` (n_samples, …) and `targets` (n_samples, …).

    Each step draws a minibatch of `config.batch_size` samples without replacement with `generator`
    (a fresh permutation per epoch), so a seeded generator gives the same run every time. The loss is
    `loss_fn(model(batch), targets[batch])`, cross-entropy on logits by default. The model is moved to
    `config.device` and left there, in training mode during the loop and evaluation mode after it
    (so dropout is active only while training).

    Example:
        >>> model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Dropout(0.1), nn.Linear(8, 2))
        >>> x = torch.randn(100, 2); y = (x[:, 0] > 0).long()
        >>> r = train(model, x, y, TrainConfig(max_steps=50, learning_rate=0.05), generator=torch.Generator())
        >>> r.n_samples_seen == 32 * r.n_steps
        True
    """
    if len(inputs) != len(targets):
        raise ValueError(f"inputs and targets must have the same length, got {len(inputs)} and {len(targets)}")
    if len(inputs) == 0:
        raise ValueError("inputs must hold at least one sample")
    loss_fn = nn.functional.cross_entropy if loss_fn is None else loss_fn
    device = torch.device(config.device)
    model.to(device).train()
    inputs, targets = inputs.to(device), targets.to(device)
    zero_grad, step = optimiser_steps(_optimiser(config, list(model.parameters())))
    batch_size = min(config.batch_size, len(inputs))
    batches = _minibatches(len(inputs), batch_size, generator)
    losses: list[float] = []
    window = np.empty(min(config.max_steps, 1024))  # the losses again: the stopping rule reads them without a copy
    converged = False
    meter = measure_energy(device=device) if config.measure_energy else nullcontext()
    with meter as energy, tqdm(total=config.max_steps, disable=not config.verbose, desc="training", leave=False) as bar:
        for _ in range(config.max_steps):
            index = next(batches).to(device)
            zero_grad()
            loss = loss_fn(model(inputs[index]), targets[index])
            loss.backward()
            step()
            losses.append(loss.item())
            if len(losses) > len(window):
                window = np.concatenate([window, np.empty_like(window)])
            window[len(losses) - 1] = losses[-1]
            if config.verbose:
                bar.update()
                bar.set_postfix(loss=f"{losses[-1]:.4f}")
            if has_converged(window[: len(losses)], config.convergence_interval):
                converged = True
                break
    model.eval()
    return TrainResult(losses, converged, len(losses) * batch_size, energy)


def _optimiser(config: TrainConfig, parameters: list[nn.Parameter]) -> torch.optim.Optimizer:
    """`config.optimizer` over `parameters`; Adam and AdamW as torch's fused kernel where every parameter allows it
    (the same update, one kernel a step: 35 µs against 76 µs for a small model on the CPU)."""
    options = {"lr": config.learning_rate, "weight_decay": config.weight_decay}
    fusable = all(p.is_floating_point() and p.device.type in ("cpu", "cuda") for p in parameters)
    if config.optimizer in (torch.optim.Adam, torch.optim.AdamW) and parameters and fusable:
        options["fused"] = True
    return config.optimizer(parameters, **options)


def _minibatches(n: int, batch_size: int, generator: torch.Generator | None):
    """Endless index batches: shuffle, cut into full batches, reshuffle (a short tail is dropped)."""
    while True:
        order = torch.randperm(n, generator=generator)
        for start in range(0, n - batch_size + 1, batch_size):
            yield order[start : start + batch_size]
