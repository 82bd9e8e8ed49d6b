"""The collector settings of a streaming process (neuguong.runtime.collector), and where they are made."""

import gc

import pytest

from neuguong.runtime import collector
from ops import actions


@pytest.fixture
def restored_collector():
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def test_tuning_freezes_what_start_up_made_and_collects_less_often(restored_collector):
    collector.tune_for_throughput()
    assert gc.get_threshold() == collector.THRESHOLDS and gc.get_threshold()[0] > 700
    assert gc.get_freeze_count() > 0  # the modules, schemas and app: no collection walks them again


def test_a_worker_of_serve_builds_its_app_then_tunes_the_collector(restored_collector, monkeypatch):
    monkeypatch.setenv("NG_SERVICE", "honors")
    gc.set_threshold(700, 10, 10)
    app = actions.service_app()
    assert app.title == "Nêu Gương — honors" and gc.get_threshold() == collector.THRESHOLDS
