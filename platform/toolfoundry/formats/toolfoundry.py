"""toolfoundry's own datasets as a benchmark: ``ROOT/tools`` and ``ROOT/examples`` (Parquet + manifest).

What the synthetic jobs write (``toolfoundry data synth``, ``data scenarios``) can be evaluated like a
published benchmark: retrieval over ``tools`` with each example's ``relevant_tool_ids``, calling with
each example's candidate toolset and gold call. Splits are the examples' own (``test`` = unseen tools,
``test_query`` = seen tools with unseen queries, for the scenarios job).
"""

from __future__ import annotations

import os

from toolfoundry.errors import InputError
from toolfoundry.formats.base import Benchmark
from toolfoundry.schema import EXAMPLE_SCHEMA, TOOL_SCHEMA, examples_from_table, tools_from_table
from toolfoundry.storage import read_manifest, read_table


def read_toolfoundry(root: str, name: str | None = None) -> Benchmark:
    tools_uri, examples_uri = os.path.join(root, "tools"), os.path.join(root, "examples")
    for uri in (tools_uri, examples_uri):
        read_manifest(uri)  # names the folder when it is not a toolfoundry dataset
    tools = tools_from_table(read_table(tools_uri, TOOL_SCHEMA))
    examples = examples_from_table(read_table(examples_uri, EXAMPLE_SCHEMA))
    if not examples:
        raise InputError(examples_uri, "no examples", "a dataset written by a toolfoundry data job")
    return Benchmark(name=name or os.path.basename(os.path.normpath(root)), format="toolfoundry", tools=tools,
                     examples=examples)
