"""`screener.collector`: the cyclic collector held off during a run, and handed back."""

from __future__ import annotations

import gc

from screener import collector


class Marker:
    pass


def test_paused_holds_the_collector_off_and_resumes_it() -> None:
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():  # a nested pause leaves it off for the outer one
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_paused_leaves_off_a_collector_its_caller_turned_off() -> None:
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_paused_resumes_after_an_error() -> None:
    try:
        with collector.paused():
            raise ValueError("boom")
    except ValueError:
        pass
    assert gc.isenabled()


def test_a_cycle_made_while_paused_is_freed_afterwards() -> None:
    with collector.paused():
        cycle: list[object] = []
        cycle.append(cycle)
        cycle.append(Marker())
        del cycle
    gc.collect()
    assert not any(isinstance(o, Marker) for o in gc.get_objects())


def test_tuned_raises_the_thresholds_and_restores_them() -> None:
    before = gc.get_threshold()
    with collector.tuned():
        assert gc.get_threshold() == collector.RUN_THRESHOLDS
    assert gc.get_threshold() == before


def test_a_runs_survivors_are_not_scanned_as_young_objects_afterwards() -> None:
    """What a run kept alive moves to the oldest generation when it ends, unscanned: with
    the default thresholds back, the next allocation would otherwise walk it all."""
    gc.collect()  # every generation's count at 0: what follows is deterministic
    with collector.tuned():
        kept = [Marker()] + [[] for _ in range(100_000)]
    assert any(o is kept[0] for o in gc.get_objects(generation=2))
    assert not any(o is kept[0] for o in gc.get_objects(generation=0))
    assert gc.get_freeze_count() == 0  # nothing left frozen for good
