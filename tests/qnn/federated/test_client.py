import torch
from flwr.app import ArrayRecord, ConfigRecord, Message, RecordDict
from torch import nn

from qnn.federated import InProcessGrid, client_app
from qnn.training import TrainConfig


def _linear():
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return nn.Linear(3, 2).double()


def _data(seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(12, 3, generator=g, dtype=torch.float64), torch.randint(0, 2, (12,), generator=g)


def _train_reply(config: dict, partition_id: int = 1):
    data = [_data(0), _data(1)]
    local = TrainConfig(torch.optim.SGD, learning_rate=0.2, batch_size=100, max_steps=50, measure_energy=False)
    grid = InProcessGrid(client_app(_linear, data, local), n_nodes=2)
    content = RecordDict({"arrays": ArrayRecord(_linear().state_dict()), "config": ConfigRecord(config)})
    with grid.serving():
        (reply,) = grid.send_and_receive([Message(content, partition_id + 1, "train")])
    return reply, data[partition_id], grid


def test_a_node_trains_its_own_partition_for_the_local_steps_the_server_asks_for():
    reply, (x, y), grid = _train_reply({"server-round": 1, "local-steps": 3})
    reference = _linear()
    for _ in range(3):  # full-batch gradient descent, the reference
        grads = torch.autograd.grad(nn.functional.cross_entropy(reference(x), y), list(reference.parameters()))
        with torch.no_grad():
            for p, g in zip(reference.parameters(), grads, strict=True):
                p -= 0.2 * g
    trained = reply.content["arrays"].to_torch_state_dict()
    for name, expected in reference.state_dict().items():
        torch.testing.assert_close(trained[name], expected)
    assert reply.content["metrics"]["num-examples"] == 12 and reply.metadata.src_node_id == 2
    assert grid.traffic.to_clients > 0 and grid.traffic.to_server > 0


def test_a_large_proximal_mu_keeps_the_local_weights_near_the_global_ones():
    start = torch.cat([p.flatten() for p in _linear().parameters()])

    def drift(config):
        reply, _, _ = _train_reply({"server-round": 1, "local-steps": 5, **config})
        weights = torch.cat([w.flatten() for w in reply.content["arrays"].to_torch_state_dict().values()])
        return (weights - start).norm().item()

    assert drift({"proximal-mu": 4.0}) < 0.5 * drift({})
