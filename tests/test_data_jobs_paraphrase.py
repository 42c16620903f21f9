"""Query rewriting: the checks (pure), and the Ray Data job with the tiny random model — labels kept,
rejections counted with their reasons, byte-identical output for the same seed."""

import filecmp
import json
import os

import pytest

from toolfoundry.errors import InputError
from toolfoundry.synth import paraphrase as pp

ARGS = json.dumps({"city": "Munich", "threshold": 1458, "date": "2026-03-13", "notify": True, "lang": "german"})
QUERY = "Alert me about solar output in Munich above 1458 on 2026-03-13 in german."


def test_protected_values_are_the_gold_arguments_spelled_out():
    assert pp.protected_values(QUERY, ARGS) == ["Munich", "1458", "2026-03-13", "german"]  # booleans never
    assert pp.protected_values("limit 1500 results", {"limit": 15}) == []  # whole tokens only
    assert pp.protected_values("pick A and B", {"x": ["A", "B", "C"]}) == ["A", "B"]  # nested values
    assert pp.protected_values("no args", None) == []
    with pytest.raises(InputError, match="gold_call_arguments"):
        pp.protected_values(QUERY, "{not json")


@pytest.mark.parametrize("rewrite,status", [
    ("In Munich, warn me when solar output tops 1458 on 2026-03-13, in German.", pp.ACCEPTED),
    ("  ", "empty"),
    ("Warn me when solar output in Munich tops 1458, in german.", "lost_argument"),  # the date is gone
    ("Warn me about solar output in Munich above 14580 on 2026-03-13 in german.", "lost_argument"),
    ("alert me about solar output in  munich above 1458 on 2026-03-13 in German.", pp.UNCHANGED),
    (QUERY + " " + QUERY + " please", "too_long"),
    ("Warn me when Munich solar output tops 1458 on 2026-03-13 (ref RT-10442), in german.", "new_value"),
    ("On 2026-03-13, warn me in german when Munich's solar output tops 1458, at 15:00.", "new_value"),
])
def test_check_gives_each_reason(rewrite, status):
    assert pp.check(QUERY, rewrite, pp.protected_values(QUERY, ARGS)) == status


def test_decide_cleans_the_answer_and_keeps_the_original_on_rejection():
    good = 'Rewritten: "Notify me in german when Munich solar output passes 1458 on 2026-03-13."\nextra line'
    kept, status, rewrite = pp.decide(QUERY, good, ARGS)
    assert status == pp.ACCEPTED and kept == rewrite and rewrite.startswith("Notify me") and rewrite.endswith(".")
    kept, status, _ = pp.decide(QUERY, "Notify me about solar output.", ARGS)
    assert (kept, status) == (QUERY, "lost_argument")
    kept, status, _ = pp.decide(QUERY, good, ARGS, truncated=True)  # cut off at max_new_tokens
    assert (kept, status) == (QUERY, "too_long")
    assert pp.render("q?", chatml=True).endswith("<|im_start|>user\nq?<|im_end|>\n<|im_start|>assistant\n")
    assert pp.render("q?", chatml=False).endswith("Request: q?\nRewrite:")


@pytest.fixture(scope="module")
def examples_uri(ray_session, tmp_path_factory):
    from data_jobs.synthesize import run
    from toolfoundry.config import DataConfig

    root = tmp_path_factory.mktemp("para")
    cfg = DataConfig(num_tools=6, queries_per_tool=3, test_fraction=0.3, num_shards=2)
    return run(cfg, str(root / "data"), seed=5)["examples"]


def _shards(folder):
    return sorted(f for f in os.listdir(folder) if f.endswith(".parquet"))


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A tiny random model with a small ChatML word tokenizer, saved as a directory: the actors load
    it in milliseconds (``tiny-random`` parses the embedded GGUF tokenizer, seconds per actor)."""
    from test_data_jobs_resume import tiny_model_dir

    return tiny_model_dir(tmp_path_factory.mktemp("tiny_model"))


# ~30 s; in the fast suite, the kill-and-resume test compares this job's files byte for byte with a clean run
@pytest.mark.slow
def test_job_keeps_labels_counts_rejections_and_is_deterministic(ray_session, examples_uri, tiny_model, tmp_path):
    from data_jobs.paraphrase import run
    from toolfoundry.storage import read_manifest, read_table

    kw = dict(model=tiny_model, temperature=1.0, seed=3, fraction=0.7, chunk_rows=4, batch_size=3,
              max_new_tokens=6)
    a = run(examples_uri, str(tmp_path / "a"), concurrency=2, **kw)
    b = run(examples_uri, str(tmp_path / "b"), concurrency=1, **kw)  # other pool size, same bytes
    for name in _shards(tmp_path / "a"):
        assert filecmp.cmp(tmp_path / "a" / name, tmp_path / "b" / name, shallow=False), name
    for name in _shards(tmp_path / "a_rewrites"):
        assert filecmp.cmp(tmp_path / "a_rewrites" / name, tmp_path / "b_rewrites" / name, shallow=False), name
    assert _shards(tmp_path / "a") == _shards(examples_uri)

    src, out, log = read_table(examples_uri), read_table(a["examples"]), read_table(a["rewrites"])
    assert out.schema.equals(src.schema) and out.num_rows == src.num_rows == log.num_rows == a["rows"]
    for col in src.column_names:  # every label column unchanged, row for row
        if col != "query":
            assert out[col].to_pylist() == src[col].to_pylist(), col
    statuses = log["status"].to_pylist()
    for q_in, q_out, rewrite, status in zip(src["query"].to_pylist(), out["query"].to_pylist(),
                                            log["rewrite"].to_pylist(), statuses):
        assert q_out == (rewrite if status == pp.ACCEPTED else q_in)
    # a random model's 6 sampled tokens never end their turn: every attempted rewrite is rejected
    counts = a["counts"]
    assert counts == {s: statuses.count(s) for s in counts} and sum(counts.values()) == src.num_rows
    assert 0 < counts["skipped"] < src.num_rows  # --fraction 0.7
    assert a["attempted"] == src.num_rows - counts["skipped"] and counts[pp.ACCEPTED] == 0
    assert sum(a["rejected"].values()) == a["attempted"] and a["rejected"]["too_long"] > 0
    manifest = read_manifest(a["examples"])
    assert manifest["paraphrase"]["rejected"] == a["rejected"] and manifest["parents"] == [examples_uri]

    again = run(examples_uri, str(tmp_path / "a"), concurrency=2, **kw)  # same plan: nothing redone
    assert again["shards_written"] == 0 and again["counts"] == counts


def test_job_rejects_bad_input(ray_session, examples_uri, tmp_path):
    from data_jobs.cli import main
    from data_jobs.paraphrase import run

    with pytest.raises(InputError, match="column"):
        run(examples_uri, str(tmp_path / "x"), column="question", model="tiny-random")
    with pytest.raises(InputError, match="temperature"):
        run(examples_uri, str(tmp_path / "x"), temperature=-1, model="tiny-random")
    assert main(["data", "paraphrase", str(tmp_path / "missing"), str(tmp_path / "y")]) == 2


def test_vllm_engine_plumbing_with_a_stand_in_processor(ray_session, examples_uri, tmp_path, monkeypatch):
    """``--engine vllm`` minus vLLM itself (no GPU here): the ray.data.llm stage is replaced by a
    stand-in with its row contract; chunk writing, skipped rows and assembly are the real code."""
    import data_jobs.paraphrase as job
    from toolfoundry.storage import read_table

    def stand_in(ds, cfg):
        def row_fn(row):
            answer = "Please, " + row["query"][0].lower() + row["query"][1:]  # keeps every value
            kept, status, rewrite = pp.decide(row["query"], answer, row.get("gold_call_arguments"))
            return {**row, "query": kept, "_original": row["query"], "_rewrite": rewrite, "_status": status}
        return ds.map(row_fn)

    monkeypatch.setattr(job, "rewrite_with_vllm", stand_in)
    out = job.run(examples_uri, str(tmp_path / "v"), engine="vllm", fraction=0.5, seed=1)
    src, res, log = read_table(examples_uri), read_table(out["examples"]), read_table(out["rewrites"])
    assert res.schema.equals(src.schema) and res["id"].to_pylist() == src["id"].to_pylist()
    assert res["gold_call_arguments"].to_pylist() == src["gold_call_arguments"].to_pylist()
    statuses = log["status"].to_pylist()
    assert set(statuses) == {pp.ACCEPTED, "skipped"} and out["counts"][pp.ACCEPTED] == statuses.count(pp.ACCEPTED)
    for a, b, s in zip(src["query"].to_pylist(), res["query"].to_pylist(), statuses):
        assert (b.startswith("Please, ") and b[8:].lower() == a.lower()) if s == pp.ACCEPTED else b == a
