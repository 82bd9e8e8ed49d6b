"""The hand-written Vietnamese sort key orders names as ICU's `vi` collator does, checked against the ICU
collation of the PostgreSQL the system runs on (`vi-x-icu`, which the projections' lists sort by)."""

import pytest

from services.notifications.collation import sort_key
from tests.integration.harness import admin_connection
from tests.unit.test_notification_collation import WORDS

pytestmark = pytest.mark.handlers


async def test_the_same_order_as_icu_in_postgresql():
    conn = await admin_connection()
    try:
        by_icu = [
            row["w"]
            for row in await conn.fetch('SELECT w FROM unnest($1::text[]) AS w ORDER BY w COLLATE "vi-x-icu"', WORDS)
        ]
    finally:
        await conn.close()
    assert sorted(WORDS, key=sort_key) == by_icu
