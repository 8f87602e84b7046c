"""Feature attributions of a hybrid (or classical) model through Captum, with gradients from qnn's simulator."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from qnn.explain.modules import Explained, as_module

# Samples of the path from baseline to input: random draws (Gradient SHAP), integration steps (Integrated
# Gradients). Saliency takes one gradient at the input.
DEFAULT_N_SAMPLES = {"gradient_shap": 25, "integrated_gradients": 50, "saliency": 1}
METHODS = tuple(DEFAULT_N_SAMPLES)


def attributions(
    model,
    X,
    method: str = "gradient_shap",
    target=None,
    baselines=None,
    *,
    n_samples: int | None = None,
    batch_size: int = 64,
    generator: torch.Generator | None = None,
    progress: bool = False,
) -> np.ndarray:
    """Attribute each sample's output for its target class to the input features.

    Args:
        model: a torch module mapping ``(batch, *feature_shape)`` to logits ``(batch, n_outputs)``, a fitted
            estimator with such a module as ``model_`` (the variational ``qnn.models`` classifiers), or a
            fitted scikit-learn ``MLPClassifier`` / ``LogisticRegression`` (see `as_module`).
        X: ``(n_samples, *feature_shape)`` array or tensor, in the units the model takes.
        method: ``"gradient_shap"`` (expected gradients over random baselines and points on the path),
            ``"integrated_gradients"`` or ``"saliency"`` (absolute gradient at the input).
        target: None for each sample's predicted class; one class for all samples, or one per sample. For an
            estimator a class is a label from ``classes_``; for a torch module it is an output index.
        baselines: the reference inputs, ``(n_baselines, *feature_shape)`` or ``feature_shape``. Gradient
            SHAP draws from them (default: `X` itself, so attributions sum to about f(x) minus the average
            output). Integrated Gradients uses one baseline (default zeros) or, given several, one drawn at
            random per sample. Saliency takes none.
        n_samples: random draws (Gradient SHAP, default 25) or integration steps (Integrated Gradients,
            default 50) per sample.
        batch_size: samples per forward and backward pass (each expanded by `n_samples`).
        generator: draws the baselines and path points; None uses torch's and numpy's global generators.
            With a generator those are left as they were.
        progress: show a progress bar over the batches.

    Returns:
        Attributions shaped like `X` (the model's float dtype).

    Example:
        >>> import circuits
        >>> from qnn import QuantumLayer
        >>> layer = QuantumLayer(circuits.angle_encoding(3) + circuits.basic_entangler(3, n_layers=1))
        >>> model = nn.Sequential(layer, nn.Linear(3, 2))
        >>> attributions(model, torch.rand(10, 3), generator=torch.Generator().manual_seed(0)).shape
        (10, 3)
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    n_samples = DEFAULT_N_SAMPLES[method] if n_samples is None else n_samples
    _check_positive("n_samples", n_samples)
    _check_positive("batch_size", batch_size)
    explained = as_module(model)
    module = explained.module
    dtype, device = _dtype_and_device(module)
    x = _as_inputs(X, dtype, device, explained.n_features)
    training = module.training
    module.eval()  # dropout and batch statistics would make the gradients random
    try:
        targets = _targets(explained, x, target, batch_size)
        base, per_sample = _baselines(method, baselines, x, generator)
        out = []
        with _seeded(generator):
            for i in tqdm(range(0, len(x), batch_size), desc=method, disable=not progress, leave=False):
                rows = slice(i, i + batch_size)
                # Gradient SHAP draws from the whole set; per-sample baselines follow their samples.
                chunk_base = base[rows] if per_sample else base
                out.append(_attribute(module, method, x[rows], targets[rows], chunk_base, n_samples))
    finally:
        module.train(training)
    return torch.cat(out).detach().cpu().numpy()


def _attribute(module: nn.Module, method: str, x, targets, baselines, n_samples: int) -> torch.Tensor:
    try:
        from captum.attr import GradientShap, IntegratedGradients, Saliency
    except ImportError as error:
        raise ImportError("attributions need Captum: pip install 'qnn[explain]'") from error

    if method == "gradient_shap":
        return GradientShap(module).attribute(x, baselines, n_samples=n_samples, target=targets)
    if method == "integrated_gradients":
        return IntegratedGradients(module).attribute(x, baselines, target=targets, n_steps=n_samples)
    # Saliency warns unless the input already requires gradients.
    return Saliency(module).attribute(x.clone().requires_grad_(), target=targets)


def _dtype_and_device(module: nn.Module) -> tuple[torch.dtype, torch.device]:
    for p in list(module.parameters()) + list(module.buffers()):
        if p.is_floating_point():
            return p.dtype, p.device
    return torch.get_default_dtype(), torch.device("cpu")


def _as_inputs(X, dtype: torch.dtype, device: torch.device, n_features: int | None) -> torch.Tensor:
    x = X.detach() if isinstance(X, torch.Tensor) else torch.as_tensor(np.asarray(X, dtype=np.float64))
    if x.dim() < 2 or x.shape[0] == 0:
        raise ValueError(f"X must have shape (n_samples, *feature_shape) with n_samples >= 1, got {tuple(x.shape)}")
    if n_features is not None and (x.dim() != 2 or x.shape[1] != n_features):
        raise ValueError(f"X must have shape (n_samples, {n_features}) for this model, got {tuple(x.shape)}")
    if not torch.isfinite(x).all():
        raise ValueError("X contains NaN or inf")
    return x.to(dtype=dtype, device=device)


def _targets(explained: Explained, x: torch.Tensor, target, batch_size: int) -> torch.Tensor:
    """One output index per sample: (n_samples,) long."""
    outputs = _outputs(explained.module, x[:batch_size])
    n_outputs = outputs.shape[1]
    if target is None:
        with torch.no_grad():
            predicted = [explained.module(x[i : i + batch_size]).argmax(1) for i in range(0, len(x), batch_size)]
        return torch.cat(predicted)
    values = np.asarray(target)
    if values.ndim > 1 or (values.ndim == 1 and len(values) != len(x)):
        raise ValueError(f"target must be one class or one per sample ({len(x)}), got shape {values.shape}")
    indices = np.broadcast_to(_indices(explained.classes, values.ravel(), n_outputs), (len(x),))
    return torch.as_tensor(indices.copy(), dtype=torch.long, device=x.device)


def _indices(classes: np.ndarray | None, values: np.ndarray, n_outputs: int) -> np.ndarray:
    if classes is not None:
        lookup = {c: i for i, c in enumerate(classes.tolist())}
        missing = [v for v in values.tolist() if v not in lookup]
        if missing:
            raise ValueError(f"target must be labels from the model's classes_ {classes.tolist()}, got {missing[0]!r}")
        return np.array([lookup[v] for v in values.tolist()])
    if not np.issubdtype(values.dtype, np.integer) or values.min() < 0 or values.max() >= n_outputs:
        raise ValueError(f"target must be output indices in [0, {n_outputs}), got {values.tolist()}")
    return values


def _outputs(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Runs the module on a few samples to check that its output is (batch, n_outputs) and differentiable."""
    probe = x[:2].clone().requires_grad_()
    try:
        outputs = module(probe)
    except (RuntimeError, ValueError, TypeError, IndexError) as error:
        raise ValueError(f"X of shape {tuple(x.shape)} does not fit the model: {error}") from error
    if not isinstance(outputs, torch.Tensor) or outputs.dim() != 2 or outputs.shape[0] != len(probe):
        shape = tuple(outputs.shape) if isinstance(outputs, torch.Tensor) else type(outputs).__name__
        raise ValueError(f"the model must return logits of shape (batch, n_outputs), got {shape}")
    if not outputs.requires_grad:
        raise ValueError("the model's output is not differentiable with respect to its input (no gradient flows)")
    return outputs


def _baselines(method: str, baselines, x: torch.Tensor, generator) -> tuple[torch.Tensor | None, bool]:
    """The baselines as (n_baselines, *feature_shape), and whether there is one per sample."""
    if method == "saliency":
        if baselines is not None:
            raise ValueError("saliency takes no baselines; pass baselines=None")
        return None, False
    if baselines is None:
        return (x if method == "gradient_shap" else torch.zeros_like(x[:1])), False
    b = baselines.detach() if isinstance(baselines, torch.Tensor) else torch.as_tensor(np.asarray(baselines, float))
    b = b.to(dtype=x.dtype, device=x.device)
    feature_shape = tuple(x.shape[1:])
    if tuple(b.shape) == feature_shape:
        b = b[None]
    if tuple(b.shape[1:]) != feature_shape or b.shape[0] == 0:
        raise ValueError(
            f"baselines must have shape (n_baselines, *{feature_shape}) or {feature_shape}, got {tuple(b.shape)}"
        )
    if not torch.isfinite(b).all():
        raise ValueError("baselines contain NaN or inf")
    if method == "integrated_gradients" and b.shape[0] > 1:
        # Integrated Gradients over a set of baselines: one drawn for each sample.
        rows = torch.randint(b.shape[0], (len(x),), generator=generator)
        return b[rows.to(b.device)], True
    return b, False


@contextmanager
def _seeded(generator: torch.Generator | None) -> Iterator[None]:
    """Captum draws from torch's and numpy's global generators: seed both from `generator`, then restore them."""
    if generator is None:
        yield
        return
    seed = int(torch.randint(2**31 - 1, (1,), generator=generator))
    numpy_state = np.random.get_state()  # noqa: NPY002 (Captum draws from numpy's legacy global RNG)
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(seed)
        np.random.seed(seed)  # noqa: NPY002
        try:
            yield
        finally:
            np.random.set_state(numpy_state)  # noqa: NPY002


def _check_positive(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
