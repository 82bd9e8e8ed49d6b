"""Channel URLs that point at this host, the private network or cloud metadata are refused as they are
registered or changed (422 naming `url`, nothing written), and a name that resolves to such an address when
a delivery is sent (DNS rebinding) is refused there: retried, then dead-lettered with the reason."""

from types import SimpleNamespace

import pytest

from ops.deliveries import list_deliveries
from services.notifications.settings import DeliverySettings
from tests.integration.harness import eventually
from tests.integration.publicity import (
    FAST,
    SECRET,
    Receiver,
    honor_recorded,
    operator,
    publish_honor_event,
    register_channel,
    running,
)

NOWHERE_PRIVATE = DeliverySettings(worker_enabled=False, allowed_networks=[])  # production's default
REFUSED_URLS = [
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://[::1]:8104/deliveries",
    "http://127.0.0.1:8104/channels",
    "http://2130706433/",  # 127.0.0.1 spelled as a number
    "http://10.0.0.5/hook",
    "http://172.16.8.1/hook",
    "http://192.168.1.10/hook",
    "http://0.0.0.0:8104/",
    "http://[::ffff:169.254.169.254]/",
    "http://localhost:5432/",
]


@pytest.fixture
async def guarded(system, small_directory):
    async with running(system, small_directory, NOWHERE_PRIVATE) as service:
        yield service


def channel(url: str, channel_id: str = "kenh-1") -> dict:
    return {
        "channel_id": channel_id,
        "kind": "portal",
        "name": "Cổng thông tin",
        "url": url,
        "secret": SECRET,
        "unit_id": "lc",
    }


async def written(service) -> tuple[int, int]:
    pool = service.runtime.pool
    return await pool.fetchval("SELECT count(*) FROM channels"), await pool.fetchval("SELECT count(*) FROM idempotency")


async def test_a_channel_may_not_point_at_this_host_the_private_network_or_cloud_metadata(system, guarded):
    publisher = system.token("bien-tap", "publisher", "lc")
    for number, url in enumerate(REFUSED_URLS):
        reply = await guarded.client.post(
            "/channels", json=channel(url), headers={**publisher, "Idempotency-Key": f"register-{number}"}
        )
        assert reply.status_code == 422, (url, reply.text)
        (error,) = reply.json()["errors"]
        assert error["field"] == "url" and "channels reach only public addresses" in error["reason"], url
    assert await written(guarded) == (0, 0)

    registered = await guarded.client.post(
        "/channels", json=channel("https://8.8.8.8/hook"), headers={**publisher, "Idempotency-Key": "register-ok"}
    )
    assert registered.status_code == 201, registered.text
    before = await written(guarded)
    for number, url in enumerate(REFUSED_URLS):
        reply = await guarded.client.patch(
            "/channels/kenh-1", json={"url": url}, headers={**publisher, "Idempotency-Key": f"move-url-{number}"}
        )
        assert reply.status_code == 422 and reply.json()["errors"][0]["field"] == "url", (url, reply.text)
    assert await written(guarded) == before
    stored = await guarded.runtime.pool.fetchval("SELECT url FROM channels WHERE channel_id = 'kenh-1'")
    assert stored == "https://8.8.8.8/hook"


async def test_a_name_rebound_to_a_private_address_is_refused_when_sent_and_dead_lettered(system, small_directory):
    answers = [["93.184.215.14"]]  # public while the channel is registered; this host's loopback afterwards

    async def rebinding(host: str, port: int) -> list[str]:
        return answers.pop() if answers else ["127.0.0.1"]

    receiver = await Receiver().start()
    by_name = SimpleNamespace(url=receiver.url.replace("127.0.0.1", "cong-tinh.example"), secret=receiver.secret)
    settings = FAST.model_copy(update={"allowed_networks": []})
    async with running(system, small_directory, settings, rebinding) as service:
        await register_channel(system, service, "cong-tinh", by_name)
        member = small_directory.members[0]
        await publish_honor_event(system, honor_recorded(member), small_directory.unit_path(member.cell_id))

        async def dead():
            return await list_deliveries(operator(system, service), state="dead")

        (letter,) = await eventually(dead, timeout=30)
    assert letter["last_status"] is None and letter["attempts"] == FAST.max_attempts
    assert "refused: cong-tinh.example resolves to 127.0.0.1, a loopback address" in letter["last_error"]
    assert receiver.attempts == {}  # nothing ever reached the receiver listening there
    await receiver.stop()
