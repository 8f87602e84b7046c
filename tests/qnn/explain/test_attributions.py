import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC
from torch import nn

import circuits
from qnn import QuantumLayer
from qnn.explain import METHODS, attributions

INFORMATIVE = [1, 4]  # the only features that carry the label


def synthetic_task(n_samples: int, n_features: int = 6, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_samples, n_features))
    y = (x[:, INFORMATIVE].sum(axis=1) > 0).astype(int)
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y)


def hybrid(n_features: int, n_qubits: int = 3, dtype=torch.complex64, seed: int = 0) -> nn.Module:
    generator = torch.Generator().manual_seed(seed)
    circuit = circuits.angle_encoding(n_qubits) + circuits.strongly_entangling(n_qubits, n_layers=2)
    torch.manual_seed(seed)  # the classical layers' initialisation
    model = nn.Sequential(
        nn.Linear(n_features, n_qubits),
        nn.Tanh(),
        QuantumLayer(circuit, dtype=dtype, generator=generator),
        nn.Linear(n_qubits, 2),
    )
    return model.double() if dtype == torch.complex128 else model


@pytest.fixture(scope="module")
def trained():
    """A hybrid model trained on the synthetic task, and held-out samples."""
    x, y = synthetic_task(190)
    model = hybrid(x.shape[1])
    optimiser = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(50):
        optimiser.zero_grad()
        nn.functional.cross_entropy(model(x[:150]), y[:150]).backward()
        optimiser.step()
    with torch.no_grad():
        assert (model(x[150:]).argmax(1) == y[150:]).float().mean() > 0.9  # the model has learnt the task
    return model, x[150:]


@pytest.mark.parametrize("method", METHODS)
def test_top_attributions_are_the_informative_features(trained, method, generator):
    model, x = trained
    a = attributions(model, x, method, generator=generator)
    assert a.shape == tuple(x.shape)
    top = np.argsort(-np.abs(a).mean(axis=0))[: len(INFORMATIVE)]
    assert sorted(top.tolist()) == INFORMATIVE


def test_integrated_gradients_are_complete(generator):
    # Completeness: the attributions sum to f(x) - f(baseline) for the target output (float64 model).
    model = hybrid(5, dtype=torch.complex128)
    x = torch.randn(6, 5, dtype=torch.float64, generator=generator)
    baseline = torch.randn(5, dtype=torch.float64, generator=generator)
    a = attributions(model, x, "integrated_gradients", target=1, baselines=baseline, n_samples=64)
    with torch.no_grad():
        expected = model(x)[:, 1] - model(baseline[None])[0, 1]
    np.testing.assert_allclose(a.sum(axis=1), expected.numpy(), atol=1e-6)


def test_gradient_shap_completeness_holds_on_average(generator):
    # Expected gradients: E[sum of attributions] = f(x) - E_b[f(b)]; with many draws the sums come close.
    model = hybrid(4, dtype=torch.complex128)
    x = torch.randn(3, 4, dtype=torch.float64, generator=generator)
    background = torch.randn(20, 4, dtype=torch.float64, generator=generator)
    a = attributions(model, x, target=0, baselines=background, n_samples=2000, generator=generator)
    with torch.no_grad():
        expected = model(x)[:, 0] - model(background)[:, 0].mean()
    np.testing.assert_allclose(a.sum(axis=1), expected.numpy(), atol=0.02)


def test_linear_model_matches_closed_forms(generator):
    # For f(x) = W x + c: IG and Gradient SHAP give (x - b) * W[t] exactly; saliency gives |W[t]|.
    model = nn.Linear(4, 3).double()
    x = torch.randn(5, 4, dtype=torch.float64, generator=generator)
    b = torch.randn(4, dtype=torch.float64, generator=generator)
    target = [0, 2, 1, 1, 0]
    w = model.weight.detach()[target]
    expected = ((x - b) * w).numpy()
    np.testing.assert_allclose(attributions(model, x, "integrated_gradients", target, b), expected, atol=1e-12)
    np.testing.assert_allclose(attributions(model, x, "gradient_shap", target, b, generator=generator), expected)
    np.testing.assert_allclose(attributions(model, x, "saliency", target), w.abs().numpy())


def test_saliency_matches_finite_differences(generator):
    model = hybrid(4, dtype=torch.complex128)
    x = torch.randn(3, 4, dtype=torch.float64, generator=generator)
    a = attributions(model, x, "saliency", target=1)
    eps = 1e-6
    with torch.no_grad():
        columns = [(model(x + eps * e)[:, 1] - model(x - eps * e)[:, 1]) / (2 * eps) for e in torch.eye(4).double()]
    np.testing.assert_allclose(a, torch.stack(columns, dim=1).abs().numpy(), atol=1e-7)


def test_default_target_is_the_predicted_class(generator):
    model = nn.Linear(3, 4).double()
    x = torch.randn(6, 3, dtype=torch.float64, generator=generator)
    predicted = model(x).argmax(1).tolist()
    np.testing.assert_array_equal(attributions(model, x, "saliency"), attributions(model, x, "saliency", predicted))


def test_estimator_targets_are_class_labels(rng):
    x = rng.normal(size=(40, 3))
    labels = np.where(x[:, 0] > 0, "yes", "no")
    fitted = LogisticRegression().fit(x, labels)
    yes = attributions(fitted, x[:5], "integrated_gradients", target="yes")
    no = attributions(fitted, x[:5], "integrated_gradients", target="no")
    np.testing.assert_allclose(yes, -no)  # the two centred logits are each other's negation
    assert (yes[:, 0] * x[:5, 0] > 0).all()  # pushing feature 0 up pushes towards "yes"


class FittedHybrid:
    """Stands for a fitted variational estimator: a torch module `model_` and the labels `classes_`."""

    def __init__(self, model_, classes_):
        self.model_ = model_
        self.classes_ = np.asarray(classes_)
        self.n_features_in_ = model_[0].in_features


def test_estimator_with_model_is_explained_through_it(trained, generator):
    model, x = trained
    estimator = FittedHybrid(model, [3, 5])
    via_estimator = attributions(estimator, x.numpy(), "integrated_gradients", target=5)
    np.testing.assert_allclose(via_estimator, attributions(model, x, "integrated_gradients", target=1))


def test_batches_do_not_change_deterministic_methods(trained):
    model, x = trained
    for method in ("integrated_gradients", "saliency"):
        # float32: a batch of another size rounds differently, by a few units in the last place
        np.testing.assert_allclose(
            attributions(model, x, method, batch_size=7),
            attributions(model, x, method, batch_size=1000),
            rtol=1e-5,
            atol=1e-6,
        )


def test_seeded_draws_repeat_and_leave_global_generators_alone(trained):
    model, x = trained
    torch_state, numpy_state = torch.get_rng_state(), np.random.get_state()[1].copy()  # noqa: NPY002
    first = attributions(model, x, generator=torch.Generator().manual_seed(7))
    second = attributions(model, x, generator=torch.Generator().manual_seed(7))
    other = attributions(model, x, generator=torch.Generator().manual_seed(8))
    np.testing.assert_array_equal(first, second)
    assert not np.allclose(first, other)
    assert torch.equal(torch.get_rng_state(), torch_state)
    np.testing.assert_array_equal(np.random.get_state()[1], numpy_state)  # noqa: NPY002


def test_integrated_gradients_over_a_set_of_baselines(generator):
    model = nn.Linear(3, 2).double()
    x = torch.randn(50, 3, dtype=torch.float64, generator=generator)
    baselines = torch.tensor([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]], dtype=torch.float64)
    a = attributions(model, x, "integrated_gradients", 0, baselines, generator=generator)
    w = model.weight.detach()[0]
    # IG of a linear model is (x - b) * w: find which of the two baselines each sample used.
    candidates = ((x[:, None, :] - baselines[None]) * w).numpy()  # (50, 2, 3)
    matches = np.isclose(a[:, None, :], candidates, atol=1e-9).all(axis=2)  # (50, 2)
    assert matches.any(axis=1).all()  # each sample used one of the two
    assert matches[:, 0].any() and matches[:, 1].any()  # and both were drawn


def test_image_shaped_inputs_keep_their_shape(generator):
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 2))
    x = torch.rand(3, 1, 4, 4, generator=generator)
    assert attributions(model, x, "integrated_gradients").shape == (3, 1, 4, 4)


def test_model_modes_are_restored(trained):
    model, x = trained
    model.train()
    attributions(model, x, "saliency")
    assert model.training


class Detached(nn.Module):
    def forward(self, x):
        return torch.stack([x.sum(1), -x.sum(1)], dim=1).detach()


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"method": "shap"}, ValueError, "method must be one of"),
        ({"X": torch.zeros(4, 7)}, ValueError, "does not fit the model"),
        ({"X": torch.zeros(6)}, ValueError, "X must have shape"),
        ({"X": torch.full((2, 6), float("nan"))}, ValueError, "NaN"),
        ({"target": 2}, ValueError, r"target must be output indices in \[0, 2\)"),
        ({"target": [0, 1]}, ValueError, "one per sample"),
        ({"method": "saliency", "baselines": torch.zeros(6)}, ValueError, "saliency takes no baselines"),
        ({"baselines": torch.zeros(3, 5)}, ValueError, "baselines must have shape"),
        ({"n_samples": 0}, ValueError, "n_samples must be a positive integer"),
        ({"batch_size": 2.5}, ValueError, "batch_size must be a positive integer"),
        ({"model": Detached()}, ValueError, "not differentiable"),
        ({"model": SVC()}, ValueError, "not fitted"),
    ],
)
def test_bad_input_is_named(trained, kwargs, error, message):
    model, x = trained
    arguments = {"model": model, "X": x[:4]} | kwargs
    with pytest.raises(error, match=message):
        attributions(**arguments)


def test_kernel_models_are_not_differentiable(rng):
    x = rng.normal(size=(20, 3))
    fitted = SVC().fit(x, x[:, 0] > 0)
    with pytest.raises(TypeError, match="SVC has no differentiable model"):
        attributions(fitted, x)


def test_estimator_input_width_is_checked(rng):
    fitted = LogisticRegression().fit(rng.normal(size=(20, 3)), [0, 1] * 10)
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 3\)"):
        attributions(fitted, np.zeros((2, 4)))
    with pytest.raises(ValueError, match="target must be labels from the model's classes_"):
        attributions(fitted, np.zeros((2, 3)), target=7)
