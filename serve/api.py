"""The HTTP API: one FastAPI app, the same with or without Ray Serve.

:func:`make_api` builds it around a :class:`Gateway`, which validates requests, assembles candidates
(client tools, or catalog + live tools) and talks to the model through a small client interface:
in Serve a ``DeploymentHandle`` to the model deployment (``serve/app.py``), in-process a local
:class:`~serve.engine.ToolEngine` (tests, benchmarks).

Endpoints (OpenAPI schema at ``/openapi.json``, docs at ``/docs``):

- ``POST /v1/tools/retrieve``: k distinct catalog tools for a query (tool tokens, masked top-k);
- ``POST /v1/tools/route``: query (+ optional OpenAI ``tools``) → ranked candidates → selected tool
  or ``generate_response`` → arguments decoded under the tool's JSON Schema;
- ``POST /v1/chat/completions``: OpenAI chat completions with ``tools`` and ``tool_choice``
  (``auto``, ``none``, ``required``, a named function), ``tool_calls`` in the answer, ``stream``;
- ``GET /v1/models``, ``GET /v1/models/{id}``;
- ``POST /v1/tools``, ``GET /v1/tools``, ``DELETE /v1/tools/{id}``: live tools (``serve/live.py``);
- ``GET /healthz``: liveness of the HTTP layer; never waits on the model.

Every refusal is a 4xx in OpenAI's error shape, ``{"error": {"message", "type", "param", "code"}}``,
whose message starts with the field at fault. Overload is 503 with ``Retry-After``; a missing or
wrong bearer token is 401; a body over ``max_body_bytes`` is 413 before it is parsed.
"""

# No `from __future__ import annotations`: FastAPI reads request models from live annotations.
import asyncio
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass, fields
from typing import Any, Literal, Optional, Union

from fastapi import FastAPI, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from serve.engine import ApiError, RouteJob
from serve.live import LiveTools
from toolfoundry.schema import GENERATE_RESPONSE, Tool

TOOL_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_\-]{0,63}$"
MAX_SCHEMA_CHARS = 16_000
PUBLIC_PATHS = frozenset({"/healthz", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})
ROUTES = ("/v1/tools/retrieve", "/v1/tools/route", "/v1/chat/completions", "/v1/models", "/v1/tools", "/healthz")


# ================================================================================= request models
class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class RetrieveRequest(_Body):
    query: str = Field(..., description="What the user wants done.")
    k: int = Field(5, ge=1, description="How many distinct tools to return.")


class ToolHit(BaseModel):
    id: str
    name: str
    score: float


class RetrieveResponse(BaseModel):
    tools: list[ToolHit]
    catalog_size: int


class FunctionDef(_Body):
    name: str = Field(..., pattern=TOOL_NAME_PATTERN, description="A letter or _, then letters, digits, _ or -.")
    description: str = Field("", max_length=4000)
    parameters: Optional[dict[str, Any]] = Field(None, description="JSON Schema of the arguments (an object).")
    strict: Optional[bool] = None


class ToolSpec(_Body):
    """A tool in OpenAI's ``tools`` format."""

    type: Literal["function"] = "function"
    function: FunctionDef


class FunctionName(_Body):
    name: str = Field(..., pattern=TOOL_NAME_PATTERN)


class NamedToolChoice(_Body):
    type: Literal["function"] = "function"
    function: FunctionName


class RouteRequest(_Body):
    query: str = Field(..., description="What the user wants done.")
    tools: Optional[list[ToolSpec]] = Field(
        None, description="Candidate tools (OpenAI format). Absent: the catalog tools retrieved for the query "
                          "plus the best-matching live tools.")
    k: int = Field(5, ge=1, description="Catalog tools to retrieve as candidates when no tools are sent.")
    tool_choice: Literal["auto", "required"] = Field(
        "auto", description="auto: generate_response (call nothing) is a candidate; required: a tool must be called.")
    include_live: bool = Field(True, description="Add live tools (POST /v1/tools) to retrieved candidates.")
    execute: bool = Field(False, description="Run the call when toolfoundry can (synthetic tools).")


class ScoredName(BaseModel):
    name: str
    score: float


class Candidate(BaseModel):
    name: str
    source: Literal["catalog", "live", "request", "fallback"]


class ToolCall(BaseModel):
    name: str
    arguments: dict[str, Any]


class RouteResponse(BaseModel):
    query: str
    candidates: list[Candidate]
    ranking: list[ScoredName]
    selected: str = Field(..., description="The tool to call, or generate_response to answer directly.")
    arguments: dict[str, Any]
    valid: bool = Field(..., description="The arguments validate against the selected tool's schema.")
    finish_reason: Literal["tool_call", "no_call", "length", "invalid_arguments"] = Field(
        ..., description="tool_call: a valid call; no_call: generate_response; length: the call was cut by "
                         "max_new_tokens; invalid_arguments: complete JSON that fails its schema.")
    tool_call: Optional[ToolCall]
    observation: Any = None
    relevance: Optional[float] = Field(None, description="With a relevance gate (relevance_threshold): the best cosine "
                                                         "of the query with a candidate; below the threshold nothing "
                                                         "is called.")
    dropped_arguments: list[str] = Field(default_factory=list, description="With ground_optional: the optional "
                                         "arguments the model wrote but the request never states, left out.")
    timings_ms: dict[str, float]


class TextPart(_Body):
    type: Literal["text"] = "text"
    text: str


class FunctionCall(_Body):
    name: str
    arguments: str = "{}"


class MessageToolCall(_Body):
    id: str = ""
    type: Literal["function"] = "function"
    function: FunctionCall


class ChatMessage(_Body):
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: Optional[Union[str, list[TextPart]]] = None
    name: Optional[str] = None
    tool_calls: Optional[list[MessageToolCall]] = None
    tool_call_id: Optional[str] = None


class ChatCompletionRequest(_Body):
    model: str
    messages: list[ChatMessage] = Field(..., min_length=1)
    tools: Optional[list[ToolSpec]] = None
    tool_choice: Optional[Union[Literal["auto", "none", "required"], NamedToolChoice]] = None
    max_tokens: Optional[int] = Field(None, ge=1)
    max_completion_tokens: Optional[int] = Field(None, ge=1)
    n: Optional[int] = Field(None, ge=1)
    stream: Optional[bool] = False
    temperature: Optional[float] = Field(None, ge=0, le=2)
    top_p: Optional[float] = Field(None, ge=0, le=1)
    parallel_tool_calls: Optional[bool] = None
    user: Optional[str] = None


class LiveToolsResponse(BaseModel):
    object: Literal["list"] = "list"
    data: list[dict[str, Any]]
    version: int
    catalog_size: int


# ============================================================================== conversions
def _error(status: int, param: Optional[str], message: str, **kw) -> ApiError:
    return ApiError(status, param, message, **kw)


def check_parameters(params: Any, where: str) -> dict:
    """A tool's ``parameters`` as JSON Schema of an object, or a 422 naming ``where``."""
    from toolfoundry.formats.openai_tools import to_json_schema

    if params is None:
        return {"type": "object", "properties": {}}
    if len(json.dumps(params)) > MAX_SCHEMA_CHARS:
        raise _error(413, where, f"{where}: more than {MAX_SCHEMA_CHARS} characters of JSON Schema")
    schema = to_json_schema(params)
    if "type" not in schema:
        schema = {"type": "object", **schema}
    if schema.get("type") != "object":
        raise _error(422, where, f'{where}: "type" must be "object" (the arguments are a JSON object)')
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as err:
        path = ".".join(str(p) for p in err.path)
        raise _error(422, where, f"{where}{'.' + path if path else ''}: not a valid JSON Schema ({err.message})") \
            from None
    except (RecursionError, ValueError, TypeError) as err:
        raise _error(422, where, f"{where}: not a valid JSON Schema ({type(err).__name__})") from None
    return schema


def spec_to_tool(spec: ToolSpec, where: str, require_description: bool = False) -> Tool:
    fn = spec.function
    if require_description and not fn.description.strip():
        raise _error(422, f"{where}.description", f"{where}.description: empty; say what the tool does "
                                                 "(routing reads it)")
    if fn.name == GENERATE_RESPONSE:
        raise _error(422, f"{where}.name", f"{where}.name: {GENERATE_RESPONSE!r} is reserved (the router's "
                                          "'answer directly' choice)")
    params = check_parameters(fn.parameters, f"{where}.parameters")
    return Tool(id=fn.name, name=fn.name, description=fn.description.strip() or fn.name, parameters=params,
                provenance="request")


def specs_to_tools(specs: list[ToolSpec], field: str, limit: int) -> list[Tool]:
    if not specs:
        raise _error(422, field, f"{field}: empty list; send at least one tool or leave the field out")
    if len(specs) > limit:
        raise _error(413, field, f"{field}: {len(specs)} tools; at most {limit} per request")
    tools, seen = [], set()
    for i, spec in enumerate(specs):
        tool = spec_to_tool(spec, f"{field}[{i}].function")
        if tool.name in seen:
            raise _error(422, f"{field}[{i}].function.name",
                         f"{field}[{i}].function.name: {tool.name!r} appears twice; tool names must be unique")
        seen.add(tool.name)
        tools.append(tool)
    return tools


def finish_reason(out: dict) -> str:
    if out["name"] == GENERATE_RESPONSE:
        return "no_call" if out["valid"] else "length"
    return "tool_call" if out["valid"] else "invalid_arguments"


def message_text(message: ChatMessage) -> str:
    content = message.content
    if content is None:
        if message.tool_calls:
            return "\n".join(json.dumps({"name": c.function.name, "arguments": c.function.arguments})
                             for c in message.tool_calls)
        return ""
    if isinstance(content, str):
        return content
    return "\n".join(part.text for part in content)


# ================================================================================== gateway
@dataclass(frozen=True)
class GatewaySettings:
    """What the HTTP layer needs to know; built by ``serve.app.build_app`` from ``ServeAppArgs``."""

    model_id: str
    catalog_size: int
    api_key_sha256: Optional[str]
    max_body_bytes: int = 1_000_000
    max_query_chars: int = 1000
    max_k: int = 20
    max_request_tools: int = 64
    max_live_candidates: int = 8
    live_tools_refresh_s: float = 1.0

    @classmethod
    def from_args(cls, args, model_id: str, catalog_size: int, api_key_sha256: Optional[str]) -> "GatewaySettings":
        names = [f.name for f in fields(cls) if f.name not in ("model_id", "catalog_size", "api_key_sha256")]
        return cls(model_id, catalog_size, api_key_sha256, **{n: getattr(args, n) for n in names})


class Gateway:
    """Request handling between HTTP and the model: validation, candidates, OpenAI shapes.

    ``model`` has async ``retrieve(query, k)``, ``route(job)``, ``generate(messages, max_tokens)``,
    ``check_tool(tool)`` and ``info()``; ``registry`` has async ``add(row)``, ``remove(name)`` and
    ``snapshot(since)``. Either may raise :class:`ApiError` (e.g. 503 on overload).
    """

    def __init__(self, settings: "GatewaySettings", model, registry, metrics=None):
        self.s = settings
        self.model = model
        self.registry = registry
        self.metrics = metrics
        self.live = LiveTools()
        self.model_id = settings.model_id
        self.catalog_size = settings.catalog_size
        self.created = int(time.time())
        self.api_key_sha256: Optional[str] = settings.api_key_sha256
        self._refresher: Optional[asyncio.Task] = None

    def start_refresher(self) -> None:
        """Keep the live-tool copy fresh (started on the first request, inside the serving loop)."""
        if self._refresher is None:
            self._refresher = asyncio.get_running_loop().create_task(
                self.refresh_forever(self.s.live_tools_refresh_s))

    # ------------------------------------------------------------------ live tools
    async def refresh_live(self) -> None:
        snap = await self.registry.snapshot(self.live.version)
        if snap is not None and snap["version"] != self.live.version:
            self.live = LiveTools.from_snapshot(snap)

    async def refresh_forever(self, period_s: float) -> None:
        while True:
            try:
                await self.refresh_live()
            except Exception:  # the registry restarting: keep the last copy, try again
                pass
            await asyncio.sleep(period_s)

    async def add_tool(self, spec: ToolSpec) -> dict:
        tool = spec_to_tool(spec, "function", require_description=True)
        problem = await self.model.check_tool(tool)
        if problem is not None:
            raise problem
        snap = await self.registry.add(tool.to_row())
        if snap is None:
            raise _error(409, "function.name", f"function.name: a live tool named {tool.name!r} exists; "
                                               f"DELETE /v1/tools/{tool.name} first to replace it")
        self.live = LiveTools.from_snapshot(snap)
        return {"id": tool.id, "object": "tool", "live": True, "version": snap["version"], **tool.to_openai()}

    async def remove_tool(self, tool_id: str) -> dict:
        snap = await self.registry.remove(tool_id)
        if snap is None:
            raise _error(404, "tool_id", f"tool_id: no live tool named {tool_id!r} (catalog tools belong to the "
                                         "model and are removed by retraining)")
        self.live = LiveTools.from_snapshot(snap)
        return {"id": tool_id, "object": "tool", "deleted": True, "version": snap["version"]}

    # ------------------------------------------------------------------ checks
    def _query(self, query: str, field: str = "query") -> str:
        query = query.strip()
        if not query:
            raise _error(422, field, f"{field}: empty; send the user's request as text")
        if len(query) > self.s.max_query_chars:
            raise _error(413, field, f"{field}: {len(query)} characters; at most {self.s.max_query_chars} are accepted")
        return query

    def _k(self, k: int) -> int:
        limit = max(1, min(self.s.max_k, self.catalog_size or self.s.max_k))
        if k > limit:
            raise _error(422, "k", f"k: {k} is more than the {limit} this endpoint returns")
        return k

    # ------------------------------------------------------------------ endpoints
    async def retrieve(self, req: RetrieveRequest) -> dict:
        query, k = self._query(req.query), self._k(req.k)
        hits = await self.model.retrieve(query, k)
        return {"tools": [{"id": i, "name": n, "score": s} for i, n, s in hits], "catalog_size": self.catalog_size}

    async def route(self, req: RouteRequest) -> dict:
        query = self._query(req.query)
        if req.tools is not None:
            job = RouteJob(query, specs_to_tools(req.tools, "tools", self.s.max_request_tools), k=req.k,
                           fallback=req.tool_choice == "auto", execute=req.execute)
        else:
            live = self.live.match(query, self.s.max_live_candidates) if req.include_live else []
            if not self.catalog_size and not live:
                raise _error(422, "tools", "tools: required here: this endpoint's model has no tool catalog and no "
                                           "live tools are registered (POST /v1/tools)")
            k = self._k(req.k) if self.catalog_size else req.k
            job = RouteJob(query, None, live=live, k=k, fallback=req.tool_choice == "auto", execute=req.execute)
        out = await self.model.route(job)
        call = out["name"] != GENERATE_RESPONSE and out["valid"]
        return {"query": out["query"], "candidates": out["candidates"], "ranking": out["ranking"],
                "selected": out["name"], "arguments": out["arguments"], "valid": out["valid"],
                "finish_reason": finish_reason(out),
                "tool_call": {"name": out["name"], "arguments": out["arguments"]} if call else None,
                "observation": out["observation"], "relevance": out.get("relevance"),
                "dropped_arguments": out.get("dropped_arguments", []), "timings_ms": out["timings_ms"]}

    def models(self) -> dict:
        return {"object": "list", "data": [self._model_card()]}

    def _model_card(self) -> dict:
        return {"id": self.model_id, "object": "model", "created": self.created, "owned_by": "toolfoundry"}

    async def chat(self, req: ChatCompletionRequest) -> dict:
        if req.model != self.model_id:
            raise _error(404, "model", f"model: {req.model!r} is not served here; GET /v1/models lists "
                                       f"{self.model_id!r}", kind="invalid_request_error")
        if req.n not in (None, 1):
            raise _error(422, "n", "n: only 1 choice per request is supported")
        messages = []
        for i, m in enumerate(req.messages):
            text = message_text(m)
            if len(text) > self.s.max_query_chars * 4:
                raise _error(413, f"messages[{i}].content",
                             f"messages[{i}].content: {len(text)} characters; at most {self.s.max_query_chars * 4}")
            messages.append({"role": "system" if m.role == "developer" else m.role, "content": text})
        tools = specs_to_tools(req.tools, "tools", self.s.max_request_tools) if req.tools is not None else []
        choice = req.tool_choice if req.tool_choice is not None else ("auto" if tools else "none")
        if choice != "none" and not tools:
            raise _error(422, "tool_choice", f"tool_choice: {self._choice_text(choice)} needs tools; send tools or "
                                             "tool_choice 'none'")
        candidates, fallback = tools, True
        if isinstance(choice, NamedToolChoice):
            named = [t for t in tools if t.name == choice.function.name]
            if not named:
                raise _error(422, "tool_choice.function.name",
                             f"tool_choice.function.name: {choice.function.name!r} is not one of the tools")
            candidates, fallback = named, False
        elif choice == "required":
            fallback = False
        users = [m["content"] for m in messages if m["role"] == "user" and m["content"].strip()]
        after_tool = messages[-1]["role"] == "tool"
        wants_call = choice != "none" and not (choice == "auto" and after_tool)
        if wants_call and not users:
            raise _error(422, "messages", "messages: no user message with text to route")
        max_tokens = req.max_completion_tokens or req.max_tokens
        routed = None
        if wants_call:
            query = self._query(users[-1], "messages")
            routed = await self.model.route(RouteJob(query, candidates, k=len(candidates), fallback=fallback))
        completion_id = "chatcmpl-" + uuid.uuid4().hex[:24]
        if routed is not None and routed["name"] != GENERATE_RESPONSE:
            call = {"id": "call_" + uuid.uuid4().hex[:24], "type": "function",
                    "function": {"name": routed["name"], "arguments": json.dumps(routed["arguments"])}}
            message = {"role": "assistant", "content": None, "tool_calls": [call]}
            finish, usage = "tool_calls", (routed["prompt_tokens"], routed["completion_tokens"])
        elif routed is not None and not routed["valid"]:  # the call was cut by max_new_tokens
            message = {"role": "assistant", "content": ""}
            finish, usage = "length", (routed["prompt_tokens"], routed["completion_tokens"])
        else:
            answer = await self.model.generate(messages, max_tokens)
            message = {"role": "assistant", "content": answer["text"]}
            finish, usage = answer["finish_reason"], (answer["prompt_tokens"], answer["completion_tokens"])
        return {"id": completion_id, "object": "chat.completion", "created": int(time.time()), "model": self.model_id,
                "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
                "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1],
                          "total_tokens": usage[0] + usage[1]}}

    @staticmethod
    def _choice_text(choice) -> str:
        return repr(choice) if isinstance(choice, str) else f"function {choice.function.name!r}"

    def health(self) -> dict:
        return {"status": "ok", "model": self.model_id, "catalog_size": self.catalog_size,
                "live_tools": len(self.live), "live_version": self.live.version}


def stream_chunks(completion: dict):
    """A finished completion as OpenAI's server-sent events: one delta, the finish, ``[DONE]``."""
    choice = completion["choices"][0]
    base = {"id": completion["id"], "object": "chat.completion.chunk", "created": completion["created"],
            "model": completion["model"]}
    delta: dict[str, Any] = {"role": "assistant"}
    if choice["message"].get("tool_calls"):
        delta["tool_calls"] = [{"index": i, **c} for i, c in enumerate(choice["message"]["tool_calls"])]
    else:
        delta["content"] = choice["message"]["content"]
    yield f"data: {json.dumps({**base, 'choices': [{'index': 0, 'delta': delta, 'finish_reason': None}]})}\n\n"
    last = {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": choice["finish_reason"]}],
            "usage": completion["usage"]}
    yield f"data: {json.dumps(last)}\n\n"
    yield "data: [DONE]\n\n"


# ============================================================================ ASGI middleware
def route_label(path: str) -> str:
    for route in ROUTES:
        if path == route:
            return route
    if path.startswith("/v1/tools/"):
        return "/v1/tools/{id}"
    if path.startswith("/v1/models/"):
        return "/v1/models/{id}"
    return "other"


async def _send_error(send, err: ApiError) -> None:
    body = json.dumps(err.body()).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), str(v).encode()) for k, v in err.headers.items()]
    await send({"type": "http.response.start", "status": err.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class GuardMiddleware:
    """Bearer-token auth, then the body-size limit (read at most ``max_body_bytes`` + 1, never more),
    then the request counters and latency histogram. Pure ASGI, so nothing is parsed before the
    checks."""

    def __init__(self, app, gateway: "Gateway"):
        self.app = app
        self.gateway = gateway

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        label = route_label(scope.get("path", ""))
        status = {"code": 500}

        async def send_recorded(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        self.gateway.start_refresher()
        try:
            problem = self._authorize(scope)
            if problem is None:
                body, problem = await self._read_body(scope, receive)
            if problem is not None:
                await _send_error(send_recorded, problem)
                return
            replay = {"done": False}

            async def receive_body():
                if not replay["done"]:
                    replay["done"] = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            await self.app(scope, receive_body, send_recorded)
        finally:
            metrics = self.gateway.metrics
            if metrics is not None:
                metrics.record(label, scope.get("method", ""), status["code"], time.perf_counter() - started)

    def _authorize(self, scope) -> Optional[ApiError]:
        digest = self.gateway.api_key_sha256
        if digest is None or scope.get("path") in PUBLIC_PATHS:
            return None
        header = dict(scope.get("headers") or []).get(b"authorization", b"").decode("latin-1")
        scheme, _, token = header.partition(" ")
        challenge = {"WWW-Authenticate": 'Bearer realm="toolfoundry"'}
        if scheme.lower() != "bearer" or not token.strip():
            return ApiError(401, "Authorization", "Authorization: missing bearer token; send the header "
                                                  "'Authorization: Bearer <API key>'", kind="authentication_error",
                            headers=challenge)
        presented = hashlib.sha256(token.strip().encode()).hexdigest()
        if not hmac.compare_digest(presented, digest):
            return ApiError(401, "Authorization", "Authorization: the API key is not valid",
                            kind="authentication_error", headers=challenge)
        return None

    async def _read_body(self, scope, receive) -> tuple[bytes, Optional[ApiError]]:
        limit = self.gateway.s.max_body_bytes
        too_big = ApiError(413, "body", f"body: more than {limit} bytes; send a smaller request",
                           kind="invalid_request_error")
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            try:
                if int(length) > limit:
                    return b"", too_big
            except ValueError:
                return b"", ApiError(400, "Content-Length", "Content-Length: not a number")
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return b"", too_big
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks), None


# ================================================================================== the app
def make_api(gateway: Gateway) -> FastAPI:
    api = FastAPI(
        title="toolfoundry",
        version="0.2.0",
        description="Tool retrieval with tool tokens, routing (rank → select → schema-constrained call), "
                    "OpenAI-compatible chat completions with tools, and live tools.",
    )

    @api.exception_handler(ApiError)
    async def _api_error(request: Request, err: ApiError):
        return JSONResponse(err.body(), status_code=err.status, headers=err.headers)

    @api.exception_handler(RequestValidationError)
    async def _invalid(request: Request, err: RequestValidationError):
        problems = []
        for e in err.errors():
            if e.get("type") == "json_invalid":
                reason = (e.get("ctx") or {}).get("error", "")
                problems.append(("body", f"not valid JSON ({reason or 'decode error'} at character {e['loc'][-1]})"))
                continue
            loc = [str(p) for p in e.get("loc", ()) if p != "body"]
            problems.append((".".join(loc) or "body", e.get("msg", "invalid")))
        message = "; ".join(f"{where}: {msg}" for where, msg in problems[:5])
        return JSONResponse(ApiError(422, problems[0][0] if problems else "body", message).body(), status_code=422)

    @api.exception_handler(StarletteHTTPException)
    async def _http(request: Request, err: StarletteHTTPException):
        return JSONResponse({"error": {"message": str(err.detail), "type": "invalid_request_error", "param": None,
                                       "code": err.status_code}}, status_code=err.status_code,
                            headers=getattr(err, "headers", None))

    @api.post("/v1/tools/retrieve", response_model=RetrieveResponse, tags=["tools"])
    async def retrieve(request: RetrieveRequest):
        """The k best distinct catalog tools for a query: one forward pass and a masked top-k over the
        tool tokens (trie beam search for multi-token schemes). Live tools are not in the catalog."""
        return await gateway.retrieve(request)

    @api.post("/v1/tools/route", response_model=RouteResponse, tags=["tools"])
    async def route(request: RouteRequest):
        """Rank the candidates, select one (or generate_response) and decode its arguments under a grammar
        compiled from its JSON Schema. Without ``tools``: the catalog tools retrieved for the query plus
        the live tools that match it best."""
        return await gateway.route(request)

    @api.post("/v1/chat/completions", tags=["openai"])
    async def chat_completions(request: ChatCompletionRequest):
        """OpenAI chat completions. With ``tools``, the last user message is routed among them: a chosen
        tool comes back as ``tool_calls`` whose arguments follow its schema; ``generate_response`` (or
        ``tool_choice: none``, or a turn after a tool result) gets a plain answer."""
        completion = await gateway.chat(request)
        if request.stream:
            return StreamingResponse(stream_chunks(completion), media_type="text/event-stream")
        return completion

    @api.get("/v1/models", tags=["openai"])
    async def models():
        return gateway.models()

    @api.get("/v1/models/{model_id}", tags=["openai"])
    async def model(model_id: str = Path(..., max_length=256)):
        if model_id != gateway.model_id:
            raise _error(404, "model_id", f"model_id: {model_id!r} is not served here")
        return gateway._model_card()

    @api.post("/v1/tools", status_code=201, tags=["live tools"])
    async def add_tool(request: ToolSpec):
        """Add a live tool (OpenAI format). It is a routing candidate at once (in context, no token)."""
        return await gateway.add_tool(request)

    @api.get("/v1/tools", response_model=LiveToolsResponse, tags=["live tools"])
    async def list_tools():
        await gateway.refresh_live()
        return {"object": "list", "data": [t.to_openai() | {"id": t.id} for t in gateway.live.tools.values()],
                "version": gateway.live.version, "catalog_size": gateway.catalog_size}

    @api.delete("/v1/tools/{tool_id}", tags=["live tools"])
    async def delete_tool(tool_id: str = Path(..., max_length=128)):
        return await gateway.remove_tool(tool_id)

    @api.get("/healthz", tags=["ops"])
    async def healthz():
        """Liveness of the HTTP layer; answered without touching the model or its queue."""
        return gateway.health()

    base_openapi = api.openapi

    def openapi():
        if api.openapi_schema is None:
            schema = base_openapi()
            if gateway.api_key_sha256 is not None:
                schema.setdefault("components", {})["securitySchemes"] = {
                    "bearerAuth": {"type": "http", "scheme": "bearer"}}
                schema["security"] = [{"bearerAuth": []}]
            api.openapi_schema = schema
        return api.openapi_schema

    api.openapi = openapi
    api.add_middleware(GuardMiddleware, gateway=gateway)
    return api
