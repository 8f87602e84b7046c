"""Simulated Flower clients in this process: a `flwr` `Grid` that hands each message straight to a `ClientApp`.

Flower's own simulation runtime (`flwr.simulation.run_simulation`, `flwr run` with a local federation) runs every
`ClientApp` on a Ray cluster and pins its own Ray version. For a handful of small hybrid models this grid runs the
same `ClientApp`s one after another in this process instead: the strategies (`flwr.serverapp.strategy`) and the
`ClientApp` are Flower's, so moving to real clients is a matter of deploying them with `flwr run`.

Each simulated node gets Flower's simulation node config, `{"partition-id": i, "num-partitions": n}`, and keeps its
own `Context` between rounds, as a SuperNode does. The grid counts the bytes of every record it carries.

Example:
    >>> from flwr.clientapp import ClientApp
    >>> grid = InProcessGrid(ClientApp(), n_nodes=3)
    >>> sorted(grid.get_node_ids())
    [1, 2, 3]
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from uuid import uuid4

from flwr.app import Context, Message, RecordDict
from flwr.clientapp import ClientApp
from flwr.common.constant import SUPERLINK_NODE_ID
from flwr.serverapp import Grid
from flwr.supercore.run import Run
from flwr.supercore.task_identity import TaskIdentity

RUN_ID = 1


@dataclass
class Traffic:
    """Bytes of records carried each way (array, metric and config records, as `count_bytes` sizes them)."""

    to_clients: int = 0
    to_server: int = 0

    @property
    def total(self) -> int:
        return self.to_clients + self.to_server


def record_bytes(content: RecordDict) -> int:
    """The size of every record in a message's content."""
    return sum(record.count_bytes() for record in content.values())


class InProcessGrid(Grid):
    """A Flower `Grid` over `n_nodes` simulated nodes (ids 1..n) that each run `client_app` in this process."""

    def __init__(self, client_app: ClientApp, n_nodes: int, run_config: dict | None = None):
        self.client_app = client_app
        self.traffic = Traffic()
        self._run = Run.create_empty(RUN_ID)
        self._contexts = {
            node_id: Context(
                run_id=RUN_ID,
                node_id=node_id,
                node_config={"partition-id": node_id - 1, "num-partitions": n_nodes},
                state=RecordDict(),
                run_config=dict(run_config or {}),
            )
            for node_id in range(1, n_nodes + 1)
        }
        self._replies: dict[str, Message] = {}

    @contextlib.contextmanager
    def serving(self) -> Iterator[InProcessGrid]:
        """Run a strategy inside this block: Flower's messages read the sender's identity from process-wide
        `TaskIdentity`, which its runtimes set before a `ServerApp` starts; this sets it and restores it after."""
        saved = (TaskIdentity._task_id, TaskIdentity._run_id, TaskIdentity._node_id)
        TaskIdentity.task_id, TaskIdentity.run_id, TaskIdentity.node_id = 1, self._run.run_id, SUPERLINK_NODE_ID
        try:
            yield self
        finally:
            TaskIdentity._task_id, TaskIdentity._run_id, TaskIdentity._node_id = saved

    def set_run(self, run: Run) -> None:
        self._run = run

    @property
    def run(self) -> Run:
        return self._run

    def create_message(self, content, message_type, dst_node_id, group_id, ttl=None) -> Message:
        return Message(content, dst_node_id, message_type, ttl=ttl, group_id=group_id)

    def get_node_ids(self) -> Iterable[int]:
        return list(self._contexts)

    def push_messages(self, messages: Iterable[Message]) -> Iterable[str]:
        """Deliver each message to its node's `ClientApp` now; the reply waits for `pull_messages`."""
        ids = []
        for message in messages:
            message_id = str(uuid4())
            # Flower's own grids stamp the id and delivery time on the way out, as here.
            message.metadata.__dict__["_message_id"] = message_id
            message.metadata.delivered_at = str(time.time())
            self.traffic.to_clients += record_bytes(message.content)
            reply = self.client_app(message, self._contexts[message.metadata.dst_node_id])
            if reply.has_content():
                self.traffic.to_server += record_bytes(reply.content)
            self._replies[message_id] = reply
            ids.append(message_id)
        return ids

    def pull_messages(self, message_ids: Iterable[str]) -> Iterable[Message]:
        return [self._replies.pop(i) for i in message_ids if i in self._replies]

    def send_and_receive(self, messages: Iterable[Message], *, timeout: float | None = None) -> Iterable[Message]:
        # Replies in node order, so that aggregation sums in the same order on every run.
        replies = self.pull_messages(self.push_messages(messages))
        return sorted(replies, key=lambda reply: reply.metadata.src_node_id)
