"""The end-to-end demo: synthesize → fine-tune (ToolGen stages) → evaluate → serve → call, in one Ray session.

    toolfoundry pipeline demo [--config train_jobs/configs/demo.yaml] [--set train.zero_stage=3]

Every step is the real component: Ray Data writes the corpus, Ray Train + DeepSpeed trains, the
evaluation ranks held-out queries against BM25 on the same queries, and Ray Serve answers HTTP
requests from the saved model directory.
"""

from __future__ import annotations

import json
import os
import time

import httpx
import ray

from data_jobs.common import ensure_ray
from toolfoundry.config import PipelineConfig
from toolfoundry.schema import EXAMPLE_SCHEMA, TOOL_SCHEMA, examples_from_table, tools_from_table
from toolfoundry.storage import read_table

def log(message: str) -> None:
    print(f"[pipeline] {message}", flush=True)


# The demo's table: the NDCG cut-offs, recall, and what a user pays per query.
METRICS = ["ndcg@1", "ndcg@3", "ndcg@5", "recall@5", "hallucination_rate", "latency_ms_per_query"]


def evaluate(cfg: PipelineConfig, systems: dict[str, str], tools_uri: str, examples_uri: str, out_dir: str):
    """Each model directory and BM25 on the same held-out queries; writes JSON, Markdown and PNG."""
    from toolfoundry.baselines.bm25 import BM25Retriever
    from toolfoundry.evaluation.report import build_report, markdown, write_reports
    from toolfoundry.evaluation.runner import ToolGenSystem, evaluate_retrieval
    from toolfoundry.formats.base import Benchmark

    tools = tools_from_table(read_table(tools_uri, TOOL_SCHEMA))
    examples = examples_from_table(read_table(examples_uri, EXAMPLE_SCHEMA))
    bench = Benchmark(name="synthetic", format="toolfoundry", tools=tools, examples=examples)
    retrievers = [BM25Retriever(tools)] + [
        ToolGenSystem(path, cfg.eval.batch_size, name=name, dtype=cfg.model.dtype, trained=name != "toolgen-untrained")
        for name, path in systems.items()
    ]
    runs = evaluate_retrieval(bench, bench.split("test"), retrievers, split="test", ks=cfg.eval.ks,
                              log=lambda line: log(line.removeprefix("[eval] ")))
    report = build_report(runs, benchmark=bench.summary(), extra={"config": cfg.model_dump()})
    write_reports(report, out_dir, METRICS)
    return report, markdown(report, METRICS)


def serve_smoke(cfg: PipelineConfig, model_dir: str, queries: list[str]) -> list[dict]:
    """Start the Serve app, send a few real HTTP requests, print the answers, shut it down."""
    from ray import serve

    from serve.app import start

    url = start(model_dir, cfg.serve, cfg.model.dtype, quiet=True)
    answers = []
    try:
        with httpx.Client(timeout=60) as client:
            for query in queries:
                response = client.post(f"{url}/v1/tools/retrieve", json={"query": query, "k": 3})
                response.raise_for_status()
                names = [t["name"] for t in response.json()["tools"]]
                answers.append({"query": query, "tools": names})
                log(f"POST /v1/tools/retrieve {query!r} -> {names}")
            bad = client.post(f"{url}/v1/tools/retrieve", json={"query": "  ", "k": 3})
            log(f"an empty query is refused: HTTP {bad.status_code} {bad.json()['error']['message']!r}")
    finally:
        serve.shutdown()
    return answers


def route_calls(cfg: PipelineConfig, model_dir: str, queries: list[str]) -> list[dict]:
    """One routed call per query, ToolGen's agent step: the tool token, arguments decoded under that
    tool's JSON Schema (so they validate), and the tool's observation from its implementation."""
    from toolfoundry.calling import Router

    router = Router.from_pretrained(model_dir, cfg.model.dtype)
    calls = []
    for query in queries:
        routed = router.act(query, execute=True)
        calls.append({"query": query, "tool": routed.name, "arguments": routed.arguments, "valid": routed.valid,
                      "observation": routed.observation})
        observation = json.dumps(routed.observation, sort_keys=True) if routed.observation is not None else "-"
        log(f"{query!r}\n    -> {routed.name}({json.dumps(routed.arguments)})"
            f" [{'valid' if routed.valid else 'not called: ' + str(routed.problem)}]\n    <- {observation[:160]}")
    return calls


def run(cfg: PipelineConfig, shutdown: bool = True) -> dict:
    from data_jobs.synthesize import run as synthesize
    from train_jobs import engine

    started = time.time()
    os.makedirs(cfg.run_dir, exist_ok=True)
    ensure_ray(use_gpu=cfg.train.use_gpu)

    log(f"1/4 synthesize {cfg.data.num_tools} tools x {cfg.data.queries_per_tool} queries (Ray Data)")
    data = synthesize(cfg.data, os.path.join(cfg.run_dir, "data"), cfg.seed)
    log(f"    {data['num_tools']} tools, {data['num_examples']} examples -> {data['tools']}, {data['examples']}")

    log(f"2/4 fine-tune '{cfg.model.source}' on Ray Train: {cfg.train.num_workers} workers, DeepSpeed ZeRO-{cfg.train.zero_stage}")
    trained = engine.run(cfg, data["tools"], data["examples"], os.path.join(cfg.run_dir, "model"))
    init_dir = trained["init_dir"]
    for stage in trained["stages"]:
        log(f"    {stage['stage']}: {stage['steps']} steps, loss {stage['loss']:.3f}, {stage['tokens_per_s']:.0f} tokens/s, {stage['seconds']:.0f}s")

    log("3/4 evaluate on held-out queries (BM25 and the untrained tool tokens as baselines)")
    report_dir = os.path.join(cfg.run_dir, "report")
    systems = {"toolgen": trained["model_dir"], "toolgen-untrained": init_dir}
    report, table = evaluate(cfg, systems, data["tools"], data["examples"], report_dir)
    print("\n" + table, flush=True)

    log("4/4 serve the model with Ray Serve and query it over HTTP")
    test = [e for e in examples_from_table(read_table(data["examples"], EXAMPLE_SCHEMA)) if e.split == "test"]
    demo_queries = [e.query for e in test[:: max(1, len(test) // max(1, cfg.serve.demo_queries))]][
        : cfg.serve.demo_queries]
    answers = serve_smoke(cfg, trained["model_dir"], demo_queries)
    report["training"] = trained["stages"]
    report["serve_answers"] = answers
    if any(s.name == "agent" for s in cfg.train.stages):
        log("    routed calls: tool token -> arguments under the tool's schema -> observation")
        report["routed_calls"] = route_calls(cfg, trained["model_dir"], demo_queries)
    with open(os.path.join(report_dir, "report.json"), "w") as handle:
        json.dump(report, handle, indent=2)
    log(f"done in {time.time() - started:.0f}s; report: {report_dir}/report.md, model: {trained['model_dir']}")
    if shutdown:
        ray.shutdown()
    return report
