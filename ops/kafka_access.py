"""Who may do what on Kafka, the one source of the ACLs of every layout (deploy/local's secured broker,
compose, Kubernetes): one SCRAM principal per service, the directory importer and the operator.

The grants are derived from the code, not written out by hand: a service writes the topics whose owner it
is (schemas/topics.py) and its own dead-letter topic, reads the topics its definition consumes, in its own
consumer group, and may describe every topic (ensure_topics checks them at start). `neuguong kafka access`
prints them or applies them (SCRAM users, topics, ACLs) as the cluster's admin.
"""

from dataclasses import dataclass

from schemas.topics import ALL_TOPICS, dead_letter_topic
from services import NAMES as SERVICES

IMPORTER = "ng_directory_import"
OPERATOR = "ng_operator"
IMPORTER_OWNER = "directory-import"


def principal(service: str) -> str:
    """The Kafka user of a service (as its Postgres role)."""
    return f"ng_{service}"


PRINCIPALS = (*(principal(s) for s in SERVICES), IMPORTER, OPERATOR)


@dataclass(frozen=True, order=True)
class Grant:
    """Operations a principal may do on one topic or group (a literal name, or every name with a prefix)."""

    principal: str
    resource: str  # "topic" | "group"
    name: str
    operations: tuple[str, ...]
    prefixed: bool = False


def _topics(prefix: str, principal_: str, names: list[str], *operations: str) -> list[Grant]:
    return [Grant(principal_, "topic", prefix + name, operations) for name in names]


def grants(prefix: str = "") -> list[Grant]:
    """Every grant of the system, for topics and groups named with `prefix` (NG_TOPIC_PREFIX)."""
    from services import definition

    events = [t.name for t in ALL_TOPICS if t.owner != IMPORTER_OWNER]
    directory = [t.name for t in ALL_TOPICS if t.owner == IMPORTER_OWNER]
    letters = [dead_letter_topic(s).name for s in SERVICES]
    found: list[Grant] = []
    for service in SERVICES:
        who = principal(service)
        owned = [t.name for t in ALL_TOPICS if t.owner == service] + [dead_letter_topic(service).name]
        found += _topics(prefix, who, owned, "WRITE", "DESCRIBE")
        found += _topics(prefix, who, list(definition(service).consumes), "READ", "DESCRIBE")
        found.append(Grant(who, "group", prefix + service, ("READ", "DESCRIBE")))
        found += _topics(prefix, who, directory + events + letters, "DESCRIBE", "DESCRIBE_CONFIGS")
    found += _topics(prefix, IMPORTER, directory, "WRITE", "DESCRIBE")
    # The operator: `neuguong dlq list|replay` (reads the letters, sends them back), lag checks.
    found += _topics(prefix, OPERATOR, letters, "READ", "DESCRIBE")
    found += _topics(prefix, OPERATOR, directory + events, "WRITE", "DESCRIBE")
    found += [Grant(OPERATOR, "group", f"{prefix}{s}.dlq-replay", ("READ", "DESCRIBE")) for s in SERVICES]
    everything = prefix or "*"
    found.append(Grant(OPERATOR, "group", everything, ("DESCRIBE",), prefixed=bool(prefix)))
    found.append(Grant(OPERATOR, "topic", everything, ("DESCRIBE", "DESCRIBE_CONFIGS"), prefixed=bool(prefix)))
    return sorted(set(found))


def acl_commands(prefix: str = "") -> list[str]:
    """The grants as Kafka's own `kafka-acls.sh --add` command lines (for a cluster without this tool)."""
    lines = []
    for grant in grants(prefix):
        operations = " ".join(f"--operation {op.title().replace('_', '')}" for op in grant.operations)
        pattern = " --resource-pattern-type prefixed" if grant.prefixed else ""
        lines.append(
            f"kafka-acls.sh --add --allow-principal User:{grant.principal} {operations}"
            f" --{grant.resource} '{grant.name}'{pattern}"
        )
    return lines
