"""Dynamic batching on one model thread (``serve/batching.py``), with a slow stand-in for the model."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from serve.batching import Batcher


class SlowModel:
    """A batch function that takes ``seconds`` per batch and records each batch it was given."""

    def __init__(self, seconds: float = 0.05, fail_on: str | None = None):
        self.seconds, self.fail_on = seconds, fail_on
        self.batches: list[list[str]] = []
        self.threads: set[int] = set()

    def __call__(self, texts: list[str], factors: list[int]) -> list[str]:
        self.batches.append(list(texts))
        self.threads.add(threading.get_ident())
        time.sleep(self.seconds)
        if self.fail_on in texts:
            raise RuntimeError(f"cannot score {self.fail_on!r}")
        return [text * factor for text, factor in zip(texts, factors)]


def run_calls(batcher: Batcher, calls: list[tuple[str, int]], stagger_s: float = 0.0):
    async def main():
        async def one(i, args):
            await asyncio.sleep(i * stagger_s)
            return await batcher(*args)

        return await asyncio.gather(*(one(i, args) for i, args in enumerate(calls)), return_exceptions=True)

    return asyncio.run(main())


@pytest.fixture
def pool():
    with ThreadPoolExecutor(max_workers=1) as executor:
        yield executor


def test_batches_fill_while_the_model_is_busy_and_each_caller_gets_its_own_result(pool):
    model = SlowModel(0.05)
    sizes = []
    batcher = Batcher(model, pool, max_batch_size=8, wait_s=0.0, on_batch=sizes.append)
    calls = [(f"q{i}-", 1 + i % 3) for i in range(20)]
    # Requests arrive 2 ms apart, as from concurrent clients: a timer-based batcher closing a batch every
    # few milliseconds would run ~20 batches of one or two; here they queue while a batch computes.
    results = run_calls(batcher, calls, stagger_s=0.002)
    assert results == [text * factor for text, factor in calls]
    assert sizes == [len(b) for b in model.batches] and sum(sizes) == 20
    assert max(sizes) == 8 and len(sizes) <= 5, sizes
    assert len(model.threads) == 1  # one model thread: batches never overlap


def test_a_lone_request_starts_at_once_and_max_batch_size_1_never_batches(pool):
    model = SlowModel(0.0)
    batcher = Batcher(model, pool, max_batch_size=1, wait_s=0.5)
    t = time.perf_counter()
    assert run_calls(batcher, [("a", 2)]) == ["aa"]
    assert time.perf_counter() - t < 0.4  # no company to wait for when batches hold one request
    assert run_calls(batcher, [(c, 1) for c in "xyz"]) == ["x", "y", "z"]
    assert [len(b) for b in model.batches] == [1, 1, 1, 1]


def test_a_failing_batch_fails_its_callers_and_the_next_batch_still_runs(pool):
    model = SlowModel(0.02, fail_on="bad")
    batcher = Batcher(model, pool, max_batch_size=4, wait_s=0.01)

    async def main():
        first = await asyncio.gather(batcher("bad", 1), batcher("ok", 1), return_exceptions=True)
        second = await batcher("later", 2)
        return first, second

    first, second = asyncio.run(main())
    assert all(isinstance(r, RuntimeError) and "bad" in str(r) for r in first)
    assert second == "laterlater"


def test_a_cancelled_caller_is_dropped_from_its_batch(pool):
    model = SlowModel(0.3)  # "first" holds the model thread well past the cancellation
    batcher = Batcher(model, pool, max_batch_size=8, wait_s=0.0)

    async def main():
        first = asyncio.ensure_future(batcher("first", 1))  # occupies the model thread
        await asyncio.sleep(0.01)
        gone = asyncio.ensure_future(batcher("gone", 1))
        kept = asyncio.ensure_future(batcher("kept", 1))
        await asyncio.sleep(0.01)
        gone.cancel()
        return await first, await kept

    assert asyncio.run(main()) == ("first", "kept")
    assert model.batches == [["first"], ["kept"]]


def test_bad_settings_name_the_setting(pool):
    with pytest.raises(ValueError, match="max_batch_size"):
        Batcher(SlowModel(), pool, max_batch_size=0)
    with pytest.raises(ValueError, match="wait_s"):
        Batcher(SlowModel(), pool, wait_s=-1)
