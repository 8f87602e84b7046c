"""Feature scaling matches scikit-learn's scalers; readouts and weight initialisation from a generator."""

import copy
import pickle

import numpy as np
import torch
from sklearn.preprocessing import MinMaxScaler, StandardScaler

import circuits
from qnn.models.layers import BinaryReadout, count_parameters, min_max_scaling, quantum_layer, readout, standard_scaling


def test_scalings_match_scikit_learn(rng):
    X = rng.normal(size=(20, 3)) * [1.0, 5.0, 0.1]
    X[:, 2] = 4.0  # a constant feature must not divide by zero
    new = rng.normal(size=(5, 3))
    as_t = lambda a: torch.tensor(a, dtype=torch.float32)  # noqa: E731
    np.testing.assert_allclose(
        standard_scaling(X)(as_t(new)).numpy(), StandardScaler().fit(X).transform(new), rtol=1e-5, atol=1e-5
    )
    expected = MinMaxScaler((-np.pi / 2, np.pi / 2)).fit(X).transform(new)
    np.testing.assert_allclose(min_max_scaling(X)(as_t(new)).numpy(), expected, rtol=1e-5, atol=1e-5)


def test_binary_readout_gives_sigmoid_of_six_f():
    f = torch.tensor([[-0.5], [0.0], [0.3]])
    proba = torch.softmax(BinaryReadout()(f), 1)[:, 1]
    torch.testing.assert_close(proba, torch.sigmoid(6 * f[:, 0]))
    assert count_parameters(BinaryReadout(bias=True)) == 1
    assert isinstance(readout(3, 2), torch.nn.Linear) and isinstance(readout(1, 2), BinaryReadout)


def test_quantum_layer_weights_come_from_the_generator_which_it_does_not_keep():
    circuit = circuits.angle_encoding(2) + circuits.strongly_entangling(2, 1)
    a = quantum_layer(circuit, generator=torch.Generator().manual_seed(3))
    b = quantum_layer(circuit, generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(a.weights, b.weights)
    assert a.generator is None
    torch.testing.assert_close(pickle.loads(pickle.dumps(a)).weights, a.weights)
    torch.testing.assert_close(copy.deepcopy(a).weights, a.weights)
