"""The circuit library: circuits as plain, immutable data, their builders and their exports.

Example:
    >>> import circuits
    >>> c = circuits.angle_encoding(4, rotation="X") + circuits.strongly_entangling(4, n_layers=3)
    >>> c.n_qubits, c.n_inputs, c.n_weights
    (4, 4, 36)
"""

from circuits.ansatze import basic_entangler, hardware_efficient, reupload, strongly_entangling, tree_tensor
from circuits.circuit import Circuit, Const, Input, InputProduct, Operation, Param, Weight
from circuits.encodings import amplitude_encoding, angle_encoding, iqp_encoding, zz_feature_map
from circuits.export import to_pennylane, to_qasm3, to_qiskit
from circuits.gates import GATES, STATE_PREP
from circuits.pennylane_import import from_pennylane
from circuits.qiskit_import import from_qiskit

__all__ = [
    "GATES",
    "STATE_PREP",
    "Circuit",
    "Const",
    "Input",
    "InputProduct",
    "Operation",
    "Param",
    "Weight",
    "amplitude_encoding",
    "angle_encoding",
    "basic_entangler",
    "from_pennylane",
    "from_qiskit",
    "hardware_efficient",
    "iqp_encoding",
    "reupload",
    "strongly_entangling",
    "to_pennylane",
    "to_qasm3",
    "to_qiskit",
    "tree_tensor",
    "zz_feature_map",
]
