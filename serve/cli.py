"""``toolfoundry serve``: the Serve application of ``serve/app.py`` on the command line.

``register(subparsers)`` adds the command to the main CLI (``toolfoundry.cli``). The command builds
the application with the same typed builder ``serve run`` / ``serve deploy`` use
(``serve.app:build_app``), runs it, and blocks until SIGINT or SIGTERM, then shuts Serve down.
``--config`` takes either a mapping of :class:`~toolfoundry.config.ServeAppArgs` fields or a Serve
config file (``serve/configs/serve.yaml``): then its application's ``args`` and its
``http_options`` are used, so both commands serve the same thing.
"""

from __future__ import annotations

import os

DEFAULT_APP_NAME = "toolfoundry"
SERVE_CONFIG = os.path.join(os.path.dirname(__file__), "configs", "serve.yaml")


def args_from_config(path: str) -> dict:
    """ServeAppArgs fields from a YAML file: a plain mapping, or a Serve config's toolfoundry app."""
    import yaml

    from toolfoundry.errors import InputError

    if not os.path.isfile(path):
        raise InputError("--config", f"{path!r}: no such file", "a YAML file such as serve/configs/serve.yaml")
    with open(path, encoding="utf-8") as handle:
        try:
            data = yaml.safe_load(handle) or {}
        except yaml.YAMLError as err:
            raise InputError(path, f"not valid YAML ({err})".replace("\n", " "), "a YAML mapping") from None
    if not isinstance(data, dict):
        raise InputError(path, f"top level is a {type(data).__name__}", "a YAML mapping")
    if "applications" not in data:
        return data
    apps = [a for a in data.get("applications") or [] if str(a.get("import_path", "")).startswith("serve.app:")]
    if len(apps) != 1:
        raise InputError(f"{path}: applications", f"{len(apps)} applications with import_path serve.app:…",
                         "exactly one toolfoundry application")
    args = dict(apps[0].get("args") or {})
    http = data.get("http_options") or {}
    for key in ("host", "port"):
        if key in http:
            args.setdefault(key, http[key])
    return args


def serve_args(args):
    """The validated ServeAppArgs of a command line (config file, then flags, then --set)."""
    from toolfoundry.config import ServeAppArgs, parse_config, parse_overrides

    data = args_from_config(args.config) if args.config else {}
    flags = {"model_dir": args.model_dir, "host": args.host, "port": args.port, "num_replicas": args.replicas,
             "dtype": args.dtype}
    data.update({k: v for k, v in flags.items() if v is not None})
    for dotted, value in parse_overrides(args.set).items():
        node = data
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    return parse_config(ServeAppArgs, data, args.config or "toolfoundry serve")


def wait_for_signal() -> str:
    """Block until SIGINT or SIGTERM arrives (no polling); returns the signal's name."""
    import signal
    import threading

    stop = threading.Event()
    received: list[str] = []

    def handler(signum, frame):
        received.append(signal.Signals(signum).name)
        stop.set()

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        stop.wait()
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
    return received[0] if received else "?"


def _serve(args) -> int:
    import ray
    from ray import serve

    from serve.app import api_key_digest, base_url, build_app

    app_args = serve_args(args)
    application = build_app(app_args)  # a bad model dir or a missing API key fails here, before Ray starts
    address = args.address or os.environ.get("RAY_ADDRESS") or "local"
    ray.init(address=address, include_dashboard=False, log_to_driver=True)
    serve.start(http_options={"host": app_args.host, "port": app_args.port})
    serve.run(application, name=args.name, route_prefix="/")
    url = base_url(app_args)
    auth = "bearer token required" if api_key_digest(app_args) else "no auth"
    print(f"serving {app_args.model_dir} at {url} ({auth}): POST /v1/tools/retrieve, /v1/tools/route, "
          f"/v1/chat/completions; GET /v1/models; POST|GET /v1/tools, DELETE /v1/tools/{{id}}; docs at {url}/docs. "
          "Ctrl-C stops.", flush=True)
    name = wait_for_signal()
    print(f"{name}: shutting down", flush=True)
    serve.shutdown()
    ray.shutdown()
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "serve", help="serve a model over HTTP with Ray Serve (retrieve, route, OpenAI chat, live tools)",
        description="Run the toolfoundry Serve application (the same one `serve run serve/configs/serve.yaml` "
                    "deploys) and block until Ctrl-C or SIGTERM. Joins the Ray of --address / $RAY_ADDRESS, else "
                    "starts a local one. Auth is on by default when --host is not a loopback address: the bearer "
                    "token is read from $TOOLFOUNDRY_API_KEY or --set api_key_file=PATH.")
    p.add_argument("--model-dir", default=None,
                   help="a toolfoundry model directory (catalog.json: retrieval over it), or 'embedded' / "
                        "'tiny-random' (routing over client-given tools only)")
    p.add_argument("--config", default=None,
                   help="YAML: ServeAppArgs fields, or a Serve config file (its toolfoundry app's args and http_options)")
    p.add_argument("--host", default=None, help="bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="HTTP port (default 8000)")
    p.add_argument("--replicas", type=int, default=None, help="model replicas when not autoscaling (default 1)")
    p.add_argument("--dtype", default=None, choices=["auto", "float32", "bfloat16"],
                   help="model dtype (default auto: bfloat16 where the GPU or CPU has bf16 units, else float32)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="any ServeAppArgs field, e.g. --set autoscaling.max_replicas=4 --set max_queued_requests=64")
    p.add_argument("--name", default=DEFAULT_APP_NAME, help="the Serve application's name")
    p.add_argument("--address", default=None, help="Ray address to join (default $RAY_ADDRESS, else a local Ray)")
    p.set_defaults(func=_serve)
