"""services/notifications: publicity fan-out to the portal and fanpages, and the public feeds."""
