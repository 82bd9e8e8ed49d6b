"""services/projections takes no commands: it only reads the other services' events into per-level read
models and answers queries on them. Its command table (handlers.COMMANDS) is empty on purpose; a read model
that anyone could write to would no longer be rebuildable from the topics (DESIGN.md §6)."""
