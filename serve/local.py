"""The same HTTP API in one process, without Ray: for tests, notebooks and the schema.

``local_api(args)`` returns the FastAPI app of ``serve/api.py`` over a :class:`~serve.engine.ToolEngine`
on one worker thread, batched as in a Serve replica (``serve/batching.py``), and an in-memory
live-tool registry. Serve it with any ASGI server, or call it through ``httpx.ASGITransport``.
"""

from __future__ import annotations

from serve.api import Gateway, GatewaySettings, make_api
from serve.batching import EngineWorker
from serve.engine import ApiError, RouteJob, ToolEngine, overloaded, resolve_device
from serve.live import Registry
from toolfoundry.config import ServeAppArgs
from toolfoundry.schema import Tool


class LocalModel:
    """The gateway's view of an in-process :class:`EngineWorker`: ``ApiError`` values are raised.

    ``capacity`` (None: no limit) is admission control in the process: at most that many model
    requests at once, computing or queued for a batch; any beyond is refused at once with
    :func:`~serve.engine.overloaded` (503 + ``Retry-After: retry_after_s``). The fused Serve replica
    uses it; ``local_api`` does not."""

    def __init__(self, worker: EngineWorker, capacity: int | None = None, retry_after_s: int = 1):
        self.worker, self.capacity, self.retry_after_s = worker, capacity, retry_after_s
        self.inflight = 0

    async def _call(self, method: str, *args):
        if self.capacity is not None and self.inflight >= self.capacity:
            raise overloaded(self.retry_after_s)
        self.inflight += 1
        try:
            return await getattr(self.worker, method)(*args)
        finally:
            self.inflight -= 1

    @staticmethod
    def _raise(result):
        if isinstance(result, ApiError):
            raise result
        return result

    async def retrieve(self, query: str, k: int):
        return self._raise(await self._call("retrieve", query, k))

    async def route(self, job: RouteJob):
        return self._raise(await self._call("route", job))

    async def generate(self, messages: list, max_tokens):
        return self._raise(await self._call("generate", messages, max_tokens))

    async def check_tool(self, tool: Tool):
        return await self._call("check_tool", tool)  # None, or the ApiError the gateway reports


def local_api(args: ServeAppArgs, engine: ToolEngine | None = None):
    from serve.app import api_key_digest, model_facts

    model_id, catalog_size = model_facts(args.model_dir)
    if engine is None:
        device = resolve_device(args.num_gpus)
        engine = ToolEngine(args.model_dir, args.dtype, device, args.max_new_tokens, args.max_text_tokens,
                            args.torch_threads, args.relevance_threshold, args.relevance_ranks,
                            args.ground_optional)
    settings = GatewaySettings.from_args(args, args.model_name or model_id, catalog_size, api_key_digest(args))
    worker = EngineWorker(engine, args.max_batch_size, args.batch_wait_timeout_s)
    return make_api(Gateway(settings, LocalModel(worker), Registry(args.live_tools_path)))
