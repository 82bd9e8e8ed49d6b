"""What the consumer waits out (the database or the network is down) and what it counts as an attempt that
ends in the dead letters: asyncpg's client-side errors are InterfaceErrors too, but no outage."""

import asyncpg
import pytest

from neuguong.runtime.consumer import is_transient


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.DataError("invalid input for query argument $1: 'x' (an int is required)"),
        asyncpg.exceptions.ClientConfigurationError("bad option"),
        asyncpg.exceptions.UnsupportedClientFeatureError("feature"),
        asyncpg.exceptions.OutdatedSchemaCacheError("cached statement plan is invalid"),
        asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
        asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"),
        asyncpg.exceptions.NumericValueOutOfRangeError("integer out of range"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_errors_the_event_brings_back_every_time_are_no_outage(error):
    assert not is_transient(error)


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.InterfaceError("connection is closed"),
        asyncpg.InterfaceError("pool is closing"),
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"),
        ConnectionResetError(104, "reset by peer"),
        TimeoutError(),
    ],
    ids=lambda error: f"{type(error).__name__}",
)
def test_connection_level_failures_are_outages(error):
    assert is_transient(error)
