"""Baseline systems the evaluation compares toolfoundry models against.

- :mod:`toolfoundry.baselines.bm25`: lexical retrieval (bm25s, English stopwords).
- :mod:`toolfoundry.baselines.dense`: MiniLM-L6 dense retrieval, zero-shot or fine-tuned.
- :mod:`toolfoundry.baselines.incontext`: the untuned base LLM prompted with candidate functions.

Every retriever has the same interface: built from a list of :class:`toolfoundry.schema.Tool`, and
``search(queries, k) -> list[list[tool_id]]`` (best first). Submodules are imported lazily so that
``import toolfoundry.baselines.bm25`` never loads torch.
"""
