"""services/inspections: inspections, supervisions, conclusions and discipline."""
