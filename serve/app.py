"""The Ray Serve application: tool retrieval, routing, OpenAI chat completions and live tools.

Three deployments, one application (``build_app`` is its typed application builder):

- ``Gateway`` (the FastAPI ingress, ``serve/api.py``): auth, body limit, validation, candidates,
  OpenAI shapes, ``/healthz``. It does no model work, so it answers health checks and refusals at
  once however busy the model is. It calls the model through a ``DeploymentHandle``.
- ``ToolRetrieval`` (the model; the name is kept from the first version, so Serve configs that
  override it keep working): one causal LM per replica, on a GPU when ``num_gpus > 0``. Concurrent
  retrieve and route requests are batched on one model thread (``serve/batching.py``: a batch starts
  whenever the model is free, with everything queued), so the replica's event loop keeps accepting
  requests while a batch computes. It autoscales
  (``autoscaling_config``) and takes at most ``max_ongoing_requests``; each gateway queues at most
  ``max_queued_requests`` more, and beyond that Serve refuses at once (``BackPressureError``), which
  the gateway answers 503 with ``Retry-After``. ``check_health`` runs a real forward pass.
- ``ToolRegistry``: the live tools (``serve/live.py``), one replica, optionally persisted to a file.

With ``fuse_gateway: true`` the first two are one deployment, ``ToolRouter`` (``FusedRouter``): the
FastAPI ingress inside each model replica, with admission control in the replica (``LocalModel``).

Run it with ``toolfoundry serve --model-dir DIR`` (``serve/cli.py``), with ``serve run
serve/configs/serve.yaml``, or deploy that YAML with ``serve deploy``: all three build the app with
``build_app``.
"""

# No `from __future__ import annotations`: Ray Serve reads the builder's pydantic argument type from
# its live annotation.
import asyncio
import hashlib
import ipaddress
import os

from ray import serve
from ray.exceptions import RayActorError
from ray.serve import Application
from ray.serve.exceptions import BackPressureError, DeploymentUnavailableError

from serve.api import Gateway, GatewaySettings, make_api
from serve.batching import EngineWorker
from serve.engine import ApiError, RouteJob, ToolEngine, overloaded, resolve_device
from serve.live import Registry
from serve.local import LocalModel
from toolfoundry.config import ServeAppArgs, ServeConfig
from toolfoundry.errors import InputError
from toolfoundry.schema import Tool

BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128]
FUSED_MAX_ONGOING = 4096  # HTTP requests a fused replica takes (health checks and refusals included)
LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000]


# ==================================================================================== metrics
class GatewayMetrics:
    """Prometheus metrics through Ray Serve (exported by each node's Ray metrics agent)."""

    def __init__(self):
        from ray.serve.metrics import Counter, Histogram

        self.requests = Counter("toolfoundry_requests", description="HTTP requests by endpoint and status code.",
                                tag_keys=("endpoint", "method", "status"))
        self.latency = Histogram("toolfoundry_request_latency_ms", description="HTTP request latency (ms).",
                                 boundaries=LATENCY_BUCKETS_MS, tag_keys=("endpoint",))
        self.rejected = Counter("toolfoundry_overload_rejections", description="Requests answered 503: overload.",
                                tag_keys=("endpoint",))

    def record(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        self.requests.inc(tags={"endpoint": endpoint, "method": method, "status": str(status)})
        self.latency.observe(seconds * 1000, tags={"endpoint": endpoint})
        if status == 503:
            self.rejected.inc(tags={"endpoint": endpoint})


# ================================================================================ deployments
def replica_worker(model_dir: str, dtype: str, options: dict) -> EngineWorker:
    """The model of one replica: its engine on one thread, batched (``serve/batching.py``), with the
    batch-size metric."""
    from ray.serve.metrics import Histogram

    engine = ToolEngine(model_dir, dtype, resolve_device(options["num_gpus"]),
                        max_new_tokens=options["max_new_tokens"], max_text_tokens=options["max_text_tokens"],
                        torch_threads=options["torch_threads"], relevance_threshold=options["relevance_threshold"],
                        relevance_ranks=options["relevance_ranks"], ground_optional=options["ground_optional"])
    batch_size = Histogram("toolfoundry_batch_size", description="Requests per model batch.",
                           boundaries=BATCH_SIZE_BUCKETS, tag_keys=("method",))
    return EngineWorker(engine, options["max_batch_size"], options["batch_wait_timeout_s"],
                        on_batch=lambda method, size: batch_size.observe(size, tags={"method": method}))


class ModelReplica:
    """What every model replica has: its batched engine (``replica_worker``), ``info`` and a health
    check that runs a real forward pass."""

    def __init__(self, model_dir: str, dtype: str, options: dict):
        self.worker = replica_worker(model_dir, dtype, options)
        self.health_timeout_s = options.get("health_check_timeout_s", 30.0)

    async def info(self) -> dict:
        """The engine's description, and which replica process answered (for operators and tests)."""
        return {**self.worker.engine.info(), "replica": str(serve.get_replica_context().replica_id),
                "pid": os.getpid()}

    async def check_health(self) -> None:
        """Serve's periodic health check: one real forward pass (waits at most for the running batch)."""
        await asyncio.wait_for(self.worker.health(), timeout=self.health_timeout_s)


@serve.deployment(name="ToolRetrieval", ray_actor_options={"num_cpus": 1})
class ToolRetrieval(ModelReplica):
    """The model replica behind the gateway: batched retrieval and routing, chat answers."""

    async def retrieve(self, query: str, k: int):
        return await self.worker.retrieve(query, k)

    async def route(self, job: RouteJob):
        return await self.worker.route(job)

    async def generate(self, messages: list, max_tokens):
        try:
            return await self.worker.generate(messages, max_tokens)
        except ApiError as err:  # a value, not an exception wrapped by Ray
            return err

    async def check_tool(self, tool: Tool):
        return await self.worker.check_tool(tool)


@serve.deployment(name="ToolRegistry", num_replicas=1, max_ongoing_requests=1000, ray_actor_options={"num_cpus": 0},
                  logging_config={"enable_access_log": False})  # gateways poll it every second
class ToolRegistry(Registry):
    """The live tools every gateway replica reads: one replica, so changes are ordered; persisted to
    ``live_tools_path`` (written atomically) when one is given, so a restarted replica keeps them."""


class HandleModel:
    """The gateway's view of the model deployment: ApiErrors come back as values and are raised here;
    Serve's back-pressure becomes 503 + Retry-After."""

    def __init__(self, handle, retry_after_s: int):
        self.handle = handle
        self.retry_after_s = retry_after_s

    async def _call(self, method: str, *args):
        try:
            result = await getattr(self.handle, method).remote(*args)
        except BackPressureError as err:
            raise overloaded(err.retry_after_s if err.retry_after_s is not None else self.retry_after_s) from None
        except DeploymentUnavailableError:
            raise ApiError(503, None, "the model deployment is not available yet; retry shortly",
                           kind="overloaded_error", headers={"Retry-After": str(self.retry_after_s)}) from None
        except RayActorError:  # the replica died with this request in flight; Serve starts another
            raise ApiError(503, None, "the model replica serving this request stopped and is being replaced; "
                                      f"retry after {self.retry_after_s} s", kind="unavailable_error",
                           headers={"Retry-After": str(self.retry_after_s)}) from None
        if isinstance(result, ApiError):
            raise result
        return result

    async def retrieve(self, query: str, k: int):
        return await self._call("retrieve", query, k)

    async def route(self, job: RouteJob):
        return await self._call("route", job)

    async def generate(self, messages: list, max_tokens):
        return await self._call("generate", messages, max_tokens)

    async def check_tool(self, tool: Tool):
        return await self._call("check_tool", tool)  # None when the tool is fine


class HandleRegistry:
    def __init__(self, handle):
        self.handle = handle

    async def add(self, row: dict):
        return await self.handle.add.remote(row)

    async def remove(self, name: str):
        return await self.handle.remove.remote(name)

    async def snapshot(self, since: int):
        return await self.handle.snapshot.remote(since)


@serve.deployment(name="Gateway", max_ongoing_requests=4096, ray_actor_options={"num_cpus": 0})
@serve.ingress()
class HttpGateway:
    """The FastAPI ingress; no model work happens here."""

    def __init__(self, model, registry, settings: dict, retry_after_s: int):
        self.gateway = Gateway(GatewaySettings(**settings), HandleModel(model, retry_after_s),
                               HandleRegistry(registry), metrics=GatewayMetrics())

    def __serve_build_asgi_app__(self):
        return make_api(self.gateway)


@serve.deployment(name="ToolRouter", ray_actor_options={"num_cpus": 1})
@serve.ingress()
class FusedRouter(ModelReplica):
    """``fuse_gateway: true``: the FastAPI ingress and the model in one replica, with no hop between
    them. Admission control moves into the replica (``LocalModel``'s ``capacity``), so that
    ``/healthz`` and refusals never queue behind model work."""

    def __init__(self, model_dir: str, dtype: str, options: dict, registry, settings: dict, retry_after_s: int,
                 capacity: int | None):
        super().__init__(model_dir, dtype, options)
        model = LocalModel(self.worker, capacity, retry_after_s)
        self.gateway = Gateway(GatewaySettings(**settings), model, HandleRegistry(registry), metrics=GatewayMetrics())

    def __serve_build_asgi_app__(self):
        return make_api(self.gateway)


# ============================================================================= the builder
def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def api_key_digest(args: ServeConfig, environ=os.environ) -> str | None:
    """SHA-256 of the API key when auth is on, else None; the replicas only ever see the digest.

    ``auth: auto`` is on exactly when ``host`` is not a loopback address; when auth is on and no key
    is found (``$TOOLFOUNDRY_API_KEY``, or the file ``api_key_file``) the app is not built."""
    key = None
    if args.api_key_file:
        if not os.path.isfile(args.api_key_file):
            raise InputError("api_key_file", f"{args.api_key_file!r}: no such file", "a file holding the API key")
        with open(args.api_key_file, encoding="utf-8") as handle:
            key = handle.read().strip() or None
    elif environ.get(args.api_key_env, "").strip():
        key = environ[args.api_key_env].strip()
    if args.auth == "off" or (args.auth == "auto" and is_loopback(args.host)):
        return None
    if key is None:
        why = "auth: on" if args.auth == "on" else f"auth is on by default because host {args.host!r} is not loopback"
        raise InputError("auth", f"{why}, but no API key was found",
                         f"the key in ${args.api_key_env} or in a file named by api_key_file, or auth: off")
    return hashlib.sha256(key.encode()).hexdigest()


def model_facts(model_dir: str) -> tuple[str, int]:
    """(model id, catalog size), checked before any replica starts: a bad path fails here, naming it."""
    from toolfoundry.catalog import CATALOG_FILE, Catalog
    from toolfoundry.modeling import EMBEDDED, TINY_RANDOM

    if model_dir in (EMBEDDED, TINY_RANDOM):
        return model_dir, 0
    if not os.path.isdir(model_dir):
        raise InputError("model_dir", f"{model_dir!r}: no such directory",
                         f"a toolfoundry model directory, {EMBEDDED!r} or {TINY_RANDOM!r}")
    if not os.path.isfile(os.path.join(model_dir, "config.json")):
        raise InputError("model_dir", f"{model_dir!r}: no config.json", "a directory written by save_pretrained")
    name = os.path.basename(os.path.normpath(model_dir))
    if not os.path.isfile(os.path.join(model_dir, CATALOG_FILE)):
        return name, 0
    return name, len(Catalog.load(model_dir))


def model_deployment_options(args: ServeConfig) -> dict:
    """``.options(...)`` of the model deployment: replicas or autoscaling, admission control, devices."""
    options = {
        "max_ongoing_requests": args.max_ongoing_requests,
        "max_queued_requests": args.max_queued_requests,
        "backpressure_config": {"status_code": 503, "retry_after_s": args.retry_after_s},
        "ray_actor_options": {"num_cpus": args.num_cpus, "num_gpus": args.num_gpus},
        "health_check_period_s": args.health_check_period_s,
        "health_check_timeout_s": args.health_check_timeout_s,
    }
    if args.autoscaling is not None:
        options["autoscaling_config"] = args.autoscaling.model_dump()
    else:
        options["num_replicas"] = args.num_replicas
    return options


def build_app(args: ServeAppArgs) -> Application:
    """Ray Serve's application builder: ``serve run serve.app:build_app model_dir=DIR`` or a Serve
    config's ``import_path: serve.app:build_app`` with ``args`` (validated as :class:`ServeAppArgs`)."""
    if isinstance(args, dict):
        args = ServeAppArgs.model_validate(args)
    model_id, catalog_size = model_facts(args.model_dir)
    settings = GatewaySettings.from_args(args, args.model_name or model_id, catalog_size, api_key_digest(args))
    engine_options = {k: getattr(args, k) for k in ("num_gpus", "max_new_tokens", "max_text_tokens", "torch_threads",
                                                    "max_batch_size", "batch_wait_timeout_s",
                                                    "health_check_timeout_s", "relevance_threshold",
                                                    "relevance_ranks", "ground_optional")}
    registry = ToolRegistry.bind(args.live_tools_path)
    options = model_deployment_options(args)
    if args.fuse_gateway:
        # Serve's own limits would make /healthz queue behind model work: the replica admits instead.
        options.update(max_ongoing_requests=FUSED_MAX_ONGOING, max_queued_requests=-1)
        options.pop("backpressure_config")
        return FusedRouter.options(**options).bind(
            args.model_dir, args.dtype, engine_options, registry, settings.__dict__, args.retry_after_s,
            None if args.max_queued_requests == -1 else args.max_ongoing_requests + args.max_queued_requests)
    model = ToolRetrieval.options(**options).bind(args.model_dir, args.dtype, engine_options)
    return HttpGateway.options(num_replicas=args.gateway_replicas).bind(
        model, registry, settings.__dict__, args.retry_after_s)


def app_args(model_dir: str, cfg: ServeConfig, dtype: str = "auto") -> ServeAppArgs:
    return ServeAppArgs.model_validate({**cfg.model_dump(), "model_dir": model_dir, "dtype": dtype})


def base_url(cfg: ServeConfig) -> str:
    host = "127.0.0.1" if cfg.host in ("0.0.0.0", "::", "") else cfg.host
    return f"http://{host}:{cfg.port}"


def start(model_dir: str, cfg: ServeConfig, dtype: str = "auto", name: str = "toolfoundry",
          quiet: bool = False) -> str:
    """Run the app inside the current Ray session, on ``cfg.host:cfg.port``; returns its base URL.

    Serve's HTTP options are fixed when Serve first starts in a cluster: call ``serve.shutdown()``
    between apps that need another host or port. ``quiet`` keeps Serve's own INFO lines and access
    log off the console (for jobs that print their own account of the requests, like the demo)."""
    args = app_args(model_dir, cfg, dtype)
    application = build_app(args)
    logging_config = {"log_level": "WARNING", "enable_access_log": False} if quiet else None
    serve.start(http_options={"host": cfg.host, "port": cfg.port}, logging_config=logging_config)
    serve.run(application, name=name, route_prefix="/", logging_config=logging_config)
    return base_url(cfg)
