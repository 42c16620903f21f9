"""Stage datasets: the only producer of training rows.

    toolfoundry data stages TOOLS_URI EXAMPLES_URI OUT_URI [--scenarios SCEN_EXAMPLES_URI]
        [--model-dir DIR | --tokenizer embedded] [--retrieval-labels multi|pair] [--dev-fraction 0.03]

Writes one folder per stage under ``OUT_URI/text/<stage>`` (STAGE_TEXT_SCHEMA: the conversation as
messages) and, with a tokenizer, ``OUT_URI/tokens/<stage>`` (TOKEN_SCHEMA: ids, labels, slot targets),
which the training engine reads as they are:

- ``memorization`` — tool document → tool token string (ToolGen stage 1); a document longer than the
  token budget becomes several rows (chunks), never a cut;
- ``retrieval`` — query → tool token string (ToolGen stage 2); ``multi``: one row per query whose slot
  targets are *all* its relevant tools; ``pair``: one row per (query, relevant tool), as ToolGen does;
- ``agent`` — query → action (tool token + JSON arguments) → observation from the tool's
  deterministic implementation → final answer (ToolGen stage 3);
- ``gentool_rank`` / ``gentool_select`` — candidates + query → ranking / call (GenTool's two stages).

Prompts come from :mod:`toolfoundry.prompts`, token strings from the model directory's catalog
(:mod:`toolfoundry.catalog`), ids and label masks from :mod:`toolfoundry.encoding`: nothing here words a
prompt or masks a label itself. Only ``train`` examples become rows; a deterministic slice of them
(``--dev-fraction``, by example id) is written as split ``dev`` for the engine's stopping rule. Rows
with no target, tools missing from the catalog, calls the tool refuses and rows longer than
``--max-len`` are quarantined with the reason; counts by reason go into the manifest.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import sys

import pyarrow as pa
import pyarrow.parquet as pq

from data_jobs import shards as sh
from data_jobs.common import ensure_ray, job_main, prepare_output, run_shards
from toolfoundry import prompts
from toolfoundry.catalog import Catalog
from toolfoundry.documents import tool_document
from toolfoundry.errors import InputError
from toolfoundry.schema import (
    GENERATE_RESPONSE,
    QUARANTINE_SCHEMA,
    STAGE_TEXT_SCHEMA,
    TOKEN_SCHEMA,
    Example,
    Tool,
)
from toolfoundry.storage import join, read_table, resolve, shard_paths, write_manifest
from toolfoundry.training import dev_split

STAGES = ("memorization", "retrieval", "agent", "gentool_rank", "gentool_select")
_FROM = {"tools": ("memorization",), "examples": ("retrieval", "agent"), "scenarios": ("gentool_rank", "gentool_select")}
MEMORIZATION_CHUNK_TOKENS = 96


def _row(row_id: str, stage: str, split: str, tool_ids: list[str], messages: list[dict], weight: float = 1.0) -> dict:
    return {"id": row_id, "stage": stage, "split": split, "tool_ids": tool_ids, "messages": json.dumps(messages),
            "weight": weight}


class Rows:
    """Turns tools and examples into stage rows (text); what is set aside comes back with a reason."""

    def __init__(self, catalog: Catalog, tools: dict[str, Tool], *, retrieval_labels: str, dev_fraction: float,
                 chunker=None, toolset_thinning: float = 0.0):
        if retrieval_labels not in ("multi", "pair"):
            raise InputError("--retrieval-labels", f"{retrieval_labels!r}", "'multi' or 'pair'")
        if not 0 <= toolset_thinning <= 1:
            raise InputError("--toolset-thinning", f"{toolset_thinning}", "a fraction in [0, 1]")
        self.token = dict(zip(catalog.ids, catalog.token_strings()))
        self.tools = tools
        self.labels = retrieval_labels
        self.dev_fraction = dev_fraction
        self.chunker = chunker  # tool -> document chunks; default: the whole document
        self.thinning = toolset_thinning

    def memorization(self, tools: list[Tool]) -> tuple[list[dict], list[tuple[str, str]]]:
        rows, bad = [], []
        for t in tools:
            if t.id == GENERATE_RESPONSE:
                continue
            if t.id not in self.token:
                bad.append((t.id, "tool not in the model's catalog"))
                continue
            chunks = self.chunker(t) if self.chunker else [tool_document(t)]
            for c, text in enumerate(chunks):
                rows.append(_row(f"mem-{t.id}-{c}", "memorization", "train", [t.id],
                                 prompts.memorization_messages(text, self.token[t.id])))
        return rows, bad

    def _split(self, e: Example) -> str | None:
        return dev_split(e.id, self.dev_fraction) if e.split == "train" else None

    def retrieval(self, examples: list[Example]) -> tuple[list[dict], list[tuple[str, str]]]:
        rows, bad = [], []
        for e in examples:
            split = self._split(e)
            if split is None:
                continue
            relevant = [t for t in e.relevant_tool_ids if t != GENERATE_RESPONSE]
            if not relevant:
                bad.append((e.id, "no relevant tool: nothing to retrieve"))
                continue
            missing = [t for t in relevant if t not in self.token]
            if missing:
                bad.append((e.id, f"relevant tools not in the model's catalog: {missing[:3]}"))
                continue
            weight = 1.0 if not e.provenance.startswith("user:") else 4.0
            if self.labels == "multi" or split == "dev":  # dev reads acc@1 as test does: any relevant tool
                rows.append(_row(f"ret-{e.id}", "retrieval", split, relevant,
                                 prompts.retrieval_messages(e.query, self.token[relevant[0]]), weight))
            else:
                rows += [_row(f"ret-{e.id}-{k}", "retrieval", split, [t],
                              prompts.retrieval_messages(e.query, self.token[t]), weight)
                         for k, t in enumerate(relevant)]
        return rows, bad

    def agent(self, examples: list[Example]) -> tuple[list[dict], list[tuple[str, str]]]:
        from toolfoundry.synth.execute import execute

        rows, bad = [], []
        for e in examples:
            split = self._split(e)
            if split is None or e.gold_call_arguments is None or not e.relevant_tool_ids:
                continue
            tool = self.tools.get(e.relevant_tool_ids[0])
            if tool is None or tool.id not in self.token:
                bad.append((e.id, "gold tool not in the model's catalog"))
                continue
            try:
                observation = execute(tool, e.gold_call_arguments)
            except (InputError, ValueError) as err:
                bad.append((e.id, f"the tool refused the gold call: {err}"))
                continue
            answer = f"{tool.name} returned the result above."
            rows.append(_row(f"agent-{e.id}", "agent", split, [tool.id],
                             prompts.agent_messages(e.query, self.token[tool.id], e.gold_call_arguments,
                                                    observation, answer, tool)))
        return rows, bad

    def _thinned(self, e: Example) -> list[str]:
        """The example's toolset, or — for a ``toolset_thinning`` share of train examples, drawn by a
        hash of the id — a smaller one: the gold answer and ``generate_response`` stay, a random number
        of the other candidates go (at least one stays when the gold answer is ``generate_response``).

        Scenario toolsets all have the generator's ``k`` members; callers offer anything from one tool
        up, and a model that only ever saw ``k`` learns that few candidates mean "none fits"."""
        ids = list(e.candidate_tool_ids)
        if not self.thinning:
            return ids
        gold = e.gold_ranking[0] if e.gold_ranking else GENERATE_RESPONSE
        others = [c for c in ids if c not in (gold, GENERATE_RESPONSE)]
        rng = random.Random(f"toolset-thinning:{e.id}")
        low = 1 if gold == GENERATE_RESPONSE else 0
        if rng.random() >= self.thinning or len(others) <= low:
            return ids
        keep = set(rng.sample(others, rng.randint(low, len(others) - 1)))
        return [c for c in ids if c in keep or c in (gold, GENERATE_RESPONSE)]

    def gentool(self, examples: list[Example]) -> tuple[list[dict], list[dict], list[tuple[str, str]]]:
        rank, select, bad = [], [], []
        for e in examples:
            split = self._split(e)
            if split is None:
                continue
            if not e.candidate_tool_ids:
                bad.append((e.id, "no candidate toolset"))
                continue
            missing = [c for c in e.candidate_tool_ids if c not in self.tools]
            if missing:
                bad.append((e.id, f"candidates not in the tool datasets: {missing[:3]}"))
                continue
            kept = self._thinned(e) if split == "train" else list(e.candidate_tool_ids)
            cands = [self.tools[c] for c in kept]
            order = [self.tools[c].name for c in e.gold_ranking if c in kept] if e.gold_ranking else None
            gold = e.gold_call_name or GENERATE_RESPONSE
            call = {"name": gold, "arguments": (e.gold_call_arguments or {}) if gold != GENERATE_RESPONSE else {}}
            if order:
                rank.append(_row(f"rank-{e.id}", "gentool_rank", split, list(e.gold_ranking[:1]),
                                 prompts.rank_messages(e.query, cands, order)))
            select.append(_row(f"select-{e.id}", "gentool_select", split, list(e.gold_ranking[:1]),
                               prompts.select_messages(e.query, cands, call)))
        return rank, select, bad


class Tokenize:
    """Text stage shards → token shards (ids, labels, slot targets), written atomically.

    One per worker process and model (:func:`_tokenizer_state`): the stage job's tokenizing tasks
    reuse it, so a process loads the tokenizer once however many shards and runs it serves. (A Ray
    Data actor pool per run paid 10-15 s of actor start-up on every run, even for a few rows.)"""

    def __init__(self, model_dir: str, tool_ids: list[str], max_len: int):
        from toolfoundry.encoding import ChatEncoder
        from toolfoundry.modeling import load_tokenizer

        model_dir = _model_path(model_dir)
        tokenizer = load_tokenizer(model_dir)
        catalog = _catalog_for(model_dir, tool_ids)
        new = [t for t in catalog.new_vocabulary() if tokenizer.convert_tokens_to_ids(t) in (None, tokenizer.unk_token_id)]
        if new:
            tokenizer.add_tokens(new)
        self.encoder = ChatEncoder(tokenizer)
        self.position = {tid: i for i, tid in enumerate(catalog.ids)}
        self.max_len = max_len

    def encode_table(self, table: pa.Table, source: str) -> tuple[list[dict], list[dict]]:
        rows = table.to_pylist()
        encoded = self.encoder.encode_many([json.loads(r["messages"]) for r in rows])
        out, bad = [], []
        for r, enc in zip(rows, encoded):
            if len(enc) > self.max_len:
                bad.append({"source": f"{source}#{r['id']}", "reason": f"{len(enc)} tokens > max_len {self.max_len}",
                            "record": r["messages"]})
                continue
            slots = [self.position[t] for t in r["tool_ids"] if t in self.position] if r["stage"] in (
                "memorization", "retrieval") else []
            out.append({"id": r["id"], "stage": r["stage"], "split": r["split"], "input_ids": enc.input_ids,
                        "labels": enc.labels, "slot_targets": slots, "weight": r["weight"]})
        return out, bad

    def write(self, src: str, dst: str, name: str) -> dict:
        """Tokenize the text shard ``src`` into shard ``name`` of ``dst`` (and of its quarantine)."""
        table = pq.read_table(src, filesystem=resolve(src)[0])
        out, bad = self.encode_table(table, src)
        sh.write_shard(pa.Table.from_pylist(out, schema=TOKEN_SCHEMA), dst, name)
        sh.write_shard(pa.Table.from_pylist(bad, schema=QUARANTINE_SCHEMA), dst.rstrip("/") + "_quarantine", name)
        return {"dst": dst, "name": name, "rows": len(out), "quarantined": len(bad)}


def _model_stamp(model_dir: str) -> tuple:
    """What a cached tokenizer of ``model_dir`` depends on: the folder's files and their times (a
    model rewritten in place is loaded again); names like 'embedded' and URIs stand for themselves."""
    if not os.path.isdir(model_dir):
        return ()
    return tuple(sorted((f, os.stat(os.path.join(model_dir, f)).st_mtime_ns) for f in os.listdir(model_dir)
                        if f.startswith(("tokenizer", "special_tokens", "catalog", "added_tokens"))))


@functools.lru_cache(maxsize=4)
def _tokenizer_state(model_dir: str, tool_ids: tuple[str, ...], max_len: int, stamp: tuple) -> Tokenize:
    return Tokenize(model_dir, list(tool_ids), max_len)


@functools.lru_cache(maxsize=4)
def _plain_tokenizer(model_dir: str, stamp: tuple):
    from toolfoundry.modeling import load_tokenizer

    return load_tokenizer(model_dir)


def _model_path(model_dir: str) -> str:
    """A model directory on this host: URIs (shared storage, ``s3://``) are fetched once per host."""
    from toolfoundry.artifacts import is_remote, local_dir

    return local_dir(model_dir) if is_remote(model_dir) else model_dir


def _catalog_for(model_dir: str | None, tool_ids: list[str], tools: dict[str, Tool] | None = None) -> Catalog:
    """The model directory's catalog (it decides every tool's token string); an atomic catalog of the
    given tools when the source is a base model without one."""
    if model_dir and os.path.isfile(os.path.join(_model_path(model_dir), "catalog.json")):
        return Catalog.load(_model_path(model_dir))
    if tools is None:  # token strings of the atomic scheme need only the ids
        return Catalog.from_tools([Tool(id=t, name="t", description="-") for t in tool_ids])
    return Catalog.from_tools([tools[t] for t in tool_ids])


def _chunker(model_dir: str | None, max_tokens: int):
    if not model_dir:
        return None
    from data_jobs.stages import _plain_tokenizer  # the importable module's cache (see _tokenizer_state)

    path = _model_path(model_dir)
    tokenizer = _plain_tokenizer(path, _model_stamp(path))
    return lambda tool: prompts.document_chunks(tool, max_tokens, tokenizer)


def _quarantine_rows(bad: list[tuple[str, str]], source: str) -> list[dict]:
    return [{"source": f"{source}#{key}", "reason": reason, "record": key} for key, reason in bad]


def run(tools_uri: str, examples_uri: str, out_uri: str, *, scenarios_uri: str | None = None,
        model_dir: str | None = "embedded", max_len: int = 512, retrieval_labels: str = "multi",
        dev_fraction: float = 0.03, stages: tuple[str, ...] | None = None,
        tokenize_concurrency: int | None = None, toolset_thinning: float = 0.0) -> dict:
    """Write the text (and, with ``model_dir``, token) datasets of ``stages`` (default: every stage
    its inputs allow). ``model_dir`` is a model directory with a catalog (or 'embedded'/'tiny-random');
    None writes text only."""
    ensure_ray()
    import ray

    if not 0 <= dev_fraction < 0.5:
        raise InputError("--dev-fraction", f"{dev_fraction}", "a fraction in [0, 0.5)")
    if not 0 <= toolset_thinning <= 1:
        raise InputError("--toolset-thinning", f"{toolset_thinning}", "a fraction in [0, 1]")
    base_tools = [Tool.from_row(r) for r in read_table(tools_uri).to_pylist()]
    extra_tools = []
    if scenarios_uri:  # the scenario catalog (weak versions, generate_response) is a superset
        extra_tools = [Tool.from_row(r) for r in read_table(scenarios_uri.rstrip("/").rsplit("/", 1)[0] + "/tools")
                       .to_pylist()]
    tools: dict[str, Tool] = {}
    for t in base_tools + extra_tools:
        tools.setdefault(t.id, t)
    catalog = _catalog_for(model_dir, [t.id for t in base_tools if t.id != GENERATE_RESPONSE], tools)
    wanted = tuple(stages or STAGES)
    unknown = [s for s in wanted if s not in STAGES]
    if unknown:
        raise InputError("stages", f"unknown stages {unknown}", f"some of {STAGES}")
    inputs = {"tools": shard_paths(tools_uri), "examples": shard_paths(examples_uri),
              "scenarios": shard_paths(scenarios_uri) if scenarios_uri else []}
    counts_of = {s: len(inputs[kind]) for kind, names in _FROM.items() for s in names}
    active = [s for s in wanted if counts_of[s]]
    plan = {"job": "stages", "tools": tools_uri, "examples": examples_uri, "scenarios": scenarios_uri,
            "model_dir": model_dir, "max_len": max_len, "retrieval_labels": retrieval_labels,
            "dev_fraction": dev_fraction, "toolset_thinning": toolset_thinning, "stages": list(active),
            "catalog": catalog.token_strings()[:3] + [len(catalog)]}
    text_uri = {s: join(out_uri, "text", s) for s in STAGES}
    for s in active:
        prepare_output(text_uri[s], plan, counts_of[s])
        prepare_output(text_uri[s] + "_quarantine", plan, counts_of[s])
    work = [(kind, path, k, len(paths)) for kind, paths in inputs.items() for k, path in enumerate(paths)
            if any(s in active for s in _FROM[kind])]
    state = ray.put((catalog, tools))
    chunk_tokens = min(MEMORIZATION_CHUNK_TOKENS, max_len - 24)

    def produce(i: int) -> dict:
        kind, path, k, n = work[i]
        name = sh.shard_name(k, n)
        outs = [s for s in _FROM[kind] if s in active]
        # done only when every output and its quarantine shard exist: a kill can fall between the two writes
        if all(sh.shard_exists(text_uri[s], name) and sh.shard_exists(text_uri[s] + "_quarantine", name) for s in outs):
            return {"shard": i, "written": False}
        cat, tool_map = ray.get(state)
        builder = Rows(cat, tool_map, retrieval_labels=retrieval_labels, dev_fraction=dev_fraction,
                       toolset_thinning=toolset_thinning,
                       chunker=_chunker(model_dir, chunk_tokens))
        table = pq.read_table(path, filesystem=resolve(path)[0])
        bad: dict[str, list] = {s: [] for s in outs}
        if kind == "tools":
            produced, bad["memorization"] = builder.memorization([Tool.from_row(r) for r in table.to_pylist()])
            produced = {"memorization": produced}
        elif kind == "examples":
            exs = [Example.from_row(r) for r in table.to_pylist()]
            produced = {}
            if "retrieval" in outs:
                produced["retrieval"], bad["retrieval"] = builder.retrieval(exs)
            if "agent" in outs:
                produced["agent"], bad["agent"] = builder.agent(exs)
        else:
            rank, select, problems = builder.gentool([Example.from_row(r) for r in table.to_pylist()])
            produced = {"gentool_rank": rank, "gentool_select": select}
            bad = {"gentool_rank": problems, "gentool_select": problems}
        for s in outs:
            sh.write_shard(pa.Table.from_pylist(produced.get(s, []), schema=STAGE_TEXT_SCHEMA), text_uri[s], name)
            sh.write_shard(pa.Table.from_pylist(_quarantine_rows(bad.get(s, []), path), schema=QUARANTINE_SCHEMA),
                           text_uri[s] + "_quarantine", name)
        return {"shard": i, "written": True}

    run_shards(len(work), produce)
    result: dict = {"text": {}, "tokens": {}, "quarantined": {}}
    for s in active:
        q = write_manifest(text_uri[s] + "_quarantine", kind=f"stage.{s}.text_quarantine", params=plan)
        m = write_manifest(text_uri[s], kind=f"stage.{s}.text", params=plan, parents=[tools_uri, examples_uri],
                           extra={"quarantined": q["rows"], "reasons": _reasons(text_uri[s] + "_quarantine")})
        result["text"][s] = {"uri": text_uri[s], "rows": m["rows"], "quarantined": q["rows"]}
    if not model_dir:
        return result

    tok_uri = {s: join(out_uri, "tokens", s) for s in STAGES}
    jobs = []
    for s in active:
        prepare_output(tok_uri[s], plan, counts_of[s])
        prepare_output(tok_uri[s] + "_quarantine", plan, counts_of[s])
        for k, src in enumerate(shard_paths(text_uri[s])):
            name = sh.shard_name(k, counts_of[s])
            if not (sh.shard_exists(tok_uri[s], name) and sh.shard_exists(tok_uri[s] + "_quarantine", name)):
                jobs.append({"src": src, "dst": tok_uri[s], "name": name})
    if jobs:
        if tokenize_concurrency is None:
            tokenize_concurrency = max(1, min(len(jobs), int(ray.cluster_resources().get("CPU", 2)) - 1))
        tool_ids = tuple(catalog.ids)

        def tokenize(i: int) -> dict:
            # imported, not referenced: run as `python -m data_jobs.stages`, this module is __main__ and
            # its functions reach the workers by value, but a process-wide cache must be the module's
            from data_jobs.stages import _tokenizer_state

            path = _model_path(model_dir)
            return {"shard": i, **_tokenizer_state(path, tool_ids, max_len, _model_stamp(path)).write(**jobs[i])}

        run_shards(len(jobs), tokenize, max_tasks=tokenize_concurrency)
    for s in active:
        q = write_manifest(tok_uri[s] + "_quarantine", kind=f"stage.{s}.quarantine", params=plan)
        m = write_manifest(tok_uri[s], kind=f"stage.{s}.tokens", params=plan, parents=[text_uri[s]],
                           extra={"quarantined": q["rows"], "model_dir": model_dir, "max_len": max_len,
                                  "reasons": _reasons(tok_uri[s] + "_quarantine"), "num_tools": len(catalog)})
        result["tokens"][s] = {"uri": tok_uri[s], "rows": m["rows"]}
        result["quarantined"][s] = q["rows"] + result["text"][s]["quarantined"]
    return result


def _reasons(quarantine_uri: str) -> dict[str, int]:
    """Quarantined rows counted by reason (numbers in reasons folded, so similar reasons group)."""
    import re

    counts: dict[str, int] = {}
    try:
        table = read_table(quarantine_uri)
    except InputError:
        return counts
    for reason in table.column("reason").to_pylist():
        key = re.sub(r"\d+", "N", reason.split(":")[0] if ": [" in reason else reason)
        counts[key] = counts.get(key, 0) + 1
    return counts


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("tools_uri")
    p.add_argument("examples_uri", help="query → tool examples (e.g. the synth or dedupe output)")
    p.add_argument("out_uri")
    p.add_argument("--scenarios", default=None, help="scenario examples (OUT/examples of the scenarios job)")
    p.add_argument("--model-dir", "--tokenizer", dest="model_dir", default="embedded",
                   help="model directory whose tokenizer and catalog define the tokens ('embedded', "
                        "'tiny-random', a directory written by toolfoundry training, or 'none' for text only)")
    p.add_argument("--max-len", type=int, default=512, help="longest row in tokens; longer rows are quarantined")
    p.add_argument("--retrieval-labels", choices=["multi", "pair"], default="multi",
                   help="multi: one row per query, every relevant tool a target; pair: one row per (query, tool)")
    p.add_argument("--dev-fraction", type=float, default=0.03, help="share of train examples written as split dev")
    p.add_argument("--stages", default=None, help=f"comma list (default: all of {', '.join(STAGES)})")
    p.add_argument("--toolset-thinning", type=float, default=0.0,
                   help="share of train scenario examples whose toolset loses a random number of non-gold "
                        "candidates (so the model also sees one, two, ... tools offered)")


def run_from_args(a: argparse.Namespace) -> dict:
    return run(a.tools_uri, a.examples_uri, a.out_uri, scenarios_uri=a.scenarios,
               model_dir=None if a.model_dir == "none" else a.model_dir, max_len=a.max_len,
               retrieval_labels=a.retrieval_labels, dev_fraction=a.dev_fraction,
               toolset_thinning=a.toolset_thinning, stages=tuple(a.stages.split(",")) if a.stages else None)


def main(argv: list[str] | None = None) -> int:
    return job_main("data_jobs.stages", __doc__, add_arguments, run_from_args, argv)


if __name__ == "__main__":
    sys.exit(main())
