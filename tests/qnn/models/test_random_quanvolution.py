"""The paper's quanvolutional network: its random circuits, feature map and CNN against PennyLane and the
paper's definitions (qml-benchmarks' QuanvolutionalNeuralNetwork), and a fit on bars and stripes."""

import math
import pickle

import numpy as np
import pennylane as qml
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import MinMaxScaler

from circuits.circuit import Weight
from qnn.bench.tasks import bars_and_stripes
from qnn.models.random_quanvolution import (
    Binarise,
    HammingQuanvolution,
    QuanvolutionalClassifier,
    basis_states,
    paper_cnn,
    random_layers,
)


@pytest.mark.parametrize(("n_qubits", "seed"), [(4, 42), (9, 7), (1, 42)])
def test_random_layers_have_pennylanes_structure(n_qubits, seed):
    weights = np.arange(3 * 5).reshape(3, 5) / 10
    expected = qml.RandomLayers(weights, wires=range(n_qubits), seed=seed).decomposition()
    circuit = random_layers(n_qubits, n_layers=3, n_rotations=5, seed=seed)
    assert [op.gate for op in circuit.operations] == [op.name for op in expected]
    assert [op.wires for op in circuit.operations] == [tuple(op.wires) for op in expected]
    flat = weights.ravel()
    ours = [flat[op.params[0].index] for op in circuit.operations if op.params]
    np.testing.assert_array_equal(ours, [float(op.parameters[0]) for op in expected if op.parameters])


def paper_feature_map(image: np.ndarray, weights: np.ndarray, q: int) -> np.ndarray:
    """The paper's quanvolutional layer on one binary image (H, W), written from its definition with PennyLane:
    windows taken column offset outer, row offset inner, then reshaped row-major to (H - q + 1, W - q + 1)."""
    wires = range(q * q)

    @qml.qnode(qml.device("default.qubit", wires=wires))
    def circuit(x):
        for i in wires:
            qml.RY(x[i] * np.pi, wires=i)
        qml.RandomLayers(weights, wires=wires, seed=42)
        return qml.probs(wires=wires)

    height, width = image.shape
    out = []
    for k in range(height - q + 1):
        for j in range(height - q + 1):
            probs = circuit(image[j : j + q, k : k + q].reshape(-1))
            out.append(bin(int(np.argmax(probs))).count("1"))
    return np.array(out, dtype=float).reshape(height - q + 1, width - q + 1)


@pytest.mark.parametrize("q", [2, 3])
def test_feature_map_equals_the_papers(q, rng):
    generator = torch.Generator().manual_seed(3)
    layer = HammingQuanvolution(qkernel_size=q, n_qchannels=2, n_layers=4, n_rotations=6, generator=generator)
    images = (rng.random((2, 5, 5)) > 0.5).astype(float)
    ours = layer(torch.tensor(images, dtype=torch.float32)[:, None]).numpy()
    assert ours.shape == (2, 2, 6 - q, 6 - q)
    for c, filter_ in enumerate(layer.filters):
        weights = filter_.weights.detach().numpy().reshape(4, 6)
        for b in range(2):
            # The paper's code lays the map out transposed; a CNN with i.i.d. initial kernels cannot tell.
            np.testing.assert_array_equal(ours[b, c], paper_feature_map(images[b], weights, q).T)


def test_filters_are_fixed_and_differ_per_channel():
    layer = HammingQuanvolution(n_qchannels=3, generator=torch.Generator().manual_seed(0))
    assert not any(p.requires_grad for p in layer.parameters())
    assert layer.table.shape == (3, 16) and len({tuple(t.tolist()) for t in layer.table}) > 1
    assert set(layer.table.unique().tolist()) <= {0.0, 1.0, 2.0, 3.0, 4.0}


def test_basis_states_put_wire_zero_first():
    np.testing.assert_array_equal(basis_states(2).numpy(), [[0, 0], [0, 1], [1, 0], [1, 1]])


def test_binarisation_is_the_papers_step_after_min_max_scaling(rng):
    from qnn.models.layers import min_max_scaling

    X = rng.normal(size=(30, 9))
    ours = Binarise(0.0)(min_max_scaling(X)(torch.tensor(X, dtype=torch.float32))).numpy()
    scaled = MinMaxScaler(feature_range=(-np.pi / 2, np.pi / 2)).fit_transform(X)
    np.testing.assert_array_equal(ours, np.heaviside(scaled, 0.0))


@pytest.mark.parametrize(("side", "kernel_size"), [(3, 2), (3, 3), (7, 5), (1, 3)])
def test_cnn_has_the_papers_shapes_and_initialisation(side, kernel_size):
    generator = torch.Generator().manual_seed(0)
    net = paper_cnn(5, (side, side), 2, kernel_size, (32, 64), generator)
    assert net(torch.rand(4, 5, side, side)).shape == (4, 2)
    pooled = math.ceil(math.ceil(side / 2) / 2)  # Flax's "SAME" 2x2 pooling keeps a partial window
    n_params = (5 * 32 * kernel_size**2 + 32) + (32 * 64 * kernel_size**2 + 64) + (64 * pooled**2 * 128 + 128) + 129
    assert sum(p.numel() for p in net.parameters()) == n_params
    first = net[1].weight
    std = math.sqrt(1 / (5 * kernel_size**2)) / 0.87962566103423978
    assert first.abs().max() <= 2 * std and (net[1].bias == 0).all()
    # a N(0, σ²) truncated at ±2σ has standard deviation 0.8796σ: sqrt(1 / fan_in), LeCun's
    assert abs(first.std() - math.sqrt(1 / (5 * kernel_size**2))) < 0.1 * math.sqrt(1 / (5 * kernel_size**2))


def test_two_classes_read_one_logit():
    net = paper_cnn(1, (3, 3), 2, generator=torch.Generator().manual_seed(0))
    logits = net(torch.rand(6, 1, 3, 3))
    assert (logits[:, 0] == 0).all()
    assert paper_cnn(1, (3, 3), 4, generator=torch.Generator().manual_seed(0))(torch.rand(6, 1, 3, 3)).shape == (6, 4)


def test_learns_bars_and_stripes():
    rng = np.random.default_rng(0)
    X, y = bars_and_stripes(400, 16, rng)
    X_train, y_train, X_test, y_test = X[:300], y[:300], X[300:], y[300:]
    clf = QuanvolutionalClassifier(learning_rate=0.01, max_steps=200, random_state=0).fit(X_train, y_train)
    linear = LogisticRegression().fit(X_train, y_train).score(X_test, y_test)
    assert clf.score(X_test, y_test) > max(0.75, linear + 0.1)
    assert clf.n_qubits_ == 4 and clf.n_circuit_executions_ == 300 * 9
    assert clf.n_params_ == sum(p.numel() for p in clf.model_[-1].parameters())  # only the CNN trains
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(clf)).predict(X_test), clf.predict(X_test))


def test_seeded_fits_repeat(rng):
    X, y = bars_and_stripes(60, 16, rng)
    first = QuanvolutionalClassifier(n_qchannels=2, max_steps=5, random_state=1).fit(X, y)
    second = QuanvolutionalClassifier(n_qchannels=2, max_steps=5, random_state=1).fit(X, y)
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))


def test_filter_larger_than_the_image_is_an_error(rng):
    with pytest.raises(ValueError, match="qkernel_size 3 is larger"):
        QuanvolutionalClassifier(image_shape=(2, 2), qkernel_size=3).fit(rng.random((4, 4)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"\(batch, 1, H, W\)"):
        HammingQuanvolution(generator=torch.Generator().manual_seed(0))(torch.ones(2, 4, 4))


def test_without_entanglement_each_qubit_reads_its_own_most_likely_bit(rng):
    """With the CNOTs removed the state is a product, so the most probable bitstring is each qubit's most probable
    bit: the Hamming weight is a sum over qubits, computed here from each qubit's own rotations."""
    generator = torch.Generator().manual_seed(5)
    layer = HammingQuanvolution(qkernel_size=2, n_layers=3, n_rotations=6, entangling=False, generator=generator)
    circuit = layer.filters[0].circuit
    assert "CNOT" not in circuit.gate_counts and circuit.gate_counts["RY"] >= 4
    weights = layer.filters[0].weights.detach().numpy()
    for bits in basis_states(4).numpy():
        ones = 0
        for wire in range(4):
            state = np.array([1.0, 0.0]) if bits[wire] == 0 else np.array([0.0, 1.0])
            for op in circuit.operations:
                if op.wires == (wire,) and op.params and isinstance(op.params[0], Weight):  # the encoding is |bits⟩
                    state = qml.matrix(getattr(qml, op.gate)(weights[op.params[0].index], wires=0)) @ state
            ones += abs(state[1]) ** 2 > abs(state[0]) ** 2
        index = int("".join(str(int(b)) for b in bits), 2)
        assert layer.table[0, index] == ones


def test_non_binary_images_are_an_error():
    with pytest.raises(ValueError, match="binary pixels"):
        HammingQuanvolution(generator=torch.Generator().manual_seed(0))(torch.full((1, 1, 3, 3), 0.5))
