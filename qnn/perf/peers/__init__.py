"""The code `qnn perf` compares qnn with.

`simulators`: other simulators of the standard workload, each as a `Peer` (see `qnn.perf.timing`).
`models` and `training`: the bench's models written in PennyLane + JAX (`qnn perf --fits`); these
import JAX, so they are imported only where JAX is wanted.
"""

from qnn.perf.peers.simulators import PEERS, Peer, Step

__all__ = ["PEERS", "Peer", "Step"]
