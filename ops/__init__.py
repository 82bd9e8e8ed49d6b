"""Operator and demo tools: the `neuguong` command.

They stand on the services and the runtime; nothing below imports them.
"""
