import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from qnn.explain import as_module


def probabilities(module, x):
    with torch.no_grad():
        return torch.softmax(module(torch.as_tensor(x)), dim=1).numpy()


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
def test_mlp_copy_reproduces_predict_proba(rng, n_classes, activation):
    x = rng.normal(size=(60, 4))
    y = np.arange(60) % n_classes
    mlp = MLPClassifier(hidden_layer_sizes=(5, 3), activation=activation, max_iter=50, random_state=0)
    with pytest.warns(Warning, match="Maximum iterations"):  # a few iterations suffice to check the copy
        mlp.fit(x, y)
    explained = as_module(mlp)
    np.testing.assert_allclose(probabilities(explained.module, x), mlp.predict_proba(x), atol=1e-12)
    np.testing.assert_array_equal(explained.classes, mlp.classes_)
    assert explained.n_features == 4


@pytest.mark.parametrize("n_classes", [2, 4])
def test_logistic_regression_copy_reproduces_predict_proba(rng, n_classes):
    x = rng.normal(size=(80, 3))
    y = np.array(list("abcd"))[np.arange(80) % n_classes]
    fitted = LogisticRegression().fit(x, y)
    explained = as_module(fitted)
    np.testing.assert_allclose(probabilities(explained.module, x), fitted.predict_proba(x), atol=1e-12)
    np.testing.assert_array_equal(explained.classes, fitted.classes_)


def test_modules_pass_through():
    module = torch.nn.Linear(2, 2)
    explained = as_module(module)
    assert explained.module is module and explained.classes is None and explained.n_features is None


def test_unfitted_and_unsupported_models_are_refused():
    with pytest.raises(ValueError, match="MLPClassifier is not fitted"):
        as_module(MLPClassifier())
    with pytest.raises(TypeError, match="str has no differentiable model"):
        as_module("a model")
