"""Pull feeds on the real stack: feedparser reads them cleanly, JSON Feed 1.1 structure, since, ETag, tombstones."""

import feedparser
import pytest

from services.notifications.app import definition
from services.notifications.settings import DeliverySettings
from tests.integration.flows import directory_loaded
from tests.integration.harness import eventually
from tests.integration.publicity import honor_recorded, publish_honor_event, revoked

JSON_FEED_TOP = {
    "version",
    "title",
    "home_page_url",
    "feed_url",
    "description",
    "user_comment",
    "next_url",
    "icon",
    "favicon",
    "authors",
    "language",
    "expired",
    "hubs",
    "items",
}
JSON_FEED_ITEM = {
    "id",
    "url",
    "external_url",
    "title",
    "content_html",
    "content_text",
    "summary",
    "image",
    "banner_image",
    "date_published",
    "date_modified",
    "authors",
    "tags",
    "language",
    "attachments",
}


def assert_json_feed_1_1(doc):
    """The JSON Feed 1.1 structure: required members, their types, only known or "_" extension members."""
    assert doc["version"] == "https://jsonfeed.org/version/1.1" and isinstance(doc["title"], str)
    assert isinstance(doc["items"], list)
    assert all(k in JSON_FEED_TOP or k.startswith("_") for k in doc)
    for item in doc["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert isinstance(item.get("content_text"), str) or isinstance(item.get("content_html"), str)
        assert all(k in JSON_FEED_ITEM or k.startswith("_") for k in item)
        assert all(isinstance(t, str) for t in item.get("tags", []))


@pytest.fixture
async def feed_service(system, small_directory):
    async with system.service("notifications", definition=definition(DeliverySettings(worker_enabled=False))) as s:
        await system.import_directory(small_directory)
        await directory_loaded(s, small_directory)
        yield s


async def test_feeds_since_etag_and_tombstones(system, small_directory, feed_service):
    client = feed_service.client
    members = small_directory.members[:4]
    honors = [honor_recorded(m, level="grassroots" if i == 0 else "cell") for i, m in enumerate(members)]

    async def feed_of(count: int, **params):
        async def listed():
            reply = await client.get("/feeds/lc.json", params=params)
            return reply if len(reply.json()["items"]) == count else None

        return await eventually(listed)

    # Feed order is the order the service consumed the honors in; the four subjects sit on different
    # partitions, so each is published once the one before it is on the feed.
    for count, (honor, member) in enumerate(zip(honors, members, strict=False), start=1):
        await publish_honor_event(system, honor, small_directory.unit_path(member.cell_id))
        reply = await feed_of(count)
    doc = reply.json()
    assert_json_feed_1_1(doc)
    assert [i["_neuguong"]["honor"]["honor_id"] for i in doc["items"]] == [h.honor_id for h in reversed(honors)]
    cursor = doc["_neuguong"]["cursor"]

    atom = await client.get("/feeds/lc.atom")
    parsed = feedparser.parse(atom.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert atom.headers["content-type"].startswith("application/atom+xml")
    assert [e.id for e in parsed.entries] == [f"urn:neuguong:honor:{h.honor_id}" for h in reversed(honors)]
    assert members[1].full_name in parsed.entries[-2].title
    only_high = feedparser.parse((await client.get("/feeds/lc.atom", params={"min_level": "grassroots"})).content)
    assert [e.id for e in only_high.entries] == [f"urn:neuguong:honor:{honors[0].honor_id}"]

    etag = reply.headers["etag"]
    assert (await client.get("/feeds/lc.json", headers={"If-None-Match": etag})).status_code == 304
    atom_etag = atom.headers["etag"]
    assert (await client.get("/feeds/lc.atom", headers={"If-None-Match": atom_etag})).status_code == 304
    assert (await client.get("/feeds/lc.json", params={"since": cursor})).json()["items"] == []

    later = honor_recorded(members[0], period="2026-04")
    await publish_honor_event(system, later, small_directory.unit_path(members[0].cell_id))
    await feed_of(1, since=cursor)
    await publish_honor_event(system, revoked(honors[1]), small_directory.unit_path(members[1].cell_id))
    tombstone, newer = (await feed_of(2, since=cursor)).json()["items"]
    assert newer["_neuguong"]["honor"]["honor_id"] == later.honor_id
    assert tombstone["id"] == f"urn:neuguong:honor:{honors[1].honor_id}" and tombstone["_neuguong"]["deleted"]
    assert members[1].full_name not in str(tombstone)
    assert (await client.get("/feeds/lc.json", headers={"If-None-Match": etag})).status_code == 200  # changed

    atom_since = await client.get("/feeds/lc.atom", params={"since": cursor})
    parsed = feedparser.parse(atom_since.content)
    assert not parsed.bozo and [e.id for e in parsed.entries] == [f"urn:neuguong:honor:{later.honor_id}"]
    assert f'ref="urn:neuguong:honor:{honors[1].honor_id}"' in atom_since.text

    paged = (await client.get("/feeds/lc.json", params={"limit": 2})).json()
    assert len(paged["items"]) == 2 and "before=" in paged["next_url"]
    assert (await client.get("/feeds/nowhere.json")).status_code == 404


async def test_an_honor_replayed_after_its_revocation_is_never_published(system, small_directory, feed_service):
    # Its HonorRecorded was dead-lettered and replayed later, behind the revocation.
    # The marker is another honor of the same subject: same key, same partition, consumed after the late one.
    late = small_directory.members[5]
    honor, next_one = honor_recorded(late), honor_recorded(late, period="2026-04")
    path = small_directory.unit_path(late.cell_id)
    await publish_honor_event(system, revoked(honor), path)
    await publish_honor_event(system, honor, path)
    await publish_honor_event(system, next_one, path)

    async def marker_listed():
        items = (await feed_service.client.get("/feeds/lc.json")).json()["items"]
        return (
            items
            if next_one.honor_id
            in {i["_neuguong"]["honor"]["honor_id"] for i in items if "honor" in i.get("_neuguong", {})}
            else None
        )

    items = await eventually(marker_listed)
    assert all(honor.honor_id not in str(item) for item in items)
    assert await feed_service.runtime.pool.fetchval("SELECT count(*) FROM deliveries") == 0
