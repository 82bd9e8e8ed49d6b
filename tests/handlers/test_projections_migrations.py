"""services/projections' migrations on a schema that lived through the earlier ones: what an upgrade keeps."""

import shutil
from pathlib import Path

import pytest

from neuguong.runtime.db import create_pool, migrate
from neuguong.runtime.settings import Settings
from services import definition
from services.projections import store
from tests.handlers.layer import load_directory
from tests.integration.harness import env, reset_schemas

pytestmark = pytest.mark.handlers

PROJECTIONS = Path(definition("projections").package_dir)


async def test_filings_kept_in_the_old_table_still_count_as_filed_once_a_filing_is_an_act(tmp_path, small_directory):
    before = tmp_path / "projections" / "migrations"  # the migration's name is "projections/<file>", as deployed
    before.mkdir(parents=True)
    for path in sorted((PROJECTIONS / "migrations").glob("*.sql")):
        if path.name < "0009":
            shutil.copy(path, before)
    await reset_schemas()
    settings = Settings(service="projections", environment="test", pg_database=env("NG_PG_DATABASE", "neuguong_test"))
    pool = await create_pool(settings)
    try:
        await migrate(pool, tmp_path / "projections")
        await load_directory(pool, small_directory)
        cell = next(u.unit_id for u in small_directory.units if u.level == "cell")

        async def owing() -> list[str]:
            async with pool.acquire() as conn:
                return [r["member_id"] for r in await store.members_without_commitment(conn, cell, 2026, 100, 0)]

        members = await owing()
        assert len(members) >= 3
        noted_before_acts, noted_both_ways, not_filed = members[:3]
        await pool.execute(
            "INSERT INTO filed_commitments (member_id, year) VALUES ($1, 2026), ($2, 2026)",
            noted_before_acts,
            noted_both_ways,
        )
        await pool.execute(
            "INSERT INTO member_acts (act, member_id, period, first_day, last_day, unit_path)"
            " VALUES ('filed', $1, '2026', '2026-01-01', '2026-12-31', $2)",
            noted_both_ways,
            ["lc", cell],
        )
        assert noted_before_acts in await owing() and noted_both_ways not in await owing()

        assert await migrate(pool, PROJECTIONS) == ["projections/0009_filings_are_acts.sql"]

        assert noted_before_acts not in await owing() and not_filed in await owing()
        assert await pool.fetchval("SELECT to_regclass('filed_commitments')") is None
        acts = {
            r["member_id"]: r["unit_path"]
            for r in await pool.fetch("SELECT member_id, unit_path FROM member_acts WHERE act = 'filed'")
        }
        # Carried over without a path (in no unit's spans, as before); an act already kept stays as it was.
        assert acts == {noted_before_acts: [], noted_both_ways: ["lc", cell]}
    finally:
        await pool.close()
