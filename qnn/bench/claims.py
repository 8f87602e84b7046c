"""Claims on fits in a shared results database, so that sweeps sharing one `--out` never compute a fit twice.

A sweep is an *owner*: it registers itself in the database's `owners` table and refreshes its heartbeat from a
background thread. Before a fit starts, the sweep claims its key; a key held by a live owner (heartbeat younger
than `stale_after_s`) cannot be claimed, one held by a dead owner (a killed process, a lost machine) can. The
claim and the check that the fit is not already stored happen in one write transaction, so two sweeps never
both win. A claim ends when the sweep stores the fit's row or failure, or when it closes.

Example:
    >>> import sqlite3
    >>> from qnn.bench.store import ResultStore
    >>> store = ResultStore(":memory:")
    >>> claims = Claims(store.connection)
    >>> claims.claim("abc"), Claims(store.connection).claim("abc")
    (True, False)
"""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time
import uuid
from pathlib import Path

from qnn.bench.store import BUSY_TIMEOUT_S, FAILURES, TABLE

OWNERS = "owners"
CLAIMS = "claims"


def owner_name() -> str:
    """A name for this process that no other process on any machine shares: host, pid and a random tag."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Claims:
    """The claims of one owner, through `connection` (the sweep's `ResultStore` connection)."""

    def __init__(self, connection: sqlite3.Connection, owner: str | None = None, stale_after_s: float = 600.0):
        if not stale_after_s > 0:
            raise ValueError(f"stale_after_s must be a positive number of seconds, got {stale_after_s!r}")
        self.connection = connection
        self.owner = owner or owner_name()
        self.stale_after_s = stale_after_s
        with self.connection:
            connection.execute(f"CREATE TABLE IF NOT EXISTS {OWNERS} (owner TEXT PRIMARY KEY, heartbeat REAL)")
            connection.execute(f"CREATE TABLE IF NOT EXISTS {CLAIMS} (config_hash TEXT PRIMARY KEY, owner TEXT)")
            beat(connection, self.owner)

    def claim(self, key: str) -> bool:
        """Take the fit `key` for this owner: False if it is stored already or a live owner holds it."""
        connection = self.connection
        connection.execute("BEGIN IMMEDIATE")  # one writer at a time: the check and the claim are atomic
        try:
            if _stored(connection, key) or _held_by_other(connection, key, self.owner, self.stale_after_s):
                connection.rollback()
                return False
            connection.execute(f"INSERT OR REPLACE INTO {CLAIMS} VALUES (?, ?)", (key, self.owner))
            connection.commit()
            return True
        except BaseException:
            connection.rollback()
            raise

    def held_by_others(self, keys) -> set[str]:
        """The keys among `keys` that a live owner other than this one holds."""
        return {key for key in keys if _held_by_other(self.connection, key, self.owner, self.stale_after_s)}

    def release(self, key: str) -> None:
        with self.connection:
            self.connection.execute(f"DELETE FROM {CLAIMS} WHERE config_hash = ? AND owner = ?", (key, self.owner))

    def close(self) -> None:
        """Release every claim of this owner and unregister it."""
        with self.connection:
            self.connection.execute(f"DELETE FROM {CLAIMS} WHERE owner = ?", (self.owner,))
            self.connection.execute(f"DELETE FROM {OWNERS} WHERE owner = ?", (self.owner,))


def _stored(connection: sqlite3.Connection, key: str) -> bool:
    for table in (TABLE, FAILURES):
        if connection.execute(f"SELECT 1 FROM {table} WHERE config_hash = ?", (key,)).fetchone():
            return True
    return False


def _held_by_other(connection: sqlite3.Connection, key: str, owner: str, stale_after_s: float) -> bool:
    query = f"SELECT o.owner, o.heartbeat FROM {CLAIMS} c JOIN {OWNERS} o ON c.owner = o.owner WHERE c.config_hash = ?"
    holder = connection.execute(query, (key,)).fetchone()
    return holder is not None and holder[0] != owner and time.time() - holder[1] < stale_after_s


def beat(connection: sqlite3.Connection, owner: str) -> None:
    """Record that `owner` is alive now."""
    with connection:
        connection.execute(f"INSERT OR REPLACE INTO {OWNERS} VALUES (?, ?)", (owner, time.time()))


class Heartbeat:
    """A daemon thread that refreshes `owner`'s heartbeat in the database at `path` every `interval_s` seconds
    (its own connection: SQLite connections stay in the thread that made them). A context manager."""

    def __init__(self, path: str | Path, owner: str, interval_s: float = 60.0):
        self.path, self.owner, self.interval_s = path, owner, interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="qnn-bench-heartbeat", daemon=True)

    def _run(self) -> None:
        connection = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_S)
        try:
            while not self._stop.wait(self.interval_s):
                beat(connection, self.owner)
        finally:
            connection.close()

    def __enter__(self) -> Heartbeat:
        if str(self.path) != ":memory:":  # an in-memory database has no other process to tell
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
