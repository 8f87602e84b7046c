"""`qnn perf`: forward + backward throughput of qnn's simulator next to other simulators.

The standard workload (`Workload`) is an angle encoding followed by strongly entangling layers,
⟨Z⟩ on every wire, loss = sum of the outputs, gradients to weights and inputs. Each (simulator,
qubits, precision) runs in its own process, so that peak memory is its own and a slow simulator can
be stopped; the simulators of one workload take turns step by step (`measure_together`), so that
their ratio is little moved by the machine's speed drifting. `format_table`, `write_json` and
`plot` report the results.
"""

from qnn.perf.bandwidth import BandwidthResult, measure_bandwidth
from qnn.perf.peers import PEERS, Peer
from qnn.perf.report import format_table, plot, write_json
from qnn.perf.timing import Measurement, measure, measure_together, median_round
from qnn.perf.workload import Workload

__all__ = [
    "PEERS",
    "BandwidthResult",
    "Measurement",
    "Peer",
    "Workload",
    "format_table",
    "measure",
    "measure_bandwidth",
    "measure_together",
    "median_round",
    "plot",
    "write_json",
]
