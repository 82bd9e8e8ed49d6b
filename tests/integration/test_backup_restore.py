"""deploy/RUNBOOK.md, "Restore a service's schema from its backup", followed step by step on the real
PostgreSQL and Kafka: nothing lost, nothing applied twice, and a rebuild from Kafka agrees."""

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ops.lag import group_lag
from ops.rebuild import rebuild, table_digest
from ops.rewind import GroupActive, rewind_group
from services.projections.app import DEFINITION
from services.projections.store import READ_MODEL
from tests.integration import history
from tests.integration.flows import directory_loaded
from tests.integration.harness import admin_connection, env, eventually


def postgres_tool(*args: str) -> None:
    """pg_dump or pg_restore as the cluster's admin, on the test database (RUNBOOK: step 2 and 5)."""
    environment = {
        "PGHOST": env("NG_PG_HOST", "127.0.0.1"),
        "PGPORT": env("NG_PG_PORT", "25432"),
        "PGUSER": env("NG_PG_ADMIN_USER", "neuguong"),
        "PGPASSWORD": env("NG_PG_ADMIN_PASSWORD", "neuguong-dev"),
        "PGDATABASE": env("NG_PG_DATABASE", "neuguong_test"),
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(list(args), env=environment, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


async def inbox_count(service) -> int:
    return await service.runtime.pool.fetchval("SELECT count(*) FROM inbox")


async def digests(service) -> dict[str, str]:
    async with service.runtime.pool.acquire() as conn:
        return {t: await table_digest(conn, "projections", t, c) for t, c in READ_MODEL.items()}


def duplicates(service) -> float:
    registry, group = service.app.state.registry, service.runtime.settings.consumer_group
    return sum(
        s.value
        for family in registry.collect()
        if family.name == "neuguong_events_consumed"
        for s in family.samples
        if s.name.endswith("_total") and s.labels["group"] == group and s.labels["outcome"] == "duplicate"
    )


async def test_a_schema_restored_from_its_backup_catches_up_with_nothing_lost_or_applied_twice(
    system, small_directory, tmp_path: Path
):
    wrapped = history.envelopes(history.generate(small_directory))
    half = len(wrapped) // 2
    directory_events = len(small_directory.units) + len(small_directory.members)
    backup = tmp_path / "projections.dump"
    async with system.service("projections") as projections:
        await system.import_directory(small_directory)
        await directory_loaded(projections, small_directory)
        await system.publish_many(history.records(wrapped[:half]))
        await eventually(lambda: _at_least(projections, directory_events + half), timeout=60)
        # 1-2. Note the time, then dump the schema while the service runs.
        backup_started = datetime.now(UTC)
        postgres_tool("pg_dump", "--schema=projections", "--format=custom", f"--file={backup}")
        # Life goes on after the backup: the second half of the history arrives and is applied.
        await system.publish_many(history.records(wrapped[half:]))
        await eventually(lambda: _at_least(projections, directory_events + len(wrapped)), timeout=60)
        before_the_loss = await digests(projections)
        settings = projections.runtime.settings
        # The rewind refuses while the group has a member.
        try:
            await rewind_group(settings, list(DEFINITION.consumes), backup_started)
        except GroupActive as refused:
            assert "stop every replica first" in str(refused)
        else:
            raise AssertionError("a running group was rewound")

    # The schema is lost. 3-5. With the service stopped: drop what is left, restore the dump.
    conn = await admin_connection()
    try:
        await conn.execute("DROP SCHEMA projections CASCADE")
    finally:
        await conn.close()
    postgres_tool(
        "pg_restore", "--dbname=" + env("NG_PG_DATABASE", "neuguong_test"), "--single-transaction", str(backup)
    )
    # Kafka still holds the group's offsets of before the loss: started now, the service would never read
    # the second half again, and the restored tables would miss it for good.
    assert await group_lag(settings, "projections", list(DEFINITION.consumes)) == 0
    # 6. Rewind the group to a little before the backup began: the inbox skips what the backup holds.
    offsets = await rewind_group(settings, list(DEFINITION.consumes), backup_started - timedelta(seconds=60))
    assert await group_lag(settings, "projections", list(DEFINITION.consumes)) >= len(wrapped) - half
    assert sorted({tp.topic for tp in offsets}) == sorted(settings.topic(t) for t in DEFINITION.consumes)

    # 7. Start the service: it reads from the rewound offsets and ends where it was before the loss.
    async with system.service("projections") as projections:
        assert await inbox_count(projections) == directory_events + half  # the backup's state, restored
        await eventually(lambda: _at_least(projections, directory_events + len(wrapped)), timeout=60)
        await eventually(lambda: _consumed_everything_again(projections, half), timeout=60)
        assert await inbox_count(projections) == directory_events + len(wrapped)  # nothing lost
        assert await digests(projections) == before_the_loss  # nothing applied twice (figures are counts)

    # 8. A rebuild from Kafka reproduces the same tables.
    rebuilt = await rebuild(DEFINITION, settings, READ_MODEL, swap=False)
    assert {t: live == fresh for t, (live, fresh) in rebuilt.digests.items()} == dict.fromkeys(READ_MODEL, True)
    assert rebuilt.replayed == directory_events + len(wrapped)


async def _at_least(service, count: int) -> bool:
    return await inbox_count(service) >= count


async def _consumed_everything_again(service, half: int) -> bool:
    # The events after the rewind point that the backup already held come back as duplicates.
    return duplicates(service) >= half
