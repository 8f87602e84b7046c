import sqlite3
import time

import pytest

from qnn.bench.claims import OWNERS, Claims, Heartbeat
from qnn.bench.store import ResultStore
from tests.qnn.bench.test_store import _row


def test_a_live_owner_keeps_its_claim_and_a_stored_fit_cannot_be_claimed(tmp_path):
    with ResultStore(tmp_path / "r.sqlite") as a, ResultStore(tmp_path / "r.sqlite") as b:
        first, second = Claims(a.connection), Claims(b.connection)
        assert first.claim("k") and not second.claim("k")
        assert first.claim("k")  # an owner may claim its own key again
        assert second.held_by_others(["k", "other"]) == {"k"}
        a.add(_row("k"))
        first.release("k")
        assert not second.claim("k")  # stored: nothing to claim
        b.add_failure({**_row("f"), "error": "E", "reason": "r"})
        assert not second.claim("f") and not first.claim("f")


def test_a_dead_owners_claim_goes_stale_and_closing_releases_claims(tmp_path):
    with ResultStore(tmp_path / "r.sqlite") as a, ResultStore(tmp_path / "r.sqlite") as b:
        first, second = Claims(a.connection), Claims(b.connection, stale_after_s=5.0)
        assert first.claim("k") and first.claim("j")
        assert not second.claim("k")
        with a.connection:  # the first owner's last heartbeat was long ago: its process died
            a.connection.execute(f"UPDATE {OWNERS} SET heartbeat = ? WHERE owner = ?", (time.time() - 60, first.owner))
        assert second.claim("k")
        first.close()
        assert second.claim("j")


def test_heartbeat_refreshes_the_owner(tmp_path):
    path = tmp_path / "r.sqlite"
    with ResultStore(path) as store:
        claims = Claims(store.connection)
        with store.connection:
            store.connection.execute(f"UPDATE {OWNERS} SET heartbeat = 0")
        with Heartbeat(path, claims.owner, interval_s=0.01):
            time.sleep(0.2)
    with sqlite3.connect(path) as connection:
        (beat,) = connection.execute(f"SELECT heartbeat FROM {OWNERS}").fetchone()
    assert time.time() - beat < 5


def test_stale_after_must_be_positive():
    with ResultStore(":memory:") as store, pytest.raises(ValueError, match="stale_after_s"):
        Claims(store.connection, stale_after_s=0)
