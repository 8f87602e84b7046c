"""The variational classifiers as scikit-learn estimators, named after their papers.

Each takes the shared training hyperparameters (`learning_rate`, `max_steps`, `batch_size`,
`convergence_interval`, `optimizer` ("adam", "rmsprop", "sgd" or a torch optimiser class),
`weight_decay`, `device`, `random_state`, `verbose`), `backend=` as `QuantumLayer` does, and, where
the model entangles, `entangling=True` (False removes every gate on two or more wires).

Example:
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(60, n_features=4, n_informative=2, random_state=0)
    >>> clf = IQPVariationalClassifier(n_layers=1, max_steps=5, random_state=0).fit(X, y)
    >>> clf.predict(X[:3]).shape, clf.n_qubits_
    ((3,), 4)
"""

from __future__ import annotations

from torch import nn

from qnn.models.base import QuantumClassifier
from qnn.models.layers import min_max_scaling, standard_scaling
from qnn.models.losses import check_choice, linear_loss, square_loss, squared_fidelity_loss
from qnn.models.reuploading import DataReuploading
from qnn.models.variational import circuit_centric, dressed_quantum_circuit, iqp_variational, separable_variational


class DressedQuantumCircuitClassifier(QuantumClassifier):
    """Mari et al. 2019: standardised features → Linear → tanh·π/2 → variational circuit → Linear.

    `n_qubits=None` uses one qubit per feature, as the paper does, or at most `max_qubits` when that is set;
    `dropout` acts before the quantum layer.
    `linear_layers="paper"`: the linear maps have no bias and N(0, 1)/d initial weights; `"torch"`: torch's.
    """

    def __init__(
        self,
        n_qubits=None,
        n_layers=3,
        linear_layers="paper",
        max_qubits=None,
        entangling=True,
        dropout=0.0,
        learning_rate=0.01,
        max_steps=200,
        batch_size=32,
        convergence_interval=20,
        optimizer="adam",
        weight_decay=0.0,
        backend="simulator",
        device="cpu",
        random_state=None,
        verbose=False,
    ):
        self.n_qubits = n_qubits
        self.n_layers = n_layers
        self.linear_layers = linear_layers
        self.max_qubits = max_qubits
        self.entangling = entangling
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.max_steps = max_steps
        self.batch_size = batch_size
        self.convergence_interval = convergence_interval
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.backend = backend
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _build_model(self, X, n_classes, generator):
        n_qubits = min(X.shape[1], self.max_qubits or X.shape[1]) if self.n_qubits is None else self.n_qubits
        core = dressed_quantum_circuit(
            X.shape[1], n_classes, n_qubits, self.n_layers, self.entangling, self.dropout, self.backend, generator,
            self.linear_layers,
        )  # fmt: skip
        return nn.Sequential(standard_scaling(X), core)


class DataReuploadingClassifier(QuantumClassifier):
    """Pérez-Salinas et al. 2020: features scaled to [-π/2, π/2], three per qubit, re-uploaded in every
    layer with trainable input scaling. `n_qubits=None` uses ⌈d/3⌉ qubits.

    `loss="squared_fidelity"` (the paper's): the weighted fidelity cost with trainable class weights α on the
    ⟨Z⟩ of the first w qubits (`observable_type` "single": 1, "half": ⌊n/2⌋, "full": all); the label is the
    sign of their mean. `loss="cross_entropy"`: σ(6·that mean) trained by cross-entropy. The paper covers two
    classes only: with more, either loss means ⟨Z⟩ on each wire, a linear map and cross-entropy.
    """

    def __init__(
        self,
        n_qubits=None,
        n_layers=4,
        observable_type="single",
        loss="squared_fidelity",
        entangling=True,
        learning_rate=0.05,
        max_steps=200,
        batch_size=32,
        convergence_interval=20,
        optimizer="adam",
        weight_decay=0.0,
        backend="simulator",
        device="cpu",
        random_state=None,
        verbose=False,
    ):
        self.n_qubits = n_qubits
        self.n_layers = n_layers
        self.observable_type = observable_type
        self.loss = loss
        self.entangling = entangling
        self.learning_rate = learning_rate
        self.max_steps = max_steps
        self.batch_size = batch_size
        self.convergence_interval = convergence_interval
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.backend = backend
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _build_model(self, X, n_classes, generator):
        self.readout_ = _readout(self.loss, "squared_fidelity", n_classes)
        core = DataReuploading(
            X.shape[1], n_classes, self.n_layers, self.n_qubits, self.entangling, self.backend, generator,
            self.observable_type, self.readout_,
        )  # fmt: skip
        return nn.Sequential(min_max_scaling(X), core)

    def _loss_fn(self):
        if self.readout_ == "logits":
            return None
        alphas = self.model_[1].alphas
        return lambda outputs, targets: squared_fidelity_loss(outputs, targets, alphas)


class IQPVariationalClassifier(QuantumClassifier):
    """Havlíček et al. 2019: features scaled to [-π/2, π/2], IQP encoding repeated `repeats` times,
    `n_layers` strongly entangling layers with CZs; one qubit per feature.

    `loss="linear"` (the paper's, two classes): the probability of a wrong label, (1 − y⟨Z₀Z₁⟩)/2, and the label
    by the sign of ⟨Z₀Z₁⟩; `loss="cross_entropy"`: σ(6⟨Z₀Z₁⟩) trained by cross-entropy. More than two classes
    use ⟨Z⟩ on each wire, a linear map and cross-entropy under either.
    """

    def __init__(
        self,
        n_layers=3,
        repeats=1,
        loss="linear",
        entangling=True,
        learning_rate=0.05,
        max_steps=200,
        batch_size=32,
        convergence_interval=20,
        optimizer="adam",
        weight_decay=0.0,
        backend="simulator",
        device="cpu",
        random_state=None,
        verbose=False,
    ):
        self.n_layers = n_layers
        self.repeats = repeats
        self.loss = loss
        self.entangling = entangling
        self.learning_rate = learning_rate
        self.max_steps = max_steps
        self.batch_size = batch_size
        self.convergence_interval = convergence_interval
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.backend = backend
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _build_model(self, X, n_classes, generator):
        self.readout_ = _readout(self.loss, "linear", n_classes)
        core = iqp_variational(
            X.shape[1], n_classes, self.n_layers, self.repeats, self.entangling, self.backend, generator, self.readout_
        )
        return nn.Sequential(min_max_scaling(X), core)

    def _loss_fn(self):
        return linear_loss if self.readout_ == "expectations" else None


class SeparableVariationalClassifier(QuantumClassifier):
    """qml-benchmarks' separable control: features scaled to [-π/2, π/2], `n_layers` encoding layers of
    trainable rotations and RY(xᵢ) on each qubit, no entangling gate."""

    def __init__(
        self,
        n_layers=1,
        learning_rate=0.05,
        max_steps=200,
        batch_size=32,
        convergence_interval=20,
        optimizer="adam",
        weight_decay=0.0,
        backend="simulator",
        device="cpu",
        random_state=None,
        verbose=False,
    ):
        self.n_layers = n_layers
        self.learning_rate = learning_rate
        self.max_steps = max_steps
        self.batch_size = batch_size
        self.convergence_interval = convergence_interval
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.backend = backend
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _build_model(self, X, n_classes, generator):
        return nn.Sequential(
            min_max_scaling(X), separable_variational(X.shape[1], n_classes, self.n_layers, self.backend, generator)
        )


class CircuitCentricClassifier(QuantumClassifier):
    """Schuld et al. 2018: features amplitude-encoded on ⌈log₂ d⌉ qubits per copy (`n_copies` tensor copies),
    strongly entangling layers, ⟨Z₀⟩ plus a bias.

    `scaling=None` (the paper's) encodes the raw features; `"standard"` standardises them first.
    `loss="square"` (the paper's, two classes): (⟨Z₀⟩ + b − y)²/2 and the label by the sign of ⟨Z₀⟩ + b;
    `loss="cross_entropy"`: σ(6(⟨Z₀⟩ + b)) trained by cross-entropy. More than two classes use ⟨Z⟩ on each
    wire, a linear map and cross-entropy under either.
    """

    def __init__(
        self,
        n_layers=3,
        n_copies=1,
        scaling=None,
        loss="square",
        entangling=True,
        learning_rate=0.05,
        max_steps=200,
        batch_size=32,
        convergence_interval=20,
        optimizer="adam",
        weight_decay=0.0,
        backend="simulator",
        device="cpu",
        random_state=None,
        verbose=False,
    ):
        self.n_layers = n_layers
        self.n_copies = n_copies
        self.scaling = scaling
        self.loss = loss
        self.entangling = entangling
        self.learning_rate = learning_rate
        self.max_steps = max_steps
        self.batch_size = batch_size
        self.convergence_interval = convergence_interval
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.backend = backend
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _build_model(self, X, n_classes, generator):
        check_choice("scaling", self.scaling, (None, "standard"))
        self.readout_ = _readout(self.loss, "square", n_classes)
        core = circuit_centric(
            X.shape[1], n_classes, self.n_layers, self.n_copies, self.entangling, self.backend, generator, self.readout_
        )
        return nn.Sequential(standard_scaling(X), core) if self.scaling == "standard" else core

    def _loss_fn(self):
        return square_loss if self.readout_ == "expectations" else None


def _readout(loss: str, paper_loss: str, n_classes: int) -> str:
    """ "expectations" for the paper's loss on two classes, else "logits" (cross-entropy)."""
    check_choice("loss", loss, (paper_loss, "cross_entropy"))
    return "expectations" if loss == paper_loss and n_classes == 2 else "logits"


__all__ = [
    "CircuitCentricClassifier",
    "DataReuploadingClassifier",
    "DressedQuantumCircuitClassifier",
    "IQPVariationalClassifier",
    "SeparableVariationalClassifier",
]
