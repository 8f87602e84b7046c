"""A `QuantumLayer`'s state_dict carries a fingerprint of its circuit, so that weights are never loaded into
another circuit that merely has as many of them.

The fingerprint is the SHA-256 digest of the circuit's structure (qubits, gates, wires, where each angle comes
from, weight shapes), stored as a (32,) uint8 tensor under ``<prefix>circuit_fingerprint`` so that any
tensor-only format (``torch.save``, safetensors) keeps it. A state_dict without one (saved before
fingerprints existed) still loads.

Example:
    >>> import circuits
    >>> len(circuit_fingerprint(circuits.angle_encoding(2)))
    32
"""

from __future__ import annotations

import hashlib

import torch

from circuits.circuit import Circuit

KEY = "circuit_fingerprint"


def circuit_fingerprint(circuit: Circuit) -> bytes:
    """The SHA-256 digest of `circuit`'s structure; the same for equal circuits in any process."""
    # Dataclass reprs spell out every gate, wire and parameter source, and floats repr exactly.
    text = repr((circuit.n_qubits, circuit.n_inputs, circuit.weight_shapes, circuit.operations))
    return hashlib.sha256(text.encode()).digest()


def add_fingerprint(module, state_dict, prefix, local_metadata) -> None:
    """`nn.Module.register_state_dict_post_hook`: add the module's circuit fingerprint to its state_dict."""
    state_dict[prefix + KEY] = torch.tensor(list(circuit_fingerprint(module.circuit)), dtype=torch.uint8)


def check_fingerprint(module, state_dict, prefix, local_metadata, strict, missing, unexpected, error_msgs) -> None:
    """`nn.Module.register_load_state_dict_pre_hook`: refuse weights saved from a different circuit."""
    saved = state_dict.pop(prefix + KEY, None)
    if saved is None:  # saved before fingerprints existed: nothing to compare
        return
    expected = circuit_fingerprint(module.circuit)
    if not isinstance(saved, torch.Tensor) or bytes(saved.to(torch.uint8).tolist()) != expected:
        error_msgs.append(
            f"{prefix}weights were saved from a different circuit than this layer's {module.circuit!r}; "
            "load them into a QuantumLayer built on the same circuit"
        )
