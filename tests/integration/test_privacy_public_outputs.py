"""Law 91/2025/QH15: every public output (webhook bodies, both feeds, the page) carries allow-listed fields only,
and names only the members who consented."""

import json
import re
from xml.etree import ElementTree as ET

from services.notifications.app import definition
from services.notifications.feeds import NG
from services.notifications.privacy import PUBLIC_FIELDS
from tests.integration.flows import directory_loaded
from tests.integration.harness import eventually
from tests.integration.publicity import (
    FAST,
    Receiver,
    honor_recorded,
    publish_honor_event,
    register_channel,
    revoked,
)

STRUCTURE = {  # keys of the formats themselves (JSON Feed 1.1, our webhook and extension), not honor data
    "version",
    "title",
    "home_page_url",
    "feed_url",
    "language",
    "items",
    "next_url",
    "id",
    "url",
    "content_text",
    "date_published",
    "date_modified",
    "tags",
    "_neuguong",
    "cursor",
    "deleted",
    "honor",
    "type",
    "delivery_id",
    "retracted_at",
}
EVIDENCE = "https://noi-bo.example/bien-ban-kiem-tra-so-17"
REASON = "Kết luận vi phạm số 99-KL/UBKT về kê khai tài sản"


def walk_keys(value, found):
    if isinstance(value, dict):
        for key, inner in value.items():
            found.add(key)
            walk_keys(inner, found)
    elif isinstance(value, list):
        for inner in value:
            walk_keys(inner, found)
    return found


def honors_in(value):
    if isinstance(value, dict):
        if "honor" in value and isinstance(value["honor"], dict):
            yield value["honor"]
        for inner in value.values():
            yield from honors_in(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from honors_in(inner)


async def test_public_outputs_carry_only_allow_listed_fields(system, small_directory):
    receiver = await Receiver().start()
    async with system.service("notifications", definition=definition(FAST)) as service:
        await system.import_directory(small_directory)
        await directory_loaded(service, small_directory)
        await register_channel(system, service, "portal", receiver)
        members = list(small_directory.members[:6])
        names = [m.full_name for m in members]
        private = [m for m in members[3:] if names.count(m.full_name) == 1][:2]  # unique names, no consent
        honors = [honor_recorded(m, consent=m not in private, evidence=EVIDENCE) for m in members]
        for honor, member in zip(honors, members, strict=False):
            await publish_honor_event(system, honor, small_directory.unit_path(member.cell_id))

        # Revoked once published, so that it is retracted (an honor revoked before any attempt is never sent).
        async def first_published() -> bool:
            return honors[0].honor_id in receiver.honors("honor.published")

        await eventually(first_published, timeout=60)
        await publish_honor_event(
            system, revoked(honors[0], reason=REASON), small_directory.unit_path(members[0].cell_id)
        )

        async def delivered():
            return len(receiver.honors("honor.published")) == len(honors) and receiver.honors("honor.retracted")

        await eventually(delivered, timeout=60)
        client = service.client
        outputs = {
            "webhooks": json.dumps(list(receiver.accepted.values()), ensure_ascii=False),
            "json feed": (await client.get("/feeds/lc.json")).text,
            "atom": (await client.get("/feeds/lc.atom")).text,
            "page": (await client.get("/so-ghi-danh/lc")).text,
            "page filtered": (await client.get("/so-ghi-danh/lc", params={"period": "2026-03", "level": "cell"})).text,
        }
    await receiver.stop()

    for document in (list(receiver.accepted.values()), json.loads(outputs["json feed"])):
        assert walk_keys(document, set()) <= STRUCTURE | PUBLIC_FIELDS
        for honor in honors_in(document):
            assert honor.keys() <= PUBLIC_FIELDS
            assert honor["name"] is None or honor["name"] not in [m.full_name for m in private]
    atom = ET.fromstring(outputs["atom"].encode())
    ng_fields = {el.tag.split("}")[1].replace("-", "_") for el in atom.iter() if el.tag.startswith(f"{{{NG}}}")}
    assert ng_fields <= PUBLIC_FIELDS | {"cursor"}

    forbidden = [
        EVIDENCE,
        REASON,
        "bí-mật-chung",
        *(m.member_id for m in members),
        *(m.full_name for m in private),
        "admitted",
        "citizen",
        "phone",
        "rating",
        "discipline",
    ]
    for where, text in outputs.items():
        for value in forbidden:
            assert value not in text, f"{value!r} leaked into the {where}"
    assert re.search("Một đảng viên", outputs["page"]) and members[1].full_name in outputs["page"]
