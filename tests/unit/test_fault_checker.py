"""The checker of the fault tests on hand-made histories: a clean one passes, and each anomaly is found."""

from types import SimpleNamespace

from tests.faults.checker import FAULT_ROW, Carried, History, Op, Staged, check, recorded_rows, table


def event(n: int, op: str, key: str = "m-1", event_type: str = "CommitmentFiled") -> Staged:
    return Staged(f"e{n}", op, "commitments.events", key, event_type, seq=n)


def on_topic(staged: Staged, offset: int, partition: int = 0) -> Carried:
    return Carried(staged.topic, partition, offset, staged.key, staged.event_id, staged.correlation_id)


def clean() -> History:
    """Two commands of one member, both accepted, published in order, applied and in the read model."""
    first, second = event(1, "op-1"), event(2, "op-2", event_type="CommitmentAmended")
    return History(
        ops=[Op("op-1", "commitment.file", "ok"), Op("op-2", "commitment.amend", "ok")],
        staged=[first, second],
        carried=[on_topic(first, 0), on_topic(second, 1)],
        inboxes={"projections": {"e1"}},
        consumers={"CommitmentFiled": {"projections"}},
        stored={"op-1": 1, "op-2": 1},
        read_models={"op-1": {"projections.member_acts": 1}},
    )


def counts(history: History) -> tuple[int, int, int, int]:
    verdict = check(history)
    return tuple(verdict.count(a) for a in ("lost", "unexpected", "duplicated", "reordered"))  # type: ignore[return-value]


def test_a_clean_history_has_no_anomaly():
    assert check(clean()).clean
    assert counts(clean()) == (0, 0, 0, 0)


def test_a_relay_resend_is_no_anomaly_the_inbox_absorbs_it():
    history = clean()
    first, second = history.staged
    history.carried += [on_topic(first, 2), on_topic(second, 3)]  # crash between publish and mark
    assert check(history).clean


def test_an_accepted_command_missing_anywhere_is_lost():
    missing = {
        "store": lambda h: h.stored.update({"op-1": 0}),
        "outbox": lambda h: h.staged.pop(0),
        "topic": lambda h: h.carried.pop(0),
        "inbox": lambda h: h.inboxes["projections"].clear(),
        "read model": lambda h: h.read_models["op-1"].update({"projections.member_acts": 0}),
        "webhook": lambda h: h.webhook.update({"op-1": 0}),
    }
    for where, spoil in missing.items():
        history = clean()
        spoil(history)
        verdict = check(history)
        assert list(verdict.found["lost"]) == ["op-1"], where
        assert counts(history)[0] == 1, where


def test_an_unknown_command_may_be_absent_but_not_half_there():
    history = clean()
    history.ops[0] = Op("op-1", "commitment.file", "unknown")
    history.staged.pop(0)
    history.carried.pop(0)
    history.stored["op-1"] = 0
    history.read_models["op-1"] = {"projections.member_acts": 0}
    history.inboxes["projections"].clear()
    assert check(history).clean
    history.stored["op-1"] = 1  # stored, yet never published
    assert counts(history) == (1, 0, 0, 0)


def test_effects_of_a_refused_command_or_of_no_command_are_unexpected():
    history = clean()
    history.ops[1] = Op("op-2", "commitment.amend", "failed")
    assert list(check(history).found["unexpected"]) == ["op-2"]

    gate = clean()
    gate.ops.append(Op("op-3", "honor.refused", "ok", refusal=True))  # the gate let a barred honor through
    assert list(check(gate).found["unexpected"]) == ["op-3"]

    stray = clean()
    stray.staged.append(event(9, "nobody"))
    stray.carried.append(Carried("commitments.events", 0, 7, "m-1", "e-unknown", "nobody"))
    assert counts(stray) == (0, 2, 0, 0)


def test_an_effect_counted_twice_is_duplicated():
    spoils = {
        "store": lambda h: h.stored.update({"op-1": 2}),
        "outbox": lambda h: h.staged.append(Staged("e7", "op-1", "commitments.events", "m-1", "CommitmentFiled", 7)),
        "read model": lambda h: h.read_models["op-1"].update({"projections.member_acts": 2}),
        "webhook": lambda h: h.webhook.update({"op-1": 2}),
    }
    for where, spoil in spoils.items():
        history = clean()
        spoil(history)
        assert list(check(history).found["duplicated"]) == ["op-1"], where


def test_a_counter_off_its_events_is_duplicated_or_lost():
    history = clean()
    history.figures = {"commitments_filed": (1, 1)}
    assert check(history).clean
    history.figures = {"commitments_filed": (1, 2)}  # one event applied twice
    assert counts(history) == (0, 0, 1, 0)
    history.figures = {"commitments_filed": (1, 0)}
    assert counts(history) == (1, 0, 0, 0)


def test_events_of_one_key_out_of_commit_order_are_reordered():
    history = clean()
    first, second = history.staged
    history.carried = [on_topic(second, 0), on_topic(first, 1)]
    assert counts(history) == (0, 0, 0, 1)
    assert list(check(history).found["reordered"]) == ["op-1"]
    other_keys = clean()  # different keys may interleave in any order
    third = event(0, "op-2", key="m-2", event_type="CommitmentAmended")
    other_keys.staged[1] = third
    other_keys.carried = [on_topic(third, 0), on_topic(first, 1)]
    assert check(other_keys).clean


def test_the_table_has_one_row_per_fault_and_every_count():
    history = clean()
    history.stored["op-2"] = 2
    printed = table([("kill -9 broker", check(clean())), ("postgres restart", check(history))]).splitlines()
    assert printed[0].split("|")[1:-1] == [
        " fault            ",
        " commands ",
        " lost ",
        " unexpected ",
        " duplicated ",
        " reordered ",
    ]
    assert [c.strip() for c in printed[3].split("|")[1:-1]] == ["postgres restart", "2", "0", "0", "1", "0"]


def test_the_rows_come_from_the_reports_as_a_worker_sends_them():
    history = clean()
    history.stored["op-2"] = 2
    verdict = check(history)
    sent = [FAULT_ROW, ["postgres restart", verdict.commands, verdict.found]]  # tuples arrive as lists
    reports = [
        SimpleNamespace(when="setup", user_properties=[]),
        SimpleNamespace(when="call", user_properties=[("other", 1), sent]),
        SimpleNamespace(when="teardown", user_properties=[sent]),
    ]
    rows = recorded_rows(reports)
    assert [(name, v.commands, v.count("duplicated")) for name, v in rows] == [("postgres restart", 2, 1)]
