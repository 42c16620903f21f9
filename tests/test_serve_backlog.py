"""The Retry-After of an overload 503 follows how fast the gateway's backlog drains."""

import pytest

from serve.backlog import Backlog
from toolfoundry.config import ServeConfig


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_retry_after_is_the_floor_until_a_call_finishes_then_the_backlog_over_the_drain_rate():
    clock = Clock()
    backlog = Backlog(1, 30, window_s=10.0, clock=clock)
    for _ in range(64):
        backlog.started()
    assert backlog.retry_after() == 1  # nothing has finished yet: no rate to go by
    for _ in range(20):  # 20 calls finish over 10 s: 2 per second
        clock.now += 0.5
        backlog.finished()
    assert backlog.in_flight == 44
    assert backlog.drain_rate() == pytest.approx(2.0)
    assert backlog.retry_after() == 22  # 44 in flight at 2 per second


def test_retry_after_stays_within_its_bounds_and_forgets_old_completions():
    clock = Clock()
    backlog = Backlog(2, 5, window_s=10.0, clock=clock)
    for _ in range(100):
        backlog.started()
    clock.now += 10.0
    backlog.finished()  # 1 per 10 s, 99 in flight: 990 s, capped
    assert backlog.retry_after() == 5
    for _ in range(98):
        backlog.finished()
    assert backlog.in_flight == 1 and backlog.retry_after() == 2  # a short backlog: the floor
    clock.now += 11.0
    assert backlog.drain_rate() == 0.0 and backlog.retry_after() == 2


def test_a_refused_call_leaves_the_backlog_without_counting_as_drained():
    backlog = Backlog(1, 30, clock=Clock())
    backlog.started()
    backlog.refused()
    assert backlog.in_flight == 0 and backlog.drain_rate() == 0.0


def test_the_bounds_are_checked_where_they_are_set():
    with pytest.raises(ValueError, match="retry_after_max_s"):
        Backlog(5, 2)
    with pytest.raises(ValueError, match="retry_after_max_s .2. is below retry_after_s .5."):
        ServeConfig(retry_after_s=5, retry_after_max_s=2)
