"""``toolfoundry eval``: read a benchmark in its own format, run systems on the same queries, report.

Wire into the main CLI with ``register(subparsers)``; also runnable alone as
``python -m toolfoundry.evaluation.cli ...``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from toolfoundry.errors import InputError

FORMAT_HELP = """\
formats (--format), each read natively from its published layout:
  metatool   folder with all_clean_data.csv (Query,Tool) and plugin_des.json (name -> description).
             199 tools, tool text "{name}: {description}". Splits: test = rows whose
             int(sha1(query).hexdigest(), 16) % 5 == 0 (4,139 queries), train = the other 16,475.
  beir       folder with corpus.jsonl ({_id, title, text}: one tool per line, text = its document),
             queries.jsonl ({_id, text}) and qrels/<split>.tsv (query-id, corpus-id, score; header line).
             Splits = the qrels files present (train/dev/test). Graded scores are kept for NDCG.
  toolbench  ToolBench / StableToolBench query file(s) or a folder of them: a JSON list of
             {query, query_id, api_list: [{category_name, tool_name, api_name, api_description,
             required_parameters, optional_parameters}], "relevant APIs": [[tool_name, api_name]]}.
             Corpus = union of all api_list entries; tool id "tool_name&&api_name". Split name: --split.
  bfcl       folder with BFCL_v*_<category>.json (question + function list per line) and
             possible_answer/BFCL_v*_<category>.json. Categories: simple (simple_python), multiple,
             irrelevance (no answer: the model must not call any function).
  (openai    OpenAI function-calling tool lists are read by toolfoundry.formats.read_openai_tools;
             they carry no queries, so they are catalogs, not benchmarks.)
Malformed records are reported with file and line, counted in the report, never silently dropped.

tasks (--task):
  retrieval  rank tools for each query (default for metatool, beir, toolbench). Metrics, in percent:
             acc@k (a relevant tool in the top k; acc@1 = top-1 accuracy), ndcg@k (standard: ideal DCG
             over ALL relevant tools, linear gain), recall@k, ndcg_lenient@k (the ToolBench/ToolGen
             script variant: ideal DCG over the retrieved relevant tools only; labelled, for comparison
             with those papers), hallucination_rate (returned ids not in the benchmark's tools),
             latency_ms_per_query. --corpus all ranks the whole tool set (multi-domain);
             --corpus candidates ranks each query's own toolset (in-domain; toolbench, bfcl).
             Systems (--systems): bm25 (bm25s, English stopwords), minilm (all-MiniLM-L6-v2 zero-shot),
             minilm-ft (MiniLM fine-tuned on --train-split with in-batch negatives; needs that split),
             minilm-rerank (MiniLM, or --dense-model, with its top --rerank-depth reranked by the
             query likelihood of --rerank-model; no training; only when named), plus every --model DIR
             (a trained toolfoundry ToolGen model directory).
  calling    BFCL (default for bfcl). Per category: ast_accuracy with BFCL's rules (function name,
             required parameters, no unexpected parameters, types, values among the possible answers,
             optional parameters), irrelevance_accuracy (no call emitted), hallucination_rate (a called
             function outside the candidate set), decoded_rate, latency mean/p50/p95.
             toolfoundry datasets (GenTool scenarios): per split and scenario, selection_accuracy,
             exact_arguments, argument_f1, gr_precision/gr_recall (generate_response), execution_success,
             schema_invalid_rate, hallucination_rate, truncated_rate (calls cut by max_new_tokens: no call
             is made). --split test evaluates every non-train split.
             Systems: incontext (the untuned --base-model, default the embedded SmolLM2-135M-Instruct,
             through the router: rank, then select under the candidates' JSON Schemas), every --model DIR
             (a trained checkpoint, same router), incontext-free and every --llm SOURCE (free-text answers
             parsed afterwards; BFCL only). With --relevance-gate T each router also runs gated
             (NAME+gate+rank): MiniLM decides whether to call and which candidate, the model writes the
             arguments; with --ground-optional, NAME+ground drops the optional arguments whose values
             the request never states. CPU is slow: --limit N scores N evenly spaced questions per
             category or split (reported in the notes).
  agent      ToolGen's agent step on a toolfoundry dataset's executable plain examples: pass_rate (the
             chosen tool token is the gold tool and its call returns the gold observation),
             selection_accuracy. Systems: every --model DIR with tool tokens (Action: <tool token> + JSON
             arguments), every --retrieval-model DIR (its top tool + in-context arguments).

outputs (--out DIR): report.json (every number with system, benchmark, set, split, config hash),
report.md (tables; best in bold), <metric>.png (one bar chart per metric), outputs.jsonl (calling:
each query's raw output, decoded call and verdict).

examples:
  toolfoundry eval --format metatool --data ../shared/data/metatool --systems bm25,minilm --out runs/metatool
  toolfoundry eval --format metatool --data ../shared/data/metatool --systems bm25,minilm,minilm-ft \\
      --model runs/toolgen-metatool/model --finetune-epochs 1 --out runs/metatool
  toolfoundry eval --format bfcl --data ../shared/data/bfcl --limit 50 --out runs/bfcl
  toolfoundry eval --format beir --data my_toolset/ --split test --train-split train --out runs/beir
  toolfoundry eval --format toolfoundry --data runs/scen --task calling --model runs/gentool/model --out runs/calling
"""

RETRIEVAL_SYSTEMS = ("bm25", "minilm", "minilm-ft", "minilm-rerank")
DEFAULT_RETRIEVAL = ("bm25", "minilm", "minilm-ft")  # minilm-rerank runs an LM per query: only when named
CALLING_SYSTEMS = ("incontext", "incontext-free")


def _csv(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", required=True, choices=["metatool", "beir", "toolbench", "bfcl", "toolfoundry"],
                   help="benchmark format (see above)")
    p.add_argument("--data", required=True, nargs="+", help="benchmark folder (or ToolBench file(s))")
    p.add_argument("--name", help="benchmark name in the report (default: from the format/folder)")
    p.add_argument("--task", choices=["retrieval", "calling", "agent"],
                   help="default: calling for bfcl, else retrieval")
    p.add_argument("--split", default="test", help="evaluation split (default test)")
    p.add_argument("--train-split", default="train", help="split minilm-ft trains on (default train)")
    p.add_argument("--systems", type=_csv, default=None,
                   help="comma list; retrieval: bm25,minilm,minilm-ft,minilm-rerank (default: bm25,minilm and, "
                        "with a train split, minilm-ft); calling: incontext")
    p.add_argument("--model", action="append", default=[], help="toolfoundry ToolGen model dir (repeatable)")
    p.add_argument("--fuse", type=_csv, default=[],
                   help="retrieval: also report each --model fused with these baselines by reciprocal rank "
                        "fusion (e.g. bm25 or bm25,minilm), each as its own system")
    p.add_argument("--base-model", default=None,
                   help="calling: the untuned model of the incontext systems (default: the embedded SmolLM2)")
    p.add_argument("--retrieval-model", action="append", default=[],
                   help="agent: a retrieval-only ToolGen model; its top tool gets in-context arguments (baseline)")
    p.add_argument("--llm", action="append", default=[],
                   help="calling: extra causal LM ('embedded' or a directory), repeatable")
    p.add_argument("--corpus", choices=["all", "candidates"], default="all", help="retrieval corpus (default all)")
    p.add_argument("--ks", type=lambda s: [int(x) for x in _csv(s)], default=[1, 3, 5], help="cutoffs (default 1,3,5)")
    p.add_argument("--limit", type=int, help="retrieval: N evenly spaced queries; calling: N per category (BFCL category, or split and scenario)")
    p.add_argument("--categories", type=_csv, default=None, help="bfcl categories (default simple,multiple,irrelevance)")
    p.add_argument("--dense-model", help="MiniLM directory (default: the embedded all-MiniLM-L6-v2)")
    p.add_argument("--rerank-depth", type=int, default=10, help="minilm-rerank: candidates the LM reranks")
    p.add_argument("--rerank-model", default="embedded",
                   help="minilm-rerank: the causal LM that reranks (embedded, tiny-random or a directory)")
    p.add_argument("--model-dtype", choices=["auto", "float32", "bfloat16"], default="float32",
                   help="dtype the --model directories run in (bfloat16: ~3x faster on CPUs with bf16 units, "
                        "~6x slower on CPUs without; auto: bfloat16 only where it runs in hardware)")
    p.add_argument("--finetune-dir", help="where minilm-ft is saved (default OUT/minilm-ft)")
    p.add_argument("--finetune-epochs", type=float, default=1.0)
    p.add_argument("--finetune-batch-size", type=int, default=64)
    p.add_argument("--finetune-lr", type=float, default=5e-5)
    p.add_argument("--finetune-max-steps", type=int)
    p.add_argument("--finetune-time-budget", type=float, help="seconds; training stops when spent")
    p.add_argument("--finetune-patience", type=int, default=4,
                   help="minilm-ft: stop after this many evaluations without a better dev acc@1 (0: never); "
                        "dev = the same held-out 3%% of the train split the ToolGen engine stops on")
    p.add_argument("--replay", help="calling: re-score the raw outputs of a previous run (its outputs.jsonl) "
                   "instead of generating; the system, subset and latencies are those recorded")
    p.add_argument("--replay-system", help="--replay: the system of that run to re-score (default: its only one)")
    p.add_argument("--prompt-style", choices=["tool_call", "json"], default="tool_call", help="calling prompt")
    p.add_argument("--max-new-tokens", type=int, default=None,
                   help="longest answer in tokens (default: 96 for free-text systems, 160 for routers, whose "
                        "cut calls count as truncated_rate)")
    p.add_argument("--relevance-gate", type=float, default=None, metavar="THRESHOLD",
                   help="calling: also score each router with a relevance gate (its twin NAME+gate+rank, see "
                        "--gate-ranks): below THRESHOLD "
                        "(MiniLM cosine of the query with the best candidate) it answers generate_response, "
                        "above it the model must call a candidate; 0.34 is toolfoundry's default")
    p.add_argument("--gate-ranks", choices=["no", "yes", "both"], default="yes",
                   help="--relevance-gate: the gate also ranks the candidates and the model calls the first "
                        "(NAME+gate+rank; default), or only decides whether (NAME+gate), or both twins")
    p.add_argument("--ground-optional", choices=["no", "yes", "both"], default="no",
                   help="calling: drop the optional arguments whose values the request never states (NAME+ground): "
                        "in place of each router (yes) or beside it (both)")
    p.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    p.add_argument("--out", required=True, help="report folder")
    p.add_argument("--seed", type=int, default=0)


INGEST_HELP = """\
Writes OUT/tools and OUT/examples (Parquet + manifest.json; OUT/quarantine lists malformed records)
so that a benchmark with a train split can train a ToolGen model:

  toolfoundry ingest-benchmark --format metatool --data ../shared/data/metatool --out runs/metatool/data \\
      --max-train-per-tool 20
  toolfoundry train --tools runs/metatool/data/tools --examples runs/metatool/data/examples \\
      --out runs/metatool/model
  toolfoundry eval --format metatool --data ../shared/data/metatool --model runs/metatool/model \\
      --out runs/metatool/report
"""


def register(subparsers) -> argparse.ArgumentParser:
    """Add ``eval`` (and ``ingest-benchmark``) to a parent CLI's subparsers; returns the eval parser."""
    ing = subparsers.add_parser(
        "ingest-benchmark", help="convert a public benchmark (metatool, beir, toolbench, bfcl) into toolfoundry datasets",
        description="Read a benchmark in its published format and write the tool catalog and examples as "
                    "toolfoundry datasets (the input of `toolfoundry train`).",
        epilog=INGEST_HELP + "\n" + FORMAT_HELP.split("tasks (--task)")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ing.add_argument("--format", required=True, choices=["metatool", "beir", "toolbench", "bfcl"])
    ing.add_argument("--data", required=True, nargs="+", help="benchmark folder (or ToolBench file(s))")
    ing.add_argument("--name", help="benchmark name")
    ing.add_argument("--split", default="test", help="toolbench: split name given to the queries")
    ing.add_argument("--categories", type=_csv, default=None, help="bfcl categories")
    ing.add_argument("--max-train-per-tool", type=int, help="cap training queries per tool (CPU budgets)")
    ing.add_argument("--seed", type=int, default=0)
    ing.add_argument("--out", required=True, help="output folder (gets tools/ and examples/)")
    ing.set_defaults(func=run_ingest, handler=run_ingest)

    p = subparsers.add_parser(
        "eval", help="evaluate systems on a public benchmark (metatool, beir, toolbench, bfcl)",
        description="Read a benchmark in its own published format, run toolfoundry models and baselines "
                    "on exactly the same queries, and write JSON, Markdown and PNG reports.",
        epilog=FORMAT_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(p)
    p.set_defaults(func=run_eval, handler=run_eval)
    return p


def _load(args):
    from toolfoundry.formats import read_beir, read_bfcl, read_metatool, read_toolbench

    if args.format == "metatool":
        return read_metatool(args.data[0], **({"name": args.name} if args.name else {}))
    if args.format == "beir":
        return read_beir(args.data[0], name=args.name)
    if args.format == "toolbench":
        return read_toolbench(args.data, name=args.name, split=args.split)
    if args.format == "toolfoundry":
        from toolfoundry.formats import read_toolfoundry

        return read_toolfoundry(args.data[0], name=args.name)
    cats = args.categories
    return read_bfcl(args.data[0], categories=cats, **({"name": args.name} if args.name else {}))


def run_ingest(args) -> int:
    from toolfoundry.evaluation.ingest import ingest_benchmark

    bench = _load(args)
    for prob in bench.problems[:20]:
        print(f"[ingest] malformed: {prob}", file=sys.stderr)
    summary = ingest_benchmark(bench, args.out, max_train_per_tool=args.max_train_per_tool, seed=args.seed)
    print(json.dumps(summary))
    return 0


def run_eval(args) -> int:
    from toolfoundry.evaluation import report as rep
    from toolfoundry.evaluation.runner import evaluate_calling, evaluate_retrieval, select_subset, train_pairs

    t_start = time.time()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    bench = _load(args)
    task = args.task or ("calling" if args.format == "bfcl" else "retrieval")
    print(f"[eval] {json.dumps(bench.summary())}")
    for prob in bench.problems[:20]:
        print(f"[eval] malformed: {prob}", file=sys.stderr)
    if len(bench.problems) > 20:
        print(f"[eval] ... {len(bench.problems) - 20} more malformed records (all listed in report.json)", file=sys.stderr)
    os.makedirs(args.out, exist_ok=True)
    runs = []
    extra = {"malformed_records": [str(p) for p in bench.problems]}
    if task == "retrieval":
        from toolfoundry.baselines.bm25 import BM25Retriever

        examples = select_subset(bench.split(args.split), args.limit)
        has_train = args.train_split in bench.splits() and args.train_split != args.split
        wanted = args.systems or [s for s in DEFAULT_RETRIEVAL if s != "minilm-ft" or has_train]
        unknown = [s for s in wanted if s not in RETRIEVAL_SYSTEMS]
        if unknown:
            raise InputError("--systems", f"unknown retrieval systems {unknown}", f"some of {list(RETRIEVAL_SYSTEMS)}")
        systems, index_s = [], {}
        for name in wanted:
            t0 = time.perf_counter()
            if name == "bm25":
                systems.append(BM25Retriever(bench.tools))
            elif name == "minilm":
                from toolfoundry.baselines.dense import DenseRetriever

                systems.append(DenseRetriever(bench.tools, model_path=args.dense_model))
            elif name == "minilm-rerank":
                from toolfoundry.rerank import build_reranked

                systems.append(build_reranked(bench.tools, args.dense_model, reranker=args.rerank_model,
                                              depth=args.rerank_depth, name="minilm-rerank"))
            elif name == "minilm-ft":
                if not has_train:
                    raise InputError("--systems minilm-ft", f"benchmark has no {args.train_split!r} split",
                                     f"a benchmark with a train split (has {bench.splits()}), or drop minilm-ft")
                from toolfoundry.baselines.dense import DenseRetriever, finetune_minilm

                ft_dir = args.finetune_dir or os.path.join(args.out, "minilm-ft")
                from toolfoundry.documents import tool_document

                summary = finetune_minilm(
                    train_pairs(bench, args.train_split, "train"), ft_dir, model_path=args.dense_model,
                    epochs=args.finetune_epochs, batch_size=args.finetune_batch_size, lr=args.finetune_lr,
                    max_steps=args.finetune_max_steps, time_budget_s=args.finetune_time_budget, seed=args.seed,
                    dev=train_pairs(bench, args.train_split, "dev")[:500],
                    candidates=[tool_document(t) for t in bench.tools], patience=args.finetune_patience)
                sys_ft = DenseRetriever(bench.tools, model_path=ft_dir, name="minilm-ft", trained=True)
                sys_ft.config.update({"finetune": {k: v for k, v in summary.items() if k != "base_model"},
                                      "train_split": args.train_split})
                systems.append(sys_ft)
                extra.setdefault("finetune", summary)
            index_s[systems[-1].name] = time.perf_counter() - t0
        for path in args.model:
            from toolfoundry.evaluation.runner import FusedRetriever, ToolGenSystem

            t0 = time.perf_counter()
            model_system = ToolGenSystem(path, dtype=args.model_dtype,
                                         name="toolgen" if len(args.model) == 1 else f"toolgen:{path.rstrip('/').split('/')[-1]}")
            systems.append(model_system)
            index_s[systems[-1].name] = time.perf_counter() - t0
            for partner in args.fuse:
                others = [s for s in systems if s.name.startswith(partner)]
                if not others:
                    raise InputError("--fuse", f"{partner!r} is not among the evaluated systems", "bm25 or minilm")
                systems.append(FusedRetriever([model_system, others[0]]))
        runs = evaluate_retrieval(bench, examples, systems, split=args.split, ks=args.ks, corpus=args.corpus,
                                  index_seconds=index_s)
    else:
        records: list[dict] = []
        runs = _calling_runs(args, bench, task, records)
        with open(os.path.join(args.out, "outputs.jsonl"), "w") as f:
            for r in records:
                f.write(json.dumps(r, default=str) + "\n")
    report = rep.build_report(runs, benchmark=bench.summary(), command=sys.argv,
                              wall_seconds=round(time.time() - t_start, 1), extra=extra)
    paths = rep.write_reports(report, args.out)
    print(rep.markdown(report))
    print(f"[eval] wrote {paths['json']}, {paths['markdown']} and {len(paths['charts'])} charts "
          f"({time.time() - t_start:.0f}s)")
    return 0


#: --gate-ranks / --ground-optional: which variants of each router run (no: without, yes: with, both)
_VARIANTS = {"no": [False], "yes": [True], "both": [False, True]}


def _calling_runs(args, bench, task: str, records: list[dict]) -> list:
    """BFCL (``--format bfcl``), GenTool scenarios and ToolGen's agent step (``--format toolfoundry``)."""
    from toolfoundry.evaluation.calling import (
        RouterCaller,
        RouterSystem,
        evaluate_agent,
        evaluate_scenarios,
    )
    from toolfoundry.evaluation.runner import evaluate_calling, select_subset

    # a replay generates nothing: no model is loaded
    wanted = [] if args.replay else args.systems if args.systems is not None else ["incontext"]
    unknown = [s for s in wanted if s not in CALLING_SYSTEMS]
    if unknown:
        raise InputError("--systems", f"unknown calling systems {unknown}", f"some of {list(CALLING_SYSTEMS)}")
    base = args.base_model or "embedded"
    routers = ([RouterSystem(base, "base-incontext", args.model_dtype, trained=False,
                             max_new_tokens=args.max_new_tokens)] if "incontext" in wanted else []) + [
        RouterSystem(path, dtype=args.model_dtype, max_new_tokens=args.max_new_tokens)
        for path in ([] if args.replay else args.model)]
    if args.relevance_gate is not None:
        from toolfoundry.relevance import RelevanceGate

        gate = RelevanceGate(args.relevance_gate, model_path=args.dense_model)
        gates = [gate.ranking(ranks) for ranks in _VARIANTS[args.gate_ranks]]
        routers = [twin for r in routers for twin in (r, *(r.twin(gate=g) for g in gates))]
    routers = [r.twin(ground_optional=True) if ground else r for r in routers for ground in _VARIANTS[args.ground_optional]]
    if task == "agent":
        if args.format != "toolfoundry":
            raise InputError("--task agent", f"not available for format {args.format!r}", "--format toolfoundry")
        examples = select_subset([e for e in bench.split(args.split) if e.scenario == "plain"], args.limit)
        steps = [(r.name, r.router.act) for r in routers if r.router.catalog is not None]
        for path in args.retrieval_model:
            retrieval = RouterSystem(path, name=f"{path.rstrip('/').split('/')[-1]}+incontext-args",
                                     dtype=args.model_dtype, rank=False)
            steps.append((retrieval.name, lambda q, r=retrieval.router: r.route(q, r.retrieve(q, 1))))
        if not steps:
            raise InputError("--model", "no model with a tool catalog", "a model trained by the toolgen recipe")
        return evaluate_agent(bench, examples, steps, records=records)
    if args.format == "toolfoundry":
        splits = [s for s in bench.splits() if s != "train"] if args.split == "test" else [args.split]
        # --limit is per category, and a scenario is a category: N of each (split, scenario), evenly spaced
        groups: dict[tuple[str, str], list] = {}
        for s in splits:
            for e in bench.split(s):
                groups.setdefault((s, e.scenario), []).append(e)
        examples = [e for key in sorted(groups) for e in select_subset(groups[key], args.limit)]
        if not routers:
            raise InputError("--systems/--model", "no calling system chosen", "--systems incontext or --model DIR")
        return evaluate_scenarios(bench, examples, routers, records=records)
    if args.format != "bfcl":
        raise InputError("--task calling", f"not available for format {args.format!r}", "--format bfcl or toolfoundry")
    from toolfoundry.baselines.incontext import InContextCaller, ReplayCaller

    callers = []
    if args.replay:
        callers += [ReplayCaller(args.replay, args.replay_system, ground) for ground in _VARIANTS[args.ground_optional]]
    else:
        if "incontext-free" in wanted:
            callers.append(InContextCaller(base, max_new_tokens=args.max_new_tokens or 96, style=args.prompt_style))
        callers += [InContextCaller(s, max_new_tokens=args.max_new_tokens or 96, style=args.prompt_style) for s in args.llm]
        callers += [RouterCaller(r) for r in routers]
    if not callers:
        raise InputError("--systems/--model/--llm", "no calling system chosen", "--systems incontext or --model DIR")
    return [evaluate_calling(bench, caller, limit=args.limit, records=records) for caller in callers]


def main(argv: list[str] | None = None) -> int:
    """Standalone entry: ``python -m toolfoundry.evaluation.cli eval …`` (same as ``toolfoundry eval …``)."""
    from toolfoundry.cli import main as toolfoundry_main

    return toolfoundry_main(argv)


if __name__ == "__main__":
    sys.exit(main())
