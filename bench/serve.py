"""Serving benchmark: latency and throughput of the Ray Serve app, batching, overload, retrieval at a
47k-tool catalog, constrained argument decoding, and a schemathesis fuzz of the published schema.

    .venv/bin/python bench/serve.py --model-200 runs/bench_serve/smollm_200 \\
        --model-47k runs/bench_serve/smollm_47k --json runs/bench_serve/results.json

The in-process sections (``engine``, ``catalog``, ``decoding``) take ``--device cuda --dtype bfloat16``
to run on a GPU; ``bench/large_catalog.py --random-from DIR --device cuda`` builds their models there
from a config and tokenizer alone when the weights cannot travel (speed does not depend on them).

Every comparison is measured in the same run against its baseline and printed as a ratio:

- ``load``: one model replica, closed-loop clients (aiohttp, on the same machine) at concurrency
  1 / 8 / 32 for ``/v1/tools/retrieve`` and ``/v1/tools/route``: p50 / p95 / p99 latency and requests/s;
- ``batching``: the same app redeployed with ``max_batch_size=1``: requests/s at concurrency 32,
  batched / unbatched;
- ``overload``: 128 clients on retrieve against one freshly deployed replica (admission control as
  shipped: ``max_ongoing_requests`` 64, ``max_queued_requests`` 32): status codes, how fast 503s come back, throughput against the peak
  of ``load`` (or of concurrency 32 measured first), and ``/healthz`` sampled every 250 ms throughout.
  Clients honour ``Retry-After``;
- ``cpu``: where the cores go during a closed loop on retrieve (``--cpu-concurrency``): CPU seconds
  per second and per answered request of each process (replica, gateway, proxy, clients, Ray), and the
  replica's mean batch size from its batch-size metric;
- ``topology``: the gateway as its own deployment against ``fuse_gateway`` (the ingress inside the
  model replica), each deployed fresh and measured at 32 then 128 clients, ``--repeats`` rounds in
  alternating order: peak, overload throughput and its ratio, 503 p99, slowest ``/healthz``;
- ``engine`` (in-process, the replica's ``ToolEngine``): retrieve throughput at batch sizes 1 / 4 / 16 /
  32 on the same queries (what the replica's batching can buy on this device, without HTTP or Ray in the way),
  and route latency one request at a time;
- ``catalog`` (in-process, one thread): top-5 retrieval by one forward + masked top-k against trie beam
  search (5 beams) on the same queries, at 200 and at 47k tools: ms/query, same-top-5 rate, ratios;
- ``decoding`` (in-process, one thread): argument decoding under the tool's grammar against
  unconstrained greedy decoding of the same tokens (same forwards, no mask);
- ``fuzz``: schemathesis (``not_a_server_error``) against ``/openapi.json`` of a tiny-model app with auth on.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def queries_for(model_dir: str, n: int = 256) -> list[str]:
    from toolfoundry.catalog import Catalog
    from toolfoundry.synth import generate_query_records

    tools = Catalog.load(model_dir).tools
    rng = random.Random(0)
    out = []
    for tool in rng.sample(list(tools), min(n, len(tools))):
        out.append(generate_query_records(tool, 1, 0)[0].query)
    while len(out) < n:
        out += out[: n - len(out)]
    return out


# ===================================================================================== load
async def closed_loop(url: str, path: str, bodies: list[dict], concurrency: int, warmup_s: float, measure_s: float,
                      headers: dict | None = None, health: bool = False) -> dict:
    """``concurrency`` clients, each sending its next request when the last is answered (after the
    ``Retry-After`` of a 503). Counts what completes inside the measured window.

    The clients use aiohttp, whose per-request cost is a fraction of httpx's: they share the server's
    cores here, and what they spend is taken from the server being measured."""
    import aiohttp

    begin = time.perf_counter()
    window = (begin + warmup_s, begin + warmup_s + measure_s)
    records: list[tuple[float, object, float]] = []
    health_records: list[tuple[object, float]] = []
    connector = aiohttp.TCPConnector(limit=concurrency + 8)
    timeout = aiohttp.ClientTimeout(total=120)

    async with aiohttp.ClientSession(base_url=url, connector=connector, timeout=timeout,
                                     headers=headers or {}) as client:
        async def worker(i: int):
            n = i
            while time.perf_counter() < window[1]:
                body = bodies[n % len(bodies)]
                n += concurrency
                t = time.perf_counter()
                retry = None
                try:
                    async with client.post(path, json=body) as r:
                        await r.read()
                        status, retry = r.status, r.headers.get("retry-after")
                except (aiohttp.ClientError, asyncio.TimeoutError) as err:
                    status = type(err).__name__
                end = time.perf_counter()
                records.append((end, status, end - t))
                if status == 503 and retry is not None:
                    await asyncio.sleep(float(retry))

        async def sampler():
            while time.perf_counter() < window[1]:
                t = time.perf_counter()
                try:
                    async with client.get("/healthz", timeout=aiohttp.ClientTimeout(total=30)) as r:
                        await r.read()
                        status = r.status
                except (aiohttp.ClientError, asyncio.TimeoutError) as err:
                    status = type(err).__name__
                if t >= window[0]:
                    health_records.append((status, time.perf_counter() - t))
                await asyncio.sleep(0.25)

        tasks = [worker(i) for i in range(concurrency)] + ([sampler()] if health else [])
        await asyncio.gather(*tasks)

    inside = [(s, lat) for end, s, lat in records if window[0] <= end <= window[1]]
    ok = [lat for s, lat in inside if s == 200]
    codes: dict[str, int] = {}
    for s, _ in inside:
        codes[str(s)] = codes.get(str(s), 0) + 1
    rejected = [lat for s, lat in inside if s == 503]
    out = {"concurrency": concurrency, "path": path, "rps": len(ok) / measure_s, "n": len(inside), "codes": codes,
           "p50_ms": pct(ok, 50) * 1000, "p95_ms": pct(ok, 95) * 1000, "p99_ms": pct(ok, 99) * 1000}
    if rejected:
        out.update({"503_p50_ms": pct(rejected, 50) * 1000, "503_p99_ms": pct(rejected, 99) * 1000,
                    "503_max_ms": max(rejected) * 1000})
    if health:
        lat = [s for _, s in health_records]
        out["healthz"] = {"n": len(lat), "codes": sorted({str(c) for c, _ in health_records}),
                          "p50_ms": pct(lat, 50) * 1000, "max_ms": max(lat) * 1000 if lat else float("nan")}
    return out


def deploy(model_dir: str, port: int, dtype: str, name: str = "bench", **overrides) -> str:
    from ray import serve

    from serve.app import build_app
    from toolfoundry.config import ServeAppArgs

    args = ServeAppArgs(model_dir=model_dir, dtype=dtype, port=port, **overrides)
    serve.start(http_options={"host": "127.0.0.1", "port": port})
    t = time.perf_counter()
    serve.run(build_app(args), name=name, route_prefix="/")
    print(f"[bench] deployed {name} (dtype {dtype}, {overrides}) in {time.perf_counter() - t:.0f}s", flush=True)
    return f"http://127.0.0.1:{port}"


def warm(url: str, bodies: list[dict], path: str, n: int = 8) -> None:
    import httpx

    with httpx.Client(base_url=url, timeout=300) as client:
        for body in bodies[:n]:
            client.post(path, json=body)


def serve_bodies(args) -> tuple[str, list[dict], dict]:
    """The model the Serve sections load, their request bodies, and the settings they share."""
    model_dir = args.serve_model or args.model_200
    bodies = [{"query": q, "k": 5} for q in queries_for(model_dir)]
    common = {"dtype": args.serve_dtype, "max_ongoing_requests": args.max_ongoing_requests,
              "max_queued_requests": args.max_queued_requests, "max_new_tokens": args.max_new_tokens,
              "fuse_gateway": args.fuse_gateway}
    return model_dir, bodies, common


def load_section(args, results: dict) -> None:
    model_dir, retrieve, common = serve_bodies(args)
    paths = [(f"/v1/tools/{name}", retrieve) for name in args.load_paths.split(",")]
    url = deploy(model_dir, args.port, max_batch_size=16, **common)
    for path, bodies in paths:
        warm(url, bodies, path, n=8 if path.endswith("retrieve") else 4)
    rows = []
    for path, bodies in paths:
        for c in (1, 8, 32):
            measure = args.measure_s if path.endswith("retrieve") else args.measure_s * 2
            row = asyncio.run(closed_loop(url, path, bodies, c, args.warmup_s, measure))
            print(f"[bench] load {path} c={c}: {row}", flush=True)
            rows.append(row)
    results["load"] = rows
    results["metrics"] = scrape_metrics()
    batched = {r["path"]: r["rps"] for r in rows if r["concurrency"] == 32}
    url = deploy(model_dir, args.port, max_batch_size=1, **common)
    warm(url, retrieve, "/v1/tools/retrieve")
    unbatched = {}
    for path, bodies in paths:
        measure = args.measure_s if path.endswith("retrieve") else args.measure_s * 2
        row = asyncio.run(closed_loop(url, path, bodies, 32, args.warmup_s, measure))
        print(f"[bench] unbatched {path} c=32: {row}", flush=True)
        unbatched[path] = row["rps"]
    results["batching"] = {p: {"batched_rps": batched[p], "unbatched_rps": unbatched[p],
                               "ratio": batched[p] / unbatched[p] if unbatched[p] else float("nan")}
                           for p in batched}


def overload_section(args, results: dict) -> None:
    """128 clients on retrieve, ``/healthz`` sampled throughout, on a freshly deployed app: requests an
    earlier section left queued (routes take tens of seconds on a CPU) would otherwise hold the replica
    for the first part of the window. Throughput is read against the peak of ``load`` when it ran,
    else against concurrency 32 measured here first."""
    model_dir, retrieve, common = serve_bodies(args)
    peak = max((r["rps"] for r in results.get("load", []) if r["path"] == "/v1/tools/retrieve"), default=None)
    url = deploy(model_dir, args.port, max_batch_size=16, **common)
    warm(url, retrieve, "/v1/tools/retrieve")
    if peak is None:
        peak = asyncio.run(closed_loop(url, "/v1/tools/retrieve", retrieve, 32, args.warmup_s, args.measure_s))["rps"]
    row = asyncio.run(closed_loop(url, "/v1/tools/retrieve", retrieve, 128, args.warmup_s, args.measure_s * 2,
                                  health=True))
    row.update(peak_rps=peak, ratio_to_peak=row["rps"] / peak if peak else float("nan"))
    print(f"[bench] overload: {row}", flush=True)
    results["overload"] = row


def metrics_text() -> tuple[int, str]:
    """(port, the Prometheus text) of this node's Ray metrics agent."""
    import httpx
    import ray

    port = ray._private.worker.global_worker.node.metrics_export_port
    return port, httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=30).text


def scrape_metrics() -> dict:
    """The toolfoundry metrics as Prometheus scrapes them from this node's Ray metrics agent."""
    import httpx

    try:
        port, text = metrics_text()
    except httpx.HTTPError as err:
        return {"error": str(err)}
    names = sorted({line.split("{")[0].split(" ")[0] for line in text.splitlines()
                    if line.startswith("ray_toolfoundry_") or line.startswith("ray_serve_actual_batch_size")})
    print(f"[bench] metrics on :{port}: {names}", flush=True)
    return {"port": port, "names": names}


def batch_totals() -> dict[str, float]:
    """``{"sum": .., "count": ..}`` of the replica's batch-size histogram (all methods), as exported."""
    totals = {"sum": 0.0, "count": 0.0}
    for line in metrics_text()[1].splitlines():
        for key in totals:
            if line.startswith(f"ray_toolfoundry_batch_size_{key}{{"):
                totals[key] += float(line.rsplit(" ", 1)[1])
    return totals


def process_cpu() -> dict[int, tuple[str, float]]:
    import psutil

    out = {}
    for proc in psutil.process_iter(["cmdline", "name"]):
        try:
            times = proc.cpu_times()
            name = " ".join(proc.info["cmdline"] or [proc.info["name"] or "?"])
        except (psutil.Error, OSError):
            continue
        out[proc.pid] = (name, times.user + times.system)
    return out


def cpu_section(args, results: dict) -> None:
    """Where the cores go: per process, CPU seconds per second and per answered request, during a
    closed loop on retrieve at each of ``--cpu-concurrency``; and the replica's mean batch size."""
    model_dir, retrieve, common = serve_bodies(args)
    url = deploy(model_dir, args.port, max_batch_size=16, **common)
    warm(url, retrieve, "/v1/tools/retrieve")
    rows = []
    for c in [int(x) for x in args.cpu_concurrency.split(",")]:
        time.sleep(6)  # the metrics agent exports every few seconds
        batches_before, before, t = batch_totals(), process_cpu(), time.perf_counter()
        row = asyncio.run(closed_loop(url, "/v1/tools/retrieve", retrieve, c, 0.0, args.measure_s))
        after, seconds = process_cpu(), time.perf_counter() - t
        time.sleep(6)
        batches_after = batch_totals()
        answered = row["rps"] * args.measure_s
        use: dict[str, float] = {}
        for pid, (name, cpu) in after.items():
            if pid in before:
                label = name.split()[0] if not name.startswith("ray::") else name.split(".")[0].split()[0]
                use[label] = use.get(label, 0.0) + cpu - before[pid][1]
        top = sorted(use.items(), key=lambda kv: -kv[1])[:6]
        count = batches_after["count"] - batches_before["count"]
        out = {"concurrency": c, "rps": row["rps"], "codes": row["codes"],
               "mean_batch": (batches_after["sum"] - batches_before["sum"]) / count if count else float("nan"),
               "processes": [{"process": name[:60], "cores": cpu / seconds,
                              "ms_per_answer": cpu / answered * 1000 if answered else float("nan")}
                             for name, cpu in top]}
        print(f"[bench] cpu c={c}: {out}", flush=True)
        rows.append(out)
    results["cpu"] = rows


def topology_section(args, results: dict) -> None:
    """The gateway as its own deployment against the gateway fused into the model replica, head to
    head: for each of ``--repeats`` rounds, each topology is deployed fresh and measured at 32 clients
    (its peak) and then at 128 (overload, ``/healthz`` sampled); the order alternates between rounds."""
    model_dir, retrieve, common = serve_bodies(args)
    rows = []
    for round_ in range(args.repeats):
        order = (False, True) if round_ % 2 == 0 else (True, False)
        for fused in order:
            url = deploy(model_dir, args.port, max_batch_size=16, **{**common, "fuse_gateway": fused})
            warm(url, retrieve, "/v1/tools/retrieve")
            peak = asyncio.run(closed_loop(url, "/v1/tools/retrieve", retrieve, 32, args.warmup_s, args.measure_s))
            over = asyncio.run(closed_loop(url, "/v1/tools/retrieve", retrieve, 128, args.warmup_s,
                                           args.measure_s * 2, health=True))
            row = {"round": round_, "topology": "fused" if fused else "separate", "peak_rps": peak["rps"],
                   "overload_rps": over["rps"], "ratio_to_peak": over["rps"] / peak["rps"] if peak["rps"] else
                   float("nan"), "peak_p50_ms": peak["p50_ms"], "codes": over["codes"],
                   "503_p99_ms": over.get("503_p99_ms"), "healthz_max_ms": over["healthz"]["max_ms"]}
            print(f"[bench] topology: {row}", flush=True)
            rows.append(row)
    results["topology"] = rows


# =================================================================================== engine
def engine_section(args, results: dict) -> None:
    import torch

    from serve.engine import RouteJob, ToolEngine

    torch.set_num_threads(1)
    engine = ToolEngine(args.model_200, args.dtype, args.device, max_new_tokens=args.max_new_tokens)
    qs = queries_for(args.model_200, 256)
    engine.retrieve(qs[:32], [5] * 32)  # warm-up: allocator, kernels
    rows = {}
    for size in (1, 4, 16, 32):
        t = time.perf_counter()
        for i in range(0, len(qs), size):
            engine.retrieve(qs[i:i + size], [5] * len(qs[i:i + size]))
        rows[size] = len(qs) / (time.perf_counter() - t)
        print(f"[bench] engine retrieve, batches of {size}: {rows[size]:.1f} queries/s", flush=True)
    latencies, tokens = [], 0
    engine.route([RouteJob(query=qs[0])])
    for q in qs[: args.route_queries]:
        t = time.perf_counter()
        out = engine.route([RouteJob(query=q)])[0]
        latencies.append((time.perf_counter() - t) * 1000)
        tokens += out["completion_tokens"] if isinstance(out, dict) else 0
    results["engine"] = {"device": str(engine.model.device), "dtype": engine.dtype,
                         "retrieve_qps": rows, "batch16_over_1": rows[16] / rows[1], "batch32_over_1": rows[32] / rows[1],
                         "route_p50_ms": pct(latencies, 50), "route_p95_ms": pct(latencies, 95),
                         "route_calls": len(latencies), "route_completion_tokens": tokens}
    print(f"[bench] engine: {results['engine']}", flush=True)


# ================================================================================== catalog
def catalog_section(args, results: dict) -> None:
    import torch

    from toolfoundry.retrieval import ToolRetriever

    torch.set_num_threads(1)
    out = {}
    for label, model_dir in (("200", args.model_200), ("47k", args.model_47k)):
        retriever = ToolRetriever.from_pretrained(model_dir, args.dtype, device=args.device)
        qs = queries_for(args.model_200, args.catalog_queries)  # the same queries at both sizes
        retriever.retrieve(qs[:2], 5)
        retriever._retrieve_beam(qs[:1], 5)
        t = time.perf_counter()
        atomic = [retriever.retrieve([q], 5)[0] for q in qs]
        atomic_ms = (time.perf_counter() - t) * 1000 / len(qs)
        t = time.perf_counter()
        beam = [retriever._retrieve_beam([q], 5)[0] for q in qs]
        beam_ms = (time.perf_counter() - t) * 1000 / len(qs)
        t = time.perf_counter()
        for i in range(0, len(qs), 16):
            retriever.retrieve(qs[i:i + 16], 5)
        batch_ms = (time.perf_counter() - t) * 1000 / len(qs)
        same_order = sum([h.id for h in a] == [h.id for h in b] for a, b in zip(atomic, beam)) / len(qs)
        same_set = sum({h.id for h in a} == {h.id for h in b} for a, b in zip(atomic, beam)) / len(qs)
        out[label] = {"tools": len(retriever.catalog), "atomic_ms": atomic_ms, "beam_ms": beam_ms,
                      "atomic_batch16_ms_per_query": batch_ms, "beam_over_atomic": beam_ms / atomic_ms,
                      "same_top5_order": same_order, "same_top5_set": same_set}
        print(f"[bench] catalog {label}: {out[label]}", flush=True)
        del retriever
    out["atomic_47k_over_200"] = out["47k"]["atomic_ms"] / out["200"]["atomic_ms"]
    results["catalog"] = out


# ================================================================================= decoding
def decoding_section(args, results: dict) -> None:
    import torch

    from serve.engine import ToolEngine
    from toolfoundry import prompts
    from toolfoundry.calling import call_schema
    from toolfoundry.synth import generate_query_records

    torch.set_num_threads(1)
    engine = ToolEngine(args.model_200, args.dtype, args.device, max_new_tokens=args.max_new_tokens)
    router = engine.router
    tools = list(engine.catalog.tools)[: args.decode_calls]

    def one(tool) -> tuple[float, float, float, int]:
        """(grammar compile s, constrained decoding s, unconstrained decoding s of the same tokens, tokens)"""
        query = generate_query_records(tool, 1, 0)[0].query
        ids = router.encoder.prompt(prompts.select_messages(query, [tool]))
        prefix = router.encoder.answer_ids('{"name": ' + json.dumps(tool.name) + ', "arguments":', close=False)
        t = time.perf_counter()
        router.grammars.compile(call_schema([tool]))
        compile_s = time.perf_counter() - t
        logits, past = router._forward(ids + prefix)
        matcher = router.grammars.matcher(call_schema([tool]))
        for token in prefix:
            matcher.accept_token(token)
        t = time.perf_counter()
        out, _ = router._decode_from(matcher, logits, past)
        constrained_s = time.perf_counter() - t
        # the same tokens, decoded greedily without any grammar: the same forwards and argmaxes, no mask
        logits, past = router._forward(ids + prefix)
        t = time.perf_counter()
        for token in out:
            int(logits.argmax())
            logits, past = router._forward([token], past)
        return compile_s, constrained_s, time.perf_counter() - t, len(out)

    # one untimed pass first: it pays what a process pays once (on a GPU the bitmask kernel's compile;
    # without it an H100 run read 1.36x, the same calls again 1.02x)
    one(tools[0])
    router.grammars.cache.clear()
    compile_s, constrained_s, unconstrained_s, tokens = map(sum, zip(*(one(tool) for tool in tools)))
    results["decoding"] = {"calls": len(tools), "tokens": tokens, "constrained_ms_per_call": constrained_s * 1000 / len(tools),
                           "unconstrained_ms_per_call": unconstrained_s * 1000 / len(tools),
                           "ratio": constrained_s / unconstrained_s,
                           "grammar_compile_ms_per_tool_first_use": compile_s * 1000 / len(tools)}
    print(f"[bench] decoding: {results['decoding']}", flush=True)


# ===================================================================================== fuzz
def fuzz_section(args, results: dict) -> None:
    from ray import serve

    from toolfoundry.catalog import Catalog
    from toolfoundry.modeling import prepare_initial_model
    from toolfoundry.synth import generate_tools

    model_dir = os.path.join(args.work, "tiny_fuzz")
    if not os.path.isdir(model_dir):
        prepare_initial_model("tiny-random", Catalog.from_tools(generate_tools(24, seed=0)), model_dir)
    key_file = os.path.join(args.work, "fuzz_key")
    with open(key_file, "w") as handle:
        handle.write("fuzz-key")
    serve.shutdown()
    url = deploy(model_dir, args.port + 1, "float32", name="fuzz", auth="on", api_key_file=key_file, max_new_tokens=32,
                 max_text_tokens=8)
    command = [os.path.join(os.path.dirname(sys.executable), "st"), "run", f"{url}/openapi.json",
               "--checks", "not_a_server_error", "-H", "Authorization: Bearer fuzz-key", "--max-time",
               str(args.fuzz_s), "-w", "2", "--phases", "examples,coverage,fuzzing", "--suppress-health-check",
               "all", "--request-timeout", "120", "--max-examples", "200"]
    print("[bench] " + " ".join(command), flush=True)
    proc = subprocess.run(command, capture_output=True, text=True)
    tail = [line for line in proc.stdout.splitlines() if line.strip()][-25:]
    summary = {"exit_code": proc.returncode, "tail": tail}
    for line in tail:
        if "generated" in line and "passed" in line:
            summary["cases"] = line.strip()
    results["fuzz"] = summary
    print("\n".join(tail), flush=True)


# =================================================================================== tables
def tables(results: dict) -> str:
    lines = []
    if "load" in results:
        lines += ["| endpoint | concurrency | requests/s | p50 ms | p95 ms | p99 ms | statuses |",
                  "|---|---:|---:|---:|---:|---:|---|"]
        for r in results["load"]:
            lines.append(f"| {r['path']} | {r['concurrency']} | {r['rps']:.1f} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | "
                         f"{r['p99_ms']:.0f} | {r['codes']} |")
        lines.append("")
    if "batching" in results:
        lines += ["| endpoint, concurrency 32 | batched (max_batch_size 16) req/s | unbatched (1) req/s | ratio |",
                  "|---|---:|---:|---:|"]
        for path, b in results["batching"].items():
            note = " (route runs one request a batch either way: the two columns are the same setting)" \
                if path.endswith("/route") else ""
            lines.append(f"| {path}{note} | {b['batched_rps']:.1f} | {b['unbatched_rps']:.1f} | {b['ratio']:.2f}x |")
        lines.append("")
    if "overload" in results:
        o = results["overload"]
        lines += ["| overload: 128 clients, retrieve, one replica | value |", "|---|---:|",
                  f"| statuses | {o['codes']} |",
                  f"| 200 requests/s | {o['rps']:.1f} |",
                  f"| peak requests/s (same run) | {o['peak_rps']:.1f} |",
                  f"| throughput / peak | {o['ratio_to_peak']:.2f} |",
                  f"| 200 p50 / p99 ms | {o['p50_ms']:.0f} / {o['p99_ms']:.0f} |"]
        if "503_p50_ms" in o:
            lines.append(f"| 503 p50 / p99 / max ms | {o['503_p50_ms']:.0f} / {o['503_p99_ms']:.0f} / "
                         f"{o['503_max_ms']:.0f} |")
        h = o["healthz"]
        lines += [f"| /healthz samples, statuses | {h['n']}, {h['codes']} |",
                  f"| /healthz p50 / max ms | {h['p50_ms']:.0f} / {h['max_ms']:.0f} |", ""]
    if "topology" in results:
        lines += ["| round | topology | peak (32 clients) req/s | 128 clients req/s | ratio | 503 p99 ms | "
                  "/healthz max ms |", "|---:|---|---:|---:|---:|---:|---:|"]
        lines += [f"| {r['round']} | {r['topology']} | {r['peak_rps']:.1f} | {r['overload_rps']:.1f} | "
                  f"{r['ratio_to_peak']:.2f} | {r['503_p99_ms'] or float('nan'):.0f} | {r['healthz_max_ms']:.0f} |"
                  for r in results["topology"]] + [""]
    for r in results.get("cpu", []):
        lines += [f"| retrieve, {r['concurrency']} clients: {r['rps']:.1f} answers/s, {r['codes']}, mean batch "
                  f"{r['mean_batch']:.1f} | cores | CPU ms per answer |", "|---|---:|---:|"]
        lines += [f"| {p['process']} | {p['cores']:.2f} | {p['ms_per_answer']:.1f} |" for p in r["processes"]] + [""]
    if "engine" in results:
        e = results["engine"]
        lines += [f"| in-process retrieve ({e['device']}, {e['dtype']}) | batch 1 | 4 | 16 | 32 | 16 / 1 | 32 / 1 |",
                  "|---|---:|---:|---:|---:|---:|---:|",
                  "| queries/s | " + " | ".join(f"{e['retrieve_qps'][b]:.1f}" for b in (1, 4, 16, 32))
                  + f" | {e['batch16_over_1']:.2f}x | {e['batch32_over_1']:.2f}x |",
                  f"\nroute, one request at a time: p50 {e['route_p50_ms']:.0f} ms, p95 {e['route_p95_ms']:.0f} ms "
                  f"({e['route_calls']} requests, {e['route_completion_tokens']} call tokens)", ""]
    if "catalog" in results:
        c = results["catalog"]
        lines += ["| catalog | tools | forward + masked top-k ms/query | trie beam search (5 beams) ms/query | "
                  "beam / top-k | same top-5 (order) | same top-5 (set) | top-k, batches of 16, ms/query |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for label in ("200", "47k"):
            r = c[label]
            lines.append(f"| {label} | {r['tools']} | {r['atomic_ms']:.1f} | {r['beam_ms']:.1f} | "
                         f"{r['beam_over_atomic']:.1f}x | {r['same_top5_order']:.0%} | {r['same_top5_set']:.0%} | "
                         f"{r['atomic_batch16_ms_per_query']:.1f} |")
        lines += [f"\ntop-k latency at 47k / at 200 tools: {c['atomic_47k_over_200']:.2f}x", ""]
    if "decoding" in results:
        d = results["decoding"]
        lines += ["| argument decoding | calls | tokens | ms/call | ratio |", "|---|---:|---:|---:|---:|",
                  f"| unconstrained greedy (same tokens) | {d['calls']} | {d['tokens']} | "
                  f"{d['unconstrained_ms_per_call']:.0f} | 1.00x |",
                  f"| under the tool's grammar (xgrammar) | {d['calls']} | {d['tokens']} | "
                  f"{d['constrained_ms_per_call']:.0f} | {d['ratio']:.2f}x |",
                  f"\ngrammar compile, first use of a tool: {d['grammar_compile_ms_per_tool_first_use']:.0f} ms/tool "
                  "(then cached)", ""]
    if "fuzz" in results:
        lines += [f"fuzz: {results['fuzz'].get('cases', '?')} (exit code {results['fuzz']['exit_code']})", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-200", default="runs/bench_serve/smollm_200")
    parser.add_argument("--model-47k", default="runs/bench_serve/smollm_47k")
    parser.add_argument("--serve-model", default=None, help="the model directory the Serve sections load "
                        "(default: --model-200)")
    parser.add_argument("--sections", default="load,overload,engine,catalog,decoding,fuzz")
    parser.add_argument("--device", default="cpu", help="where the in-process sections run (cpu, cuda)")
    parser.add_argument("--dtype", default="float32", help="the in-process sections' dtype (float32, bfloat16)")
    parser.add_argument("--serve-dtype", default="auto", help="the Serve sections' model dtype (auto: bfloat16 "
                        "where the hardware has bf16 units, else float32)")
    from toolfoundry.config import ServeConfig

    parser.add_argument("--max-ongoing-requests", type=int, default=ServeConfig().max_ongoing_requests)
    parser.add_argument("--max-queued-requests", type=int, default=ServeConfig().max_queued_requests)
    parser.add_argument("--fuse-gateway", action="store_true", help="the Serve sections deploy the HTTP ingress "
                        "inside the model replica (ServeConfig.fuse_gateway)")
    parser.add_argument("--repeats", type=int, default=2, help="rounds of the topology section")
    parser.add_argument("--cpu-concurrency", default="32,128", help="the cpu section's client counts")
    parser.add_argument("--load-paths", default="retrieve,route", help="the endpoints the load section measures")
    parser.add_argument("--route-queries", type=int, default=8)
    parser.add_argument("--port", type=int, default=18400)
    parser.add_argument("--warmup-s", type=float, default=5)
    parser.add_argument("--measure-s", type=float, default=20)
    parser.add_argument("--max-new-tokens", type=int, default=160)
    parser.add_argument("--catalog-queries", type=int, default=32)
    parser.add_argument("--decode-calls", type=int, default=12)
    parser.add_argument("--fuzz-s", type=int, default=240)
    parser.add_argument("--work", default="runs/bench_serve")
    parser.add_argument("--json", default="runs/bench_serve/results.json")
    args = parser.parse_args()
    sections = args.sections.split(",")
    results: dict = {"args": vars(args), "started": time.strftime("%Y-%m-%d %H:%M:%S"),
                     "loadavg_start": os.getloadavg()}
    os.makedirs(args.work, exist_ok=True)
    if "engine" in sections:
        engine_section(args, results)
    if "catalog" in sections:
        catalog_section(args, results)
    if "decoding" in sections:
        decoding_section(args, results)
    if {"load", "overload", "cpu", "topology", "fuzz"} & set(sections):
        import ray

        ray.init(address="local", num_cpus=4, include_dashboard=False, log_to_driver=False)
        if "load" in sections:
            load_section(args, results)
        if "overload" in sections:
            overload_section(args, results)
        if "cpu" in sections:
            cpu_section(args, results)
        if "topology" in sections:
            topology_section(args, results)
        if "fuzz" in sections:
            fuzz_section(args, results)
        from ray import serve

        serve.shutdown()
        ray.shutdown()
    results["loadavg_end"] = os.getloadavg()
    with open(args.json, "w") as handle:
        json.dump(results, handle, indent=2)
    print(f"\nload average at start {results['loadavg_start']}, at end {results['loadavg_end']}\n")
    print(tables(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
