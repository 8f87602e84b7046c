import numpy as np
import pytest
import torch
from flwr.serverapp.strategy import FedAvg, FedProx
from torch import nn

from qnn.federated import IID, FederatedConfig, Shards, proximal_loss, run_federated, train_centralised
from qnn.federated.experiment import estimator_module
from qnn.models import DressedQuantumCircuitClassifier
from qnn.training import TrainConfig


def _blobs(n: int, seed: int):
    """Two Gaussian blobs in 2-D, classes 0 and 1."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 2
    x = torch.randn(n, 2, generator=g, dtype=torch.float64) * 0.7 + (2.0 * y[:, None] - 1.0)
    return x.float(), y


def _clients(x, y, partition, n_clients, seed=0):
    return [(x[p], y[p]) for p in partition(y.numpy(), n_clients, np.random.default_rng(seed))]


def _linear():
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return nn.Linear(2, 2)


def test_fedavg_with_one_full_batch_sgd_step_is_centralised_gradient_descent():
    # sum_i n_i/N (w - lr g_i) = w - lr g_pooled: FedAvg's weighted mean of one-step updates is one pooled step.
    x, y = _blobs(60, 0)
    clients = [(x[:10], y[:10]), (x[10:35], y[10:35]), (x[35:], y[35:])]  # unequal sizes
    local = TrainConfig(torch.optim.SGD, learning_rate=0.3, batch_size=1000, max_steps=1, measure_energy=False)
    config = FederatedConfig(n_rounds=3, local=local)
    result = run_federated(_linear, clients, (x, y), FedAvg(min_available_nodes=3), config)
    reference = _linear()
    for _ in range(3):
        reference.zero_grad()
        nn.functional.cross_entropy(reference(x), y).backward()
        with torch.no_grad():
            for p in reference.parameters():
                p -= 0.3 * p.grad
    for ours, expected in zip(result.model.parameters(), reference.parameters(), strict=True):
        torch.testing.assert_close(ours, expected, rtol=1e-5, atol=1e-6)
    assert [r.round for r in result.history] == [0, 1, 2, 3]
    assert result.history[0].train_loss is None and result.history[-1].train_loss is not None


def test_the_grid_counts_the_weights_sent_both_ways():
    x, y = _blobs(40, 1)
    clients = _clients(x, y, IID(), 2)
    config = FederatedConfig(n_rounds=2, local=TrainConfig(max_steps=2, measure_energy=False))
    result = run_federated(_linear, clients, (x, y), FedAvg(), config)
    weights = 6 * 4  # a 2x2 float32 matrix and 2 biases
    # Each round sends the weights to both clients twice (train, evaluate) and receives them back once;
    # each message also carries names, shapes and metrics (a few hundred bytes at most).
    assert 2 * 2 * 2 * weights <= result.traffic.to_clients < 2 * 2 * 2 * weights + 2 * 2 * 2 * 400
    assert 2 * 2 * weights <= result.traffic.to_server < 2 * 2 * weights + 2 * 2 * 2 * 400
    assert result.traffic.total == result.traffic.to_clients + result.traffic.to_server


def test_a_hybrid_model_federated_on_an_iid_split_comes_within_005_of_centralised():
    x, y = _blobs(160, 2)
    x_test, y_test = _blobs(200, 3)
    clients = _clients(x, y, IID(), 4)
    estimator = DressedQuantumCircuitClassifier(n_layers=1)
    model_fn = estimator_module(estimator, x.double().numpy(), 2, seed=0)
    local = TrainConfig(learning_rate=0.05, batch_size=16, max_steps=5, convergence_interval=0, measure_energy=False)
    config = FederatedConfig(n_rounds=6, local=local)
    federated = run_federated(model_fn, clients, (x_test, y_test), FedAvg(min_available_nodes=4), config)
    centralised, _ = train_centralised(model_fn, clients, config)
    with torch.no_grad():
        central_accuracy = (centralised(x_test).argmax(1) == y_test).double().mean().item()
    print(f"IID, 4 clients: federated {federated.test_accuracy:.3f}, centralised {central_accuracy:.3f}")
    assert central_accuracy > 0.85  # the task is learnt at all, so that "within 0.05" means something
    assert abs(federated.test_accuracy - central_accuracy) <= 0.05


def test_the_proximal_term_pulls_towards_the_global_weights_with_gradient_mu_times_drift():
    model = _linear()
    loss = proximal_loss(model, mu=0.5)  # anchored at the weights now
    with torch.no_grad():
        for p in model.parameters():
            p += 0.1
    x, targets = torch.randn(3, 2, generator=torch.Generator().manual_seed(0)), torch.tensor([0, 1, 0])
    (with_term,) = torch.autograd.grad(loss(model(x), targets), [model.weight])
    (without,) = torch.autograd.grad(nn.functional.cross_entropy(model(x), targets), [model.weight])
    torch.testing.assert_close(with_term - without, 0.5 * torch.full_like(model.weight, 0.1))


def test_fedprox_against_fedavg_on_a_strongly_skewed_split():
    # Not a claim that either wins: FedProx's local updates stay closer to the global model (that is checked),
    # and both accuracies are printed so that the comparison is reported as it comes out.
    x, y = _blobs(160, 4)
    x_test, y_test = _blobs(200, 5)
    clients = _clients(x, y, Shards(shards_per_client=1), 4, seed=1)
    assert all(len(torch.unique(t)) == 1 for _, t in clients)  # every client sees one class only
    local = TrainConfig(learning_rate=0.1, batch_size=16, max_steps=20, convergence_interval=0, measure_energy=False)
    one_round = FederatedConfig(n_rounds=1, local=local)
    start = torch.cat([p.flatten() for p in _linear().parameters()])

    def first_step(strategy):
        model = run_federated(_linear, clients, (x_test, y_test), strategy, one_round).model
        return (torch.cat([p.flatten() for p in model.parameters()]) - start).norm().item()

    assert first_step(FedProx(proximal_mu=1.0)) < first_step(FedAvg())
    config = FederatedConfig(n_rounds=8, local=local)
    fedavg = run_federated(_linear, clients, (x_test, y_test), FedAvg(), config).test_accuracy
    fedprox = run_federated(_linear, clients, (x_test, y_test), FedProx(proximal_mu=1.0), config).test_accuracy
    print(f"one class per client, 8 rounds: FedAvg {fedavg:.3f}, FedProx(mu=1) {fedprox:.3f}")
    assert min(fedavg, fedprox) > 0.5  # both learn something from clients that each saw one class


def test_a_strategy_that_waits_for_more_nodes_than_clients_is_refused():
    x, y = _blobs(20, 0)
    with pytest.raises(ValueError, match="strategy.min_available_nodes=5 exceeds the 2 clients"):
        run_federated(_linear, _clients(x, y, IID(), 2), (x, y), FedAvg(min_available_nodes=5))
    with pytest.raises(ValueError, match="n_rounds must be a positive integer, got 0"):
        FederatedConfig(n_rounds=0)
