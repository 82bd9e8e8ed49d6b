"""The environment a container of deploy/k8s or deploy/compose gets, read from the shipped files."""

import re
from pathlib import Path, PurePosixPath

import yaml

DEPLOY = Path(__file__).parents[2] / "deploy"
K8S, COMPOSE = DEPLOY / "k8s", DEPLOY / "compose"


def k8s_documents() -> list[dict]:
    """Every resource of every manifest under deploy/k8s (several per file)."""
    return [doc for path in sorted(K8S.glob("*.yaml")) for doc in yaml.safe_load_all(path.read_text("utf-8")) if doc]


def _named(kind: str, documents: list[dict] | None = None) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in documents or k8s_documents() if doc["kind"] == kind}


def _secret_value(name: str, key: str, documents: list[dict] | None = None) -> str:
    secret = _named("Secret", documents)[name]  # secrets.example.yaml: the shape operators create with generated values
    return secret["stringData"][key]


def k8s_workloads() -> dict[str, dict]:
    """Deployments and Jobs that run the neuguong image, by name."""
    return {
        doc["metadata"]["name"]: doc
        for doc in k8s_documents()
        if doc["kind"] in ("Deployment", "Job")
        and any("neuguong" in c["image"] for c in doc["spec"]["template"]["spec"]["containers"])
    }


def k8s_environment(workload: dict, documents: list[dict] | None = None) -> dict[str, str]:
    """The environment of the workload's first container: envFrom ConfigMaps, then env (values, Secret keys),
    the ConfigMaps and Secrets taken from `documents` (default: deploy/k8s's files)."""
    container = workload["spec"]["template"]["spec"]["containers"][0]
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        env.update(_named("ConfigMap", documents)[source["configMapRef"]["name"]]["data"])
    for var in container.get("env", []):
        if "value" in var:
            env[var["name"]] = var["value"]
        elif "secretKeyRef" in var["valueFrom"]:
            ref = var["valueFrom"]["secretKeyRef"]
            env[var["name"]] = _secret_value(ref["name"], ref["key"], documents)
        elif "configMapKeyRef" in var["valueFrom"]:
            ref = var["valueFrom"]["configMapKeyRef"]
            env[var["name"]] = _named("ConfigMap", documents)[ref["name"]]["data"][ref["key"]]
    return env


def k8s_mounted_files(workload: dict, documents: list[dict] | None = None) -> set[PurePosixPath]:
    """The files the workload's first container sees from its ConfigMap and Secret volumes."""
    spec = workload["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    files = set()
    for mount in spec["containers"][0].get("volumeMounts", []):
        volume = volumes[mount["name"]]
        if "configMap" in volume:
            keys = _named("ConfigMap", documents)[volume["configMap"]["name"]]["data"]
        elif "secret" in volume:
            secret = _named("Secret", documents)[volume["secret"]["secretName"]]
            keys = {**secret.get("stringData", {}), **secret.get("data", {})}
        else:
            continue
        files |= {PurePosixPath(mount["mountPath"]) / key for key in keys}
    return files


_VARIABLE = re.compile(r"\$\{(\w+)(?::?([-?])([^}]*))?\}")


def compose_environment(service: str, dotenv: dict[str, str]) -> dict[str, str]:
    """A compose service's environment with ${VAR}, ${VAR:-default} and ${VAR:?error} filled from `dotenv`."""
    compose = yaml.safe_load((COMPOSE / "docker-compose.yml").read_text("utf-8"))  # merges the x- anchors

    def fill(match: re.Match) -> str:
        name, kind, rest = match.groups()
        if name in dotenv and dotenv[name] != "":
            return dotenv[name]
        if kind == "?":
            raise AssertionError(f"compose refuses to start {service}: {name} — {rest}")
        return rest or ""

    return {k: _VARIABLE.sub(fill, str(v)) for k, v in compose["services"][service]["environment"].items()}


def dotenv_example() -> dict[str, str]:
    """deploy/compose/.env.example as compose reads it."""
    lines = (COMPOSE / ".env.example").read_text("utf-8").splitlines()
    pairs = [line.split("=", 1) for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return {key.strip(): value.strip() for key, value in pairs}
