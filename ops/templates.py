"""`neuguong templates DIR`: a blank workbook for every importer (neuguong.workbooks.templates draws each)."""

from collections.abc import Iterator
from pathlib import Path

from neuguong.workbooks.templates import template
from ops.directory.layouts import MEMBER_LAYOUT, UNIT_LAYOUT
from ops.importer import commitments, honors, sessions

__all__ = ["LAYOUTS", "template", "write_templates"]

LAYOUTS = (UNIT_LAYOUT, MEMBER_LAYOUT, commitments.LAYOUT, sessions.LAYOUT, honors.LAYOUT)


def write_templates(folder: Path) -> Iterator[tuple[Path, bool]]:
    """Write each template into `folder` (created if missing); an existing file is kept. Yields
    (path, written)."""
    folder.mkdir(parents=True, exist_ok=True)
    for layout in LAYOUTS:
        path = folder / f"{layout.name}.xlsx"
        if path.exists():
            yield path, False
            continue
        template(layout).save(path)
        yield path, True
