"""Which features does a model use? Attributions of hybrid and classical models through Captum.

Example:
    >>> import torch
    >>> from torch import nn
    >>> from qnn.explain import attributions, feature_importance, plot_importance
    >>> model = nn.Linear(4, 2)
    >>> attributions(model, torch.rand(8, 4), method="integrated_gradients").shape
    (8, 4)
"""

from qnn.explain.attributions import METHODS, attributions
from qnn.explain.importance import FeatureImportance, feature_importance
from qnn.explain.modules import as_module
from qnn.explain.plots import plot_heatmaps, plot_importance

__all__ = [
    "METHODS",
    "FeatureImportance",
    "as_module",
    "attributions",
    "feature_importance",
    "plot_heatmaps",
    "plot_importance",
]
