"""Dense retrievers an onboarded catalog can build from its synthesized queries, side by side.

    .venv/bin/python bench/dense_variants.py --tools OUT/data/catalog/tools --examples OUT/data/examples \
        --finetuned OUT/dense --real real.jsonl [--real other.jsonl] --alphas 0.3,0.5,0.7 --out DIR

Systems, each scored on the same real queries (JSONL ``{query, tool}``, as ``--real-queries`` of
``toolfoundry onboard``):

- ``zero-shot``: MiniLM-L6 as shipped;
- ``fine-tuned``: the encoder ``onboard --dense-epochs`` trained on the synthesized train rows;
- ``wise α``: the weight-space mix ``(1-α)·zero-shot + α·fine-tuned`` (WiSE-FT);
- ``… + query centroid``: each tool's vector is its document's embedding plus the mean embedding of
  its synthesized train queries (normalised), i.e. the catalog's synthesized queries as an index,
  not as training data;
- ``… + LM rerank w``: with ``--rerank-depth N``, each encoder's top N reranked by the embedded LM's
  query likelihood (``toolfoundry.rerank``), fused with weight ``w`` for each of ``--rerank-weights``.
  The LM scores every (query, candidate) once; each weight only fuses them anew.

Nothing here trains on the real queries; they are read only to score. Prints one table per query
file and writes ``results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

from toolfoundry.baselines.dense import DenseRetriever, Encoder, interpolate_encoders
from toolfoundry.baselines.ranking import top_k_ids
from toolfoundry.documents import tool_document
from toolfoundry.metrics import retrieval_metrics
from toolfoundry.rerank import DEFAULT_WEIGHT, QueryLikelihoodReranker, fuse
from toolfoundry.schema import EXAMPLE_SCHEMA, TOOL_SCHEMA, examples_from_table, tools_from_table
from toolfoundry.storage import read_table
from train_jobs.onboard import real_examples  # the same reader as onboard's --real-queries


def centroid_index(enc: Encoder, tool_ids: list[str], doc_emb: np.ndarray, train) -> np.ndarray:
    """Each tool's document embedding plus the mean embedding of its train queries, normalised
    (a tool without train queries keeps its document's). One encode pass over all the queries."""
    row = {t: i for i, t in enumerate(tool_ids)}
    pairs = [(e.query, row[t]) for e in train for t in e.relevant_tool_ids if t in row]
    sums, counts = np.zeros_like(doc_emb), np.zeros(len(tool_ids))
    if pairs:
        at = np.array([r for _, r in pairs])
        np.add.at(sums, at, enc.encode([q for q, _ in pairs]))
        np.add.at(counts, at, 1)
    out = doc_emb + sums / np.maximum(counts, 1)[:, None]
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tools", required=True)
    p.add_argument("--examples", required=True, help="the synthesized (deduped) examples")
    p.add_argument("--finetuned", required=True, help="the fine-tuned MiniLM directory")
    p.add_argument("--real", action="append", required=True, help="JSONL {query, tool}; repeatable")
    p.add_argument("--alphas", default="0.3,0.5,0.7")
    p.add_argument("--centroid", action="store_true", help="also the query-centroid index variants")
    p.add_argument("--rerank-depth", type=int, default=0, help="rerank each encoder's top N with the LM (0: off)")
    p.add_argument("--rerank-weights", default=str(DEFAULT_WEIGHT),
                   help="fusion weights of the LM's mean token log-likelihood (comma list)")
    p.add_argument("--rerank-systems", default="fine-tuned", help="encoders whose top N are reranked (comma list)")
    p.add_argument("--out", required=True)
    a = p.parse_args(argv)

    tools = tools_from_table(read_table(a.tools, TOOL_SCHEMA))
    ids = [t.id for t in tools]
    train = [e for e in examples_from_table(read_table(a.examples, EXAMPLE_SCHEMA)) if e.split == "train"]
    sets = {os.path.basename(path): real_examples(path, tools)[0] for path in a.real}
    os.makedirs(a.out, exist_ok=True)

    encoders = {"zero-shot": None, "fine-tuned": a.finetuned}
    for alpha in [float(x) for x in a.alphas.split(",") if x]:
        encoders[f"wise {alpha:g}"] = interpolate_encoders(a.finetuned, os.path.join(a.out, f"wise_{alpha:g}"),
                                                           alpha=alpha)
    results: dict[str, dict[str, dict]] = {name: {} for name in sets}
    reranker = (QueryLikelihoodReranker.load("embedded", {t.id: tool_document(t) for t in tools})
                if a.rerank_depth else None)
    weights = [float(x) for x in a.rerank_weights.split(",") if x]
    timings: dict[str, float] = {}
    for system, path in encoders.items():
        t0 = time.time()
        enc = Encoder(path)
        doc_emb = DenseRetriever(tools, encoder=enc, name=system).tool_emb
        indexes = {system: doc_emb}
        if a.centroid:
            indexes[f"{system} + query centroid"] = centroid_index(enc, ids, doc_emb, train)
        for set_name, examples in sets.items():
            q = enc.encode([e.query for e in examples])
            qrels = [set(e.relevant_tool_ids) for e in examples]
            for name, index in indexes.items():
                scores = q @ index.T
                runs = top_k_ids(scores, ids, 5)
                m = retrieval_metrics(runs, qrels)
                results[set_name][name] = {k: round(m[k], 2) for k in ("acc@1", "ndcg@5", "recall@5")}
                if reranker is None or name not in a.rerank_systems.split(","):
                    continue
                t1 = time.time()
                tops = [np.argsort(-row, kind="stable")[: a.rerank_depth] for row in scores]
                heads = [[ids[j] for j in top] for top in tops]
                first = [row[top] for row, top in zip(scores, tops)]
                logliks = [reranker.loglik(e.query, head) for e, head in zip(examples, heads)]
                timings[f"{set_name} {name} rerank s/query"] = round((time.time() - t1) / max(1, len(examples)), 3)
                for w in weights:
                    reranked = [[head[j] for j in fuse(f, ll, w)[0][:5]] for head, f, ll in zip(heads, first, logliks)]
                    m = retrieval_metrics(reranked, qrels)
                    results[set_name][f"{name} + LM rerank {w:g}"] = {
                        k: round(m[k], 2) for k in ("acc@1", "ndcg@5", "recall@5")}
        print(f"[variants] {system}: {time.time() - t0:.0f}s", flush=True)
    for set_name, rows in results.items():
        print(f"\n{set_name} ({len(sets[set_name])} queries)\n| system | acc@1 | NDCG@5 | recall@5 |\n|---|---:|---:|---:|")
        for name, m in rows.items():
            print(f"| {name} | {m['acc@1']:.2f} | {m['ndcg@5']:.2f} | {m['recall@5']:.2f} |")
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump({"train_rows": len(train), "sets": {k: len(v) for k, v in sets.items()}, "results": results,
                   "rerank": {"depth": a.rerank_depth, "timings": timings}}, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
