"""deploy/k8s-operators, the variant of deploy/k8s run by Strimzi, CloudNativePG and KEDA: the generated files
are what the commands print, the grants and topics are the code's, every resource has what its operator's CRD
requires and points at things that exist, and every service still loads its Settings from the built overlay.

The operators' CRD schemas are not available offline, so their resources are checked here field by field
(the fields the CRDs mark required, and the references between resources); the Kubernetes kinds of the built
overlay are validated against the Kubernetes schemas as deploy/k8s's are."""

import re
import shutil
import subprocess
from pathlib import PurePosixPath

import kubernetes_validate
import pytest
import yaml

from ops import cli
from ops.k8s_operators import BOOTSTRAP, CLUSTER, user_name
from ops.kafka_access import OPERATOR, PRINCIPALS, grants, principal
from schemas.topics import ALL_TOPICS, dead_letter_topic
from services import NAMES as SERVICES
from services import definition
from tests.ops.manifests import DEPLOY, k8s_documents, k8s_environment, k8s_mounted_files
from tests.ops.test_shipped_configs import KUBERNETES_VERSIONS

OPERATORS = DEPLOY / "k8s-operators"
OPERATOR_KINDS = {
    "kafka.strimzi.io/v1": {"Kafka", "KafkaNodePool", "KafkaUser", "KafkaTopic"},
    "postgresql.cnpg.io/v1": {"Cluster", "ScheduledBackup"},
    "keda.sh/v1alpha1": {"ScaledObject", "TriggerAuthentication"},
}


def load(name: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all((OPERATORS / name).read_text("utf-8")) if doc]


def of_kind(documents: list[dict], kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in documents if doc["kind"] == kind}


def secrets() -> dict[str, dict]:
    """The Secrets operators create (both examples) and Strimzi makes (its CA), by name."""
    return of_kind([*k8s_documents(), *load("secrets.example.yaml")], "Secret")


@pytest.fixture(scope="module")
def built() -> list[dict]:
    """`kubectl kustomize deploy/k8s-operators`: what `kubectl apply -k` would send."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl (for kustomize) is not installed")
    out = subprocess.run([kubectl, "kustomize", str(OPERATORS)], capture_output=True, text=True, check=True).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


@pytest.mark.parametrize(
    ("argv", "committed"),
    [(["kafka", "access", "--strimzi"], "kafka-access.yaml"), (["kafka", "lag-scaling"], "keda.yaml")],
)
def test_the_generated_files_are_what_the_commands_print(argv, committed, capsys, monkeypatch):
    monkeypatch.delenv("NG_TOPIC_PREFIX", raising=False)
    assert cli.main(argv) == 0
    printed = capsys.readouterr().out
    assert printed == (OPERATORS / committed).read_text("utf-8"), f"run: neuguong {' '.join(argv)} > {committed}"


def test_the_kafka_users_carry_exactly_the_grants_of_the_code():
    users = of_kind(load("kafka-access.yaml"), "KafkaUser")
    assert sorted(users) == sorted(user_name(p) for p in PRINCIPALS)
    declared = {
        (name, acl["resource"]["type"], acl["resource"]["name"], op, acl["resource"]["patternType"] == "prefix")
        for name, user in users.items()
        for acl in user["spec"]["authorization"]["acls"]
        for op in acl["operations"]
    }
    wanted = {
        (user_name(g.principal), g.resource, g.name, op.title().replace("_", ""), g.prefixed)
        for g in grants()
        for op in g.operations
    }
    assert declared == wanted
    # Projections read honors.events but may not write it (only honors may).
    projections = {(r, n, op) for u, r, n, op, _ in declared if u == "ng-projections"}
    assert ("topic", "honors.events", "Read") in projections and ("topic", "honors.events", "Write") not in projections
    for p, user in users.items():
        assert user["spec"]["authentication"]["type"] == "scram-sha-512"
        ref = user["spec"]["authentication"]["password"]["valueFrom"]["secretKeyRef"]
        assert user_name(ref["key"]) == p and ref["key"] in secrets()[ref["name"]]["stringData"]


def test_the_kafka_topics_keep_the_history_as_the_services_would():
    found = {t["spec"]["topicName"]: t["spec"] for t in of_kind(load("kafka-access.yaml"), "KafkaTopic").values()}
    expected = [*ALL_TOPICS, *(dead_letter_topic(s) for s in SERVICES)]
    assert sorted(found) == sorted(t.name for t in expected)
    for topic in expected:
        spec = found[topic.name]
        assert spec["partitions"] == topic.partitions and spec["replicas"] == 3
        assert spec["config"]["min.insync.replicas"] == "2"
        if topic.compacted:  # directory topics: each key's latest record
            assert spec["config"]["cleanup.policy"] == "compact" and "retention.ms" not in spec["config"]
        else:  # event and dead-letter topics: everything, for ever
            assert (spec["config"]["cleanup.policy"], spec["config"]["retention.ms"]) == ("delete", "-1")
    assert {t.name for t in expected if t.compacted} == {"directory.units", "directory.members"}


def test_each_operator_resource_has_its_crd_fields_and_its_references_resolve(built):
    resources = [d for d in built if d["kind"] in OPERATOR_KINDS.get(d["apiVersion"], ())]
    kinds = {(d["apiVersion"], d["kind"]) for d in resources}
    assert kinds == {(api, kind) for api, names in OPERATOR_KINDS.items() for kind in names}
    for doc in resources:
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", doc["metadata"]["name"]), doc["metadata"]["name"]
        assert doc["metadata"]["namespace"] == "neuguong"

    kafka = of_kind(built, "Kafka")[CLUSTER]["spec"]
    (listener,) = kafka["kafka"]["listeners"]
    assert (listener["name"], listener["type"], listener["tls"]) == ("tls", "internal", True)
    assert listener["authentication"]["type"] == "scram-sha-512" and BOOTSTRAP.endswith(f":{listener['port']}")
    assert kafka["kafka"]["authorization"]["type"] == "simple"
    assert kafka["kafka"]["config"]["allow.everyone.if.no.acl.found"] is False
    assert {"topicOperator", "userOperator"} <= set(kafka["entityOperator"])
    pools = of_kind(built, "KafkaNodePool").values()
    assert sum(p["spec"]["replicas"] for p in pools if "broker" in p["spec"]["roles"]) >= 3
    assert sum(p["spec"]["replicas"] for p in pools if "controller" in p["spec"]["roles"]) % 2 == 1
    for pool in pools:
        assert pool["spec"]["storage"]["type"] in ("jbod", "persistent-claim")
    for kind in ("KafkaNodePool", "KafkaUser", "KafkaTopic"):
        for doc in of_kind(built, kind).values():
            assert doc["metadata"]["labels"]["strimzi.io/cluster"] == CLUSTER, (kind, doc["metadata"]["name"])
            assert "spec" in doc
    for topic in of_kind(built, "KafkaTopic").values():
        assert {"partitions", "replicas"} <= set(topic["spec"])

    cluster = of_kind(built, "Cluster")["neuguong-pg"]["spec"]
    assert cluster["instances"] >= 3 and cluster["storage"]["size"]
    assert cluster["bootstrap"]["initdb"]["database"] == "neuguong"
    store = cluster["backup"]["barmanObjectStore"]
    assert store["destinationPath"].startswith("s3://") and cluster["backup"]["retentionPolicy"]
    for credential in store["s3Credentials"].values():
        assert credential["key"] in secrets()[credential["name"]]["stringData"]
    for backup in of_kind(built, "ScheduledBackup").values():
        assert backup["spec"]["cluster"]["name"] in of_kind(built, "Cluster")
        assert len(backup["spec"]["schedule"].split()) == 6  # CloudNativePG's cron has seconds first

    auths = of_kind(built, "TriggerAuthentication")
    for auth in auths.values():
        for ref in auth["spec"]["secretTargetRef"]:
            assert ref["key"] in secrets()[ref["name"]]["stringData"], ref
        assert {r["parameter"] for r in auth["spec"]["secretTargetRef"]} >= {"sasl", "username", "password", "ca"}
    lag = secrets()["neuguong-kafka-lag"]["stringData"]
    assert (lag["sasl"], lag["tls"], lag["username"]) == ("scram_sha512", "enable", user_name(OPERATOR))
    deployments = of_kind(built, "Deployment")
    for scaled in of_kind(built, "ScaledObject").values():
        assert scaled["spec"]["scaleTargetRef"]["name"] in deployments
        for trigger in scaled["spec"]["triggers"]:
            assert trigger["type"] == "kafka" and trigger["authenticationRef"]["name"] in auths
            assert {"bootstrapServers", "consumerGroup", "topic", "lagThreshold"} <= set(trigger["metadata"])


def test_keda_scales_every_consuming_service_on_the_lag_of_its_own_group(built):
    scaled = of_kind(built, "ScaledObject")
    partitions = {t.name: t.partitions for t in ALL_TOPICS}
    assert sorted(scaled) == sorted(s for s in SERVICES if definition(s).consumes)
    for service, doc in scaled.items():
        triggers = doc["spec"]["triggers"]
        assert {t["metadata"]["consumerGroup"] for t in triggers} == {service}
        assert sorted(t["metadata"]["topic"] for t in triggers) == sorted(definition(service).consumes)
        assert {t["metadata"]["bootstrapServers"] for t in triggers} == {BOOTSTRAP}
        # Never below two (HTTP API and outbox relay), never above what the partitions can feed.
        assert doc["spec"]["minReplicaCount"] >= 2
        assert doc["spec"]["maxReplicaCount"] == max(partitions[t] for t in definition(service).consumes)
        assert "replicas" not in of_kind(built, "Deployment")[service]["spec"]  # KEDA's, not kubectl apply's


def test_the_postgres_cluster_provisions_each_service_role_and_its_schemas():
    for name in ("postgres.yaml", "postgres-pitr.example.yaml"):
        cluster = next(d for d in load(name) if d["kind"] == "Cluster")
        roles = cluster["spec"]["managed"]["roles"]
        assert sorted(r["name"] for r in roles) == sorted(principal(s) for s in SERVICES)
        for role in roles:
            secret = secrets()[role["passwordSecret"]["name"]]
            assert secret["type"] == "kubernetes.io/basic-auth" and secret["stringData"]["username"] == role["name"]
            assert role["login"] is True and role["ensure"] == "present"
    sql = next(d for d in load("postgres.yaml") if d["kind"] == "Cluster")["spec"]["bootstrap"]["initdb"]
    statements = set(sql["postInitApplicationSQL"])
    for s in SERVICES:
        assert f"CREATE ROLE ng_{s} NOLOGIN" in statements
        assert f"ALTER ROLE ng_{s} SET search_path = {s}" in statements
        for schema in (s, f"{s}_rebuild", f"{s}_retired"):  # the read-model rebuild's spares (ops/rebuild.py)
            assert f"CREATE SCHEMA {schema} AUTHORIZATION ng_{s}" in statements
    assert "REVOKE ALL ON SCHEMA public FROM PUBLIC" in statements


def test_the_built_overlay_keeps_the_kubernetes_kinds_valid(built):
    plain = [d for d in built if d["apiVersion"] not in OPERATOR_KINDS]
    assert {d["kind"] for d in plain} == {"Namespace", "ConfigMap", "Service", "Deployment", "PodDisruptionBudget"}
    assert not {"kafka", "postgres"} & {d["metadata"]["name"] for d in plain if d["kind"] in ("Service", "StatefulSet")}
    for doc in plain:
        kubernetes_validate.validate(doc, KUBERNETES_VERSIONS[-1], strict=True)


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_of_the_overlay_loads_its_production_settings(built, environment, service):
    documents = [*k8s_documents(), *load("secrets.example.yaml"), *built]  # the built ConfigMap wins
    workload = of_kind(built, "Deployment")[service]
    settings = environment(k8s_environment(workload, documents), service)
    assert settings.environment == "production" and settings.kafka_servers == [BOOTSTRAP]
    assert (settings.kafka_security_protocol, settings.kafka_sasl_mechanism) == ("SASL_SSL", "SCRAM-SHA-512")
    assert settings.kafka_sasl_username == user_name(principal(service))  # its KafkaUser
    assert settings.pg_host == f"{next(iter(of_kind(built, 'Cluster')))}-rw" and settings.pg_user == principal(service)
    assert settings.pg_password == secrets()[f"neuguong-pg-{user_name(principal(service))}"]["stringData"]["password"]
    mounted = k8s_mounted_files(workload, documents)
    assert (
        PurePosixPath(settings.kafka_ssl_cafile) in mounted and PurePosixPath(settings.jwt_public_key_file) in mounted
    )
