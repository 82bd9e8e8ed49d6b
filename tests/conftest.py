"""Shared fixtures. Integration tests talk to the Kafka and PostgreSQL that deploy/local starts."""
