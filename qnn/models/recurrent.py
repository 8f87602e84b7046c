"""A quantum LSTM (Chen et al. 2020, "Quantum Long Short-Term Memory"): an LSTM whose four gates are
variational circuits, used like `nn.LSTM(batch_first=True)`.

Each gate maps the concatenation [h, x] to `n_qubits` angles with a linear layer, encodes them as in
the paper (H, then RY(arctan v) and RZ(arctan v²) on each wire), applies `n_layers` strongly
entangling layers, measures ⟨Z⟩ on each wire, and maps those back to `hidden_size` with a linear layer.

Example:
    >>> import torch
    >>> lstm = QLSTM(input_size=3, hidden_size=5, n_qubits=2, generator=torch.Generator().manual_seed(0))
    >>> out, (h, c) = lstm(torch.zeros(4, 7, 3))
    >>> out.shape, h.shape
    (torch.Size([4, 7, 5]), torch.Size([1, 4, 5]))
"""

from __future__ import annotations

import torch
from torch import nn

import circuits
from circuits.circuit import Circuit, Input, Operation
from qnn.models.circuit_tools import prefix_hadamards, without_entanglement
from qnn.models.layers import quantum_layer
from qnn.models.variational import z_each

GATES = ("forget", "input", "candidate", "output")


def qlstm_circuit(n_qubits: int, n_layers: int, entangling: bool = True) -> Circuit:
    """H, RY(input i), RZ(input n + i) on each wire i, then strongly entangling layers: 2·n_qubits inputs."""
    ops = [Operation("RY", (i,), (Input(i),)) for i in range(n_qubits)]
    ops += [Operation("RZ", (i,), (Input(n_qubits + i),)) for i in range(n_qubits)]
    encoding = prefix_hadamards(n_qubits) + Circuit.of(n_qubits, ops, n_inputs=2 * n_qubits)
    circuit = encoding + circuits.strongly_entangling(n_qubits, n_layers)
    return circuit if entangling else without_entanglement(circuit)


class VariationalGate(nn.Module):
    """(batch, n_in) → (batch, n_out): Linear → [arctan v, arctan v²] → circuit → ⟨Z⟩ each → Linear."""

    def __init__(self, n_in: int, n_out: int, n_qubits: int, n_layers: int, entangling: bool, backend, generator):
        super().__init__()
        self.encode = nn.Linear(n_in, n_qubits)
        self.quantum = quantum_layer(
            qlstm_circuit(n_qubits, n_layers, entangling), z_each(n_qubits), backend, generator
        )
        self.decode = nn.Linear(n_qubits, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        v = self.encode(x)
        return self.decode(self.quantum(torch.cat([torch.atan(v), torch.atan(v * v)], dim=1)))


class QLSTM(nn.Module):
    """(batch, seq, input_size) → output (batch, seq, hidden_size), (h, c) each (1, batch, hidden_size).

    Like `nn.LSTM(input_size, hidden_size, batch_first=True)` with one layer; `state=(h0, c0)` optional.
    One forward pass runs 4 circuits per sample per time step.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        n_qubits: int = 4,
        n_layers: int = 1,
        entangling: bool = True,
        backend="simulator",
        generator: torch.Generator | None = None,
    ):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        n_in = input_size + hidden_size
        self.gates = nn.ModuleDict(
            {g: VariationalGate(n_in, hidden_size, n_qubits, n_layers, entangling, backend, generator) for g in GATES}
        )

    def forward(self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None):
        if x.dim() != 3 or x.shape[2] != self.input_size:
            raise ValueError(f"x must have shape (batch, seq, {self.input_size}), got {tuple(x.shape)}")
        batch = x.shape[0]
        if state is None:
            h = x.new_zeros(batch, self.hidden_size)
            c = x.new_zeros(batch, self.hidden_size)
        else:
            h, c = state[0][0], state[1][0]
        outputs = []
        for t in range(x.shape[1]):
            hx = torch.cat([h, x[:, t]], dim=1)
            f = torch.sigmoid(self.gates["forget"](hx))
            i = torch.sigmoid(self.gates["input"](hx))
            g = torch.tanh(self.gates["candidate"](hx))
            o = torch.sigmoid(self.gates["output"](hx))
            c = f * c + i * g
            h = o * torch.tanh(c)
            outputs.append(h)
        return torch.stack(outputs, dim=1), (h[None], c[None])


class SequenceRegressor(nn.Module):
    """A recurrent layer (QLSTM or nn.LSTM with batch_first=True) and a linear head on its last output:
    (batch, seq, input_size) → (batch, n_outputs). The LSTM twin of a QLSTM model."""

    def __init__(self, recurrent: nn.Module, n_outputs: int = 1):
        super().__init__()
        self.recurrent = recurrent
        self.head = nn.Linear(recurrent.hidden_size, n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        output, _ = self.recurrent(x)
        return self.head(output[:, -1])
