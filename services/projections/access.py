"""Who may read which figures (DESIGN.md §8): committees, cell secretaries, inspectors and operators, for
their own subtree. The check itself is the shared `neuguong.runtime.access.unit_in_reach(..., roles=READERS)`."""

from neuguong.runtime.auth import Role

READERS: tuple[Role, ...] = ("committee", "cell_secretary", "inspector", "operator")
