import pytest
from flwr.serverapp.strategy import FedAdam, FedAvg, FedProx

from qnn.federated import make_strategy


def test_strategies_are_found_by_name_and_sample_every_client():
    fedavg = make_strategy("FedAvg", n_clients=3)
    assert type(fedavg) is FedAvg and fedavg.min_available_nodes == 3 and fedavg.fraction_train == 1.0
    fedprox = make_strategy("fedprox", n_clients=2, proximal_mu=0.3)
    assert isinstance(fedprox, FedProx) and fedprox.proximal_mu == 0.3
    assert isinstance(make_strategy("fedadam", n_clients=2), FedAdam)


def test_an_unknown_strategy_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match=r"strategy must be one of .*fedavg.*fedprox.*; got 'fedsgd'"):
        make_strategy("fedsgd", n_clients=2)
