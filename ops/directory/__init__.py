"""Reference data: the directory of org units and members, and its demo importer."""
