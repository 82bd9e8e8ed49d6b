"""Nêu Gương: code shared by the services (the runtime) and the operator CLI."""
