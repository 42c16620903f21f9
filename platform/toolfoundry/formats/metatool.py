"""MetaTool: ``all_clean_data.csv`` (``Query,Tool``) with tool descriptions from ``plugin_des.json``.

Tools: one per ``plugin_des.json`` entry, id and name the plugin name, description its text (so the
tool text is ``"{name}: {description}"``). Examples: one per CSV row (a query that appears on several
rows is several examples, as in the MetaTool tables), relevant tool the row's ``Tool``.

Split (the toolfoundry convention, deterministic and independent of row order): a row is ``test`` when
``int(sha1(query).hexdigest(), 16) % 5 == 0``, else ``train`` — 4,139 test queries over all 199 tools.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os

from toolfoundry.errors import InputError
from toolfoundry.formats.base import Benchmark, Problem, check_tool, read_text, require_records, safe_name
from toolfoundry.schema import Example, Tool


def metatool_split(query: str) -> str:
    return "test" if int(hashlib.sha1(query.encode("utf-8")).hexdigest(), 16) % 5 == 0 else "train"


def read_metatool(root: str, name: str = "metatool") -> Benchmark:
    if not os.path.isdir(root):
        raise InputError(root, "not a directory", "a MetaTool folder with all_clean_data.csv and plugin_des.json")
    des_path = os.path.join(root, "plugin_des.json")
    try:
        des = json.loads(read_text(des_path, "plugin_des.json"))
    except json.JSONDecodeError as err:
        raise InputError(f"{des_path}:{err.lineno}", f"not valid JSON ({err.msg})", "an object name -> description") from err
    if not isinstance(des, dict):
        raise InputError(des_path, "not a JSON object", "an object mapping tool name to description")
    problems: list[Problem] = []
    tools: list[Tool] = []
    raw_lines = read_text(des_path, "plugin_des.json").splitlines()
    line_of = {}
    for i, raw in enumerate(raw_lines, start=1):
        s = raw.strip()
        if s.startswith('"') and '":' in s:
            line_of.setdefault(json.loads(s[: s.index('":') + 1]), i)
    for tool_name, text in des.items():
        line = line_of.get(tool_name, 0)
        if not isinstance(text, str):
            problems.append(Problem(des_path, line, f"description of {tool_name!r} is not a string"))
            continue
        tool = Tool(id=tool_name, name=safe_name(tool_name), description=text.strip(), provenance="metatool")
        if check_tool(tool, des_path, line, problems):
            tools.append(tool)
    known = {t.id for t in tools}
    csv_path = os.path.join(root, "all_clean_data.csv")
    examples: list[Example] = []
    with open(csv_path, encoding="utf-8", newline="") if os.path.isfile(csv_path) else _missing(csv_path) as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or not {"Query", "Tool"} <= set(reader.fieldnames):
            raise InputError(csv_path, f"header {reader.fieldnames} lacks Query and Tool", "a header line 'Query,Tool'")
        start = reader.line_num + 1
        for row in reader:
            line = start
            start = reader.line_num + 1
            query, tool_name = (row.get("Query") or "").strip(), (row.get("Tool") or "").strip()
            if not query or not tool_name:
                problems.append(Problem(csv_path, line, "empty Query or Tool"))
                continue
            if tool_name not in known:
                problems.append(Problem(csv_path, line, f"tool {tool_name!r} has no valid entry in plugin_des.json"))
                continue
            examples.append(Example(id=f"metatool-{line}", query=row["Query"], relevant_tool_ids=(tool_name,),
                                    split=metatool_split(row["Query"]), provenance="metatool"))
    require_records(examples, csv_path, problems, "row")
    return Benchmark(name=name, format="metatool", tools=tools, examples=examples, problems=problems)


def _missing(path: str):
    raise InputError(path, "all_clean_data.csv not found", "the MetaTool query file")
