"""The differentiable torch module behind a model: a module itself, a fitted estimator's `model_`, or an exact
torch copy of a fitted scikit-learn `MLPClassifier` or `LogisticRegression` (so that classical baselines are
explained the same way)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

ACTIVATIONS = {"identity": nn.Identity, "logistic": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}


@dataclass(frozen=True)
class Explained:
    """A model reduced to what attributions need."""

    module: nn.Module  # (batch, *feature_shape) → (batch, n_outputs) logits
    classes: np.ndarray | None  # the label each output stands for; None for a bare torch module
    n_features: int | None  # the input width an estimator was fitted on, if it says


def as_module(model) -> Explained:
    """Find the torch module whose input gradients explain `model`.

    Args:
        model: a torch ``nn.Module``; a fitted estimator with a torch module ``model_`` (every variational
            ``qnn.models`` classifier); or a fitted scikit-learn ``MLPClassifier`` / ``LogisticRegression``,
            copied into an equivalent module (float64; binary models get the two logits ``(-z/2, z/2)``,
            whose softmax is ``predict_proba``).

    Example:
        >>> from sklearn.linear_model import LogisticRegression
        >>> fitted = LogisticRegression().fit([[0.0], [1.0]], ["a", "b"])
        >>> as_module(fitted).module(torch.zeros(3, 1, dtype=torch.float64)).shape
        torch.Size([3, 2])
    """
    if isinstance(model, nn.Module):
        return Explained(model, None, None)
    name = type(model).__name__
    module = model.logit_model() if hasattr(model, "logit_model") else getattr(model, "model_", None)
    if isinstance(module, nn.Module):
        return Explained(module, _classes(model), getattr(model, "n_features_in_", None))
    if name == "MLPClassifier":
        return Explained(_check_fitted(model, "coefs_") and _mlp(model), model.classes_, model.n_features_in_)
    if name == "LogisticRegression":
        return Explained(_check_fitted(model, "coef_") and _linear(model), model.classes_, model.n_features_in_)
    if hasattr(model, "fit") and not hasattr(model, "classes_"):
        raise ValueError(f"model {name} is not fitted: call fit first")
    raise TypeError(
        f"model must be a torch nn.Module, a fitted estimator with a torch module `model_`, or a fitted "
        f"MLPClassifier / LogisticRegression; {name} has no differentiable model (kernel methods such as SVC "
        "and the quantum kernel classifiers are not explained by gradients)"
    )


def _check_fitted(model, attribute: str) -> bool:
    if not hasattr(model, attribute):
        raise ValueError(f"model {type(model).__name__} is not fitted: call fit first")
    return True


def _classes(model) -> np.ndarray | None:
    classes = getattr(model, "classes_", None)
    return None if classes is None else np.asarray(classes)


def _mlp(mlp) -> nn.Module:
    if mlp.activation not in ACTIVATIONS:
        raise ValueError(f"MLPClassifier activation must be one of {sorted(ACTIVATIONS)}, got {mlp.activation!r}")
    if mlp.out_activation_ not in ("softmax", "logistic") or (mlp.out_activation_ == "logistic" and mlp.n_outputs_ > 1):
        raise ValueError("only single-label MLPClassifier models (binary or multi-class) can be explained")
    layers = []
    for i, (weight, bias) in enumerate(zip(mlp.coefs_, mlp.intercepts_, strict=True)):
        layers.append(_dense(weight.T, bias))
        if i < len(mlp.coefs_) - 1:
            layers.append(ACTIVATIONS[mlp.activation]())
    if mlp.out_activation_ == "logistic":
        layers.append(CenteredLogits())
    return nn.Sequential(*layers)


def _linear(model) -> nn.Module:
    layers = [_dense(model.coef_, model.intercept_)]
    if model.coef_.shape[0] == 1:
        layers.append(CenteredLogits())
    return nn.Sequential(*layers)


def _dense(weight: np.ndarray, bias: np.ndarray) -> nn.Linear:
    """(n_out, n_in) weight and (n_out,) bias as a float64 linear layer."""
    layer = nn.Linear(weight.shape[1], weight.shape[0], dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.as_tensor(weight, dtype=torch.float64))
        layer.bias.copy_(torch.as_tensor(bias, dtype=torch.float64))
    return layer.requires_grad_(False)


class CenteredLogits(nn.Module):
    """One logit z of a binary classifier as two, (batch, 1) → (batch, 2): ``(-z/2, z/2)``.

    Their softmax is ``(1 - sigmoid(z), sigmoid(z))``, and each class's attributions are the other's negated.
    """

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.cat([-z / 2, z / 2], dim=1)
