"""`toolfoundry data …` subcommands: ingest of an MCP tools/list with quarantine, clear errors."""

import json

from data_jobs.cli import main
from toolfoundry.storage import read_manifest, read_table


def test_ingest_mcp_quarantines_bad_tools(ray_session, tmp_path, capsys):
    src = tmp_path / "tools_list.json"
    src.write_text(json.dumps({"jsonrpc": "2.0", "id": 1, "result": {"tools": [
        {"name": "get_weather", "description": "Current weather for a city",
         "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}},
        {"name": "no_desc", "description": "", "inputSchema": {"type": "object"}},
        {"name": "get_weather", "description": "again", "inputSchema": {"type": "object"}},
        {"name": "search_docs", "description": "Search documentation",
         "inputSchema": {"type": "object", "properties": {"q": {"type": "string"}}}},
    ]}}))
    assert main(["data", "ingest", str(tmp_path / "out"), "--format", "mcp", "--data", str(src)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["num_tools"] == 2 and result["quarantined"] == 2
    tools = read_table(result["tools"]).to_pylist()
    assert [t["name"] for t in tools] == ["get_weather", "search_docs"]
    assert json.loads(tools[0]["parameters"])["required"] == ["city"]
    reasons = read_table(result["quarantine"])["reason"].to_pylist()
    assert any("description: empty" in r for r in reasons) and any("duplicate" in r for r in reasons)
    assert all(str(src) in s for s in read_table(result["quarantine"])["source"].to_pylist())
    assert {t["provenance"] for t in tools} == {f"mcp:{src}"}  # the user's file, not a temporary copy
    assert read_manifest(result["tools"])["rows"] == 2
    assert result["quarantine_reasons"] == {"malformed": 2}
    assert read_manifest(result["quarantine"])["quarantined"] == 2


def test_bad_arguments_name_the_field(tmp_path, capsys):
    assert main(["data", "synth", str(tmp_path / "x"), "--num-tools", "1"]) == 2
    assert "num_tools" in capsys.readouterr().err
    assert main(["data", "dedupe", str(tmp_path / "missing"), str(tmp_path / "y")]) == 2
    assert "missing" in capsys.readouterr().err
