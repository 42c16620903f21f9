"""Ray Serve application: ``POST /v1/tools/retrieve`` over a ToolGen model directory.

Concurrent requests are batched (``@serve.batch``) into one forward pass; every answer is k distinct
catalog tools found by trie-constrained decoding. Bad requests get a 4xx with a message that names
the field; nothing a client sends produces a 500.
"""

# No `from __future__ import annotations` here: FastAPI reads the request models from the live
# annotations of the methods, and string annotations are not resolved inside a Serve ingress class.
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field
from ray import serve

from toolfoundry.config import ServeConfig
from toolfoundry.retrieval import ToolRetriever

api = FastAPI(title="toolfoundry", description="Tool retrieval with tool tokens and constrained decoding.")


class RetrieveRequest(BaseModel):
    query: str = Field(..., description="What the user wants done.")
    k: int = Field(5, ge=1, description="How many distinct tools to return.")


class ToolHit(BaseModel):
    id: str
    name: str
    score: float


class RetrieveResponse(BaseModel):
    tools: list[ToolHit]
    catalog_size: int


@serve.deployment(ray_actor_options={"num_cpus": 1})
@serve.ingress(api)
class ToolRetrieval:
    def __init__(self, model_dir: str, max_query_chars: int, max_k: int, dtype: str = "float32"):
        self.retriever = ToolRetriever.from_pretrained(model_dir, dtype)
        self.max_query_chars = max_query_chars
        self.max_k = min(max_k, len(self.retriever.catalog))

    @serve.batch(max_batch_size=16, batch_wait_timeout_s=0.01)
    async def _retrieve_batch(self, queries: list[str], ks: list[int]) -> list[list]:
        results = self.retriever.retrieve(queries, max(ks))
        return [hits[:k] for hits, k in zip(results, ks)]

    @api.post("/v1/tools/retrieve", response_model=RetrieveResponse)
    async def retrieve(self, request: RetrieveRequest) -> RetrieveResponse:
        query = request.query.strip()
        if not query:
            raise HTTPException(422, "query: empty; send the user's request as text")
        if len(query) > self.max_query_chars:
            raise HTTPException(
                413, f"query: {len(query)} characters; at most {self.max_query_chars} are accepted"
            )
        if request.k > self.max_k:
            raise HTTPException(422, f"k: {request.k} is more than the {self.max_k} this endpoint returns")
        hits = await self._retrieve_batch(query, request.k)
        return RetrieveResponse(
            tools=[ToolHit(id=h.id, name=h.name, score=h.score) for h in hits],
            catalog_size=len(self.retriever.catalog),
        )

    @api.get("/healthz")
    async def healthz(self) -> dict:
        return {"status": "ok", "catalog_size": len(self.retriever.catalog)}


def build_app(model_dir: str, cfg: ServeConfig, dtype: str = "float32"):
    """The bound application, ready for ``serve.run``."""
    return ToolRetrieval.options(num_replicas=cfg.num_replicas).bind(
        model_dir, cfg.max_query_chars, cfg.max_k, dtype
    )


def start(model_dir: str, cfg: ServeConfig, dtype: str = "float32", name: str = "toolfoundry") -> str:
    """Run the app on 127.0.0.1:cfg.port inside the current Ray session; returns its base URL."""
    serve.start(http_options={"host": "127.0.0.1", "port": cfg.port})
    serve.run(build_app(model_dir, cfg, dtype), name=name, route_prefix="/")
    return f"http://127.0.0.1:{cfg.port}"
