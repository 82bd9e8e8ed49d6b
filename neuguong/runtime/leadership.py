"""Which relay publishes a service's outbox: one leader at a time, and a bound on how long a paused, hung or
dead one keeps the others waiting.

The leader holds a session-level advisory lock on a connection of its own (never the pool's), on which
PostgreSQL ends any session left idle for NG_RELAY_LEASE_SECONDS (`idle_session_timeout`, and the same for
an open transaction). A live leader sends a heartbeat on it every quarter lease from its own task, so a
slow publish round never lets it lapse; a SIGSTOPped or hung one sends nothing, its session ends and the lock
with it. TCP keepalives and `tcp_user_timeout` end the session as soon when the leader's host or network is
gone. On its side the leader gives up when a heartbeat goes unanswered for half a lease.

Each leader starts a new term (the `relay_leadership` row). The relay's marks name their term and are
refused once a later one has started, so a leader that lost the lock cannot mark rows any more: whatever it
still publishes is a duplicate the inbox absorbs, never a loss.
"""

import asyncio
import logging
import os
import socket
from collections.abc import Callable

import asyncpg

from neuguong.runtime import db, locks
from neuguong.runtime.settings import Settings

log = logging.getLogger(__name__)

TRY_LOCK = f"SELECT pg_try_advisory_lock({locks.RELAY_LEADER}, hashtext(current_schema()))"
START_TERM = "UPDATE relay_leadership SET term = term + 1, holder = $1, elected_at = now() RETURNING term"
SELECT_TERM = "SELECT term FROM relay_leadership"


def takeover_bound(settings: Settings) -> float:
    """Seconds after which another relay leads once the leader is paused, hung or gone (a terminated session
    frees the lock at once): the leader's idle session ends within one lease of its last heartbeat, which came
    before the pause, and a waiting relay tries the lock every NG_RELAY_POLL_SECONDS. Defaults: 10 + 1 = 11 s."""
    return settings.relay_lease_seconds + settings.relay_poll_seconds


def session_settings(settings: Settings) -> dict[str, str]:
    """The leader session's PostgreSQL settings: it ends after a lease without a word from its relay."""
    lease_ms = str(int(settings.relay_lease_seconds * 1000))
    probe = str(max(1, int(settings.relay_lease_seconds / 4)))
    return {
        "idle_session_timeout": lease_ms,
        "idle_in_transaction_session_timeout": lease_ms,
        "statement_timeout": lease_ms,
        "tcp_keepalives_idle": probe,
        "tcp_keepalives_interval": probe,
        "tcp_keepalives_count": "2",
        "tcp_user_timeout": lease_ms,
    }


class LeadershipLost(Exception):
    """This relay leads no more: its session ended, a heartbeat went unanswered, or a later term started."""


class Leadership:
    """One relay's claim to lead: its own connection, the advisory lock on it, and its term."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.holder = f"{socket.gethostname()}:{os.getpid()}"
        self.term = 0
        self.conn: asyncpg.Connection | None = None

    async def acquire(self, on_notify: Callable[..., object]) -> int:
        """Wait until this relay holds the lock, start a new term and listen for new outbox rows; the term."""
        settings = self.settings
        self.conn = await db.connect(
            settings, application_name=f"{settings.service}-relay", **session_settings(settings)
        )
        # Polling also keeps a waiting relay's own session from being ended as idle.
        while not await self.conn.fetchval(TRY_LOCK):  # noqa: ASYNC110 - polls a lock held in PostgreSQL
            await asyncio.sleep(settings.relay_poll_seconds)
        self.term = await self.conn.fetchval(START_TERM, self.holder)
        await self.conn.add_listener(f"outbox_{settings.pg_schema}", on_notify)
        log.info("relay leads", extra={"term": self.term, "holder": self.holder})
        return self.term

    async def keep(self) -> None:
        """Heartbeat on the leader's session until leadership is lost (raises LeadershipLost)."""
        lease = self.settings.relay_lease_seconds
        while True:
            await asyncio.sleep(lease / 4)
            if self.conn is None:
                raise LeadershipLost("no leader connection")
            try:
                async with asyncio.timeout(lease / 2):  # not wait_for: it can swallow a cancellation on 3.11
                    term = await self.conn.fetchval(SELECT_TERM)
            except Exception as error:  # any failure: the session may be gone, leadership cannot be vouched for
                raise LeadershipLost(f"heartbeat failed ({type(error).__name__}: {error})") from error
            if term != self.term:
                raise LeadershipLost(f"term {term} started after ours ({self.term})")

    async def release(self) -> None:
        """Close the leader's connection: the lock goes with its session."""
        conn, self.conn = self.conn, None
        if conn is None:
            return
        try:
            await asyncio.wait_for(conn.close(), timeout=2.0)
        except Exception:
            conn.terminate()  # the session is gone or unresponsive: drop the socket
