"""The Retry-After of an overload 503: how long this gateway's backlog of model calls takes to drain.

A fixed ``Retry-After: 1`` under a sustained overload turns every refused client into a retry each
second, and on a small node the refusals themselves (proxy, gateway, client) take the CPU the model
needs: throughput falls as load rises. Telling each refused client when the backlog it would join
is likely gone keeps the model's queue full and the refusals few.
"""

from __future__ import annotations

import math
import time
from collections import deque


class Backlog:
    """Model calls in flight from one gateway, and the rate at which they finish.

    ``retry_after()`` is ``ceil(in flight / completions per second over the last window_s)``, kept in
    ``[floor_s, ceiling_s]``; before any call has finished in the window it is ``floor_s``. One
    gateway replica's event loop is its only user, so it needs no lock."""

    def __init__(self, floor_s: int, ceiling_s: int, window_s: float = 10.0, clock=time.monotonic):
        if ceiling_s < floor_s:
            raise ValueError(f"retry_after_max_s ({ceiling_s}) is below retry_after_s ({floor_s})")
        self.floor_s, self.ceiling_s, self.window_s, self.clock = floor_s, ceiling_s, window_s, clock
        self.in_flight = 0
        self._since: float | None = None  # when the first call started
        self._finished: deque[float] = deque()

    def started(self) -> None:
        if self._since is None:
            self._since = self.clock()
        self.in_flight += 1

    def finished(self) -> None:
        self.in_flight = max(0, self.in_flight - 1)
        self._finished.append(self.clock())

    def refused(self) -> None:
        """A call the model deployment refused never ran: it leaves the backlog without draining it."""
        self.in_flight = max(0, self.in_flight - 1)

    def drain_rate(self) -> float:
        """Calls finished per second over the last ``window_s``, or since the first call when that is
        more recent (at least one second); 0.0 when none finished."""
        now = self.clock()
        while self._finished and self._finished[0] < now - self.window_s:
            self._finished.popleft()
        if not self._finished:
            return 0.0
        span = min(self.window_s, now - (self._since if self._since is not None else now))
        return len(self._finished) / max(1.0, span)

    def retry_after(self) -> int:
        rate = self.drain_rate()
        if rate <= 0.0:
            return self.floor_s
        return int(min(self.ceiling_s, max(self.floor_s, math.ceil(self.in_flight / rate))))
