"""Readers for public benchmark formats; each returns a :class:`Benchmark` of core records.

=============  =========================================================================================
format         what is read
=============  =========================================================================================
``beir``       folder with corpus.jsonl (_id, title, text), queries.jsonl (_id, text),
               qrels/<split>.tsv (query-id, corpus-id, score; header line)
``bfcl``       folder with BFCL_v*_<category>.json (question + function list per line) and
               possible_answer/BFCL_v*_<category>.json; categories simple_python, multiple, irrelevance
``toolbench``  ToolBench / StableToolBench query file(s) or folder: JSON list of {query, query_id,
               api_list, "relevant APIs"}; the corpus is the union of all api_list entries
``metatool``   folder with all_clean_data.csv (Query, Tool) and plugin_des.json (name -> description);
               split test = sha1(query) % 5 == 0, train = the rest
``openai``     OpenAI function-calling tool list: [{"type": "function", "function": {...}}] (catalog only)
``toolfoundry``  toolfoundry datasets ROOT/tools + ROOT/examples (synthetic jobs' output)
=============  =========================================================================================
"""

from __future__ import annotations

from toolfoundry.errors import InputError
from toolfoundry.formats.base import Benchmark, Problem
from toolfoundry.formats.beir import read_beir
from toolfoundry.formats.bfcl import BfclCase, read_bfcl
from toolfoundry.formats.metatool import metatool_split, read_metatool
from toolfoundry.formats.openai_tools import read_openai_tools
from toolfoundry.formats.toolbench import read_toolbench
from toolfoundry.formats.toolfoundry import read_toolfoundry

FORMATS = {
    "beir": "folder: corpus.jsonl (_id, title, text), queries.jsonl (_id, text), qrels/<split>.tsv "
            "(query-id, corpus-id, score; header line). Retrieval; a train split enables fine-tuning.",
    "bfcl": "folder: BFCL_v*_<category>.json (question + function list per line) and "
            "possible_answer/BFCL_v*_<category>.json. Calling: simple_python, multiple, irrelevance.",
    "toolbench": "ToolBench/StableToolBench query file(s) or a folder of them: JSON list of {query, query_id, "
                 "api_list, 'relevant APIs'}; corpus = union of api_list. Retrieval.",
    "metatool": "folder: all_clean_data.csv (Query, Tool) + plugin_des.json. Retrieval; split test = rows whose "
                "int(sha1(query), 16) % 5 == 0, train = the rest.",
    "toolfoundry": "folder with tools/ and examples/ datasets written by toolfoundry data jobs (synth, "
                   "scenarios). Retrieval, calling (candidate toolsets + gold calls) and agent tasks.",
    "openai": "JSON list of OpenAI function-calling tools [{'type': 'function', 'function': {...}}]; a catalog "
              "(used with --catalog to retrieve over another tool set).",
}


def load_benchmark(fmt: str, path: str, **options) -> Benchmark:
    """Read ``path`` in format ``fmt`` (one of :data:`FORMATS`)."""
    readers = {"beir": read_beir, "bfcl": read_bfcl, "toolbench": read_toolbench,
               "metatool": read_metatool, "openai": read_openai_tools, "toolfoundry": read_toolfoundry}
    if fmt not in readers:
        raise InputError("format", f"unknown format {fmt!r}", f"one of {sorted(readers)}")
    return readers[fmt](path, **options)


__all__ = ["FORMATS", "Benchmark", "BfclCase", "InputError", "Problem", "load_benchmark", "metatool_split",
           "read_beir", "read_bfcl", "read_metatool", "read_openai_tools", "read_toolbench",
           "read_toolfoundry"]
