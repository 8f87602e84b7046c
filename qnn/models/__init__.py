"""The hybrid model zoo: variational classifiers, quanvolution, a quantum LSTM, quantum self-attention,
quantum kernels and their classical twins, with scikit-learn estimators for the classifiers.

Example:
    >>> from sklearn.datasets import make_classification
    >>> from qnn.models import DataReuploadingClassifier
    >>> X, y = make_classification(60, n_features=5, random_state=0)
    >>> clf = DataReuploadingClassifier(n_layers=2, max_steps=10, random_state=0).fit(X, y)
    >>> clf.n_qubits_, clf.predict_proba(X[:2]).shape
    (2, (2, 2))
"""

from qnn.models.attention import QuantumEncoderLayer, QuantumSelfAttention, SequenceClassifier
from qnn.models.base import QuantumClassifier
from qnn.models.circuit_tools import entangling_operations, without_entanglement
from qnn.models.classifiers import (
    CircuitCentricClassifier,
    DataReuploadingClassifier,
    DressedQuantumCircuitClassifier,
    IQPVariationalClassifier,
    SeparableVariationalClassifier,
)
from qnn.models.kernel_classifiers import IQPKernelClassifier, KernelClassifier, ProjectedQuantumKernelClassifier
from qnn.models.kernels import fidelity_kernel, hamiltonian_embedding, one_qubit_paulis, projected_kernel
from qnn.models.layers import count_parameters
from qnn.models.quanvolution import ExpvalQuanvolutionalClassifier, Quanvolution, quanvolutional_net
from qnn.models.random_quanvolution import HammingQuanvolution, QuanvolutionalClassifier, random_layers
from qnn.models.recurrent import QLSTM, SequenceRegressor
from qnn.models.reuploading import DataReuploading
from qnn.models.twins import cnn, matched_hidden_sizes, matched_lstm_hidden_size, mlp, mlp_n_params
from qnn.models.variational import circuit_centric, dressed_quantum_circuit, iqp_variational, separable_variational

__all__ = [
    "QLSTM",
    "CircuitCentricClassifier",
    "DataReuploading",
    "DataReuploadingClassifier",
    "DressedQuantumCircuitClassifier",
    "ExpvalQuanvolutionalClassifier",
    "HammingQuanvolution",
    "IQPKernelClassifier",
    "IQPVariationalClassifier",
    "KernelClassifier",
    "ProjectedQuantumKernelClassifier",
    "QuantumClassifier",
    "QuantumEncoderLayer",
    "QuantumSelfAttention",
    "Quanvolution",
    "QuanvolutionalClassifier",
    "SeparableVariationalClassifier",
    "SequenceClassifier",
    "SequenceRegressor",
    "circuit_centric",
    "cnn",
    "count_parameters",
    "dressed_quantum_circuit",
    "entangling_operations",
    "fidelity_kernel",
    "hamiltonian_embedding",
    "iqp_variational",
    "matched_hidden_sizes",
    "matched_lstm_hidden_size",
    "mlp",
    "mlp_n_params",
    "one_qubit_paulis",
    "projected_kernel",
    "quanvolutional_net",
    "random_layers",
    "separable_variational",
    "without_entanglement",
]
