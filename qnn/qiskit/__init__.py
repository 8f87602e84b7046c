"""Qiskit primitives on qnn's simulator: `Estimator` (BaseEstimatorV2) and `Sampler` (BaseSamplerV2).

Drop-in replacements for `StatevectorEstimator` / `StatevectorSampler`: a PUB's whole parameter array
runs as one batch through qnn's batched simulator.

Example:
    >>> from qiskit.circuit.library import real_amplitudes
    >>> from qiskit.quantum_info import SparsePauliOp
    >>> import numpy as np
    >>> qc = real_amplitudes(2, reps=1)
    >>> result = Estimator().run([(qc, SparsePauliOp("ZZ"), np.zeros((5, qc.num_parameters)))]).result()
    >>> result[0].data.evs.shape
    (5,)
"""

from qnn.qiskit.estimator import Estimator
from qnn.qiskit.sampler import Sampler

__all__ = ["Estimator", "Sampler"]
