"""``toolfoundry onboard CATALOG``: from a catalog file to a model directory ready for ``toolfoundry serve``.

    toolfoundry onboard tools.json --out runs/onboard [--format openai|mcp|toolbench|…] [--minutes 30]
        [--real-queries real.jsonl] [--user-queries mine.jsonl] [--recipe toolgen_retrieval] [--dense-epochs 2]
        [--rerank-depth 10] [--serve-retriever toolgen|dense-rerank]

For the user who arrives with a catalog and nothing else (an OpenAI ``tools`` list, an MCP
``tools/list`` dump, a ToolBench file …). The steps, each the real command, in one Ray session:

1. **ingest** (``toolfoundry data ingest``): the catalog as a tools dataset; bad tools quarantined.
   The format is sniffed from the file unless ``--format`` names it. Only the catalog is used: queries
   a format may carry are ignored (they are not the user's, and may be a benchmark's test set).
2. **queries** (``toolfoundry data queries``): schema-driven, LLM-written and multi-tool requests for
   every tool, filtered (round-trip, name copy, length, English, dedupe), with a held-out ``test``
   slice; ``--user-queries`` are kept as ``user:`` rows (weighted ×4 by the stage builder).
3. **dedupe** (``toolfoundry data dedupe``): exact and near duplicates dropped, and every request too
   close to a ``--real-queries`` query (decontamination), so the real evaluation stays unseen.
4. **train** (:func:`train_jobs.engine.run`, the ``toolgen_retrieval`` recipe unless ``--recipe``):
   tool memorization, then retrieval on the synthesized ``train`` rows; ``--minutes`` bounds the
   training (a third for memorization, the rest shared by the later stages), ``--max-steps`` caps
   every stage, ``--set`` overrides any recipe field.
5. **dense** (only with ``--dense-epochs``): MiniLM fine-tuned on the same synthesized ``train`` rows
   (in-batch negatives, :func:`toolfoundry.baselines.dense.finetune_minilm`), the strongest retriever
   those queries can train; it is measured beside the tool-token model, so the report says whether the
   tokens earn their place on this catalog.
6. **eval**: the trained model beside BM25 and MiniLM zero-shot (and the fine-tuned MiniLM) on the
   held-out synthetic queries and, with ``--real-queries``, on the real ones (same queries for every
   system); unless ``--rerank-depth 0``, also MiniLM (the fine-tuned one when there is one) with its top
   candidates reranked by the query likelihood of ``--rerank-model``
   (:class:`toolfoundry.rerank.RerankedRetriever`), which needs no training at all.
7. **report**: ``OUT/report.md`` and ``OUT/report.json`` (steps and wall times, query counts and
   rejects, training, the evaluation tables, flags when the model loses to a baseline or a tool is
   left with fewer than ``THIN_TOOL_ROWS`` training requests, how to serve).

Every step records itself in ``OUT/onboard_state.json`` with a key made of its inputs; a rerun skips
the steps whose key is unchanged and whose outputs exist, the data jobs resume their unfinished
shards, and the engine resumes from its last checkpoint (Ray Train, same run name for the same config
and data). The model directory is ``OUT/model`` (``toolfoundry serve --model-dir OUT/model``). It
retrieves with its tool tokens, or, with ``--serve-retriever dense-rerank``, with the evaluated MiniLM
+ LM reranking (``OUT/model/retriever.json`` and a copy of the fine-tuned MiniLM beside it); selection
and calls are the model's either way.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from collections import Counter

from data_jobs.queries import SCHEMA_PER_TOOL
from toolfoundry.errors import InputError
from toolfoundry.rerank import DEFAULT_DEPTH

STEPS = ("ingest", "queries", "dedupe", "train", "dense", "eval", "report")
THIN_TOOL_ROWS = 5  # fewer training requests than this after dedupe: the report flags the tool
STATE_FILE = "onboard_state.json"
DENSE_SYSTEM = "minilm-ft (synthesized queries)"
RERANK_SYSTEM = "minilm-ft + LM rerank"
RERANK_ZERO_SHOT_SYSTEM = "minilm + LM rerank"  # without --dense-epochs
SERVE_RETRIEVERS = ("toolgen", "dense-rerank")
TOOLGEN_SYSTEM = "toolgen (onboarded)"
CATALOG_FORMATS = ("openai", "mcp", "toolbench", "metatool", "beir", "bfcl")
EVAL_METRICS = ["acc@1", "ndcg@1", "ndcg@3", "ndcg@5", "recall@5", "hallucination_rate", "latency_ms_per_query"]


def log(message: str) -> None:
    print(f"[onboard] {message}", flush=True)


def _digest(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


# ------------------------------------------------------------------------------------ the format
def sniff_format(path: str) -> str:
    """The catalog's format from its content: a folder (MetaTool, BEIR, BFCL, ToolBench files) or a
    JSON file (an MCP ``tools/list`` result, an OpenAI ``tools`` list, a ToolBench query file)."""
    if os.path.isdir(path):
        names = set(os.listdir(path))
        if "plugin_des.json" in names:
            return "metatool"
        if "corpus.jsonl" in names:
            return "beir"
        if any(n.startswith("BFCL_") for n in names):
            return "bfcl"
        if any(n.endswith(".json") for n in names):
            return "toolbench"
        raise InputError("--format", f"cannot tell the format of the folder {path}",
                         f"--format with one of {CATALOG_FORMATS}")
    if not os.path.isfile(path):
        raise InputError("CATALOG", f"{path}: no such file or folder", "a catalog file (OpenAI tools list, MCP "
                         "tools/list result, ToolBench file) or a benchmark folder")
    with open(path, encoding="utf-8") as handle:
        head = handle.read(1 << 20)
    try:
        obj = json.loads(head)
    except json.JSONDecodeError:
        obj = None
    if obj is None:  # larger than the sniffed head: decide by the first keys
        text = head.lstrip()
        if '"inputSchema"' in head or ('"result"' in head and '"tools"' in head):
            return "mcp"
        if '"api_list"' in head:
            return "toolbench"
        if text.startswith(("[", "{")):
            return "openai"
        raise InputError("--format", f"{path} is not JSON", f"--format with one of {CATALOG_FORMATS}")
    if isinstance(obj, dict):
        if isinstance(obj.get("result"), dict) and "tools" in obj["result"]:
            return "mcp"
        items = obj.get("tools")
        if isinstance(items, list):
            first = next((t for t in items if isinstance(t, dict)), {})
            return "mcp" if "inputSchema" in first or "input_schema" in first else "openai"
        raise InputError("--format", f"{path}: a JSON object without a tools list",
                         'an OpenAI {"tools": [...]}, an MCP tools/list result, or --format')
    if isinstance(obj, list):
        first = next((t for t in obj if isinstance(t, dict)), {})
        if "api_list" in first:
            return "toolbench"
        if "inputSchema" in first:
            return "mcp"
        return "openai"
    raise InputError("--format", f"{path}: JSON {type(obj).__name__}", f"--format with one of {CATALOG_FORMATS}")


def _mcp_list(path: str, folder: str) -> str:
    """A bare MCP tools list ``[{name, inputSchema}]`` wrapped as a ``tools/list`` result for ingest
    (written into ``folder``, never beside the user's file)."""
    with open(path, encoding="utf-8") as handle:
        obj = json.load(handle)
    if isinstance(obj, list):
        os.makedirs(folder, exist_ok=True)
        wrapped = os.path.join(folder, "mcp_tools_list.json")
        with open(wrapped, "w", encoding="utf-8") as handle:
            json.dump({"tools": obj}, handle)
        return wrapped
    return path


# ------------------------------------------------------------------------------------ the state
class State:
    """``OUT/onboard_state.json``: per step, the key of its inputs, its result and its wall time."""

    def __init__(self, out: str):
        from toolfoundry import storage

        self.out, self.storage = out, storage
        self.data = storage.read_json(out, STATE_FILE) or {"steps": {}}

    def done(self, step: str, key: str, *paths: str) -> dict | None:
        entry = self.data["steps"].get(step)
        if entry and entry.get("key") == key and all(os.path.exists(p) for p in paths):
            return entry
        return None

    def record(self, step: str, key: str, seconds: float, result: dict) -> dict:
        entry = {"key": key, "seconds": round(seconds, 1), "result": result,
                 "finished": time.strftime("%Y-%m-%dT%H:%M:%S")}
        self.data["steps"][step] = entry
        self.storage.write_json(self.out, STATE_FILE, self.data)
        return entry


def run_step(state: State, index: int, step: str, key: str, outputs: list[str], fn, describe=lambda r: "") -> dict:
    """Run ``fn()`` unless the state says this step finished with the same key (and its outputs exist)."""
    head = f"{index}/{len(STEPS)} {step}"
    entry = state.done(step, key, *outputs)
    if entry:
        log(f"{head}: done already ({entry['seconds']:.0f}s on {entry['finished']}), skipped")
        return entry["result"]
    log(f"{head} …")
    t0 = time.time()
    result = fn()
    entry = state.record(step, key, time.time() - t0, result)
    log(f"{head}: {describe(result)} ({entry['seconds']:.0f}s)")
    return result


# ------------------------------------------------------------------------------------ the recipe
def onboarding_recipe(recipe_file: str, overrides: dict, *, run_dir: str, model: str | None, minutes: float | None,
                      max_steps: int | None):
    """The recipe with the onboarding's budget: ``--minutes`` split over the stages (memorization a
    third when there are later stages), ``--max-steps`` capping every stage; ``--set`` wins over both."""
    from toolfoundry.config import RecipeConfig, load_config, parse_config

    base = load_config(recipe_file, RecipeConfig, overrides).model_dump()
    base["run_dir"] = run_dir if "run_dir" not in overrides else base["run_dir"]
    if model and "model.source" not in overrides:
        base["model"]["source"] = model
    stages = base["train"]["stages"]
    for i, stage in enumerate(stages):
        if minutes:
            share = (1 / 3 if len(stages) > 1 else 1.0) if i == 0 and stage["name"] == "memorization" else \
                ((2 / 3) / max(1, len(stages) - 1) if stages[0]["name"] == "memorization" else 1 / len(stages))
            stage["budget"]["minutes"] = round(minutes * share, 3)
        if max_steps:
            stage["max_steps"] = min(stage["max_steps"] or max_steps, max_steps)
    return parse_config(RecipeConfig, base, recipe_file)


# ------------------------------------------------------------------------------------ evaluation
def real_examples(path: str, tools) -> tuple[list, list[str]]:
    """``--real-queries`` JSONL ``{query, tool}`` as Examples of split ``test``, and the problems met."""
    from data_jobs.queries import read_user_queries
    from toolfoundry.schema import Example

    rows, bad = read_user_queries(path, tuple(tools))
    examples = [Example(id=r["id"], query=r["query"], relevant_tool_ids=tuple(r["relevant_tool_ids"]), split="test",
                        provenance=r["provenance"]) for group in rows.values() for r in group]
    return sorted(examples, key=lambda e: e.provenance), [f"{b['source']}: {b['reason']}" for b in bad]


def write_examples(examples, uri: str, kind: str, parents: list[str]) -> str:
    """A small examples dataset (one shard, atomic), e.g. the real queries dedupe decontaminates against."""
    from toolfoundry import storage
    from toolfoundry.schema import examples_to_table

    storage.prepare_output(uri, {"job": kind, "rows": len(examples)}, {storage.shard_name(0, 1)})
    storage.write_parquet(examples_to_table(examples), uri, storage.shard_name(0, 1))
    storage.write_manifest(uri, kind=kind, parents=parents)
    return uri


def finetune_dense(tools, examples, out_dir: str, *, epochs: float, minutes: float | None, seed: int) -> dict:
    """MiniLM fine-tuned on the synthesized ``train`` rows, one (query, tool document) pair per relevant
    tool, for ``epochs`` (``minutes`` caps it); the last weights are kept. The rows' dev slice is left out;
    it comes from the same generator as the train rows, so it is not used to pick weights or to stop."""
    from toolfoundry.baselines.dense import finetune_minilm
    from toolfoundry.evaluation.runner import train_pairs
    from toolfoundry.formats.base import Benchmark

    bench = Benchmark(name="onboard", format="toolfoundry", tools=tools, examples=examples)
    pairs = train_pairs(bench, "train", "train")
    if not pairs:
        raise InputError("--dense-epochs", "no synthesized train rows to fine-tune MiniLM on",
                         "more queries per tool, or drop --dense-epochs")
    summary = finetune_minilm(pairs, out_dir, epochs=epochs, time_budget_s=minutes * 60 if minutes else None,
                              seed=seed, log=lambda m: log("    [dense] " + m))
    return {k: summary[k] for k in ("pairs", "steps", "planned_steps", "stopped_by", "epochs", "batch_size", "lr",
                                    "train_seconds", "first_loss", "last_loss")}


def evaluate(model_dir: str, tools_uri: str, sets: dict[str, list], out_dir: str, *, dtype: str, batch_size: int,
             limit: int | None, dense_dir: str | None = None, rerank_depth: int = 0,
             rerank_model: str = "embedded") -> dict:
    """The model, BM25, MiniLM zero-shot and (``dense_dir``) the MiniLM fine-tuned on the synthesized
    queries on each set of queries; with ``rerank_depth``, the best MiniLM (fine-tuned if there is one)
    with its top candidates reranked by ``rerank_model``'s query likelihood
    (:class:`toolfoundry.rerank.RerankedRetriever`). ``report.json`` / ``report.md`` in ``out_dir``."""
    from toolfoundry.baselines.bm25 import BM25Retriever
    from toolfoundry.baselines.dense import DenseRetriever
    from toolfoundry.evaluation.report import build_report, markdown, write_reports
    from toolfoundry.evaluation.runner import ToolGenSystem, evaluate_retrieval, select_subset
    from toolfoundry.formats.base import Benchmark
    from toolfoundry.schema import TOOL_SCHEMA, tools_from_table
    from toolfoundry.storage import read_table

    tools = tools_from_table(read_table(tools_uri, TOOL_SCHEMA))
    index_seconds = {}
    t0 = time.perf_counter()
    systems = [ToolGenSystem(model_dir, batch_size, name=TOOLGEN_SYSTEM, dtype=dtype)]
    index_seconds[systems[0].name] = time.perf_counter() - t0
    makers = [lambda: BM25Retriever(tools), lambda: DenseRetriever(tools)]
    if dense_dir:
        makers.append(lambda: DenseRetriever(tools, model_path=dense_dir, name=DENSE_SYSTEM, trained=True))
    if rerank_depth:
        def reranked():  # reranks the MiniLM built just before it (fine-tuned when there is one)
            from toolfoundry.rerank import build_reranked

            return build_reranked(tools, dense_dir, reranker=rerank_model, depth=rerank_depth,
                                  name=RERANK_SYSTEM if dense_dir else RERANK_ZERO_SHOT_SYSTEM,
                                  first_stage=systems[-1])
        makers.append(reranked)
    for make in makers:
        t0 = time.perf_counter()
        system = make()
        index_seconds[system.name] = time.perf_counter() - t0
        systems.append(system)
    runs, summary = [], {}
    for name, examples in sets.items():
        chosen = select_subset(examples, limit)
        if not chosen:
            continue
        bench = Benchmark(name=name, format="toolfoundry", tools=tools, examples=chosen)
        runs += evaluate_retrieval(bench, chosen, systems, split="test", index_seconds=index_seconds,
                                   log=lambda line: log("    " + line.removeprefix("[eval] ")))
        summary[name] = {"queries": len(chosen), "of": len(examples)}
    report = build_report(runs, benchmark={"name": "onboard", "tools": len(tools), "sets": summary})
    write_reports(report, out_dir, EVAL_METRICS)
    return {"report": report, "markdown": markdown(report, EVAL_METRICS), "sets": summary}


def _table(report: dict, set_prefix: str) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for r in report["results"]:
        if r["benchmark"] == set_prefix:
            out.setdefault(r["system"], {})[r["metric"]] = round(r["value"], 2)
    return out


def thin_tools_flag(thin: list[str]) -> str:
    """The flag (report.json, report.md, console) for tools left with too few training requests."""
    return (f"{len(thin)} tools have fewer than {THIN_TOOL_ROWS} training requests after dedupe (first: "
            f"{', '.join(thin[:5])}); their retrieval rests on memorization: give them --user-queries or use a "
            "stronger --query-model")


def _quarantined(count: int, reasons: dict) -> str:
    """The ingest's quarantine in words: a benchmark folder's label-less examples are records too,
    so the count is not called tools."""
    why = ", ".join(f"{k} {v}" for k, v in sorted(reasons.items()))
    return f"{count} records quarantined" + (f": {why}" if why else "")


def report_markdown(summary: dict, eval_md: str) -> str:
    q = summary["queries"]
    held = _quarantined(summary["quarantined_records"], summary["ingest_quarantine_reasons"])
    lines = ["# toolfoundry onboarding report", "",
             f"Catalog `{summary['catalog']}` ({summary['format']}): **{summary['tools']} tools** "
             f"({held}). Model: `{summary['model_dir']}`, ready for "
             f"`toolfoundry serve --model-dir {summary['model_dir']}`; it retrieves with "
             f"{summary.get('serve_retriever', TOOLGEN_SYSTEM)}.", "",
             "## Steps", "", "| step | seconds | |", "|---|---:|---|"]
    for s in summary["steps"]:
        lines.append(f"| {s['step']} | {s['seconds']:.0f} | {s['note']} |")
    lines += ["", f"Total: {summary['wall_seconds']:.0f} s.", "", "## Queries", "",
              f"{q['accepted']} accepted of {q['candidates']} candidates "
              f"({100 * (q['acceptance_rate'] or 0):.1f}%); after dedupe {summary['dedupe']['kept']} "
              f"(train {summary['train_rows']}, held-out test {summary['test_rows']}). Per tool: min "
              f"{q['per_tool']['min']}, median {q['per_tool']['median']}, mean {q['per_tool']['mean']}.", "",
              "| generator | candidates | accepted | acceptance | rejects by reason |", "|---|---:|---:|---:|---|"]
    for g, v in q["generators"].items():
        if v["candidates"]:
            rej = ", ".join(f"{k} {n}" for k, n in sorted(v["rejected"].items(), key=lambda kv: -kv[1])) or "–"
            lines.append(f"| {g} | {v['candidates']} | {v['accepted']} | "
                         f"{100 * (v['acceptance_rate'] or 0):.1f}% | {rej} |")
    if summary.get("thin_tools"):
        lines += ["", thin_tools_flag(summary["thin_tools"])]
    lines += ["", "## Training", ""]
    for st in summary["training"]:
        lines.append(f"- {st['stage']}: {st['steps']} steps, stopped by {st['stopped_by']}, loss {st['loss']:.4f}, "
                     f"{st['seconds']:.0f} s")
    if summary.get("dense"):
        d = summary["dense"]
        lines.append(f"- {DENSE_SYSTEM}: {d['steps']} steps of {d['batch_size']} pairs ({d['pairs']} pairs), stopped by "
                     f"{d['stopped_by']}, loss {d['first_loss']:.4f} -> {d['last_loss']:.4f}, {d['train_seconds']:.0f} s")
    if summary.get("real_query_problems"):
        lines += ["", f"Real queries set aside: {len(summary['real_query_problems'])} "
                  f"(first: {summary['real_query_problems'][0]})"]
    lines += ["", eval_md.replace("# toolfoundry evaluation report", "## Evaluation", 1)]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------ the run
def run(catalog: str, out: str, *, fmt: str | None = None, recipe: str = "toolgen_retrieval",
        overrides: dict | None = None, model: str | None = None, minutes: float | None = None,
        max_steps: int | None = None, seed: int = 0, query_model: str = "embedded",
        schema_per_tool: int = SCHEMA_PER_TOOL, llm_per_tool: int = 4, llm_fraction: float = 1.0,
        multi_per_tool: int = 1, roundtrip: str = "bm25",
        roundtrip_k: int = 10, test_fraction: float = 0.1, user_queries: str | None = None,
        real_queries: str | None = None, eval_limit: int | None = 1000, eval_batch_size: int = 16,
        query_threads: int = 1, query_engine: str = "hf", query_dtype: str = "float32",
        dedupe_threshold: float = 0.8, dense_epochs: float = 0.0, dense_minutes: float | None = None,
        rerank_depth: int = DEFAULT_DEPTH, rerank_model: str = "embedded", serve_retriever: str = "toolgen") -> dict:
    """Onboard ``catalog`` into ``out`` (see the module doc); returns the report's summary."""
    from data_jobs import dedupe as dedupe_job
    from data_jobs import ingest as ingest_job
    from data_jobs import queries as queries_job
    from data_jobs.common import ensure_ray
    from data_jobs.runner import fingerprint
    from toolfoundry import storage
    from toolfoundry.catalog import Catalog
    from toolfoundry.dedup import DedupParams
    from toolfoundry.schema import EXAMPLE_SCHEMA, examples_from_table
    from train_jobs import engine
    from train_jobs.cli import recipe_path

    started = time.time()
    fmt = fmt or sniff_format(catalog)
    if fmt not in CATALOG_FORMATS:
        raise InputError("--format", repr(fmt), f"one of {CATALOG_FORMATS}")
    for flag, path in (("--user-queries", user_queries), ("--real-queries", real_queries)):
        if path and not os.path.isfile(path):
            raise InputError(flag, f"{path}: no such file", 'a JSONL file of {"query": …, "tool": …} lines')
    if dense_epochs < 0 or (dense_minutes is not None and dense_minutes <= 0):
        raise InputError("--dense-epochs/--dense-minutes", f"{dense_epochs}/{dense_minutes}",
                         "epochs >= 0 (0: no fine-tuned MiniLM) and a positive number of minutes")
    if serve_retriever not in SERVE_RETRIEVERS:
        raise InputError("--serve-retriever", repr(serve_retriever), f"one of {SERVE_RETRIEVERS}")
    if serve_retriever == "dense-rerank" and not rerank_depth:
        raise InputError("--serve-retriever dense-rerank", "--rerank-depth is 0", "a depth of 1 or more (default 10)")
    if rerank_depth < 0:
        raise InputError("--rerank-depth", repr(rerank_depth), "how many candidates the LM reranks (0: no reranking)")
    if minutes is not None and minutes <= 0:
        raise InputError("--minutes", repr(minutes), "a positive number of minutes for training")
    recipe_file = recipe_path(recipe)
    cfg = onboarding_recipe(recipe_file, overrides or {}, run_dir=os.path.join(out, "train"), model=model,
                            minutes=minutes, max_steps=max_steps)
    os.makedirs(out, exist_ok=True)
    state = State(out)
    data_dir = os.path.join(out, "data")
    log(f"catalog {catalog} ({fmt}) -> {out}")
    ensure_ray(use_gpu=cfg.train.use_gpu)

    # 1. ingest
    source = _mcp_list(catalog, data_dir) if fmt == "mcp" and os.path.isfile(catalog) else catalog
    ingest_key = _digest("ingest", fmt, fingerprint(catalog))

    def describe_ingest(r: dict) -> str:  # the step's progress line and its row in the report
        return f"{r['num_tools']} tools, {_quarantined(r['quarantined'], r['quarantine_reasons'])}"

    ingested = run_step(state, 1, "ingest", ingest_key, [os.path.join(data_dir, "catalog", "tools", "manifest.json")],
                        lambda: ingest_job.run(fmt, source, os.path.join(data_dir, "catalog")),
                        describe_ingest)
    tools_uri = ingested["tools"]
    if not ingested["num_tools"]:
        raise InputError("CATALOG", f"no usable tool in {catalog} (see {ingested['quarantine']})",
                         "a catalog with valid tools")
    tools_hash = storage.read_manifest(tools_uri)["content_hash"]

    # 2. queries
    qparams = dict(seed=seed, schema_per_tool=schema_per_tool, llm_per_tool=llm_per_tool, llm_fraction=llm_fraction,
                   multi_per_tool=multi_per_tool, model=query_model, roundtrip=roundtrip, roundtrip_k=roundtrip_k,
                   test_fraction=test_fraction, user_queries=user_queries, threads=query_threads,
                   engine=query_engine, dtype=query_dtype)
    q_key = _digest("queries", tools_hash, qparams, fingerprint(user_queries) if user_queries else None)
    q_out = os.path.join(data_dir, "queries")
    queries = run_step(state, 2, "queries", q_key, [os.path.join(q_out, "examples", "manifest.json")],
                       lambda: queries_job.run(tools_uri, q_out, **qparams),
                       lambda r: f"{r['accepted']} accepted of {r['candidates']} "
                                 f"({100 * (r['acceptance_rate'] or 0):.1f}%), per tool median "
                                 f"{r['per_tool']['median']}, rejects {r['quarantine_reasons']}")

    # 3. dedupe (and decontaminate against the real queries)
    from toolfoundry.schema import TOOL_SCHEMA, tools_from_table

    tools = tools_from_table(storage.read_table(tools_uri, TOOL_SCHEMA))
    real, real_problems, against = [], [], []
    if real_queries:
        real, real_problems = real_examples(real_queries, tools)
        against = [write_examples(real, os.path.join(data_dir, "real_queries"), "onboard.real_queries",
                                  [real_queries])]
    d_key = _digest("dedupe", storage.read_manifest(queries["examples"])["content_hash"], dedupe_threshold,
                    [storage.read_manifest(a)["content_hash"] for a in against])
    d_out = os.path.join(data_dir, "examples")
    deduped = run_step(state, 3, "dedupe", d_key, [os.path.join(d_out, "manifest.json")],
                       lambda: dedupe_job.run(queries["examples"], d_out, against=against,
                                              params=DedupParams(threshold=dedupe_threshold), num_partitions=4),
                       lambda r: f"kept {r['kept_rows']} of {r['input_rows']}, dropped {r['dropped_counts']}")
    examples = examples_from_table(storage.read_table(d_out, EXAMPLE_SCHEMA))
    test = [e for e in examples if e.split == "test"]
    train_rows = sum(1 for e in examples if e.split == "train")
    per_tool = Counter(t for e in examples if e.split == "train" for t in e.relevant_tool_ids)
    thin = sorted(t.id for t in tools if per_tool[t.id] < THIN_TOOL_ROWS)

    # 4. train
    model_dir = os.path.join(out, "model")
    t_key = _digest("train", cfg.model_dump(), storage.read_manifest(tools_uri)["content_hash"],
                    storage.read_manifest(d_out)["content_hash"])
    trained = run_step(state, 4, "train", t_key, [os.path.join(model_dir, "catalog.json")],
                       lambda: {k: v for k, v in engine.run(cfg, tools_uri, d_out, model_dir,
                                                              log=lambda m: log("    " + m)).items()},
                       lambda r: ", ".join(f"{s['stage']} {s['steps']} steps ({s['stopped_by']})"
                                           for s in r["stages"]))
    Catalog.load(model_dir)  # the served catalog is there

    # 5. dense (optional): MiniLM fine-tuned on the same synthesized rows
    dense_dir, dense, n_key = None, None, None
    if dense_epochs:
        dense_dir = os.path.join(out, "dense")
        n_key = _digest("dense", storage.read_manifest(d_out)["content_hash"], dense_epochs, dense_minutes, seed)
        dense = run_step(state, 5, "dense", n_key, [os.path.join(dense_dir, "toolfoundry_finetune.json")],
                         lambda: finetune_dense(tools, examples, dense_dir, epochs=dense_epochs,
                                                minutes=dense_minutes, seed=seed),
                         lambda r: f"{r['steps']} steps on {r['pairs']} pairs ({r['stopped_by']}), "
                                   f"loss {r['first_loss']:.3f} -> {r['last_loss']:.3f}")

    # what the served model retrieves with: its tool tokens, or the (fine-tuned) MiniLM + LM reranking
    from toolfoundry.rerank import RETRIEVER_FILE, save_pipeline

    if serve_retriever == "dense-rerank":
        save_pipeline(model_dir, dense_dir, depth=rerank_depth, reranker=rerank_model)
    elif os.path.exists(os.path.join(model_dir, RETRIEVER_FILE)):
        os.remove(os.path.join(model_dir, RETRIEVER_FILE))

    # 6. eval
    sets = {"synthetic-held-out": test}
    if real:
        sets["real-queries"] = real
    e_key = _digest("eval", t_key, n_key, [e.id for e in test], [e.id for e in real], eval_limit,
                    [rerank_depth, rerank_model] if rerank_depth else None)
    report_dir = os.path.join(out, "eval")
    evaluated = run_step(state, 6, "eval", e_key, [os.path.join(report_dir, "report.json")],
                         lambda: {k: v for k, v in evaluate(model_dir, tools_uri, sets, report_dir,
                                                            dtype=cfg.model.dtype, batch_size=eval_batch_size,
                                                            limit=eval_limit, dense_dir=dense_dir,
                                                            rerank_depth=rerank_depth,
                                                            rerank_model=rerank_model).items()
                                  if k != "report"},
                         lambda r: ", ".join(f"{k}: {v['queries']} queries" for k, v in r["sets"].items()))
    with open(os.path.join(report_dir, "report.json"), encoding="utf-8") as handle:
        eval_report = json.load(handle)

    # 7. report
    def finish() -> dict:
        notes = {"ingest": describe_ingest(ingested),
                 "queries": f"{queries['accepted']} accepted of {queries['candidates']}",
                 "dedupe": f"kept {deduped['kept_rows']} of {deduped['input_rows']}",
                 "train": ", ".join(f"{s['stage']} {s['steps']} steps" for s in trained["stages"]),
                 "dense": f"{dense['steps']} steps on {dense['pairs']} pairs" if dense else "",
                 "eval": ", ".join(f"{k} {v['queries']}" for k, v in evaluated["sets"].items())}
        steps = [{"step": s, "seconds": state.data["steps"][s]["seconds"], "note": notes.get(s, "")}
                 for s in STEPS if s in state.data["steps"] and (s != "dense" or dense)]
        summary = {
            "catalog": catalog, "format": fmt, "out": out, "tools": ingested["num_tools"],
            "quarantined_records": ingested["quarantined"],
            "ingest_quarantine_reasons": ingested["quarantine_reasons"], "model_dir": model_dir,
            "serve": f"toolfoundry serve --model-dir {model_dir}", "recipe": recipe_file,
            "serve_retriever": TOOLGEN_SYSTEM if serve_retriever == "toolgen" else
            RERANK_SYSTEM if dense else RERANK_ZERO_SHOT_SYSTEM,
            "queries": {k: queries[k] for k in ("candidates", "accepted", "acceptance_rate", "generators",
                                                 "per_tool", "split", "quarantine_reasons")},
            "dedupe": {"kept": deduped["kept_rows"], "input": deduped["input_rows"],
                       "dropped": deduped["dropped_counts"]},
            "train_rows": train_rows, "test_rows": len(test), "training": trained["stages"], "dense": dense,
            "evaluation": {name: _table(eval_report, name) for name in evaluated["sets"]},
            "flags": eval_report.get("flags", []) + ([thin_tools_flag(thin)] if thin else []),
            "thin_tools": thin, "real_query_problems": real_problems,
            "steps": steps, "wall_seconds": round(sum(s["seconds"] for s in steps), 1),
        }
        with open(os.path.join(out, "report.json"), "w", encoding="utf-8") as handle:
            json.dump(summary, handle, indent=2)
        with open(os.path.join(out, "report.md"), "w", encoding="utf-8") as handle:
            handle.write(report_markdown(summary, evaluated["markdown"]))
        return summary

    summary = finish()
    state.record("report", _digest("report", e_key), 0.0, {"report": os.path.join(out, "report.md")})
    print("\n" + evaluated["markdown"], flush=True)
    for flag in summary["flags"]:
        log(f"FLAG: {flag}")
    log(f"done in {time.time() - started:.0f}s (steps {summary['wall_seconds']:.0f}s); report {out}/report.md; "
        f"serve with: {summary['serve']}")
    return summary


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("catalog", help="catalog file (OpenAI tools list, MCP tools/list result, ToolBench file) or folder")
    p.add_argument("--out", required=True, help="output folder: data/, train/, model/, eval/, report.md")
    p.add_argument("--format", default=None, choices=CATALOG_FORMATS, help="catalog format (default: sniffed)")
    p.add_argument("--recipe", default="toolgen_retrieval", help="recipe file or name in train_jobs/recipes")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a recipe field")
    p.add_argument("--model", default=None, help="base model to train (default: the recipe's; 'tiny-random' for tests)")
    p.add_argument("--minutes", type=float, default=None, help="training time budget in minutes (all stages)")
    p.add_argument("--max-steps", type=int, default=None, help="cap every training stage at this many steps")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--query-model", default="embedded",
                   help="LLM writing queries: embedded, tiny-random, stub (no model) or an HF directory")
    p.add_argument("--schema-per-tool", type=int, default=SCHEMA_PER_TOOL)
    p.add_argument("--llm-per-tool", type=int, default=4, help="LLM samples per tool (0: schema-driven only)")
    p.add_argument("--llm-fraction", type=float, default=1.0, help="seeded share of tools the LLM writes for")
    p.add_argument("--multi-per-tool", type=int, default=1)
    p.add_argument("--roundtrip", default="bm25", choices=("bm25", "minilm", "none"))
    p.add_argument("--roundtrip-k", type=int, default=10)
    p.add_argument("--test-fraction", type=float, default=0.1, help="held-out synthetic share (split test)")
    p.add_argument("--user-queries", default=None, help="JSONL {query, tool}: real queries to train on (×4)")
    p.add_argument("--real-queries", default=None, help="JSONL {query, tool}: real queries to evaluate on")
    p.add_argument("--eval-limit", type=int, default=1000, help="queries per evaluation set (evenly spaced)")
    p.add_argument("--query-threads", type=int, default=1, help="CPU threads per query-writing LLM actor")
    p.add_argument("--query-engine", default="hf", choices=("hf", "vllm"),
                   help="hf: transformers in an actor pool; vllm: ray.data.llm on GPUs")
    p.add_argument("--dense-epochs", type=float, default=0.0,
                   help="also fine-tune MiniLM on the synthesized train rows for this many epochs and evaluate it "
                        "beside the model (0: off)")
    p.add_argument("--dense-minutes", type=float, default=None, help="time cap of the MiniLM fine-tuning")
    p.add_argument("--rerank-depth", type=int, default=DEFAULT_DEPTH,
                   help="also evaluate MiniLM (fine-tuned with --dense-epochs) with its top N candidates reranked by "
                        "an LM's query likelihood (0: off)")
    p.add_argument("--rerank-model", default="embedded",
                   help="causal LM that reranks: embedded, tiny-random or an HF directory")
    p.add_argument("--serve-retriever", default="toolgen", choices=SERVE_RETRIEVERS,
                   help="what the served model retrieves with: its tool tokens (toolgen) or MiniLM (fine-tuned with "
                        "--dense-epochs) with LM reranking (dense-rerank; the model still selects and calls)")
    p.add_argument("--query-dtype", default="float32", choices=("auto", "float32", "bfloat16"),
                   help="dtype of the query-writing LLM (bfloat16 is faster on CPUs with bf16 support)")


def run_from_args(a: argparse.Namespace) -> int:
    from toolfoundry.config import parse_overrides

    run(a.catalog, a.out, fmt=a.format, recipe=a.recipe, overrides=parse_overrides(a.set), model=a.model,
        minutes=a.minutes, max_steps=a.max_steps, seed=a.seed, query_model=a.query_model,
        schema_per_tool=a.schema_per_tool, llm_per_tool=a.llm_per_tool, llm_fraction=a.llm_fraction,
        multi_per_tool=a.multi_per_tool, roundtrip=a.roundtrip, roundtrip_k=a.roundtrip_k,
        test_fraction=a.test_fraction, user_queries=a.user_queries, real_queries=a.real_queries,
        eval_limit=a.eval_limit, query_threads=a.query_threads, query_engine=a.query_engine,
        query_dtype=a.query_dtype, dense_epochs=a.dense_epochs, dense_minutes=a.dense_minutes,
        rerank_depth=a.rerank_depth, rerank_model=a.rerank_model, serve_retriever=a.serve_retriever)
    return 0
