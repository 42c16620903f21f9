"""Rewrite queries with a causal LM for diversity, keeping every gold label.

    python -m data_jobs.paraphrase IN_URI OUT_URI [--model embedded] [--temperature 0] [--seed 0]

Reads an examples dataset (Parquet shards, e.g. ``OUT/examples`` of the synth job) and writes

- ``OUT_URI``: the same rows, columns and shard names, with ``query`` replaced by its rewrite where
  the rewrite was accepted; every label column (ids, toolsets, gold ranking, gold call, split …) is
  copied unchanged;
- ``OUT_URI_rewrites``: one row per query: id, original, the model's (cleaned) rewrite, status;
- ``OUT_URI_quarantine``: examples whose ``gold_call_arguments`` are not JSON (step
  :data:`valid_arguments`), with the reason; their rewrite is not attempted (status ``invalid``).

On the runner (:mod:`data_jobs.runner`), in two stages:

1. **rewrite** — the input is cut into fixed chunks of rows (``--chunk-rows``, per shard); a Ray Data
   actor pool (:class:`Rewriter`, the model loaded once per actor) rewrites one chunk per call in
   batches of ``--batch-size`` prompts, greedy (``--temperature 0``) or sampled with a seed derived
   from ``(seed, shard, chunk)``, and writes the chunk to ``OUT_URI/_work`` atomically. Chunks and
   their batches are fixed, so results do not depend on scheduling, and a killed run redoes only the
   missing chunks.
2. **shards** — the runner's shard tasks: the reader concatenates a shard's chunks in order, the
   step :data:`valid_arguments` quarantines unreadable examples, and the runner writes the shards
   atomically.

Checks (:mod:`toolfoundry.synth.paraphrase`): a rewrite that is empty, too long (``--max-ratio`` ×
the original, or cut off at ``--max-new-tokens``), or that loses a gold argument value the original
spelled out is rejected and the original kept; the manifest counts every status.

``--engine vllm`` runs the same prompts through ``ray.data.llm`` (vLLM engine, GPUs); see
:func:`rewrite_with_vllm` — that path is untested on the CPU-only development machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import zlib

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from data_jobs import runner
from data_jobs import shards as sh
from data_jobs.common import ensure_ray, job_main
from toolfoundry.errors import InputError
from toolfoundry.schema import QUARANTINE_SCHEMA
from toolfoundry.storage import join, resolve, shard_paths
from toolfoundry.synth import paraphrase as pp

STATUSES = (pp.ACCEPTED, pp.UNCHANGED, *pp.REJECTIONS)
SKIPPED, INVALID = "skipped", "invalid"  # not selected by --fraction; gold arguments unreadable (quarantined)
LOG_SCHEMA = pa.schema([
    pa.field("id", pa.string()),
    pa.field("original", pa.string()),
    pa.field("rewrite", pa.string()),
    pa.field("status", pa.string()),
])
_ARGS = "gold_call_arguments"


def argument_problem(arguments) -> str | None:
    """Why a row's ``gold_call_arguments`` cannot be checked against a rewrite (None: they can)."""
    try:
        pp.protected_values("", arguments)
    except InputError as err:
        return str(err)
    return None


def _valid_arguments(table: pa.Table):
    if _ARGS not in table.column_names:
        return table, []
    return runner.by_reason(table, [argument_problem(v) for v in table[_ARGS].to_pylist()])


#: Step: an example whose gold arguments are not JSON can be neither checked nor trained on; it is
#: quarantined (its rewrite was not attempted: status ``invalid`` in ``OUT_rewrites``).
valid_arguments = runner.Step("valid_arguments", _valid_arguments)


def chunk_seed(seed: int, shard: int, chunk: int) -> int:
    return zlib.crc32(f"{seed}:{shard}:{chunk}".encode())


class Rewriter:
    """Ray Data actor: one causal LM per actor; each call rewrites whole chunks and writes them."""

    def __init__(self, units: list[dict], cfg: dict):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch

        from toolfoundry.modeling import load_generator

        self.torch, self.units, self.cfg = torch, units, cfg
        self.model, self.tok, self.chatml, self.eos = load_generator(cfg["model"], cfg["dtype"], cfg["threads"])

    def generate(self, queries: list[str], seed: int) -> tuple[list[str], list[bool]]:
        """Raw answers and whether each ran out of new tokens before its end of turn."""
        torch, cfg = self.torch, self.cfg
        enc = self.tok([pp.render(q, self.chatml) for q in queries], return_tensors="pt", padding=True,
                       add_special_tokens=False)
        sample = cfg["temperature"] > 0
        kwargs = dict(do_sample=True, temperature=cfg["temperature"], top_p=cfg["top_p"]) if sample else \
            dict(do_sample=False)
        torch.manual_seed(seed)
        with torch.inference_mode():
            out = self.model.generate(**enc, max_new_tokens=cfg["max_new_tokens"], eos_token_id=self.eos,
                                      pad_token_id=self.tok.pad_token_id, **kwargs)
        new = out[:, enc["input_ids"].shape[1]:]
        answers, truncated = [], []
        for row in new.tolist():
            ended = any(t in self.eos for t in row)
            if ended:
                row = row[: min(row.index(t) for t in self.eos if t in row)]
            answers.append(self.tok.decode(row, skip_special_tokens=True))
            truncated.append(not ended and len(row) >= cfg["max_new_tokens"])
        return answers, truncated

    def __call__(self, batch: dict) -> dict:
        cfg = self.cfg
        done = []
        for u in batch["id"]:
            unit = self.units[int(u)]
            if sh.shard_exists(cfg["work"], unit["name"]):
                done.append(int(u))
                continue
            fs = resolve(cfg["in_uri"])[0]
            table = pq.read_table(unit["path"], filesystem=fs).slice(unit["start"], unit["stop"] - unit["start"])
            queries = table[cfg["column"]].to_pylist()
            args = table[_ARGS].to_pylist() if _ARGS in table.column_names else [None] * len(queries)
            invalid = [argument_problem(a) is not None for a in args]
            chosen = [i for i, r in enumerate(unit["selected"]) if r and not invalid[i]]
            answers, cut = [""] * len(queries), [False] * len(queries)
            for b in range(0, len(chosen), cfg["batch_size"]):
                idx = chosen[b: b + cfg["batch_size"]]
                a, t = self.generate([queries[i] for i in idx],
                                     chunk_seed(cfg["seed"], unit["shard"], unit["chunk"]) + b)
                for i, ai, ti in zip(idx, a, t):
                    answers[i], cut[i] = ai, ti
            kept, rewrites = list(queries), [""] * len(queries)
            status = [INVALID if bad else SKIPPED for bad in invalid]
            for i in chosen:
                kept[i], status[i], rewrites[i] = pp.decide(queries[i], answers[i], args[i],
                                                            max_ratio=cfg["max_ratio"], truncated=cut[i])
            out = table.set_column(table.schema.get_field_index(cfg["column"]), cfg["column"],
                                   pa.array(kept, table.schema.field(cfg["column"]).type))
            out = out.append_column("_original", pa.array(queries, pa.string()))
            out = out.append_column("_rewrite", pa.array(rewrites, pa.string()))
            out = out.append_column("_status", pa.array(status, pa.string()))
            sh.write_shard(out, cfg["work"], unit["name"], scratch=True)
            done.append(int(u))
        return {"unit": np.asarray(done, dtype=np.int64)}


def _selected(ids: list[str], fraction: float, seed: int) -> list[bool]:
    """Which rows get a rewrite: a seeded share, decided per example id (stable under re-sharding)."""
    if fraction >= 1:
        return [True] * len(ids)
    return [zlib.crc32(f"{seed}:paraphrase:{i}".encode()) / 2**32 < fraction for i in ids]


def rewrite_with_vllm(ds, cfg: dict):
    """The rewrite stage through ``ray.data.llm`` with a vLLM engine (GPUs).

    Untested on the CPU-only development machine (no GPU, no vLLM there); written against the
    Ray 2.60 API (``vLLMEngineProcessorConfig`` + ``build_processor``). Rows carry ``query`` and
    ``gold_call_arguments``; the chat template of the model applies :func:`pp.messages`, and the
    same :func:`pp.decide` checks run in the postprocess step.
    """
    from ray.data import llm as rdllm

    build = getattr(rdllm, "build_processor", None) or getattr(rdllm, "build_llm_processor")
    config = rdllm.vLLMEngineProcessorConfig(
        model_source=cfg["model"], engine_kwargs={"max_model_len": 1024, "enable_prefix_caching": True},
        concurrency=cfg["concurrency"] or 1, batch_size=cfg["batch_size"])
    column, max_ratio = cfg["column"], cfg["max_ratio"]
    sampling = {"temperature": cfg["temperature"], "top_p": cfg["top_p"] if cfg["temperature"] > 0 else 1.0,
                "max_tokens": cfg["max_new_tokens"], "seed": cfg["seed"]}

    def post(row: dict) -> dict:
        truncated = row.get("num_generated_tokens", 0) >= cfg["max_new_tokens"]
        try:
            kept, status, rewrite = pp.decide(row[column], row["generated_text"], row.get(_ARGS),
                                              max_ratio=max_ratio, truncated=truncated)
        except InputError:  # unreadable gold arguments: the row is quarantined by the valid_arguments step
            kept, status, rewrite = row[column], INVALID, ""
        keep = {k: v for k, v in row.items() if k not in ("messages", "sampling_params", "generated_text",
                                                         "num_generated_tokens", "num_input_tokens")}
        return {**keep, column: kept, "_original": row[column], "_rewrite": rewrite, "_status": status}

    processor = build(config, preprocess=lambda row: {**row, "messages": pp.messages(row[column]),
                                                       "sampling_params": sampling},
                      postprocess=post)
    return processor(ds)


def run(in_uri: str, out_uri: str, *, model: str = "embedded", column: str = "query", temperature: float = 0.0,
        top_p: float = 0.9, seed: int = 0, fraction: float = 1.0, batch_size: int = 8, chunk_rows: int = 64,
        max_new_tokens: int = 48, max_ratio: float = 2.0, dtype: str = "float32", concurrency: int | None = None,
        threads: int = 1, engine: str = "hf", log_uri: str | None = None) -> dict:
    """Rewrite ``in_uri``'s queries into ``out_uri``; per-query statuses go to ``log_uri``."""
    for name, value, ok, want in (
        ("temperature", temperature, temperature >= 0, "0 (greedy) or a positive sampling temperature"),
        ("top_p", top_p, 0 < top_p <= 1, "a value in (0, 1]"),
        ("fraction", fraction, 0 < fraction <= 1, "a share of queries in (0, 1]"),
        ("batch_size", batch_size, batch_size >= 1, "at least 1"),
        ("chunk_rows", chunk_rows, chunk_rows >= 1, "at least 1"),
        ("max_new_tokens", max_new_tokens, max_new_tokens >= 1, "at least 1"),
        ("max_ratio", max_ratio, max_ratio >= 1, "at least 1 (rewrite length / original length)"),
        ("threads", threads, threads >= 1, "at least 1"),
        ("engine", engine, engine in ("hf", "vllm"), "'hf' (transformers, CPU or GPU) or 'vllm' (ray.data.llm)"),
    ):
        if not ok:
            raise InputError(name, f"{value!r}", want)
    in_paths = shard_paths(in_uri)
    if not in_paths:
        raise InputError(in_uri, "no .parquet shards", "a dataset folder written by a toolfoundry data job")
    fs = resolve(in_uri)[0]
    schema = pq.read_schema(in_paths[0], filesystem=fs)
    if column not in schema.names:
        raise InputError("column", f"{column!r} is not a column of {in_uri}", f"one of {schema.names}")
    if "id" not in schema.names:
        raise InputError(in_uri, "no 'id' column", "an examples dataset (toolfoundry.schema.EXAMPLE_SCHEMA)")
    ensure_ray()
    import ray

    log_uri = log_uri or out_uri.rstrip("/") + "_rewrites"
    quarantine_uri = out_uri.rstrip("/") + "_quarantine"
    n = len(in_paths)
    params = {"model": model, "column": column, "temperature": temperature, "top_p": top_p, "fraction": fraction,
              "batch_size": batch_size, "chunk_rows": chunk_rows, "max_new_tokens": max_new_tokens,
              "max_ratio": max_ratio, "dtype": dtype, "engine": engine, "prompt": pp.INSTRUCTION}
    work = join(out_uri, "_work")

    units = []
    for k, path in enumerate(in_paths):
        ids = pq.read_table(path, filesystem=fs, columns=["id"])["id"].to_pylist()
        sel = _selected(ids, fraction, seed)
        for c, (a, b) in enumerate((s, min(s + chunk_rows, len(ids))) for s in range(0, len(ids), chunk_rows)):
            units.append({"shard": k, "chunk": c, "path": path, "start": a, "stop": b, "selected": sel[a:b],
                          "name": f"s{k:05d}-c{c:05d}.parquet"})
    cfg = {"model": model, "dtype": dtype, "column": column, "temperature": temperature, "top_p": top_p,
           "seed": seed, "batch_size": batch_size, "max_new_tokens": max_new_tokens, "max_ratio": max_ratio,
           "threads": threads, "in_uri": in_uri, "work": work, "concurrency": concurrency}

    # 1. rewrite: the missing chunks, by an actor pool (or ray.data.llm), each written to OUT/_work
    def rewrite(todo: list[int]) -> None:
        if engine == "vllm":
            _vllm_chunks(units, todo, cfg)
            return
        pool = concurrency or max(1, int(ray.cluster_resources().get("CPU", 2)) - 1)
        pool = max(1, min(pool, len(todo)))
        ds = ray.data.from_items([{"id": i} for i in todo], override_num_blocks=len(todo)).map_batches(
            Rewriter, fn_constructor_args=(units, cfg), batch_size=1, batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=pool), num_cpus=threads)
        for _ in ds.iter_batches(batch_size=None, batch_format="numpy"):
            pass

    # 2. the shards: a shard's chunks in order → the examples (rewrites accepted) and the rewrite log
    by_shard: dict[int, list[str]] = {}
    for u in units:
        by_shard.setdefault(u["shard"], []).append(u["name"])

    def read(k: int) -> dict:
        work_fs, work_path = resolve(work)
        parts = [pq.read_table(join(work_path, c), filesystem=work_fs) for c in by_shard.get(k, [])]
        table = pa.concat_tables(parts) if parts else pq.read_table(in_paths[k], filesystem=fs).append_column(
            "_original", pa.array([], pa.string())).append_column("_rewrite", pa.array([], pa.string())).append_column(
            "_status", pa.array([], pa.string()))
        log = pa.table({"id": table["id"].cast(pa.string()), "original": table["_original"],
                        "rewrite": table["_rewrite"], "status": table["_status"]}, schema=LOG_SCHEMA)
        return {"examples": table.select(schema.names).cast(schema), "rewrites": log}

    def extra(_counts: dict) -> dict:
        counts = {s: 0 for s in (*STATUSES, SKIPPED, INVALID)}
        log_fs = resolve(log_uri)[0]
        for path in shard_paths(log_uri):  # from the files: a resumed run reports the same totals
            for s in pq.read_table(path, filesystem=log_fs, columns=["status"])["status"].to_pylist():
                counts[s] += 1
        attempted = sum(counts[s] for s in STATUSES)
        info = {"paraphrase": {"counts": counts, "rejected": {r: counts[r] for r in pp.REJECTIONS},
                               "attempted": attempted,
                               "acceptance_rate": round(counts[pp.ACCEPTED] / attempted, 4) if attempted else 0.0}}
        return {"examples": info, "rewrites": info, runner.QUARANTINE: info}

    result = runner.run(runner.Job(
        plan=runner.Plan("paraphrase", params=params, seed=seed, inputs=[in_uri]),
        outputs={"examples": runner.Output(out_uri, "paraphrase.examples", schema),
                 "rewrites": runner.Output(log_uri, "paraphrase.rewrites", LOG_SCHEMA)},
        quarantine=runner.Output(quarantine_uri, "paraphrase.quarantine", QUARANTINE_SCHEMA),
        num_shards=n, read=read, steps={"examples": [valid_arguments]},
        stages=[runner.Stage("rewrite", len(units), files=lambda i: [(work, units[i]["name"])], run_many=rewrite)],
        work=work, extra=extra))
    info = result["manifests"]["examples"]["paraphrase"]
    return {"examples": out_uri, "rewrites": log_uri, "quarantine": quarantine_uri, "rows": result["rows"]["examples"],
            **info, "quarantined": result["quarantined"], "shards_written": result["shards_written"]}


def _vllm_chunks(units: list[dict], todo: list[int], cfg: dict) -> None:
    """Rewrite the missing chunks with :func:`rewrite_with_vllm` and write them as the HF path does."""
    import ray

    fs = resolve(cfg["in_uri"])[0]
    tables = []
    for i in todo:
        u = units[i]
        t = pq.read_table(u["path"], filesystem=fs).slice(u["start"], u["stop"] - u["start"])
        tables.append(t.append_column("_unit", pa.array([i] * t.num_rows, pa.int64()))
                      .append_column("_row", pa.array(np.arange(t.num_rows), pa.int64())))
    out = rewrite_with_vllm(ray.data.from_arrow(pa.concat_tables(tables)), cfg).to_arrow_refs()
    result = pa.concat_tables(ray.get(out))
    extra = [pa.field(c, pa.string()) for c in ("_original", "_rewrite", "_status")]
    for i in todo:
        u = units[i]
        t = result.filter(pc.equal(result["_unit"], i)).sort_by("_row")
        sel, orig = u["selected"], t["_original"].to_pylist()
        columns = {
            cfg["column"]: [q if s else o for q, s, o in zip(t[cfg["column"]].to_pylist(), sel, orig)],
            "_rewrite": [r if s else "" for r, s in zip(t["_rewrite"].to_pylist(), sel)],
            "_status": [INVALID if st == INVALID else st if s else SKIPPED
                        for st, s in zip(t["_status"].to_pylist(), sel)],
        }
        for name, values in columns.items():
            t = t.set_column(t.schema.get_field_index(name), name, pa.array(values, pa.string()))
        # the same columns and types as the transformers path writes, so assembly is shared
        target = pq.read_schema(u["path"], filesystem=fs)
        target = pa.schema(list(target) + extra)
        sh.write_shard(t.select(target.names).cast(target), cfg["work"], u["name"], scratch=True)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("in_uri", help="examples dataset (Parquet shards, e.g. OUT/examples of `data synth`)")
    p.add_argument("out_uri", help="rewritten examples; per-query statuses go to OUT_URI_rewrites")
    p.add_argument("--model", default="embedded", help="'embedded' (SmolLM2-135M), 'tiny-random', or an HF dir")
    p.add_argument("--column", default="query")
    p.add_argument("--temperature", type=float, default=0.0, help="0: greedy; > 0: sampling seeded by --seed")
    p.add_argument("--top-p", type=float, default=0.9)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--fraction", type=float, default=1.0, help="share of queries rewritten (seeded, per id)")
    p.add_argument("--batch-size", type=int, default=8, help="prompts per generate call")
    p.add_argument("--chunk-rows", type=int, default=64, help="rows per actor call (unit of resume)")
    p.add_argument("--max-new-tokens", type=int, default=48)
    p.add_argument("--max-ratio", type=float, default=2.0, help="reject rewrites longer than this × the original")
    p.add_argument("--dtype", default="float32")
    p.add_argument("--concurrency", type=int, default=None, help="actors (default: CPUs - 1)")
    p.add_argument("--threads", type=int, default=1, help="CPU threads (and Ray CPUs) per actor")
    p.add_argument("--engine", default="hf", choices=("hf", "vllm"),
                   help="hf: transformers in an actor pool; vllm: ray.data.llm on GPUs (untested here)")


def run_from_args(a: argparse.Namespace) -> dict:
    return run(a.in_uri, a.out_uri, model=a.model, column=a.column, temperature=a.temperature, top_p=a.top_p,
               seed=a.seed, fraction=a.fraction, batch_size=a.batch_size, chunk_rows=a.chunk_rows,
               max_new_tokens=a.max_new_tokens, max_ratio=a.max_ratio, dtype=a.dtype, concurrency=a.concurrency,
               threads=a.threads, engine=a.engine)


def main(argv: list[str] | None = None) -> int:
    return job_main("data_jobs.paraphrase", __doc__, add_arguments, run_from_args, argv)


if __name__ == "__main__":
    sys.exit(main())
