"""Does a new JSON Schema still read every event written under an old one?"""

from typing import Any


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What in `new` would refuse an event valid under `old` (empty when compatible)."""
    return _compare(old, new, old.get("$defs", {}), new.get("$defs", {}), "")


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = defs[node["$ref"].rsplit("/", 1)[-1]]
    return node


def _compare(old: dict, new: dict, old_defs: dict, new_defs: dict, where: str) -> list[str]:
    old, new = _resolve(old, old_defs), _resolve(new, new_defs)
    problems: list[str] = []
    if "anyOf" in old or "anyOf" in new:
        old_kinds = [_resolve(o, old_defs) for o in old.get("anyOf", [old])]
        new_kinds = [_resolve(n, new_defs) for n in new.get("anyOf", [new])]
        for kind in old_kinds:
            if not any(not _compare(kind, candidate, old_defs, new_defs, where) for candidate in new_kinds):
                problems.append(f"{where or '(root)'}: no longer accepts {kind.get('type', kind)}")
        return problems
    if old.get("type") != new.get("type"):
        return [f"{where or '(root)'}: type {old.get('type')} became {new.get('type')}"]
    if _pattern(old.get("pattern")) != _pattern(new.get("pattern")):
        problems.append(f"{where}: pattern {old.get('pattern')!r} became {new.get('pattern')!r}")
    for word in ("format", "const"):
        if old.get(word) != new.get(word):
            problems.append(f"{where}: {word} {old.get(word)!r} became {new.get(word)!r}")
    if "enum" in new and not set(old.get("enum", [])) <= set(new["enum"]):
        problems.append(f"{where}: enum lost {sorted(set(old.get('enum', [])) - set(new['enum']))}")
    for word, tighter in (("maxLength", min), ("maximum", min), ("minLength", max), ("minimum", max)):
        if word in new and (word not in old or tighter(old[word], new[word]) != old[word]):
            problems.append(f"{where}: {word} tightened to {new[word]}")
    newly_required = set(new.get("required", [])) - set(old.get("required", []))
    problems += [f"{where}.{name}: newly required" for name in sorted(newly_required)]
    for name, old_prop in old.get("properties", {}).items():
        new_prop = new.get("properties", {}).get(name)
        if new_prop is None:
            if name in old.get("required", []):
                problems.append(f"{where}.{name}: removed (rename or removal needs a new version)")
            continue
        problems += _compare(old_prop, new_prop, old_defs, new_defs, f"{where}.{name}")
    if "items" in old and "items" in new:
        problems += _compare(old["items"], new["items"], old_defs, new_defs, f"{where}[]")
    if isinstance(old.get("additionalProperties"), dict) and isinstance(new.get("additionalProperties"), dict):
        problems += _compare(
            old["additionalProperties"], new["additionalProperties"], old_defs, new_defs, f"{where}{{}}"
        )
    return problems


def _pattern(pattern: str | None) -> str | None:
    # JSON Schema patterns are ECMA-262 regular expressions, where \d is exactly [0-9].
    return pattern.replace("\\d", "[0-9]") if pattern else pattern
