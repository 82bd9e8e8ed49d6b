"""The OpenAPI document of each service, exported to schemas/openapi/<service>.json.

`python -m ops.openapi --write` writes every service's document (refusing one that breaks the version git
has at HEAD, unless `--allow-breaking`); `python -m ops.openapi <service>` prints one. tests/contract keeps
the exports current and compatible (ops.openapi_compat says what breaks a client).
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from neuguong.runtime.service import create_app
from neuguong.runtime.settings import Settings
from ops.openapi_compat import breaking_changes
from services import NAMES
from services import definition as load_definition

ROOT = Path(__file__).parents[1]
OPENAPI_DIR = ROOT / "schemas" / "openapi"


def document_file(service: str) -> Path:
    """Where the export of a service's document is kept."""
    return OPENAPI_DIR / f"{service}.json"


def build_document(service: str) -> dict[str, Any]:
    """The service's OpenAPI document, as its running app serves it at /openapi.json."""
    return create_app(load_definition(service), Settings(service=service)).openapi()


def render(document: dict[str, Any]) -> str:
    """Stable text of a document."""
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


class NoHistory(Exception):
    """The repository's history cannot be read (no git, or not a checkout)."""


def committed_document(service: str, ref: str = "HEAD") -> dict[str, Any] | None:
    """The export as git has it at `ref`; None when it was not committed there yet (a new service)."""
    relative = document_file(service).relative_to(ROOT).as_posix()
    try:
        shown = subprocess.run(  # noqa: S603 - git with our own arguments
            ["git", "show", f"{ref}:{relative}"],  # noqa: S607 - git from PATH, as a developer runs it
            cwd=ROOT,
            capture_output=True,
            check=False,
        )
    except FileNotFoundError as error:
        raise NoHistory("git is not installed: the contract test compares with the committed export") from error
    if shown.returncode == 0:
        return json.loads(shown.stdout)
    message = shown.stderr.decode("utf-8", "replace")
    if "exists on disk, but not in" in message or "does not exist in" in message:
        return None
    raise NoHistory(f"git show {ref}:{relative} failed: {message.strip()}")


def main(argv: list[str] | None = None) -> int:
    """Write (--write) or print the documents; 1 when a written document breaks the committed one."""
    parser = argparse.ArgumentParser(prog="python -m ops.openapi", description=__doc__)
    parser.add_argument("services", nargs="*", help="print these services' documents (" + ", ".join(NAMES) + ")")
    parser.add_argument("--write", action="store_true", help="write every service's export")
    parser.add_argument("--allow-breaking", action="store_true", help="write even a breaking change")
    args = parser.parse_args(argv)
    if not args.write:
        for service in args.services or NAMES:
            sys.stdout.write(render(build_document(service)))
        return 0
    OPENAPI_DIR.mkdir(parents=True, exist_ok=True)
    refused = 0
    for service in NAMES:
        document, previous = build_document(service), committed_document(service)
        problems = breaking_changes(previous, document) if previous is not None else []
        if problems and not args.allow_breaking:
            refused += 1
            print(f"{service}: not written, it breaks clients of the committed one:", file=sys.stderr)
            print("".join(f"  {p}\n" for p in problems), end="", file=sys.stderr)
            continue
        document_file(service).write_text(render(document), encoding="utf-8")
        print(f"wrote {document_file(service).relative_to(ROOT)}", file=sys.stderr)
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
