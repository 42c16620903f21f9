"""Dynamic batching on one model thread: a batch starts whenever the model is free.

A model replica runs its :class:`~serve.engine.ToolEngine` on one worker thread, so batches never
overlap and the replica's event loop stays free to accept requests. :class:`Batcher` decides what each
batch holds: when the model thread is idle, the next request starts a batch with every request queued
behind it (up to ``max_batch_size``); while a batch computes, new requests queue for the next one.
Under load, batches fill by themselves; one request alone waits at most ``wait_s`` for company.

Ray Serve's ``@serve.batch`` forms its batches on a timer instead: every ``batch_wait_timeout_s`` it
closes a batch of whatever has arrived and queues it for the model, even while the model is busy. On a
CPU, where one batch takes tens of milliseconds and requests arrive a few milliseconds apart, that
measured an average of 1.1 requests per batch at 32 concurrent clients, so batching bought nothing
(``bench/results/serve-dynamic-batching/``).

:class:`EngineWorker` puts the engine behind two batchers on one thread: retrieve (up to
``max_batch_size`` a batch) and route (one request a batch: calls are decoded one at a time), with
chat answers, tool checks and the health check on the same thread between batches. The Serve replica
(``serve/app.py``) and the single-process API (``serve/local.py``) both use it.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Sequence

from serve.engine import RouteJob, ToolEngine
from toolfoundry.schema import Tool


class Batcher:
    """Collect concurrent calls into batches for ``fn`` (a batch function of parallel argument lists,
    returning one result per call), run on ``pool``, one batch at a time.

    ``on_batch(size)`` is called as each batch starts (metrics). An exception from ``fn`` fails every
    call of its batch; results that are exceptions are the caller's to interpret (``ApiError`` values).
    """

    def __init__(self, fn: Callable[..., Sequence[Any]], pool: ThreadPoolExecutor, max_batch_size: int = 16,
                 wait_s: float = 0.005, on_batch: Callable[[int], None] | None = None):
        if max_batch_size < 1:
            raise ValueError(f"max_batch_size must be >= 1, got {max_batch_size}")
        if wait_s < 0:
            raise ValueError(f"wait_s must be >= 0, got {wait_s}")
        self.fn, self.pool = fn, pool
        self.max_batch_size, self.wait_s = max_batch_size, wait_s
        self.on_batch = on_batch
        self._queue: asyncio.Queue | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None

    async def __call__(self, *args) -> Any:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # first call, or a new event loop (tests, a restarted server)
            self._loop, self._queue = loop, asyncio.Queue()
            self._task = loop.create_task(self._run())
        future = loop.create_future()
        self._queue.put_nowait((args, future))
        return await future

    async def _take(self) -> list:
        batch = [await self._queue.get()]
        if self.wait_s and self._queue.empty() and self.max_batch_size > 1:
            await asyncio.sleep(self.wait_s)  # the model is idle: give a lone request a moment for company
        while len(batch) < self.max_batch_size and not self._queue.empty():
            batch.append(self._queue.get_nowait())
        return [(args, future) for args, future in batch if not future.done()]  # drop cancelled callers

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = await self._take()
            if not batch:
                continue
            try:
                if self.on_batch is not None:
                    self.on_batch(len(batch))
                columns = [list(column) for column in zip(*(args for args, _ in batch))]
                results = await loop.run_in_executor(self.pool, self.fn, *columns)
                if len(results) != len(batch):
                    raise RuntimeError(f"the batch function returned {len(results)} results for {len(batch)} calls")
            except Exception as err:  # noqa: BLE001 - every caller of the batch gets the error
                for _, future in batch:
                    if not future.done():
                        future.set_exception(err)
                continue
            for (_, future), result in zip(batch, results):
                if not future.done():
                    future.set_result(result)


#: route requests per batch: the engine decodes each call on its own after one shared retrieval pass,
#: so a larger batch saves little and holds every answer until the batch's last call is decoded (at 8
#: concurrent routes on a CPU, batches of up to 16 answered none within a 30-second window)
ROUTE_BATCH_SIZE = 1


class EngineWorker:
    """A :class:`ToolEngine` on one worker thread: batched retrieve, route one request at a time, and
    the rest between batches. Client errors come back as ``ApiError`` values, as the engine returns them."""

    def __init__(self, engine: ToolEngine, max_batch_size: int = 16, wait_s: float = 0.005,
                 on_batch: Callable[[str, int], None] | None = None):
        self.engine = engine
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="toolfoundry-model")

        def observer(method: str):
            return None if on_batch is None else (lambda size: on_batch(method, size))

        self._retrieve = Batcher(engine.retrieve, self.pool, max_batch_size, wait_s, observer("retrieve"))
        self._route = Batcher(engine.route, self.pool, ROUTE_BATCH_SIZE, wait_s, observer("route"))

    async def run(self, fn: Callable, *args) -> Any:
        """``fn(*args)`` on the model thread (between batches)."""
        return await asyncio.get_running_loop().run_in_executor(self.pool, fn, *args)

    async def retrieve(self, query: str, k: int):
        return await self._retrieve(query, k)

    async def route(self, job: RouteJob):
        return await self._route(job)

    async def generate(self, messages: list, max_tokens):
        return await self.run(self.engine.generate, messages, max_tokens)

    async def check_tool(self, tool: Tool):
        return await self.run(self.engine.check_tool, tool)

    async def health(self) -> None:
        await self.run(self.engine.health)
