"""A synthetic multi-tool retrieval set in BEIR format, shaped like public API-retrieval benchmarks.

    .venv/bin/python bench/make_synthetic_beir.py --out runs/synbeir --num-tools 464 --seed 7

Writes ``corpus.jsonl`` (one tool per line: numeric ``_id``, **empty** ``title``, and a flat document
``category_name:…, tool_name:…, api_name:…, api_description:…, required_params: […],
optional_params: […]``), ``queries.jsonl`` and ``qrels/train.tsv`` / ``qrels/test.tsv``. Each query
asks for 2–4 things at once (one per tool, joined as a user would), so it has 2–4 relevant tools,
plus any catalog tool that can serve one of its parts just as well (a global tool for a scoped
request). Test queries are new queries over the same tools (the in-domain setting of ToolGen's
ToolBench numbers); every test tool is relevant to some training query.

It reproduces what made ToolGen fail on such a set before: no titles, numeric ids, documents as
key:value text, several relevant tools per query. The generator is toolfoundry's own
(``toolfoundry.synth``), with a seed the training corpora do not use.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys

from toolfoundry.synth import can_answer, generate_query_records, tool_at
from toolfoundry.synth import tools as synth_tools

CONNECTORS = (" Also, ", " And ", " Then ", " After that, ", " Plus: ", " On top of that, ")


def _document(tool) -> str:
    params = tool.parameters.get("properties", {})
    required = tool.parameters.get("required", [])
    description = tool.description.split(" Provided by ")[0]
    provider = tool.description.split(" Provided by ")[1].split(".")[0] if " Provided by " in tool.description else ""
    return (f"category_name:{tool.category.title()}, tool_name:{provider}, api_name:{tool.name}, "
            f"api_description:{description}, required_params: {json.dumps([p for p in params if p in required])}, "
            f"optional_params: {json.dumps([p for p in params if p not in required])}")


def build(num_tools: int, seed: int, train_queries: int, test_queries: int) -> tuple[list, list, dict]:
    rng = random.Random(f"synbeir:{seed}")
    tools = [tool_at(i, seed) for i in range(num_tools)]
    n_base = len(synth_tools.bases())
    records = {t.id: generate_query_records(t, 12, seed) for t in tools}
    used = {t.id: 0 for t in tools}

    def relevant_to(tool, rec) -> list[str]:
        out = [tool.id]
        i = int(tool.id[1:])
        if i >= n_base:  # the global tool of a scoped tool's base also serves the request
            generic = tools[i % n_base] if i % n_base < num_tools else None
            if generic is not None and can_answer(generic, rec.requirement):
                out.append(generic.id)
        return out

    def make(n_queries: int, tag: str) -> list[dict]:
        out = []
        for q in range(n_queries):
            k = rng.choice((2, 2, 3, 3, 4))
            # least-used tools first, so every tool is covered before any repeats much
            pool = sorted(tools, key=lambda t: (used[t.id], rng.random()))[: max(k * 8, 40)]
            chosen = rng.sample(pool, k)
            parts, relevant = [], []
            for t in chosen:
                rec = records[t.id][used[t.id] % len(records[t.id])]
                extra = [r for r in relevant_to(t, rec) if r not in relevant]
                if parts and len(relevant) + len(extra) > 4:  # 2 to 4 relevant tools per query
                    continue
                used[t.id] += 1
                parts.append(rec.query.rstrip())
                relevant += extra
            if len(relevant) < 2:
                continue
            text = parts[0]
            for part in parts[1:]:
                text += rng.choice(CONNECTORS) + part[:1].lower() + part[1:]
            out.append({"_id": f"{tag}{len(out)}", "text": text, "relevant": relevant})
        return out

    train = make(train_queries, "q")
    test = make(test_queries, "t")
    ids = {t.id: str(1000 + n) for n, t in enumerate(rng.sample(tools, len(tools)))}  # opaque numeric ids
    corpus = [{"_id": ids[t.id], "title": "", "text": _document(t)} for t in tools]
    qrels = {"train": [(q["_id"], ids[r]) for q in train for r in q["relevant"]],
             "test": [(q["_id"], ids[r]) for q in test for r in q["relevant"]]}
    queries = [{"_id": q["_id"], "text": q["text"]} for q in train + test]
    return corpus, queries, qrels


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--num-tools", type=int, default=464)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--train-queries", type=int, default=2200)
    p.add_argument("--test-queries", type=int, default=500)
    a = p.parse_args(argv)
    corpus, queries, qrels = build(a.num_tools, a.seed, a.train_queries, a.test_queries)
    os.makedirs(os.path.join(a.out, "qrels"), exist_ok=True)
    for name, rows in (("corpus.jsonl", corpus), ("queries.jsonl", queries)):
        with open(os.path.join(a.out, name), "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in rows)
    for split, pairs in qrels.items():
        with open(os.path.join(a.out, "qrels", f"{split}.tsv"), "w") as f:
            f.write("query-id\tcorpus-id\tscore\n")
            f.writelines(f"{q}\t{d}\t1\n" for q, d in pairs)
    per_query = {s: len(v) / len({q for q, _ in v}) for s, v in qrels.items()}
    print(json.dumps({"out": a.out, "tools": len(corpus), "queries": len(queries),
                      "relevant_per_query": {s: round(x, 2) for s, x in per_query.items()}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
