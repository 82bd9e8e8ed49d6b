"""Deployment files that must agree with each other."""

from pathlib import Path

DEPLOY = Path(__file__).parents[2] / "deploy"


def test_the_kubernetes_provisioning_script_is_the_compose_one():
    # kustomize reads files only inside its folder, so deploy/k8s keeps a copy; deploy/local calls the compose one.
    compose = (DEPLOY / "compose" / "postgres-init.sh").read_text(encoding="utf-8")
    assert (DEPLOY / "k8s" / "postgres-init.sh").read_text(encoding="utf-8") == compose
    assert "deploy/compose/postgres-init.sh" in (DEPLOY / "local" / "postgres.sh").read_text(encoding="utf-8")
