"""Global feature importance: mean absolute attribution per feature, with its spread over baseline draws."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from qnn.explain.attributions import attributions


@dataclass(frozen=True)
class FeatureImportance:
    """Mean |attribution| per feature, repeated over independent draws of baselines and path points."""

    repeats: np.ndarray  # (n_repeats, n_features): one row per repeat, each averaged over the samples
    method: str  # the attribution method

    @property
    def mean(self) -> np.ndarray:
        """(n_features,) importance averaged over the repeats."""
        return self.repeats.mean(axis=0)

    @property
    def std(self) -> np.ndarray:
        """(n_features,) standard deviation over the repeats: how much the baseline draws move the importance."""
        return self.repeats.std(axis=0, ddof=1) if len(self.repeats) > 1 else np.zeros(self.repeats.shape[1])

    def ranking(self) -> np.ndarray:
        """(n_features,) feature indices, most important first."""
        return np.argsort(-self.mean, kind="stable")


def feature_importance(
    model,
    X,
    method: str = "gradient_shap",
    target=None,
    baselines=None,
    *,
    n_repeats: int = 5,
    generator: torch.Generator | None = None,
    **kwargs,
) -> FeatureImportance:
    """Run `attributions` `n_repeats` times and average |attribution| over the samples each time.

    Features are flattened: image inputs ``(n_samples, H, W)`` give ``H * W`` features. Gradient SHAP draws
    new baselines and path points on each repeat, so the spread over repeats is the uncertainty from the
    baseline samples; Integrated Gradients with one baseline and saliency repeat exactly (spread 0).

    Args:
        model, X, method, target, baselines: as for `attributions`.
        n_repeats: independent repeats (>= 1).
        generator: seeds every repeat; None uses the global generators.
        **kwargs: passed to `attributions` (``n_samples``, ``batch_size``, ``progress``).

    Example:
        >>> from torch import nn
        >>> model = nn.Linear(4, 2)
        >>> imp = feature_importance(model, torch.rand(20, 4), n_repeats=3, generator=torch.Generator().manual_seed(0))
        >>> imp.mean.shape, imp.std.shape
        ((4,), (4,))
    """
    if isinstance(n_repeats, bool) or not isinstance(n_repeats, int) or n_repeats < 1:
        raise ValueError(f"n_repeats must be a positive integer, got {n_repeats!r}")
    rows = []
    for _ in range(n_repeats):
        a = attributions(model, X, method, target, baselines, generator=generator, **kwargs)
        rows.append(np.abs(a.reshape(len(a), -1)).mean(axis=0))
    return FeatureImportance(np.stack(rows).astype(np.float64), method)
