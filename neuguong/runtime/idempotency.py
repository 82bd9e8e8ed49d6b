"""Idempotent commands: the same Idempotency-Key returns the same answer and writes nothing new."""

import hashlib
import json

import asyncpg

from neuguong.runtime import locks
from neuguong.runtime.commands import Answer
from neuguong.runtime.errors import CommandRejected

# Requests with one key wait for each other, so the second sees the first's answer: the lock, then the read
# on a fresh snapshot, in one round trip (migrations/0004_idempotency_recall.sql).
RECALL = f"SELECT request_hash, status_code, response FROM idempotency_recall({locks.IDEMPOTENCY}, $1, $2)"
INSERT_ANSWER = """
INSERT INTO idempotency (actor, key, request_hash, status_code, response) VALUES ($1, $2, $3, $4, $5)
"""


def request_hash(command: str, payload: object) -> str:
    """A fingerprint of the command and its validated body."""
    text = json.dumps([command, payload], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


async def recall(conn: asyncpg.Connection, actor: str, key: str, fingerprint: str) -> Answer | None:
    """The stored answer for (actor, key), if any; a different request under the same key is refused."""
    row = await conn.fetchrow(RECALL, actor, key)
    if row is None:
        return None
    if row["request_hash"] != fingerprint:
        raise CommandRejected("Idempotency-Key", "already used for a different request")
    return Answer(row["status_code"], row["response"])


async def remember(conn: asyncpg.Connection, actor: str, key: str, fingerprint: str, answer: Answer) -> None:
    """Store the answer in the command's own transaction."""
    await conn.execute(INSERT_ANSWER, actor, key, fingerprint, answer.status, answer.body)
