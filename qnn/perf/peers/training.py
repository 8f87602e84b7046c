"""Training a `PeerModel` as qnn's loop trains its model: Adam, minibatches of 32 drawn without replacement
(a fresh permutation per epoch), the loss read back after every step; the step itself `jax.jit`-compiled.

Adam is written here in `jax.numpy` (optax is not among the project's dependencies), with torch's
defaults and update rule, so that both sides take the same steps.

Example:
    >>> trainer = PeerTrainer(spec.build(), spec.params, X, y, learning_rate=0.01)  # doctest: +SKIP
    >>> trainer.compile_seconds > 0, trainer.run(50) > 0  # doctest: +SKIP
    (True, True)
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from qnn.perf.peers.models import PeerModel


@dataclass(frozen=True)
class Adam:
    """torch.optim.Adam's update (no weight decay) on a pytree of parameters."""

    learning_rate: float
    b1: float = 0.9
    b2: float = 0.999
    eps: float = 1e-8

    def init(self, params) -> tuple:
        zeros = jax.tree.map(jnp.zeros_like, params)
        return jnp.zeros((), jnp.int32), zeros, zeros

    def update(self, params, grads, state) -> tuple:
        """(new params, new state) after one step with `grads`."""
        count, m, v = state
        count = count + 1
        m = jax.tree.map(lambda m, g: self.b1 * m + (1 - self.b1) * g, m, grads)
        v = jax.tree.map(lambda v, g: self.b2 * v + (1 - self.b2) * g * g, v, grads)
        m_scale = 1 / (1 - self.b1**count)
        v_scale = 1 / (1 - self.b2**count)

        def step(p, m, v):
            return p - self.learning_rate * (m * m_scale) / (jnp.sqrt(v * v_scale) + self.eps)

        return jax.tree.map(step, params, m, v), (count, m, v)


def training_step(model: PeerModel, optimiser: Adam):
    """`step(params, state, x, y) -> (params, state, loss)`: value and gradient of the loss and an Adam
    update, compiled as one program."""

    @jax.jit
    def step(params, state, x, y):
        loss, grads = jax.value_and_grad(model.loss)(params, x, y)
        params, state = optimiser.update(params, grads, state)
        return params, state, loss

    return step


class PeerTrainer:
    """A peer model in training on X (n, d) float and y (n,) class indices; `run(steps)` times steps.

    Creating it compiles the step (its first call); `compile_seconds` is that call, compilation included.
    """

    def __init__(self, model: PeerModel, params: dict, X, y, learning_rate: float, batch_size=32, seed=0):
        real = jnp.float64 if jax.config.jax_enable_x64 else jnp.float32
        self.X, self.y = np.asarray(X, dtype=real), np.asarray(y, dtype=np.int32)
        self.params = {k: jnp.asarray(v, dtype=real) for k, v in params.items()}
        optimiser = Adam(learning_rate)
        self.state = optimiser.init(self.params)
        self.step = training_step(model, optimiser)
        self.batch_size = min(batch_size, len(self.X))
        self.rng = np.random.default_rng(seed)
        self.order: list[int] = []  # what is left of this epoch's permutation
        self.losses: list[float] = []
        self.compile_seconds = self.run(1)

    def run(self, steps: int) -> float:
        """Seconds for `steps` training steps, each reading its loss back as qnn's loop does."""
        start = time.perf_counter()
        for _ in range(steps):
            index = self._minibatch()
            self.params, self.state, loss = self.step(self.params, self.state, self.X[index], self.y[index])
            self.losses.append(float(loss))
        return time.perf_counter() - start

    def _minibatch(self) -> np.ndarray:
        if len(self.order) < self.batch_size:
            self.order = list(self.rng.permutation(len(self.X)))
        index, self.order = self.order[: self.batch_size], self.order[self.batch_size :]
        return np.asarray(index)
