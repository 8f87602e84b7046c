import numpy as np
import pytest
import torch
from torch import nn

from qnn.explain import FeatureImportance, feature_importance


@pytest.fixture
def linear():
    model = nn.Linear(3, 2).double()
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[0.0, 0.0, 0.0], [2.0, -0.5, 0.0]]))
        model.bias.zero_()
    return model


def test_integrated_gradients_importance_is_mean_absolute_attribution(linear, generator):
    x = torch.randn(30, 3, dtype=torch.float64, generator=generator)
    imp = feature_importance(linear, x, "integrated_gradients", target=1, n_repeats=3)
    # IG from the zero baseline of a linear model: x * w, exactly, so every repeat agrees.
    expected = (x.abs() * torch.tensor([2.0, 0.5, 0.0])).mean(0).numpy()
    np.testing.assert_allclose(imp.mean, expected)
    np.testing.assert_allclose(imp.std, 0.0, atol=1e-15)
    assert imp.ranking().tolist() == [0, 1, 2]
    assert imp.repeats.shape == (3, 3) and imp.method == "integrated_gradients"


def test_gradient_shap_spread_comes_from_the_baseline_draws(linear, generator):
    x = torch.randn(10, 3, dtype=torch.float64, generator=generator)
    imp = feature_importance(linear, x, target=1, n_repeats=4, n_samples=3, generator=generator)
    assert (imp.std[:2] > 0).all()  # different baselines on each repeat
    assert imp.mean[2] == 0 and imp.std[2] == 0  # a feature the model ignores
    repeat = feature_importance(linear, x, target=1, n_repeats=4, n_samples=3, generator=torch.Generator())
    assert repeat.repeats.shape == (4, 3)


def test_image_features_are_flattened(generator):
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
    imp = feature_importance(model, torch.rand(5, 2, 2, generator=generator), "saliency", n_repeats=1)
    assert imp.mean.shape == (4,) and (imp.std == 0).all()


def test_one_repeat_has_zero_spread():
    imp = FeatureImportance(np.array([[0.2, 0.1]]), "saliency")
    np.testing.assert_array_equal(imp.std, [0.0, 0.0])


@pytest.mark.parametrize("n_repeats", [0, 1.5, True])
def test_bad_repeats_are_named(linear, n_repeats):
    with pytest.raises(ValueError, match="n_repeats must be a positive integer"):
        feature_importance(linear, torch.zeros(2, 3), n_repeats=n_repeats)
