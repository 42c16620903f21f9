"""The same HTTP API in one process, without Ray: for tests, notebooks and the schema.

``local_api(args)`` returns the FastAPI app of ``serve/api.py`` over a :class:`~serve.engine.ToolEngine`
run on one worker thread (no batching across requests) and an in-memory live-tool registry. Serve it
with any ASGI server, or call it through ``httpx.ASGITransport``.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from serve.api import Gateway, GatewaySettings, make_api
from serve.engine import ApiError, RouteJob, ToolEngine, resolve_device
from serve.live import Registry
from toolfoundry.config import ServeAppArgs
from toolfoundry.schema import Tool


class LocalModel:
    def __init__(self, engine: ToolEngine):
        self.engine = engine
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="toolfoundry-local")

    async def _run(self, fn, *args):
        result = await asyncio.get_running_loop().run_in_executor(self.pool, fn, *args)
        if isinstance(result, ApiError):
            raise result
        return result

    async def retrieve(self, query: str, k: int):
        return await self._run(lambda: _one(self.engine.retrieve([query], [k])))

    async def route(self, job: RouteJob):
        return await self._run(lambda: _one(self.engine.route([job])))

    async def generate(self, messages: list, max_tokens):
        return await self._run(self.engine.generate, messages, max_tokens)

    async def check_tool(self, tool: Tool):
        return await asyncio.get_running_loop().run_in_executor(self.pool, self.engine.check_tool, tool)


def _one(results: list):
    return results[0]


def local_api(args: ServeAppArgs, engine: ToolEngine | None = None):
    from serve.app import api_key_digest, model_facts

    model_id, catalog_size = model_facts(args.model_dir)
    if engine is None:
        device = resolve_device(args.num_gpus)
        engine = ToolEngine(args.model_dir, args.dtype, device, args.max_new_tokens, args.max_text_tokens,
                            args.torch_threads)
    settings = GatewaySettings.from_args(args, args.model_name or model_id, catalog_size, api_key_digest(args))
    return make_api(Gateway(settings, LocalModel(engine), Registry(args.live_tools_path)))
