"""The Flower `ClientApp` that trains a torch model on one client's data with `qnn.training.train`.

Each node reads its data by its Flower node config `partition-id`. A train message carries the global weights
(`"arrays"`) and a config (`"config"`); the node loads the weights, runs the config's `"local-steps"` local
steps (default `TrainConfig.max_steps`), and replies with its weights and `num-examples` (FedAvg's weights).
When the config holds FedProx's `"proximal-mu"` (μ), the local loss gains μ/2 ‖w − w_global‖² (Li et al. 2020).
An evaluate message is answered with the loss and accuracy of the global weights on the node's own data.

Example:
    >>> import torch
    >>> from torch import nn
    >>> data = [(torch.randn(20, 2), torch.randint(0, 2, (20,))) for _ in range(2)]
    >>> app = client_app(lambda: nn.Linear(2, 2), data, TrainConfig(max_steps=3, measure_energy=False))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
import torch
from flwr.app import ArrayRecord, Context, Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp
from torch import nn

from qnn.training import TrainConfig, train

ClientData = tuple[torch.Tensor, torch.Tensor]  # inputs (n, d) float32, class indices (n,) int64


def proximal_loss(model: nn.Module, mu: float) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """Cross-entropy plus FedProx's μ/2 ‖w − w₀‖², w₀ the model's weights now (the global ones)."""
    anchors = [p.detach().clone() for p in model.parameters()]

    def loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        drift = sum(((p - a) ** 2).sum() for p, a in zip(model.parameters(), anchors, strict=True))
        return nn.functional.cross_entropy(logits, targets) + mu / 2 * drift

    return loss


def client_seed(seed: int, server_round: int, partition_id: int) -> int:
    """An independent minibatch seed for each (run seed, round, client)."""
    return int(np.random.SeedSequence([seed, server_round, partition_id]).generate_state(1)[0])


def evaluate_model(model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of `model` on inputs (n, d) and class indices (n,)."""
    model.eval()
    with torch.no_grad():
        logits = model(inputs)
        loss = nn.functional.cross_entropy(logits, targets).item()
        accuracy = (logits.argmax(dim=1) == targets).double().mean().item()
    return loss, accuracy


def client_app(
    model_fn: Callable[[], nn.Module], data: Sequence[ClientData], config: TrainConfig, seed: int = 0
) -> ClientApp:
    """A `ClientApp` whose node `partition-id` = i trains `model_fn()` on `data[i]` with `config`.

    `model_fn` builds the architecture; its initial weights are overwritten by the server's on every message.
    """
    app = ClientApp()
    models: dict[int, nn.Module] = {}  # one model per node, as each device would keep its own

    def local_model(message: Message, context: Context) -> tuple[nn.Module, ClientData, int]:
        partition_id = int(context.node_config["partition-id"])
        if partition_id not in models:
            models[partition_id] = model_fn()
        model = models[partition_id]
        model.load_state_dict(message.content["arrays"].to_torch_state_dict())
        return model, data[partition_id], partition_id

    @app.train()
    def fit(message: Message, context: Context) -> Message:
        model, (inputs, targets), partition_id = local_model(message, context)
        mu = float(message.content["config"].get("proximal-mu", 0.0))
        server_round = int(message.content["config"]["server-round"])
        generator = torch.Generator().manual_seed(client_seed(seed, server_round, partition_id))
        loss_fn = proximal_loss(model, mu) if mu > 0 else None
        steps = int(message.content["config"].get("local-steps", config.max_steps))
        result = train(model, inputs, targets, replace(config, max_steps=steps), loss_fn=loss_fn, generator=generator)
        metrics = MetricRecord({"train_loss": float(np.mean(result.losses)), "num-examples": len(targets)})
        content = RecordDict({"arrays": ArrayRecord(model.state_dict()), "metrics": metrics})
        return Message(content=content, reply_to=message)

    @app.evaluate()
    def evaluate(message: Message, context: Context) -> Message:
        model, (inputs, targets), _ = local_model(message, context)
        loss, accuracy = evaluate_model(model, inputs, targets)
        metrics = MetricRecord({"eval_loss": loss, "eval_accuracy": accuracy, "num-examples": len(targets)})
        return Message(content=RecordDict({"metrics": metrics}), reply_to=message)

    return app
