import numpy as np
import pytest
import torch

jax = pytest.importorskip("jax")
pytest.importorskip("pennylane")

from qnn.perf.peers.models import PeerModel  # noqa: E402
from qnn.perf.peers.training import Adam, PeerTrainer  # noqa: E402


def _quadratic_loss(params, x, y):
    return ((x @ params["w"] - y) ** 2).mean()


def test_adam_takes_torchs_steps():
    rng = np.random.default_rng(0)
    x, y, w0 = rng.normal(size=(16, 3)), rng.normal(size=16), rng.normal(size=3)
    w = torch.tensor(w0, requires_grad=True)
    torch_adam = torch.optim.Adam([w], lr=0.1)
    with jax.enable_x64(True):
        adam = Adam(0.1)
        params = {"w": jax.numpy.asarray(w0)}
        state = adam.init(params)
        for _ in range(5):
            grads = jax.grad(_quadratic_loss)(params, x, y)
            params, state = adam.update(params, grads, state)
            torch_adam.zero_grad()
            ((torch.from_numpy(x) @ w - torch.from_numpy(y)) ** 2).mean().backward()
            torch_adam.step()
        np.testing.assert_allclose(np.array(params["w"]), w.detach().numpy(), atol=1e-12, rtol=0)
    assert not np.allclose(w0, w.detach().numpy())  # it moved


def test_the_trainer_lowers_the_loss_over_epochs_of_minibatches():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 3))
    y = (x @ np.array([1.0, -2.0, 0.5]) > 0).astype(int)  # class indices, as the trainer takes

    def logistic_loss(params, x, y):
        return jax.nn.softplus(-(2 * y - 1) * (x @ params["w"])).mean()

    model = PeerModel(forward=lambda p, x: x @ p["w"], loss=logistic_loss)
    trainer = PeerTrainer(model, {"w": np.zeros(3)}, x, y, learning_rate=0.1, batch_size=8, seed=0)
    assert trainer.compile_seconds > 0 and len(trainer.losses) == 1
    trainer.run(60)
    assert len(trainer.losses) == 61
    assert np.mean(trainer.losses[-5:]) < 0.5 * trainer.losses[0]
