"""Inputs for the edge properties, read from each service's own OpenAPI document: a well-formed request for
every operation, its leaves (body fields, path and query parameters), and bad values for each leaf."""

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

from neuguong.runtime.input import SPAN_PATTERN
from neuguong.runtime.service import create_app
from neuguong.runtime.settings import Settings
from schemas.text import IDENTIFIER_PATTERN, MONTH_PATTERN, PERIOD_PATTERN, QUARTER_PATTERN
from services import NAMES
from services import definition as load_definition

SAMPLE_BY_PATTERN = {
    PERIOD_PATTERN: "2026-05",
    SPAN_PATTERN: "2025-11..2026-05",
    MONTH_PATTERN: "2026-05",
    QUARTER_PATTERN: "2026-Q2",
    IDENTIFIER_PATTERN: "x1",
    f"^$|{IDENTIFIER_PATTERN}": "x1",
    "^[0-9]{1,18}$": "12",
}
SAMPLE_BY_FORMAT = {
    "date": "2026-05-04",
    "date-time": "2026-05-04T09:00:00+07:00",
    "uri": "https://cong.example/hook",
    "uuid": "0190f0b1-0000-7000-8000-000000000001",
    "password": "a-secret-of-enough-length",
}
ZEROS = "٠۰߀०০੦૦୦௦౦೦൦๐໐０" + chr(0x1D7CE)  # the zero of fifteen scripts; each script's digits follow it
CONTROL = [chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)] if chr(c) not in "\t\n\r"]
SURROGATES = ["\ud800", "\udbff\u0041", "\udfff"]
HUGE = [2**31, 2**63 - 1, 2**63, 2**64 + 1, -(2**63) - 1, 10**30, 1e308, -1e308]


@dataclass(frozen=True)
class Leaf:
    """One place a request carries a value: `body` (a path into the JSON), `path` or `query`."""

    where: str
    path: tuple[str | int, ...]
    schema: dict

    @property
    def field(self) -> str:
        """How a problem answer names it."""
        prefix = () if self.where == "body" else (self.where,)
        return ".".join(str(p) for p in (*prefix, *self.path))


@dataclass(frozen=True)
class Operation:
    """One operation of one service, with a well-formed request to spoil."""

    service: str
    method: str
    template: str
    body: Any
    path: dict[str, str]
    query: dict[str, str]
    leaves: tuple[Leaf, ...]

    def url(self, path: dict[str, str]) -> str:
        return self.template.format(**{k: quote(str(v), safe="") for k, v in path.items()})

    def __str__(self) -> str:
        return f"{self.service} {self.method.upper()} {self.template}"


def operations(public: bool | None = None) -> list[Operation]:
    """Every operation of every service (public: only the anonymous ones; False: only those with a token)."""
    found = []
    for service in NAMES:
        document = create_app(load_definition(service), Settings(service=service)).openapi()
        components = document.get("components", {}).get("schemas", {})
        for template, methods in document["paths"].items():
            for method, op in methods.items():
                anonymous = "security" not in op  # the bearer scheme, not a header parameter
                if template in ("/healthz", "/readyz", "/metrics") or (public is not None and anonymous != public):
                    continue
                found.append(_operation(service, method, template, op, components))
    return found


def _operation(service: str, method: str, template: str, op: dict, components: dict) -> Operation:
    resolve = _resolver(components)
    leaves: list[Leaf] = []
    values: dict[str, dict[str, str]] = {"path": {}, "query": {}}
    for parameter in op.get("parameters", []):
        if parameter["in"] in ("path", "query"):
            schema = _first(resolve(parameter["schema"]), resolve)
            values[parameter["in"]][parameter["name"]] = str(sample(schema, resolve))
            leaves.append(Leaf(parameter["in"], (parameter["name"],), schema))
    body = None
    if "requestBody" in op:
        schema = op["requestBody"]["content"]["application/json"]["schema"]
        body = sample(schema, resolve)
        leaves += [Leaf("body", path, leaf) for path, leaf in _body_leaves(schema, body, resolve, ())]
    return Operation(service, method, template, body, values["path"], values["query"], tuple(leaves))


def _resolver(components: dict):
    def resolve(schema: dict) -> dict:
        while "$ref" in schema:
            schema = components[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    return resolve


def _first(schema: dict, resolve) -> dict:
    """The non-null member of an optional (anyOf with null)."""
    if "anyOf" in schema:
        return resolve(next(s for s in schema["anyOf"] if s.get("type") != "null"))
    return schema


def sample(schema: dict, resolve) -> Any:
    """A well-formed value for `schema` (every property given, one item in every list)."""
    schema = _first(resolve(schema), resolve)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        if schema.get("properties"):
            return {name: sample(sub, resolve) for name, sub in schema["properties"].items()}
        if isinstance(schema.get("additionalProperties"), dict) and "propertyNames" in schema:
            return {schema["propertyNames"]["enum"][0]: sample(schema["additionalProperties"], resolve)}
        return {}
    if kind == "array":
        return [sample(schema["items"], resolve)]
    if kind == "integer":
        return int(schema.get("minimum", schema.get("default", 1)))
    if kind == "boolean":
        return False
    if schema.get("format") in SAMPLE_BY_FORMAT:
        return SAMPLE_BY_FORMAT[schema["format"]]
    if "pattern" in schema:
        return SAMPLE_BY_PATTERN[schema["pattern"]]
    return "Việc tốt"


def _body_leaves(schema: dict, value: Any, resolve, path: tuple) -> list[tuple[tuple, dict]]:
    schema = _first(resolve(schema), resolve)
    if isinstance(value, dict) and schema.get("properties"):
        return [
            leaf
            for name, sub in schema["properties"].items()
            for leaf in _body_leaves(sub, value[name], resolve, (*path, name))
        ]
    if isinstance(value, dict):
        return [
            leaf
            for name in value
            for leaf in _body_leaves(schema["additionalProperties"], value[name], resolve, (*path, name))
        ]
    if isinstance(value, list):
        return _body_leaves(schema["items"], value[0], resolve, (*path, 0))
    return [(path, schema)]


def kind_of(schema: dict) -> str:
    """What a leaf holds: text, digits (a pattern or a format with digits), url, number, flag or choice."""
    if "enum" in schema:
        return "choice"
    if schema.get("type") in ("integer", "number"):
        return "number"
    if schema.get("type") == "boolean":
        return "flag"
    if schema.get("format") == "uri":
        return "url"
    if "pattern" in schema or schema.get("format") in ("date", "date-time", "uuid"):
        return "digits"
    return "text"


def foreign(value: str, zero: str) -> str:
    """`value` with its ASCII digits written in the script whose zero is `zero`."""
    return value.translate({ord("0") + d: ord(zero) + d for d in range(10)})


def bad_values(leaf: Leaf, good: Any, in_url: bool) -> st.SearchStrategy:
    """Values the contract refuses for `leaf`: foreign digits, control characters, lone surrogates (not in a
    URL, which cannot carry them), numbers past their bounds, strings where numbers or choices belong."""
    kind, text = kind_of(leaf.schema), str(good)
    # Inside the text: at its ends, whitespace controls (U+000B, U+0085, …) are trimmed like spaces and never kept.
    inserted = st.tuples(
        st.integers(1, max(1, len(text) - 1)), st.sampled_from(CONTROL if in_url else [*CONTROL, *SURROGATES])
    )
    spoiled = inserted.map(lambda at: text[: at[0]] + at[1] + text[at[0] :])
    if kind == "number":
        low, high = (
            int(b) if b is not None else None for b in (leaf.schema.get("minimum"), leaf.schema.get("maximum"))
        )
        numbers = [
            n
            for n in [*HUGE, *(x for x in (low and low - 1, high and high + 1) if x is not None)]
            if (low is not None and n < low) or (high is not None and n > high)
        ]
        return st.sampled_from([*numbers, "٢٠٢٦", "２", "1\x00"])
    if kind == "flag":
        return st.sampled_from(["٢", "２", "maybe", "1\x00"])
    if kind == "choice":
        return st.one_of(spoiled, st.just(text.upper() + "x"))
    if kind == "digits" and re.search("[0-9]", text):
        return st.one_of(spoiled, st.sampled_from(ZEROS).map(lambda zero: foreign(text, zero)))
    return spoiled
