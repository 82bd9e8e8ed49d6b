"""The public outputs behind a proxy (issue 16, issue 11 §5): links from NG_PUBLIC_BASE_URL and never from the
Host header, feed links that keep the page's level, security headers, HEAD; and a 409 that shows nothing of
another subtree's channel."""

import base64
import hashlib
import re
from html.parser import HTMLParser

import feedparser
import httpx
import pytest

from services.notifications.app import definition
from services.notifications.settings import DeliverySettings
from tests.integration.edge import key, named, rows_held
from tests.integration.flows import directory_loaded
from tests.integration.harness import eventually
from tests.integration.publicity import honor_recorded, publish_honor_event

PUBLIC = "https://neuguong.laocai.example/cong-khai"


@pytest.fixture
async def notifications(system, small_directory):
    async with system.service(
        "notifications", definition=definition(DeliverySettings(worker_enabled=False)), public_base_url=PUBLIC
    ) as service:
        await system.import_directory(small_directory)
        await directory_loaded(service, small_directory)
        yield service


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("a", "link"):
            self.links.append({"tag": tag, **dict(attrs)})


async def test_feed_and_page_links_come_from_the_public_base_url_not_the_host(system, small_directory, notifications):
    member = small_directory.members[0]
    event = honor_recorded(member)
    await publish_honor_event(system, event, small_directory.unit_path(member.cell_id))
    client, poisoned = notifications.client, {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}

    async def listed():
        reply = await client.get("/feeds/lc.json", params={"level": "cell", "limit": 1}, headers=poisoned)
        return reply if reply.json()["items"] else None

    document = (await eventually(listed)).json()
    assert document["home_page_url"] == f"{PUBLIC}/so-ghi-danh/lc"
    assert document["feed_url"] == f"{PUBLIC}/feeds/lc.json?level=cell&limit=1"
    assert document["items"][0]["url"].startswith(f"{PUBLIC}/so-ghi-danh/lc#")
    atom = feedparser.parse((await client.get("/feeds/lc.atom", headers=poisoned)).content)
    assert not atom.bozo and {link.href for link in atom.feed.links} == {
        f"{PUBLIC}/feeds/lc.atom",
        f"{PUBLIC}/so-ghi-danh/lc",
    }
    page = await client.get("/so-ghi-danh/lc", params={"period": event.period, "level": "cell"}, headers=poisoned)
    assert page.status_code == 200 and "evil.example" not in page.text
    parser = Links()
    parser.feed(page.text)
    feeds = {link["href"] for link in parser.links if link.get("type", "").startswith("application/")}
    assert feeds == {f"{PUBLIC}/feeds/lc.atom?level=cell", f"{PUBLIC}/feeds/lc.json?level=cell"}
    visible = [link for link in parser.links if link["tag"] == "a" and "/feeds/" in link["href"]]
    assert len(visible) == 2  # a reader can see where to follow the roll, not only a feed reader
    for path in ("/so-ghi-danh/lc/", "/feeds/lc.atom/", "/docs/"):
        moved = await client.get(path, headers=poisoned)
        assert moved.status_code == 307 and "evil" not in moved.headers["location"], (path, moved.headers)
        assert httpx.URL(f"{PUBLIC}{path}").join(moved.headers["location"]) == httpx.URL(f"{PUBLIC}{path[:-1]}")


async def test_public_answers_carry_security_headers_and_answer_head(notifications):
    client = notifications.client
    for path in ("/so-ghi-danh/lc", "/feeds/lc.atom", "/feeds/lc.json"):
        get, head = await client.get(path), await client.head(path)
        assert get.status_code == head.status_code == 200, (path, head.status_code)
        assert head.content == b"" and head.headers["content-type"] == get.headers["content-type"]
        for reply in (get, head):
            assert reply.headers["x-content-type-options"] == "nosniff"
            assert reply.headers["x-frame-options"] == "DENY" and reply.headers["referrer-policy"] == "no-referrer"
            assert "frame-ancestors 'none'" in reply.headers["content-security-policy"]
            assert reply.headers["cache-control"] == "public, max-age=60"
    page = await client.get("/so-ghi-danh/lc")
    style = re.search(r"<style>(.*?)</style>", page.text, re.S).group(1)

    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in page.headers["content-security-policy"]
    assert "script-src" not in page.headers["content-security-policy"]


async def test_public_endpoints_refuse_bad_parameters_with_4xx(notifications):
    client = notifications.client
    for path, params, field in [
        ("/feeds/lc.atom", {"since": "١٢"}, "query.since"),
        ("/feeds/lc.json", {"before": "１２"}, "query.before"),
        ("/feeds/lc.json", {"limit": str(2**64)}, "query.limit"),
        ("/so-ghi-danh/lc", {"period": "0000"}, "query.period"),
        ("/so-ghi-danh/lc%00", {}, "path.unit_id"),
    ]:
        reply = await client.get(path, params=params)
        assert reply.status_code == 422 and named(reply, field), (path, reply.text)


async def test_a_409_on_a_channel_id_shows_nothing_of_another_subtree(system, small_directory, notifications):
    communes = sorted({small_directory.unit_path(m.cell_id)[1] for m in small_directory.members})
    ours, theirs = communes[0], communes[1]
    channel = {
        "channel_id": "cong-xa",
        "kind": "portal",
        "name": "Cổng thông tin xã",
        "url": "https://cong-xa.example/hook",
        "secret": "a-secret-of-enough-length",
    }

    async def register(unit):
        token = system.token(f"bien-tap-{unit}", "publisher", unit)
        return await notifications.client.post(
            "/channels", json={**channel, "unit_id": unit}, headers={**token, **key()}
        )

    assert (await register(theirs)).status_code == 201
    before = await rows_held(notifications)
    clash = await register(ours)
    assert clash.status_code == 409 and named(clash, "channel_id", "already taken"), clash.text
    assert "existing" not in clash.json() and "cong-xa.example" not in clash.text and theirs not in clash.text
    assert await rows_held(notifications) == before
    again = await register(theirs)
    assert again.status_code == 409 and again.json()["existing"]["unit_id"] == theirs
