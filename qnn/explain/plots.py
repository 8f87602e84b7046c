"""Plots of attributions: a feature-importance bar chart with error bars, and per-image heat maps."""

from __future__ import annotations

import math

import numpy as np

from qnn.explain.importance import FeatureImportance


def plot_importance(importance: FeatureImportance, feature_names=None, *, top: int | None = None, ax=None, label=None):
    """Horizontal bars of mean |attribution| per feature, most important on top, ± one std over the repeats.

    Args:
        importance: from `feature_importance`.
        feature_names: one name per feature (default ``x0, x1, ...``).
        top: show only the `top` most important features.
        ax: the matplotlib axes to draw on (default: a new figure).
        label: the title, e.g. the model's name.

    Returns:
        The matplotlib axes.

    Example:
        >>> import numpy as np
        >>> ax = plot_importance(FeatureImportance(np.array([[0.1, 0.5], [0.2, 0.4]]), "saliency"), ["a", "b"])
    """
    n = importance.repeats.shape[1]
    names = [f"x{i}" for i in range(n)] if feature_names is None else [str(name) for name in feature_names]
    if len(names) != n:
        raise ValueError(f"feature_names must name all {n} features, got {len(names)}")
    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
        raise ValueError(f"top must be None or a positive integer, got {top!r}")
    order = importance.ranking()[:top][::-1]  # barh draws from the bottom up
    ax = ax if ax is not None else _new_axes(figsize=(5, 0.3 * len(order) + 1.2))
    ax.barh(np.arange(len(order)), importance.mean[order], xerr=importance.std[order], capsize=2, color="tab:blue")
    ax.set_yticks(np.arange(len(order)), [names[i] for i in order])
    ax.set_xlabel(f"mean |attribution| ({importance.method.replace('_', ' ')})")
    if label is not None:
        ax.set_title(label)
    return ax


def plot_heatmaps(attributions, images=None, *, image_shape=None, n_images: int = 8, n_cols: int = 4, fig=None):
    """One heat map of attributions per image (red positive, blue negative, symmetric scale per image).

    Args:
        attributions: ``(n, H, W)`` or ``(n, H * W)`` (then `image_shape`, or a square image is assumed).
        images: the inputs of the same shape, drawn in grey beneath the heat maps (optional).
        image_shape: ``(H, W)`` for flat attributions.
        n_images: how many of the first images to draw.
        n_cols: heat maps per row.
        fig: the matplotlib figure to draw on (default: a new one).

    Returns:
        The matplotlib figure.

    Example:
        >>> import numpy as np
        >>> fig = plot_heatmaps(np.random.default_rng(0).normal(size=(2, 16)), n_images=2)
    """
    maps = _as_images(np.asarray(attributions, dtype=float), image_shape, "attributions")
    pictures = None if images is None else _as_images(np.asarray(images, dtype=float), maps.shape[1:], "images")
    if pictures is not None and len(pictures) != len(maps):
        raise ValueError(f"images must match attributions: {len(maps)} images, got {len(pictures)}")
    for name, value in (("n_images", n_images), ("n_cols", n_cols)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    count = min(n_images, len(maps))
    cols = min(n_cols, count)
    rows = math.ceil(count / cols)
    if fig is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(2 * cols, 2 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.set_axis_off()
        if i >= count:
            continue
        if pictures is not None:
            ax.imshow(pictures[i], cmap="gray")
        scale = np.abs(maps[i]).max() or 1.0
        ax.imshow(maps[i], cmap="RdBu_r", vmin=-scale, vmax=scale, alpha=0.7 if pictures is not None else 1.0)
    return fig


def _as_images(values: np.ndarray, image_shape, name: str) -> np.ndarray:
    """(n, H, W) or (n, H * W) → (n, H, W)."""
    if values.ndim == 3:
        shape = values.shape[1:]
    elif values.ndim == 2:
        side = math.isqrt(values.shape[1])
        shape = tuple(image_shape) if image_shape is not None else (side, side)
    else:
        raise ValueError(f"{name} must have shape (n, H, W) or (n, H * W), got {values.shape}")
    if (
        image_shape is not None
        and tuple(image_shape) != tuple(shape)
        or math.prod(shape) != math.prod(values.shape[1:])
    ):
        raise ValueError(f"{name} of shape {values.shape} are not images of shape {tuple(image_shape or shape)}")
    return values.reshape(len(values), *shape)


def _new_axes(figsize):
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize)[1]
