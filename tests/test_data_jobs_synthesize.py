"""The Ray Data synthesis job: counts, manifest, splits and byte-identical reruns."""

import collections
import filecmp
import os


from toolfoundry.config import DataConfig
from toolfoundry.schema import EXAMPLE_SCHEMA, TOOL_SCHEMA
from toolfoundry.storage import read_manifest, read_table


def test_synthesize_counts_manifest_and_determinism(ray_session, tmp_path):
    from data_jobs.synthesize import run

    cfg = DataConfig(num_tools=50, queries_per_tool=5, test_fraction=0.2, num_shards=3)
    out = run(cfg, str(tmp_path / "a"), seed=7)
    assert out["num_tools"] == 50 and out["num_examples"] == 250

    tools = read_table(out["tools"], schema=TOOL_SCHEMA)
    examples = read_table(out["examples"], schema=EXAMPLE_SCHEMA)
    assert tools.num_rows == 50 and len(set(tools["id"].to_pylist())) == 50
    assert examples.num_rows == 250
    manifest = read_manifest(out["examples"])
    assert manifest["kind"] == "synth.examples" and manifest["seed"] == 7 and manifest["rows"] == 250
    assert manifest["params"]["num_tools"] == 50 and len(manifest["shards"]) == 3
    assert manifest["quarantined"] == 0 and out["quarantined"] == 0  # generated records pass the steps
    assert read_table(out["quarantine"]).num_rows == 0 and len(read_manifest(out["quarantine"])["shards"]) == 3

    # every tool has test and train queries; roughly test_fraction of them are test
    by_tool = collections.defaultdict(collections.Counter)
    for rel, split in zip(examples["relevant_tool_ids"].to_pylist(), examples["split"].to_pylist()):
        by_tool[rel[0]][split] += 1
    assert set(by_tool) == set(tools["id"].to_pylist())
    assert all(c["test"] == 1 and c["train"] == 4 for c in by_tool.values())
    names = dict(zip(tools["id"].to_pylist(), tools["name"].to_pylist()))
    assert all(names[r[0]] == n for r, n in zip(examples["relevant_tool_ids"].to_pylist(),
                                               examples["gold_call_name"].to_pylist()))

    # same seed and parameters: the same shard files, byte for byte
    again = run(cfg, str(tmp_path / "b"), seed=7)
    for sub in ("tools", "examples"):
        files = sorted(f for f in os.listdir(tmp_path / "a" / sub) if f.endswith(".parquet"))
        assert files == sorted(f for f in os.listdir(tmp_path / "b" / sub) if f.endswith(".parquet"))
        _, mismatch, errors = filecmp.cmpfiles(tmp_path / "a" / sub, tmp_path / "b" / sub, files, shallow=False)
        assert not mismatch and not errors
    assert read_manifest(again["examples"])["content_hash"] == manifest["content_hash"]

    # a second run into the same folder finds every shard done and writes nothing
    rerun = run(cfg, str(tmp_path / "a"), seed=7)
    assert rerun["shards_written"] == 0 and rerun["num_examples"] == 250
    # another seed is another corpus, and replaces the folder's shards
    other = run(cfg, str(tmp_path / "a"), seed=8)
    assert other["shards_written"] == 3
    assert read_manifest(other["examples"])["content_hash"] != manifest["content_hash"]
