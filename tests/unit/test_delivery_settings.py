"""The settings behind the delivery guarantees: the relay leader's lease and the takeover bound it gives, the
largest event a command may stage against what the topics accept, and the configuration every topic keeps."""

import pytest
from pydantic import ValidationError

from neuguong.runtime.leadership import session_settings, takeover_bound
from neuguong.runtime.settings import Settings
from neuguong.runtime.topics import corrections, topic_configs, unserved
from schemas.topics import COMMITMENTS, DIRECTORY_MEMBERS


def test_a_paused_leader_is_replaced_within_a_lease_and_a_poll():
    assert takeover_bound(Settings()) == 11.0  # the default stated in README
    assert takeover_bound(Settings(relay_lease_seconds=3, relay_poll_seconds=0.2)) == 3.2


def test_the_leader_session_ends_after_a_lease_without_a_word():
    lease = session_settings(Settings(relay_lease_seconds=10))
    assert lease["idle_session_timeout"] == lease["idle_in_transaction_session_timeout"] == "10000"
    assert lease["tcp_user_timeout"] == "10000"
    keepalive = int(lease["tcp_keepalives_idle"]) + int(lease["tcp_keepalives_interval"]) * int(
        lease["tcp_keepalives_count"]
    )
    assert keepalive <= 10  # a vanished host is noticed within the lease too


@pytest.mark.parametrize(
    "values, field",
    [
        ({"max_event_bytes": 1024 * 1024}, "max_event_bytes"),  # no room left for key, headers and framing
        ({"topic_max_message_bytes": 520 * 1024}, "max_event_bytes"),
        ({"relay_poll_seconds": 6.0}, "relay_poll_seconds"),  # a waiting relay's session would lapse
    ],
)
def test_settings_that_would_break_a_guarantee_are_refused(values, field):
    with pytest.raises(ValidationError, match=field):
        Settings(**values)


def test_event_topics_keep_everything_and_directory_topics_their_latest():
    settings = Settings()
    assert topic_configs(COMMITMENTS, settings) == {
        "cleanup.policy": "delete",
        "retention.ms": "-1",
        "retention.bytes": "-1",
        "max.message.bytes": "1048576",
    }
    assert topic_configs(DIRECTORY_MEMBERS, settings) == {"cleanup.policy": "compact", "max.message.bytes": "1048576"}


def test_only_what_shortens_history_or_shrinks_the_limit_is_corrected():
    wanted = topic_configs(COMMITMENTS, Settings())
    found = {**wanted, "retention.ms": "604800000", "max.message.bytes": "4194304", "segment.bytes": "1"}
    assert corrections(wanted, found) == {"retention.ms": "-1"}
    assert corrections(wanted, {**wanted, "max.message.bytes": "1000"}) == {"max.message.bytes": "1048576"}
    assert corrections(wanted, wanted) == {}


def test_a_topic_is_served_once_it_is_known_with_a_leader_for_every_partition():
    def partition(n: int, leader: int = 1, error: int = 0) -> dict:
        return {"partition": n, "leader": leader, "error_code": error}

    described = [
        {"topic": "served", "error_code": 0, "partitions": [partition(0), partition(1)]},
        {"topic": "unknown", "error_code": 3, "partitions": []},
        {"topic": "electing", "error_code": 0, "partitions": [partition(0), partition(1, leader=-1)]},
        {"topic": "leaderless", "error_code": 0, "partitions": [partition(0, error=5)]},
        {"topic": "not-yet-partitioned", "error_code": 0, "partitions": []},
        {"topic": "not-ours-to-describe", "error_code": 29, "partitions": []},
    ]
    assert unserved(described) == {"unknown", "electing", "leaderless", "not-yet-partitioned"}
