"""BEIR retrieval sets: ``corpus.jsonl``, ``queries.jsonl`` and ``qrels/{train,dev,test}.tsv``.

- ``corpus.jsonl``: one ``{"_id", "title", "text"}`` per line. A corpus entry is a tool: id ``_id``,
  description ``text`` (the tool's document), name from ``title`` made a valid identifier. Many API
  corpora leave ``title`` empty and number their ids; then the name is derived from the document
  (:func:`toolfoundry.documents.derive_name`: its ``api_name``/``tool_name`` fields, else its first
  words), because a name like ``_17`` gives BM25, the tool document and a new tool token nothing to
  work with. Names are made unique with a numeric suffix.
- ``queries.jsonl``: one ``{"_id", "text"}`` per line.
- ``qrels/<split>.tsv``: tab-separated ``query-id  corpus-id  score`` with a header line. Scores are
  graded relevance (> 0 relevant). Every query with at least one positive judgement in a split becomes
  one Example of that split; its grades are kept in ``Benchmark.qrels``.

Malformed lines (bad JSON, missing fields, unknown ids, non-integer scores) become Problems.
"""

from __future__ import annotations

import os

from toolfoundry.errors import InputError
from toolfoundry.documents import derive_name, is_opaque
from toolfoundry.formats.base import Benchmark, Problem, check_tool, iter_jsonl, read_text, require_records, safe_name
from toolfoundry.schema import Example, Tool


def read_beir(root: str, name: str | None = None, splits: list[str] | None = None) -> Benchmark:
    if not os.path.isdir(root):
        raise InputError(root, "not a directory", "a BEIR folder with corpus.jsonl, queries.jsonl, qrels/")
    name = name or os.path.basename(os.path.normpath(root))
    problems: list[Problem] = []
    corpus_path = os.path.join(root, "corpus.jsonl")
    tools: list[Tool] = []
    seen: set[str] = set()
    names: set[str] = set()
    for line, obj in iter_jsonl(corpus_path, "corpus.jsonl", problems):
        doc_id, text = obj.get("_id"), obj.get("text")
        if doc_id in (None, "") or not isinstance(text, str):
            problems.append(Problem(corpus_path, line, 'corpus entry needs "_id" and a string "text"'))
            continue
        doc_id = str(doc_id)
        if doc_id in seen:
            problems.append(Problem(corpus_path, line, f"duplicate _id {doc_id!r}"))
            continue
        title = str(obj.get("title") or "")
        readable = title if not is_opaque(title) else derive_name(text) or title or doc_id
        tool_name = safe_name(readable)
        if tool_name in names:
            tool_name = safe_name(f"{tool_name}_{doc_id}")
        tool = Tool(id=doc_id, name=tool_name, description=text.strip() or title, provenance=f"beir:{name}")
        if check_tool(tool, corpus_path, line, problems):
            seen.add(doc_id)
            names.add(tool_name)
            tools.append(tool)
    require_records(tools, corpus_path, problems, "corpus entry")

    queries_path = os.path.join(root, "queries.jsonl")
    queries: dict[str, str] = {}
    for line, obj in iter_jsonl(queries_path, "queries.jsonl", problems):
        qid, text = obj.get("_id"), obj.get("text")
        if qid in (None, "") or not isinstance(text, str) or not text.strip():
            problems.append(Problem(queries_path, line, 'query needs "_id" and a non-empty "text"'))
            continue
        queries[str(qid)] = text

    qrels_dir = os.path.join(root, "qrels")
    if not os.path.isdir(qrels_dir):
        raise InputError(qrels_dir, "missing", "a qrels/ folder with <split>.tsv files")
    available = sorted(f[:-4] for f in os.listdir(qrels_dir) if f.endswith(".tsv"))
    wanted = splits or available
    for s in wanted:
        if s not in available:
            raise InputError(f"{qrels_dir}/{s}.tsv", "missing", f"one of {available}")
    examples: list[Example] = []
    qrels: dict[str, dict[str, int]] = {}
    for split in wanted:
        path = os.path.join(qrels_dir, f"{split}.tsv")
        grades: dict[str, dict[str, int]] = {}
        for lineno, raw in enumerate(read_text(path, f"qrels/{split}.tsv").splitlines(), start=1):
            if not raw.strip():
                continue
            cols = raw.rstrip("\n").split("\t")
            if lineno == 1:
                if len(cols) >= 3 and not cols[2].strip().lstrip("-").isdigit():
                    continue  # the header line: query-id corpus-id score
            if len(cols) != 3:
                problems.append(Problem(path, lineno, f"expected 3 tab-separated columns, got {len(cols)}"))
                continue
            qid, did, score = (c.strip() for c in cols)
            try:
                grade = int(float(score))
            except ValueError:
                problems.append(Problem(path, lineno, f"score {score!r} is not a number"))
                continue
            if qid not in queries:
                problems.append(Problem(path, lineno, f"query-id {qid!r} not in queries.jsonl"))
                continue
            if did not in seen:
                problems.append(Problem(path, lineno, f"corpus-id {did!r} not in corpus.jsonl"))
                continue
            grades.setdefault(qid, {})[did] = grade
        for qid, g in grades.items():
            positive = {d: v for d, v in g.items() if v > 0}
            if not positive:
                continue
            ex_id = qid if len(wanted) == 1 else f"{split}:{qid}"
            qrels[ex_id] = positive
            examples.append(Example(id=ex_id, query=queries[qid], relevant_tool_ids=tuple(positive),
                                    split=split, provenance=f"beir:{name}"))
    require_records(examples, qrels_dir, problems, "judged query")
    return Benchmark(name=name, format="beir", tools=tools, examples=examples, problems=problems, qrels=qrels)
