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
from qnn.models.reuploading import DataReuploading
from qnn.models.variational import circuit_centric, dressed_quantum_circuit, iqp_variational, separable_variational


class DressedQuantumCircuitClassifier(QuantumClassifier):
    """Mari et al. 2019: standardised features → Linear → tanh·π/2 → variational circuit → Linear.

    `n_qubits=None` uses one qubit per feature (at most 8); `dropout` acts before the quantum layer.
    """

    def __init__(
        self,
        n_qubits=None,
        n_layers=3,
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
        n_qubits = min(X.shape[1], 8) if self.n_qubits is None else self.n_qubits
        core = dressed_quantum_circuit(
            X.shape[1], n_classes, n_qubits, self.n_layers, self.entangling, self.dropout, self.backend, generator
        )
        return nn.Sequential(standard_scaling(X), core)


class DataReuploadingClassifier(QuantumClassifier):
    """Pérez-Salinas et al. 2020: features scaled to [-π/2, π/2], three per qubit, re-uploaded in every
    layer with trainable input scaling. `n_qubits=None` uses ⌈d/3⌉ qubits."""

    def __init__(
        self,
        n_qubits=None,
        n_layers=4,
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
        core = DataReuploading(
            X.shape[1], n_classes, self.n_layers, self.n_qubits, self.entangling, self.backend, generator
        )
        return nn.Sequential(min_max_scaling(X), core)


class IQPVariationalClassifier(QuantumClassifier):
    """Havlíček et al. 2019: features scaled to [-π/2, π/2], IQP encoding repeated `repeats` times,
    `n_layers` strongly entangling layers with CZs; one qubit per feature."""

    def __init__(
        self,
        n_layers=3,
        repeats=1,
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
        core = iqp_variational(
            X.shape[1], n_classes, self.n_layers, self.repeats, self.entangling, self.backend, generator
        )
        return nn.Sequential(min_max_scaling(X), core)


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
    """Schuld et al. 2018: standardised features amplitude-encoded on ⌈log₂ d⌉ qubits per copy
    (`n_copies` tensor copies), strongly entangling layers, ⟨Z₀⟩ plus a bias."""

    def __init__(
        self,
        n_layers=3,
        n_copies=1,
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
        core = circuit_centric(
            X.shape[1], n_classes, self.n_layers, self.n_copies, self.entangling, self.backend, generator
        )
        return nn.Sequential(standard_scaling(X), core)


__all__ = [
    "CircuitCentricClassifier",
    "DataReuploadingClassifier",
    "DressedQuantumCircuitClassifier",
    "IQPVariationalClassifier",
    "SeparableVariationalClassifier",
]
