"""The README's table of NG_ variables is the generated one: a setting added, removed or renamed without
regenerating it fails here, and so does a variable the code reads that the table does not name."""

import re
from pathlib import Path

from neuguong.runtime.settings import Settings
from ops import environment

ROOT = Path(__file__).resolve().parents[2]
MENTION = re.compile(r"\bNG_[A-Z0-9_]*[A-Z0-9]")


def test_the_readme_block_is_the_generated_table():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert environment.BEGIN in text and environment.END in text
    assert environment.replaced(text) == text, "run: python -m ops.environment --write README.md"
    assert environment.main(["--check", str(ROOT / "README.md")]) == 0


def test_a_drifted_block_is_caught(tmp_path):
    readme = tmp_path / "README.md"
    generated = environment.table()
    readme.write_text(f"# x\n\n{generated.replace('`NG_LOG_LEVEL`', '`NG_LOG_LEVLE`')}\n", encoding="utf-8")
    assert environment.main(["--check", str(readme)]) == 1
    environment.main(["--write", str(readme)])
    assert environment.main(["--check", str(readme)]) == 0


def test_every_variable_says_what_it_sets_and_every_note_belongs_to_one():
    rows = environment.variables()
    named = {variable for variable, *_ in rows}
    assert [variable for variable, _, _, note, _ in rows if not note] == []  # describe a new field
    assert set(environment.NOTES) <= named  # no note left for a field that went away
    assert {f"NG_{name.upper()}" for name in Settings.model_fields} <= named


def test_every_ng_variable_the_code_reads_is_in_the_table():
    named = {variable for variable, *_ in environment.variables()}
    prefixes = {"NG", "NG_NOTIFY"}  # NG_<FIELD>, NG_NOTIFY_<FIELD> in docstrings
    mentioned = {}
    for package in ("neuguong", "services", "ops", "schemas"):
        for path in (ROOT / package).rglob("*.py"):
            if path.name != "environment.py":
                for found in MENTION.findall(path.read_text(encoding="utf-8")):
                    mentioned.setdefault(found, path.relative_to(ROOT))
    missing = {v: str(p) for v, p in mentioned.items() if v not in named and v not in prefixes}
    assert missing == {}
