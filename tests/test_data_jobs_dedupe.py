"""The Ray Data dedupe job on a planted corpus: exact counts, decontamination, determinism."""

import filecmp
import os
import random

import pyarrow as pa
import pytest

from data_jobs import shards as sh
from toolfoundry.schema import EXAMPLE_SCHEMA
from toolfoundry.storage import read_manifest, read_table, write_manifest

WORDS = [f"w{i}" for i in range(5000)]


def _write(uri, texts, shards):
    rows = [{"id": f"e{i:04d}", "query": t, "relevant_tool_ids": ["t0"], "split": "train"} for i, t in enumerate(texts)]
    for k, (a, b) in enumerate(sh.ranges(len(rows), shards)):
        sh.write_shard(pa.Table.from_pylist(rows[a:b], schema=EXAMPLE_SCHEMA), uri, sh.shard_name(k, shards))
    write_manifest(uri, kind="test.examples")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    rng = random.Random(0)
    base = [" ".join(rng.choices(WORDS, k=60)) for _ in range(200)]
    texts = list(base)
    exact = rng.sample(range(200), 15)
    near = rng.sample([i for i in range(200) if i not in exact], 15)
    texts += [base[i].upper() + "?" for i in exact]  # exact after normalisation
    texts += [base[i] + " tail" for i in near]  # near duplicates
    rng2 = random.Random(1)
    order = list(range(len(texts)))
    rng2.shuffle(order)
    texts = [texts[i] for i in order]
    root = tmp_path_factory.mktemp("dedupe")
    _write(str(root / "in"), texts, shards=3)
    clean = [i for i in range(200) if i not in exact and i not in near]
    _write(str(root / "eval"), [base[clean[0]] + " please", base[clean[1]]], shards=1)
    return root


def test_dedupe_counts_decontaminates_and_is_partition_independent(ray_session, corpus):
    from data_jobs.dedupe import run

    a = run(str(corpus / "in"), str(corpus / "out1"), against=[str(corpus / "eval")], num_partitions=1)
    assert a["dropped_counts"] == {"contaminated": 2, "exact_duplicate": 15, "near_duplicate": 15}
    assert a["kept_rows"] == 230 - 32 and a["input_rows"] == 230
    kept = read_table(a["kept"])
    assert len(set(kept["query"].to_pylist())) == kept.num_rows
    dropped = read_table(a["dropped"]).to_pylist()
    ids = {r["id"] for r in kept.to_pylist()}
    assert all(d["duplicate_of"] in ids for d in dropped if d["reason"] != "contaminated")
    m = read_manifest(a["kept"])
    assert m["dedup"]["dropped"]["near_duplicate"] == 15 and m["rows"] == 198

    b = run(str(corpus / "in"), str(corpus / "out4"), against=[str(corpus / "eval")], num_partitions=4)
    files = sorted(f for f in os.listdir(corpus / "out1") if f.endswith(".parquet"))
    assert len(files) == 3
    _, mismatch, errors = filecmp.cmpfiles(corpus / "out1", corpus / "out4", files, shallow=False)
    assert not mismatch and not errors and b["dropped_counts"] == a["dropped_counts"]


def test_contamination_only_keeps_deliberate_repetitions(ray_session, corpus):
    """Scenario corpora ask one query twice on purpose (a zero-to-one pair): only rows near the
    evaluation set go."""
    from data_jobs.dedupe import run

    out = run(str(corpus / "in"), str(corpus / "decon"), against=[str(corpus / "eval")], num_partitions=2,
              contamination_only=True)
    assert out["dropped_counts"] == {"contaminated": 2, "exact_duplicate": 0, "near_duplicate": 0}
    assert out["kept_rows"] == 228
