"""The configurations deploy/ ships start: each service's Settings load from them, and every Kubernetes
manifest is valid against the Kubernetes schemas."""

from pathlib import PurePosixPath

import kubernetes_validate
import pytest
from pydantic import ValidationError

from ops.kafka_access import PRINCIPALS
from services import NAMES as SERVICES
from tests.ops.manifests import (
    compose_environment,
    dotenv_example,
    k8s_documents,
    k8s_environment,
    k8s_mounted_files,
    k8s_workloads,
)

KUBERNETES_VERSIONS = ("1.30", kubernetes_validate.latest_version())
"""The oldest release still commonly run by providers, and the newest the validator knows."""


@pytest.mark.parametrize("service", SERVICES)
def test_each_kubernetes_service_loads_its_production_settings(environment, service):
    workload = k8s_workloads()[service]
    assert workload["spec"]["template"]["spec"]["containers"][0]["args"] == ["serve", service]
    settings = environment(k8s_environment(workload), service)
    assert settings.environment == "production"
    assert (settings.kafka_security_protocol, settings.kafka_sasl_username) == ("SASL_SSL", f"ng_{service}")
    assert settings.pg_user == f"ng_{service}" and settings.public_base_url.startswith("https://")
    # Files the settings name are mounted into the container.
    mounted = k8s_mounted_files(workload)
    for path in (settings.jwt_public_key_file, settings.kafka_ssl_cafile):
        assert path is not None and PurePosixPath(path) in mounted, (path, sorted(map(str, mounted)))


@pytest.mark.parametrize("service", SERVICES)
def test_each_kubernetes_service_serves_metrics_and_docs_apart_from_its_public_port(environment, service):
    workload = k8s_workloads()[service]
    settings = environment(k8s_environment(workload), service)
    assert_operations_apart(service, workload, settings.http_port, settings.operations_port)


def assert_operations_apart(name: str, workload: dict, http_port: int, operations_port: int | None) -> None:
    """The pod listens on its public port and on an operations port that Prometheus scrapes; the Service
    publishes the public one alone."""
    assert operations_port is not None and operations_port != http_port
    pod = workload["spec"]["template"]
    ports = {p["name"]: p["containerPort"] for p in pod["spec"]["containers"][0]["ports"]}
    assert ports == {"http": http_port, "operations": operations_port}
    assert pod["metadata"]["annotations"]["prometheus.io/port"] == str(operations_port)
    (published,) = [d for d in k8s_documents() if d["kind"] == "Service" and d["metadata"]["name"] == name]
    assert [p["targetPort"] for p in published["spec"]["ports"]] == ["http"]


def test_the_kubernetes_directory_import_job_loads_its_settings(environment):
    job = k8s_workloads()["directory-import-demo"]
    settings = environment(k8s_environment(job))
    assert (settings.kafka_security_protocol, settings.kafka_sasl_username) == ("SASL_SSL", "ng_directory_import")
    assert PurePosixPath(settings.kafka_ssl_cafile) in k8s_mounted_files(job)


def test_the_kubernetes_kafka_access_job_runs_as_admin_with_every_principals_password(environment):
    job = k8s_workloads()["kafka-access"]
    env = k8s_environment(job)
    settings = environment({k: v for k, v in env.items() if k.startswith("NG_")})
    assert (settings.kafka_security_protocol, settings.kafka_sasl_username) == ("SASL_SSL", "admin")
    assert PurePosixPath(settings.kafka_ssl_cafile) in k8s_mounted_files(job)
    # The names `neuguong kafka access --apply` reads (ops/actions.py), one per principal of ops/kafka_access.py.
    assert {k for k in env if k.startswith("KAFKA_PASSWORD_")} == {f"KAFKA_PASSWORD_{p.upper()}" for p in PRINCIPALS}


def test_the_kubernetes_settings_refuse_plaintext_kafka_in_production(environment):
    # The check above is only worth something if the same load refuses a broken configuration.
    env = {**k8s_environment(k8s_workloads()["honors"]), "NG_KAFKA_SECURITY_PROTOCOL": "PLAINTEXT"}
    with pytest.raises(ValidationError, match="kafka_security_protocol"):
        environment(env, "honors")


@pytest.mark.parametrize("service", SERVICES)
def test_each_compose_service_loads_its_settings_from_the_example_env(environment, service):
    env = compose_environment(service, dotenv_example())
    settings = environment(env, service)
    assert settings.pg_host == "postgres" and settings.kafka_servers == ["kafka:9092"]
    assert settings.pg_password == dotenv_example()[f"NG_PG_PASSWORD_{service.upper()}"]


def test_the_compose_console_loads_its_settings_and_reaches_every_service_by_name(environment, monkeypatch):
    from services.console.settings import APIS, ConsoleSettings

    environment({})  # clears this machine's NG_* variables
    for name, value in compose_environment("console", dotenv_example()).items():
        monkeypatch.setenv(name, value)
    settings = ConsoleSettings()
    assert settings.http_port == 8106 and str(settings.jwt_public_key_file) == "/keys/jwt-public.pem"
    assert settings.console_session_secret == dotenv_example()["NG_CONSOLE_SESSION_SECRET"]
    assert [settings.api_url(name) for name in APIS] == [f"http://{name}:{8101 + n}" for n, name in enumerate(APIS)]


def test_the_kubernetes_console_loads_its_production_settings(environment, monkeypatch):
    from services.console.settings import APIS, ConsoleSettings

    workload = k8s_workloads()["console"]
    assert workload["spec"]["template"]["spec"]["containers"][0]["args"] == ["serve", "console"]
    environment({})  # clears this machine's NG_* variables
    for name, value in k8s_environment(workload).items():
        monkeypatch.setenv(name, value)
    settings = ConsoleSettings()
    assert settings.environment == "production" and settings.secure_cookie
    assert PurePosixPath(settings.jwt_public_key_file) in k8s_mounted_files(workload)
    assert [settings.api_url(name) for name in APIS] == [f"http://{name}:{8101 + n}" for n, name in enumerate(APIS)]
    assert_operations_apart("console", workload, settings.http_port, settings.operations_port)


def test_every_kubernetes_manifest_is_valid_against_the_schemas():
    documents = [doc for doc in k8s_documents() if doc["kind"] != "Kustomization"]  # kustomize's, not the API's
    assert len(documents) > 20
    for version in KUBERNETES_VERSIONS:
        for doc in documents:
            kubernetes_validate.validate(doc, version, strict=True)


def test_the_schema_check_refuses_a_misspelt_field():
    deployment = next(doc for doc in k8s_documents() if doc["kind"] == "Deployment")
    broken = {**deployment, "spec": {**deployment["spec"], "replica": 3}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[-1], strict=True)
