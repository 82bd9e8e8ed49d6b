"""The command path's cost and its idempotency under a race, on the real database: a command is a bounded
number of statements (one round trip each), and two requests racing with one Idempotency-Key give one effect
and the same answer (the second waits for the first's lock, then reads its committed answer)."""

import asyncio

import pytest

from tests.integration.flows import directory_loaded, file_commitment

# BEGIN, the key's lock and stored answer, the member with their unit path, the commitment with its first version
# (the row as filed comes back), the outbox (locks, rows and wake-up), the stored answer, COMMIT, and asyncpg's
# session reset when the connection goes back to the pool (11 before: the member and the path apart, the
# commitment, its version and the read-back in three; 13 before that: the key's lock and answer apart, the
# outbox in three). The reset stays: it is what guarantees that no LISTEN, advisory lock or setting of one use
# of a pooled connection outlives it (the notifications worker listens on a pooled connection).
STATEMENTS_PER_COMMAND = 8
RESET = "SELECT pg_advisory_unlock_all();"
# asyncpg looks a statement's types up once per connection, the first time it prepares it.
INTROSPECTION = ("WITH RECURSIVE typeinfo_tree", "SELECT current_setting('jit')", "SELECT set_config('jit'")


@pytest.fixture
async def commitments(system, small_directory):
    async with system.service("commitments") as service:
        await system.import_directory(small_directory)
        await directory_loaded(service, small_directory)
        yield service


async def test_a_command_costs_a_bounded_number_of_statements(system, small_directory, commitments):
    await commitments.runtime.relay.stop()  # its rounds would share the pool's connections
    pool = commitments.runtime.pool
    assert (await file_commitment(system, commitments, small_directory.members[5])).status_code == 201  # warm-up
    # Every connection the pool may hand out is opened and logged first (one opened later would go unseen), and
    # statements are kept per connection: the service's readiness checks use the pool meanwhile.
    held = [await pool.acquire() for _ in range(pool.get_max_size())]
    for conn in held:
        await pool.release(conn)
    logged: list[list[str]] = []
    connections = [holder._con for holder in pool._holders if holder._con is not None]  # asyncpg's own
    for conn in connections:
        logged.append([])
        conn.add_query_logger(logger_into(logged[-1]))
    try:
        reply = await file_commitment(system, commitments, small_directory.members[3])
    finally:
        for conn in connections:
            conn._query_loggers.clear()
    assert reply.status_code == 201, reply.text
    (seen,) = [
        [statement for statement in statements if not statement.startswith(INTROSPECTION)]
        for statements in logged
        if "BEGIN;" in statements
    ]
    command = [statement for statement in seen if not statement.startswith(RESET)]
    assert command[0] == "BEGIN;" and command[-1] == "COMMIT;", seen
    assert len(seen) <= STATEMENTS_PER_COMMAND, "\n".join(seen)


def logger_into(statements: list[str]):
    """A query logger of one connection: its statements, shortened, in order."""
    return lambda entry: statements.append(" ".join(entry.query.split())[:80])


async def test_two_requests_racing_with_one_key_give_one_effect_and_one_answer(system, small_directory, commitments):
    member = small_directory.members[4]
    first, second = await asyncio.gather(
        file_commitment(system, commitments, member, key="raced-key-1"),
        file_commitment(system, commitments, member, key="raced-key-1"),
    )
    assert first.status_code == second.status_code == 201, (first.text, second.text)
    assert first.json() == second.json()
    assert sorted(r.headers.get("Idempotent-Replayed", "false") for r in (first, second)) == ["false", "true"]
    pool = commitments.runtime.pool
    assert await pool.fetchval("SELECT count(*) FROM commitments WHERE member_id = $1", member.member_id) == 1
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 1


async def test_filings_sent_together_share_transactions_and_each_gets_its_own_answer(
    system, small_directory, commitments
):
    """A group commit (runtime/grouping.py): filings arriving while earlier ones are in their transactions go
    in together; each still answers 201 with its own commitment and event, as alone."""
    members = small_directory.members[:16]
    replies = await asyncio.gather(*(file_commitment(system, commitments, member) for member in members))
    assert [reply.status_code for reply in replies] == [201] * len(members), [r.text for r in replies]
    answered = {reply.json()["member_id"]: reply.json() for reply in replies}
    assert set(answered) == {member.member_id for member in members}
    pool = commitments.runtime.pool
    filed = {row["member_id"]: row["commitment_id"] for row in await pool.fetch("SELECT * FROM commitments")}
    assert filed == {member: body["commitment_id"] for member, body in answered.items()}
    staged = {str(row["event_id"]) for row in await pool.fetch("SELECT event_id FROM outbox")}
    assert staged == {body["event_id"] for body in answered.values()}
    labels = {"service": "commitments", "command": "FileCommitment"}
    registry = commitments.runtime.metrics.registry
    assert registry.get_sample_value("neuguong_command_group_size_sum", labels) == len(members)
    assert registry.get_sample_value("neuguong_command_group_size_count", labels) < len(members)
