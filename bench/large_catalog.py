"""The catalog size ToolGen was built for: 47,000 tools on SmolLM2-135M, on this machine.

    .venv/bin/python bench/large_catalog.py --num-tools 47000 --out runs/large_catalog

Times each step and the process's peak memory: generating the catalog, building it (atomic tokens;
hierarchical codes with ``--hierarchical``), adding one token per tool with its document-mean
initialisation and saving the model, one training step of the ToolGen retrieval loss (top layers +
tool rows, batch of 16 queries) and one retrieval forward with a masked top-5 over all 47,000 tool
tokens, beside the same forward against a 200-tool catalog.

``--device cuda`` runs the training step and the retrievals on a GPU (bf16 autocast). Where the
embedded weights cannot travel, ``--random-from DIR`` builds the base model from DIR's config.json and
tokenizer with random weights: the same shapes and therefore the same costs, meaningless rankings.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))


def peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--num-tools", type=int, default=47000)
    p.add_argument("--out", default="runs/large_catalog")
    p.add_argument("--hierarchical", action="store_true", help="also build hierarchical codes (MiniLM + k-means)")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    p.add_argument("--device", default="cpu", help="cpu or cuda: where the training step and retrievals run")
    p.add_argument("--random-from", default=None, metavar="DIR",
                   help="a model folder with config.json and a tokenizer: random weights of that shape as the base")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    from toolfoundry.catalog import Catalog
    from toolfoundry.encoding import ChatEncoder
    from toolfoundry.modeling import load_tokenizer, prepare_initial_model
    from toolfoundry.prompts import retrieval_messages
    from toolfoundry.retrieval import ToolRetriever
    from toolfoundry.synth import generate_query_records, generate_tools
    from toolfoundry.training import StageLoss, Trainable, collate, install_tool_rows, make_trainable

    timings: dict[str, float] = {}

    def timed(name: str, fn):
        t0 = time.perf_counter()
        out = fn()
        timings[name] = round(time.perf_counter() - t0, 2)
        print(f"{name:<48} {timings[name]:>8.2f}s   peak RSS {peak_gib():.2f} GiB", flush=True)
        return out

    tools = timed(f"generate {a.num_tools} tools", lambda: generate_tools(a.num_tools, seed=11))
    catalog = timed("catalog (atomic indexing)", lambda: Catalog.from_tools(tools))
    if a.hierarchical:
        timed("catalog (hierarchical: MiniLM + k-means)", lambda: Catalog.from_tools(tools, "hierarchical"))
    base_source = "embedded"
    if a.random_from:
        base_source = os.path.join(a.out, "random_base")
        torch.manual_seed(0)
        AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(a.random_from)).save_pretrained(base_source)
        AutoTokenizer.from_pretrained(a.random_from).save_pretrained(base_source)
    model_dir = os.path.join(a.out, "init_model")
    timed("add tokens, document-mean init, save model", lambda: prepare_initial_model(base_source, catalog, model_dir))
    size_mb = sum(os.path.getsize(os.path.join(model_dir, f)) for f in os.listdir(model_dir)) / 2**20

    model = timed("load the model", lambda: AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32))
    tokenizer = load_tokenizer(model_dir)
    encoder = ChatEncoder(tokenizer)
    tokens = catalog.token_strings()
    picks = list(range(0, a.num_tools, max(1, a.num_tools // 16)))[:16]
    rows = []
    for i in picks:
        query = generate_query_records(tools[i], 1, 0)[0].query
        enc = encoder.encode(retrieval_messages(query, tokens[i]))
        rows.append({"input_ids": enc.input_ids, "labels": enc.labels, "slot_targets": [i], "weight": 1.0})
    batch = {k: v.to(a.device) if torch.is_tensor(v) else v
             for k, v in collate(rows, tokenizer.pad_token_id, len(catalog)).items()}
    model.to(a.device)
    trow, head = install_tool_rows(model, len(catalog.new_vocabulary()))
    model, base, tool_params = make_trainable(model, trow, head, Trainable(profile="top_layers", top_layers=6))
    loss_fn = StageLoss(model, trow, head, "tool_slot")
    opt = torch.optim.AdamW([{"params": base, "lr": 3e-4}, {"params": tool_params, "lr": 3e-3}])

    def step():
        with torch.autocast(torch.device(a.device).type, dtype=torch.bfloat16):
            loss, _, _ = loss_fn(**batch)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return float(loss.detach())

    timed("training step 1 (16 queries, top 6 layers)", step)
    timed("training step 2", step)

    del model, opt, loss_fn
    retriever = ToolRetriever(AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.bfloat16).to(a.device),
                              tokenizer, catalog)
    queries = [generate_query_records(tools[i], 1, 1)[0].query for i in picks]
    retriever.retrieve(queries[:2], 5)
    timed(f"retrieve top-5 over {a.num_tools} tools (16 queries)", lambda: retriever.retrieve(queries, 5))
    small = Catalog.from_tools(tools[:200])
    small_dir = os.path.join(a.out, "init_model_200")
    prepare_initial_model(base_source, small, small_dir)
    small_retriever = ToolRetriever(AutoModelForCausalLM.from_pretrained(small_dir, dtype=torch.bfloat16).to(a.device),
                                    load_tokenizer(small_dir), small)
    small_retriever.retrieve(queries[:2], 5)
    timed("retrieve top-5 over 200 tools (16 queries)", lambda: small_retriever.retrieve(queries, 5))
    result = {"num_tools": a.num_tools, "device": a.device, "random_weights": bool(a.random_from), "timings_s": timings, "model_dir_mib": round(size_mb, 1),
              "peak_rss_gib": round(peak_gib(), 2), "load_average": os.getloadavg()[0]}
    print(json.dumps(result, indent=2))
    with open(os.path.join(a.out, "result.json"), "w") as f:
        json.dump(result, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
