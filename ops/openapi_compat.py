"""Does a new OpenAPI document still serve every client of an old one?

Breaking: an operation (path and method) removed; a request that was valid refused (a new required
parameter or body field, a type or enum narrowed, a limit tightened: schemas.compat, which asks the same of
events); a field, success status or media type a client read removed from an answer, or its type changed.
"""

from typing import Any

from schemas.compat import breaking_changes as refuses_old_input

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What in `new` breaks a client written against `old` (empty when compatible)."""
    old_defs = old.get("components", {}).get("schemas", {})
    new_defs = new.get("components", {}).get("schemas", {})
    problems: list[str] = []
    for path, old_item in old.get("paths", {}).items():
        new_item = new.get("paths", {}).get(path)
        if new_item is None:
            problems.append(f"{path}: path removed")
            continue
        for method in (m for m in METHODS if m in old_item):
            where = f"{method.upper()} {path}"
            if method not in new_item:
                problems.append(f"{where}: operation removed")
                continue
            old_op, new_op = old_item[method], new_item[method]
            problems += [f"{where} {p}" for p in _request(old_op, new_op, old_defs, new_defs)]
            problems += [f"{where} {p}" for p in _answers(old_op, new_op, old_defs, new_defs)]
    return problems


def _request(old: dict, new: dict, old_defs: dict, new_defs: dict) -> list[str]:
    problems: list[str] = []
    old_params = {(p["in"], p["name"].lower()): p for p in old.get("parameters", [])}
    for parameter in new.get("parameters", []):
        key = (parameter["in"], parameter["name"].lower())
        before = old_params.get(key)
        if before is None:
            if parameter.get("required"):
                problems.append(f"{parameter['in']} parameter {parameter['name']}: newly required")
            continue
        if parameter.get("required") and not before.get("required"):
            problems.append(f"{parameter['in']} parameter {parameter['name']}: newly required")
        problems += _narrowed(before.get("schema", {}), parameter.get("schema", {}), old_defs, new_defs, parameter)
    if new.get("security") and not old.get("security"):
        problems.append("security: a token is newly required")
    old_body = old.get("requestBody", {}).get("content", {})
    new_body = new.get("requestBody", {}).get("content", {})
    if new.get("requestBody", {}).get("required") and not old.get("requestBody"):
        problems.append("request body: newly required")
    for media_type, old_content in old_body.items():
        if media_type not in new_body:
            problems.append(f"request body: {media_type} no longer accepted")
            continue
        problems += [
            f"request body{p}"
            for p in refuses_old_input(
                {**old_content.get("schema", {}), "$defs": old_defs},
                {**new_body[media_type].get("schema", {}), "$defs": new_defs},
            )
        ]
    return problems


def _narrowed(old: dict, new: dict, old_defs: dict, new_defs: dict, parameter: dict) -> list[str]:
    found = refuses_old_input({**old, "$defs": old_defs}, {**new, "$defs": new_defs})
    return [f"{parameter['in']} parameter {parameter['name']}{p.removeprefix('(root)')}" for p in found]


def _answers(old: dict, new: dict, old_defs: dict, new_defs: dict) -> list[str]:
    problems: list[str] = []
    for status, old_answer in old.get("responses", {}).items():
        if not status.startswith("2"):
            continue
        new_answer = new.get("responses", {}).get(status)
        if new_answer is None:
            problems.append(f"answer {status}: removed")
            continue
        for media_type, old_content in old_answer.get("content", {}).items():
            new_content = new_answer.get("content", {}).get(media_type)
            if new_content is None:
                problems.append(f"answer {status}: {media_type} removed")
                continue
            losses = _lost(old_content.get("schema", {}), new_content.get("schema", {}), old_defs, new_defs, "")
            problems += [f"answer {status} {media_type}: {p}" for p in losses]
    return problems


def _resolve(node: dict, defs: dict) -> dict:
    while "$ref" in node:
        node = defs[node["$ref"].rsplit("/", 1)[-1]]
    return node


def _lost(old: dict, new: dict, old_defs: dict, new_defs: dict, where: str) -> list[str]:
    """What a reader of `old` answers misses in `new` ones: a field, or the type it read."""
    old, new = _resolve(old, old_defs), _resolve(new, new_defs)
    if "anyOf" in old or "anyOf" in new:
        old_kinds = {_resolve(o, old_defs).get("type") for o in old.get("anyOf", [old])}
        new_kinds = {_resolve(n, new_defs).get("type") for n in new.get("anyOf", [new])}
        extra = sorted(str(kind) for kind in new_kinds - old_kinds)
        return [f"{where or '(root)'}: may now be {', '.join(extra)}"] if extra else []
    if old.get("type") != new.get("type"):
        return [f"{where or '(root)'}: type {old.get('type')} became {new.get('type')}"]
    problems: list[str] = []
    for name, old_prop in old.get("properties", {}).items():
        new_prop = new.get("properties", {}).get(name)
        if new_prop is None:
            problems.append(f"{where}.{name}: removed")
            continue
        if name in old.get("required", []) and name not in new.get("required", []):
            problems.append(f"{where}.{name}: no longer always present")
        problems += _lost(old_prop, new_prop, old_defs, new_defs, f"{where}.{name}")
    if "items" in old and "items" in new:
        problems += _lost(old["items"], new["items"], old_defs, new_defs, f"{where}[]")
    return problems
