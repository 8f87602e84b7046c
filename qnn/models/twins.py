"""Classical twins of the hybrid models, and sizing them to a parameter count so comparisons are fair.

The standard baselines are scikit-learn's own `MLPClassifier`, `SVC` and `LogisticRegression` and
torch's `nn.LSTM` and `nn.TransformerEncoderLayer`; this module only sizes them, and builds the two
small torch twins torch lacks as one class (an MLP, and the CNN twin of a quanvolutional net).

Example:
    >>> matched_hidden_sizes(n_features=4, n_classes=2, n_params=40)
    (6,)
    >>> mlp_n_params(4, 2, (6,))
    37
"""

from __future__ import annotations

from collections.abc import Callable

from torch import nn


def mlp_n_params(n_features: int, n_classes: int, hidden_sizes: tuple[int, ...]) -> int:
    """Weights and biases of scikit-learn's `MLPClassifier(hidden_layer_sizes=hidden_sizes)` once fitted.

    Like scikit-learn, two classes use one output unit (a logistic output), more use one per class.
    """
    outputs = 1 if n_classes == 2 else n_classes
    sizes = (n_features, *hidden_sizes, outputs)
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))


def matched_hidden_sizes(n_features: int, n_classes: int, n_params: int, n_hidden_layers: int = 1) -> tuple[int, ...]:
    """Hidden sizes (equal widths) for `MLPClassifier` whose parameter count is closest to `n_params`;
    ties go to the smaller network, and every layer has at least one unit."""
    for name, value in (("n_features", n_features), ("n_classes", n_classes), ("n_hidden_layers", n_hidden_layers)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if n_classes < 2:
        raise ValueError(f"n_classes must be at least 2, got {n_classes}")
    if isinstance(n_params, bool) or not isinstance(n_params, int) or n_params < 0:
        raise ValueError(f"n_params must be a non-negative integer, got {n_params!r}")
    best, width = (1,) * n_hidden_layers, 1
    while True:
        sizes = (width,) * n_hidden_layers
        count = mlp_n_params(n_features, n_classes, sizes)
        if abs(count - n_params) < abs(mlp_n_params(n_features, n_classes, best) - n_params):
            best = sizes
        if count >= n_params:
            return best
        width += 1


def mlp(
    n_inputs: int,
    hidden_sizes: tuple[int, ...],
    n_outputs: int,
    activation: Callable[[], nn.Module] = nn.ReLU,
    dropout: float = 0.0,
) -> nn.Sequential:
    """A torch MLP: (batch, n_inputs) → (batch, n_outputs), each hidden layer followed by
    `activation()` and dropout."""
    layers: list[nn.Module] = []
    width = n_inputs
    for size in hidden_sizes:
        layers += [nn.Linear(width, size), activation(), nn.Dropout(dropout)]
        width = size
    layers.append(nn.Linear(width, n_outputs))
    return nn.Sequential(*layers)


def cnn(image_shape: tuple[int, int], n_classes: int, channels: int = 4, kernel_size: int = 2) -> nn.Sequential:
    """The classical twin of `quanvolutional_net`: a k×k convolution with stride k in place of the quantum
    filter, then ReLU, Flatten and Linear. (batch, 1, H, W) → (batch, n_classes)."""
    h, w = image_shape
    k = kernel_size
    return nn.Sequential(
        nn.Conv2d(1, channels, kernel_size=k, stride=k),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(channels * (h // k) * (w // k), n_classes),
    )


def lstm_n_params(input_size: int, hidden_size: int, n_outputs: int = 1) -> int:
    """Parameters of `nn.LSTM(input_size, hidden_size)` (two bias vectors per gate, as torch has) plus
    a linear head to `n_outputs`."""
    return 4 * hidden_size * (input_size + hidden_size + 2) + (hidden_size + 1) * n_outputs


def matched_lstm_hidden_size(input_size: int, n_params: int, n_outputs: int = 1) -> int:
    """The `hidden_size` whose `lstm_n_params` is closest to `n_params` (at least 1; ties go smaller)."""
    size = 1
    while lstm_n_params(input_size, size + 1, n_outputs) <= n_params:
        size += 1
    above = lstm_n_params(input_size, size + 1, n_outputs)
    return size + 1 if above - n_params < n_params - lstm_n_params(input_size, size, n_outputs) else size
