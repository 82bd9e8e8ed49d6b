"""Operators list dead letters with their reasons and replay them once the cause is fixed."""

from dataclasses import replace

from ops.dlq import list_dead_letters, replay_dead_letters
from schemas import encode, wrap
from schemas.commitments import CommitmentFiled
from schemas.topics import COMMITMENTS
from services.projections.app import DEFINITION
from tests.integration.flows import directory_loaded, figure
from tests.integration.harness import eventually


async def test_dead_letters_are_listed_and_replayed_once(system, small_directory):
    member = small_directory.members[0]
    event = wrap(
        CommitmentFiled(commitment_id="k-dlq", member_id=member.member_id, cell_id=member.cell_id, year=2026),
        producer="commitments",
        actor=member.member_id,
        unit_path=small_directory.path_for(member),
        correlation_id="dlq-replay",
    )

    async def buggy_handler(conn, event, envelope):
        raise ValueError("figure name missing from the event: a bug in this handler version")

    broken = replace(DEFINITION, handlers={**DEFINITION.handlers, "CommitmentFiled": buggy_handler})
    async with system.service("projections", broken, consumer_max_attempts=2):
        await system.publish_raw(COMMITMENTS.name, encode(event), member.member_id.encode())
        await system.read_topic("projections.dlq", at_least=1)

    letters = await list_dead_letters(system.settings(), "projections")
    assert len(letters) == 1
    assert letters[0].headers["event_id"] == str(event.event_id)
    assert letters[0].headers["dlq_attempts"] == "2"
    assert "a bug in this handler version" in letters[0].headers["dlq_error"]

    async with system.service("projections") as fixed:
        await system.import_directory(small_directory)
        await directory_loaded(fixed, small_directory)
        assert await figure(fixed, system, "lc", "commitments_filed", "2026") == 0
        assert await replay_dead_letters(system.settings(), "projections") == 1
        await eventually(lambda: figure(fixed, system, member.cell_id, "commitments_filed", "2026"))
        assert await replay_dead_letters(system.settings(), "projections") == 0  # nothing twice
        assert len(await list_dead_letters(system.settings(), "projections")) == 1  # the record stays for audit
