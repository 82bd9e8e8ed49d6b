"""The Kafka grants, derived from the code: each service writes only the topics it owns, reads only what it
consumes, in its own group; the importer and the operator get what their commands need."""

from ops.kafka_access import IMPORTER, OPERATOR, acl_commands, grants, principal
from schemas.topics import ALL_TOPICS
from services import NAMES as SERVICES
from services import definition


def allowed(prefix: str = "") -> set[tuple[str, str, str, str]]:
    return {(g.principal, g.resource, g.name, op) for g in grants(prefix) for op in g.operations}


def test_each_event_topic_is_written_by_its_owner_the_operator_and_no_one_else():
    writers = {t.name: {p for p, r, n, op in allowed() if (r, n, op) == ("topic", t.name, "WRITE")} for t in ALL_TOPICS}
    assert writers == {
        "directory.units": {IMPORTER, OPERATOR},
        "directory.members": {IMPORTER, OPERATOR},
        "commitments.events": {principal("commitments"), OPERATOR},
        "sessions.events": {principal("commitments"), OPERATOR},
        "honors.events": {principal("honors"), OPERATOR},
        "inspections.events": {principal("inspections"), OPERATOR},
        "notifications.events": {principal("notifications"), OPERATOR},
    }
    assert (principal("projections"), "topic", "honors.events", "WRITE") not in allowed()


def test_a_service_reads_what_it_consumes_in_its_own_group_and_writes_its_dead_letters():
    for service in SERVICES:
        who = principal(service)
        reads = {n for p, r, n, op in allowed() if (p, r, op) == (who, "topic", "READ")}
        assert reads == set(definition(service).consumes), service
        assert {n for p, r, n, op in allowed() if (p, r, op) == (who, "group", "READ")} == {service}
        assert (who, "topic", f"{service}.dlq", "WRITE") in allowed()


def test_a_prefix_names_every_topic_and_group():
    names = {(r, n) for _, r, n, _ in allowed("t1.")}
    assert all(n.startswith("t1.") for _, n in names)
    assert ("group", "t1.honors") in names


def test_the_grants_print_as_kafka_acls_command_lines():
    lines = acl_commands()
    assert len(lines) == len(grants())
    assert (
        "kafka-acls.sh --add --allow-principal User:ng_honors --operation Write --operation Describe"
        " --topic 'honors.events'" in lines
    )
    assert any("--operation DescribeConfigs" in line for line in lines)
