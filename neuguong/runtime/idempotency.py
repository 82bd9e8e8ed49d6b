"""Idempotent commands: the same Idempotency-Key returns the same answer and writes nothing new."""

import hashlib
import json
from collections.abc import Sequence

import asyncpg

from neuguong.runtime import locks
from neuguong.runtime.commands import Answer
from neuguong.runtime.errors import CommandRejected
from neuguong.runtime.input import Command

# Requests with one key wait for each other, so the second sees the first's answer: the locks, then the read
# on a fresh snapshot, in one round trip for any number of keys; for a group, with a lock timeout for what its
# transaction does next ($3; NULL for a single request). migrations/0006_idempotency_recall_keys.sql.
RECALL = f"""
SELECT actor, key, request_hash, status_code, response FROM idempotency_recall_all({locks.IDEMPOTENCY}, $1, $2, $3)
"""
INSERT_ANSWERS = """
INSERT INTO idempotency (actor, key, request_hash, status_code, response)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::jsonb[])
"""
# The same, the lock timeout put back as it was before a group's RECALL first (an InitPlan, run before
# the first row): it is the transaction's last statement, and the timeout must not reach its COMMIT.
INSERT_ANSWERS_RESTORING = """
WITH restored AS (SELECT set_config('lock_timeout', current_setting('neuguong.lock_timeout_before'), true))
INSERT INTO idempotency (actor, key, request_hash, status_code, response)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::jsonb[])
WHERE (SELECT count(*) FROM restored) >= 0
"""

Keyed = tuple[str, str, str]
"""A request as idempotency knows it: (actor, Idempotency-Key, fingerprint of the command)."""


def fingerprint(command: Command) -> str:
    """A fingerprint of the command and its validated body."""
    text = json.dumps([type(command).__name__, command.fingerprint()], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


async def recall(conn: asyncpg.Connection, actor: str, key: str, fingerprint: str) -> Answer | None:
    """The stored answer for (actor, key), if any; a different request under the same key is refused."""
    (answer,) = await recall_all(conn, [(actor, key, fingerprint)])
    if isinstance(answer, CommandRejected):
        raise answer
    return answer


async def recall_all(
    conn: asyncpg.Connection, requests: Sequence[Keyed], *, lock_timeout_ms: int | None = None
) -> list[Answer | CommandRejected | None]:
    """`recall` of many requests, each of its own key: the stored answer, the refusal of a different request
    under a used key, or None. With `lock_timeout_ms`, any lock the transaction waits for from here on (these
    keys' too) fails it past that long (asyncpg.LockNotAvailableError), until `remember_all` with
    `restore_lock_timeout` puts it back."""
    timeout = None if lock_timeout_ms is None else f"{lock_timeout_ms}ms"
    rows = await conn.fetch(RECALL, [actor for actor, _, _ in requests], [key for _, key, _ in requests], timeout)
    stored = {(row["actor"], row["key"]): row for row in rows}
    answers: list[Answer | CommandRejected | None] = []
    for actor, key, fingerprint in requests:
        row = stored.get((actor, key))
        if row is None:
            answers.append(None)
        elif row["request_hash"] != fingerprint:
            answers.append(CommandRejected("Idempotency-Key", "already used for a different request"))
        else:
            answers.append(Answer(row["status_code"], row["response"]))
    return answers


async def remember(conn: asyncpg.Connection, actor: str, key: str, fingerprint: str, answer: Answer) -> None:
    """Store the answer in the command's own transaction."""
    await remember_all(conn, [((actor, key, fingerprint), answer)])


async def remember_all(
    conn: asyncpg.Connection, answered: Sequence[tuple[Keyed, Answer]], *, restore_lock_timeout: bool = False
) -> None:
    """`remember` of many requests in one statement; with `restore_lock_timeout`, the lock timeout `recall_all`
    set is put back first (nothing is left to wait for but the COMMIT)."""
    if answered:
        await conn.execute(
            INSERT_ANSWERS_RESTORING if restore_lock_timeout else INSERT_ANSWERS,
            [actor for (actor, _, _), _ in answered],
            [key for (_, key, _), _ in answered],
            [fingerprint for (_, _, fingerprint), _ in answered],
            [answer.status for _, answer in answered],
            [answer.body for _, answer in answered],
        )
