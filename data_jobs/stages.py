"""Stage datasets for training, as text and as token ids.

    python -m data_jobs.stages TOOLS_URI EXAMPLES_URI OUT_URI [--scenarios SCEN_EXAMPLES_URI] [--tokenizer embedded]

Writes one folder per stage under ``OUT_URI/text/`` (columns ``id, stage, split, tool_id, text,
messages``) and, when a tokenizer is given, the same rows as ``input_ids``/``labels`` under
``OUT_URI/tokens/`` so a trainer reads token ids directly:

- ``memorization`` — tool document → tool token (ToolGen stage 1);
- ``retrieval`` — query → tool token (ToolGen stage 2);
- ``agent`` — query → thought, tool token, JSON arguments, observation from the tool's deterministic
  implementation, finish (ToolGen stage 3); observations are not trained on;
- ``gentool_rank`` — candidate toolset + query → tools ordered by capability (GenTool stage 1);
- ``gentool_select`` — candidate toolset + query → the JSON call (GenTool stage 2).

``text`` and ``tool_id`` are what the ToolGen trainer's encoder reads; memorization and retrieval
rows are tokenised exactly as that encoder does (``toolfoundry.training.encode_pairs``; batched here,
with the prompt rendered once), the chat stages
with ChatML turns whose assistant turns alone carry labels. Tokenisation runs in a Ray Data actor
pool (the tokenizer loads once per actor); rows longer than ``max_len`` are quarantined, not cut.
"""

from __future__ import annotations

import argparse
import json
import sys

import pyarrow as pa
import pyarrow.parquet as pq

from data_jobs import shards as sh
from data_jobs.common import ensure_ray, prepare_output, run_shards
from toolfoundry.errors import InputError
from toolfoundry.schema import GENERATE_RESPONSE, QUARANTINE_SCHEMA, Example, Tool
from toolfoundry.storage import join, read_table, resolve, shard_paths, write_manifest

STAGES = ("memorization", "retrieval", "agent", "gentool_rank", "gentool_select")
STAGE_SCHEMA = pa.schema([
    pa.field("id", pa.string()), pa.field("stage", pa.string()), pa.field("split", pa.string()),
    pa.field("tool_id", pa.string()), pa.field("text", pa.string()),
    pa.field("messages", pa.string()),  # JSON: [{"role", "content", "train"}]
])
TOKEN_SCHEMA = pa.schema([
    pa.field("id", pa.string()), pa.field("stage", pa.string()), pa.field("split", pa.string()),
    pa.field("input_ids", pa.list_(pa.int32())), pa.field("labels", pa.list_(pa.int32())),
])
IGNORE = -100


def token_of(tool_id: str) -> str:
    return f"<<{tool_id}>>"


def _msg(role: str, content: str, train: bool = False) -> dict:
    return {"role": role, "content": content, "train": train}


def memorization_rows(tools: list[Tool]) -> list[dict]:
    return [{"id": f"mem-{t.id}", "stage": "memorization", "split": "train", "tool_id": t.id, "text": t.document(),
             "messages": json.dumps([_msg("user", "Tool: " + t.document()), _msg("assistant", token_of(t.id), True)])}
            for t in tools if t.id != GENERATE_RESPONSE]


def retrieval_rows(examples: list[Example]) -> list[dict]:
    return [{"id": f"ret-{e.id}", "stage": "retrieval", "split": e.split, "tool_id": e.relevant_tool_ids[0],
             "text": e.query, "messages": json.dumps([_msg("user", e.query),
                                                       _msg("assistant", token_of(e.relevant_tool_ids[0]), True)])}
            for e in examples if e.relevant_tool_ids]


def agent_rows(examples: list[Example], tools: dict[str, Tool]) -> list[dict]:
    """Single-tool trajectories: thought → tool token → arguments → observation → finish."""
    from toolfoundry.synth.execute import execute

    rows = []
    for e in examples:
        tool = tools.get(e.relevant_tool_ids[0]) if e.relevant_tool_ids else None
        if tool is None or e.gold_call_arguments is None:
            continue
        try:
            observation = execute(tool, e.gold_call_arguments)
        except (InputError, ValueError):  # not a synthetic tool, or arguments it refuses
            continue
        first = tool.description.split(".")[0]
        thought = f"Thought: I should use a tool that {first[:1].lower() + first[1:]}."
        msgs = [
            _msg("user", e.query),
            _msg("assistant", f"{thought}\nAction: {token_of(tool.id)}\nAction Input: "
                 f"{json.dumps(e.gold_call_arguments, sort_keys=True)}", True),
            _msg("tool", json.dumps(observation, sort_keys=True)),
            _msg("assistant", "Thought: the tool returned what was asked.\nFinish: here is the result from "
                 f"{tool.name}.", True),
        ]
        rows.append({"id": f"agent-{e.id}", "stage": "agent", "split": e.split, "tool_id": tool.id, "text": e.query,
                     "messages": json.dumps(msgs)})
    return rows


def _toolset_text(e: Example, tools: dict[str, Tool]) -> str:
    lines = [f"{i + 1}. {tools[c].name}: {tools[c].description}" for i, c in enumerate(e.candidate_tool_ids)]
    return "Tools:\n" + "\n".join(lines) + f"\nQuery: {e.query}"


def gentool_rows(examples: list[Example], tools: dict[str, Tool]) -> tuple[list[dict], list[dict]]:
    rank, select = [], []
    for e in examples:
        if not e.candidate_tool_ids or any(c not in tools for c in e.candidate_tool_ids):
            continue
        ctx = _toolset_text(e, tools)
        order = " > ".join(tools[c].name for c in e.gold_ranking)
        call = json.dumps({"name": e.gold_call_name, "arguments": e.gold_call_arguments or {}}, sort_keys=True)
        gold = e.gold_ranking[0] if e.gold_ranking else GENERATE_RESPONSE
        rank.append({"id": f"rank-{e.id}", "stage": "gentool_rank", "split": e.split, "tool_id": gold, "text": e.query,
                     "messages": json.dumps([_msg("user", ctx + "\nRank the tools by how well they can answer."),
                                             _msg("assistant", order, True)])})
        select.append({"id": f"select-{e.id}", "stage": "gentool_select", "split": e.split, "tool_id": gold,
                       "text": e.query, "messages": json.dumps([_msg("user", ctx + "\nCall the best tool."),
                                                               _msg("assistant", call, True)])})
    return rank, select


class Tokenize:
    """Ray Data actor: text stage shards → token-id shards (written atomically by the actor)."""

    def __init__(self, tokenizer_source: str, tool_ids: list[str], max_len: int):
        from toolfoundry.modeling import load_tokenizer

        self.tok = load_tokenizer(tokenizer_source)
        new = [token_of(t) for t in tool_ids if token_of(t) not in self.tok.get_vocab()]
        self.tok.add_tokens(new)
        self.max_len = max_len
        vocab = self.tok.get_vocab()
        self.chatml = "<|im_start|>" in vocab and "<|im_end|>" in vocab
        from toolfoundry.prompts import end_of_turn, render_prompt

        # the trainer's prompt format, rendered once (render_prompt looks the vocabulary up per call)
        self.templates = {task: tuple(render_prompt(self.tok, "\x00", task).split("\x00"))
                          for task in ("memorization", "retrieval")}
        self.eot = end_of_turn(self.tok)

    def _pairs(self, texts: list[str], targets: list[str], task: str) -> list[tuple[list[int], list[int]]]:
        """What ``toolfoundry.training.encode_pairs`` gives, in two batched tokenizer calls; rows too
        long for ``max_len`` go through ``encode_pairs`` itself (it cuts inside the user turn)."""
        from toolfoundry.training import encode_pairs

        pre, post = self.templates[task]
        p_ids = self.tok([pre + t + post for t in texts], add_special_tokens=False)["input_ids"]
        t_ids = self.tok([t + self.eot for t in targets], add_special_tokens=False)["input_ids"]
        out, slow = [], []
        for i, (p, t) in enumerate(zip(p_ids, t_ids)):
            if len(p) + len(t) <= self.max_len:
                out.append((p + t, [IGNORE] * len(p) + t))
            else:
                out.append(None)
                slow.append(i)
        if slow:
            enc = encode_pairs(self.tok, [texts[i] for i in slow], [targets[i] for i in slow], task, self.max_len)
            for i, ids, labels in zip(slow, enc["input_ids"], enc["labels"]):
                out[i] = (ids, labels)
        return out

    def _chat_batch(self, conversations: list[list[dict]]) -> list[tuple[list[int], list[int]]]:
        """Token ids and labels of many conversations, with one tokenizer call for all their turns."""
        pieces, trained = [], []
        for messages in conversations:
            for m in messages:
                if self.chatml:
                    head, body = f"<|im_start|>{m['role']}\n", m["content"] + "<|im_end|>\n"
                else:
                    head, body = f"{m['role'].capitalize()}: ", m["content"] + "\n"
                pieces += [head, body]
                trained += [False, bool(m["train"])]
        ids = self.tok(pieces, add_special_tokens=False)["input_ids"] if pieces else []
        out, i = [], 0
        for messages in conversations:
            seq, labels = [], []
            for _ in range(2 * len(messages)):
                seq += ids[i]
                labels += ids[i] if trained[i] else [IGNORE] * len(ids[i])
                i += 1
            out.append((seq, labels))
        return out

    def __call__(self, batch: dict) -> dict:
        results = []
        for src, dst, name in zip(batch["src"], batch["dst"], batch["name"]):
            fs, _ = resolve(src)
            rows = pq.read_table(src, filesystem=fs).to_pylist()
            out, bad = [], []
            plain = [r for r in rows if r["stage"] in ("memorization", "retrieval")]
            chat = [r for r in rows if r["stage"] not in ("memorization", "retrieval")]
            encoded = {}
            for stage in ("memorization", "retrieval"):
                group = [r for r in plain if r["stage"] == stage]
                if not group:
                    continue
                try:
                    pairs = self._pairs([r["text"] for r in group], [token_of(r["tool_id"]) for r in group], stage)
                except ValueError as err:  # max_len leaves no room for the prompt: every row is unusable
                    bad += [{"source": f"{src}#{r['id']}", "reason": str(err), "record": r["text"]} for r in group]
                    continue
                for r, (ids, labels) in zip(group, pairs):
                    encoded[r["id"]] = (ids, labels)
            for r, (ids, labels) in zip(chat, self._chat_batch([json.loads(r["messages"]) for r in chat])):
                if len(ids) > self.max_len:
                    bad.append({"source": f"{src}#{r['id']}", "reason": f"{len(ids)} tokens > max_len {self.max_len}",
                                "record": r["messages"]})
                    continue
                encoded[r["id"]] = (ids, labels)
            for r in rows:  # the text shard's order
                if r["id"] in encoded:
                    ids, labels = encoded[r["id"]]
                    out.append({"id": r["id"], "stage": r["stage"], "split": r["split"], "input_ids": ids,
                                "labels": labels})
            sh.write_shard(pa.Table.from_pylist(out, schema=TOKEN_SCHEMA), dst, name)
            sh.write_shard(pa.Table.from_pylist(bad, schema=QUARANTINE_SCHEMA), dst.rstrip("/") + "_quarantine", name)
            results.append(json.dumps({"dst": dst, "name": name, "rows": len(out), "quarantined": len(bad)}))
        return {"result": results}


def run(tools_uri: str, examples_uri: str, out_uri: str, *, scenarios_uri: str | None = None,
        tokenizer: str | None = "embedded", max_len: int = 512, tokenize_concurrency: int | None = None) -> dict:
    ensure_ray()
    import ray

    tools_list = [Tool.from_row(r) for r in read_table(tools_uri).to_pylist()]
    if scenarios_uri:  # the scenario catalog (weak versions, generate_response) is a superset
        tools_list += [Tool.from_row(r) for r in read_table(scenarios_uri.rstrip("/").rsplit("/", 1)[0] + "/tools")
                       .to_pylist()]
    tools = {}
    for t in tools_list:
        tools.setdefault(t.id, t)
    tool_shards = shard_paths(tools_uri)
    ex_shards = shard_paths(examples_uri)
    scen_shards = shard_paths(scenarios_uri) if scenarios_uri else []
    plan = {"job": "stages", "tools": tools_uri, "examples": examples_uri, "scenarios": scenarios_uri,
            "tokenizer": tokenizer, "max_len": max_len}
    counts_of = {"memorization": len(tool_shards), "retrieval": len(ex_shards), "agent": len(ex_shards),
                 "gentool_rank": len(scen_shards), "gentool_select": len(scen_shards)}
    text_uri = {s: join(out_uri, "text", s) for s in STAGES}
    for s in STAGES:
        prepare_output(text_uri[s], plan, counts_of[s])
    work = ([("tools", p, k, len(tool_shards)) for k, p in enumerate(tool_shards)]
            + [("examples", p, k, len(ex_shards)) for k, p in enumerate(ex_shards)]
            + [("scenarios", p, k, len(scen_shards)) for k, p in enumerate(scen_shards)])
    state = ray.put(tools)

    def produce(i: int) -> dict:
        kind, path, k, n = work[i]
        name = sh.shard_name(k, n)
        outs = {"tools": ["memorization"], "examples": ["retrieval", "agent"],
                "scenarios": ["gentool_rank", "gentool_select"]}[kind]
        if all(sh.shard_exists(text_uri[s], name) for s in outs):
            return {"shard": i, "written": False}
        table = pq.read_table(path, filesystem=resolve(path)[0])
        if kind == "tools":
            produced = {"memorization": memorization_rows([Tool.from_row(r) for r in table.to_pylist()])}
        elif kind == "examples":
            exs = [Example.from_row(r) for r in table.to_pylist()]
            produced = {"retrieval": retrieval_rows(exs), "agent": agent_rows(exs, ray.get(state))}
        else:
            rank, select = gentool_rows([Example.from_row(r) for r in table.to_pylist()], ray.get(state))
            produced = {"gentool_rank": rank, "gentool_select": select}
        for s, rows in produced.items():
            sh.write_shard(pa.Table.from_pylist(rows, schema=STAGE_SCHEMA), text_uri[s], name)
        return {"shard": i, "written": True}

    run_shards(len(work), produce)
    result = {"text": {}, "tokens": {}, "quarantined": {}}
    for s in STAGES:
        if counts_of[s]:
            m = write_manifest(text_uri[s], kind=f"stage.{s}.text", params=plan, parents=[tools_uri, examples_uri])
            result["text"][s] = {"uri": text_uri[s], "rows": m["rows"]}
    if not tokenizer:
        return result

    tok_uri = {s: join(out_uri, "tokens", s) for s in STAGES}
    jobs = []
    for s in STAGES:
        if not counts_of[s]:
            continue
        prepare_output(tok_uri[s], plan, counts_of[s])
        prepare_output(tok_uri[s] + "_quarantine", plan, counts_of[s])
        for k, src in enumerate(shard_paths(text_uri[s])):
            name = sh.shard_name(k, counts_of[s])
            if not (sh.shard_exists(tok_uri[s], name) and sh.shard_exists(tok_uri[s] + "_quarantine", name)):
                jobs.append({"src": src, "dst": tok_uri[s], "name": name})
    if jobs:
        if tokenize_concurrency is None:
            tokenize_concurrency = max(1, min(len(jobs), int(ray.cluster_resources().get("CPU", 2)) - 1))
        ds = ray.data.from_items(jobs, override_num_blocks=len(jobs)).map_batches(
            Tokenize, fn_constructor_args=(tokenizer, sorted(tools), max_len), batch_size=1,
            compute=ray.data.ActorPoolStrategy(size=tokenize_concurrency), num_cpus=1)
        ds.materialize()
    for s in STAGES:
        if counts_of[s]:
            q = write_manifest(tok_uri[s] + "_quarantine", kind=f"stage.{s}.quarantine", params=plan)
            m = write_manifest(tok_uri[s], kind=f"stage.{s}.tokens", params=plan, parents=[text_uri[s]],
                               extra={"quarantined": q["rows"], "tokenizer": tokenizer, "max_len": max_len})
            result["tokens"][s] = {"uri": tok_uri[s], "rows": m["rows"]}
            result["quarantined"][s] = q["rows"]
    return result


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("tools_uri")
    p.add_argument("examples_uri", help="query → tool examples (e.g. the synth or dedupe output)")
    p.add_argument("out_uri")
    p.add_argument("--scenarios", default=None, help="scenario examples (OUT/examples of the scenarios job)")
    p.add_argument("--tokenizer", default="embedded",
                   help="'embedded', 'tiny-random', a model directory, or 'none' for text only")
    p.add_argument("--max-len", type=int, default=512)


def run_from_args(a: argparse.Namespace) -> dict:
    return run(a.tools_uri, a.examples_uri, a.out_uri, scenarios_uri=a.scenarios,
               tokenizer=None if a.tokenizer == "none" else a.tokenizer, max_len=a.max_len)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m data_jobs.stages", description=__doc__.split("\n")[0])
    add_arguments(p)
    print(json.dumps(run_from_args(p.parse_args(argv)), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
