"""services/projections: per-level read models rolled up through each event's unit_path."""
