"""Tool tokens and their initialisation, the trie and constrained retrieval, on a tiny model."""

from __future__ import annotations

import copy
import os

import numpy as np
import pytest
import torch

from toolfoundry.catalog import Catalog, atomic_token
from toolfoundry.modeling import add_tool_tokens, load_base_model
from toolfoundry.retrieval import ToolRetriever
from toolfoundry.schema import Tool
from toolfoundry.trie import ToolTrie, TrieLogitsProcessor

TOOLS = [
    Tool(id=f"t{i}", name=name, description=f"Tool number {i}: {name.replace('_', ' ')}.",
         parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]})
    for i, name in enumerate(
        ["get_weather_forecast", "book_flight", "convert_currency", "send_email", "search_recipes",
         "get_stock_price", "translate_text", "create_calendar_event"]
    )
]


@pytest.fixture(scope="module")
def tiny():
    model, tokenizer = load_base_model("tiny-random", seed=3)
    return model, tokenizer


def test_tool_token_starts_at_the_mean_of_its_name_subwords(tiny):
    model, tokenizer = load_base_model("tiny-random", seed=3)
    before = model.get_input_embeddings().weight.detach().clone()
    new_ids = add_tool_tokens(model, tokenizer, Catalog.from_tools(TOOLS), init="name")
    assert len(new_ids) == len(TOOLS) and len(tokenizer) == before.shape[0] + len(TOOLS)
    weight = model.get_input_embeddings().weight
    for tool, token_id in zip(TOOLS, new_ids):
        pieces = tokenizer(tool.name.replace("_", " "), add_special_tokens=False)["input_ids"]
        torch.testing.assert_close(weight[token_id], before[pieces].mean(0))
        assert tokenizer.convert_ids_to_tokens(token_id) == atomic_token(tool.id)
    # tied: the output head reads the same rows
    assert model.get_output_embeddings().weight.data_ptr() == weight.data_ptr()


def test_document_init_separates_tools_whose_names_share_subwords():
    """Untitled catalogs name tools _100, _101, … (or give several tools one name): name-mean rows then
    coincide or nearly so; document-mean rows stay apart."""
    texts = ["Forecast rain and temperature for a city.", "Book a table at a restaurant.",
             "Convert an amount between two currencies.", "Translate a paragraph into French."]
    base = load_base_model("tiny-random", seed=3)
    for names in (["get_data"] * 4, [f"_{100 + i}" for i in range(4)]):
        tools = [Tool(id=f"d{i}", name=n, description=t) for i, (n, t) in enumerate(zip(names, texts))]
        worst = {}
        for init in ("name", "document"):
            model, tokenizer = copy.deepcopy(base)
            ids = add_tool_tokens(model, tokenizer, Catalog.from_tools(tools), init=init)
            w = torch.nn.functional.normalize(model.get_input_embeddings().weight[ids].detach(), dim=1)
            worst[init] = float((w @ w.T)[~torch.eye(len(tools), dtype=torch.bool)].max())
        assert worst["document"] < 0.9 and worst["document"] < worst["name"] - 0.05, (names, worst)


def test_trie_accepts_only_catalog_sequences():
    trie = ToolTrie([[5, 6, 9], [5, 7, 9], [8, 9]])
    assert sorted(trie.next_tokens([])) == [5, 8]
    assert sorted(trie.next_tokens([5])) == [6, 7]
    assert trie.match([5, 7, 9]) == 1 and trie.match([8, 9]) == 2
    assert trie.match([5, 9]) is None and trie.next_tokens([4]) == []
    with pytest.raises(ValueError, match="same token sequence"):
        ToolTrie([[1, 2], [1, 2]])


def test_logits_processor_masks_everything_off_the_trie():
    trie = ToolTrie([[5, 6, 9], [5, 7, 9], [8, 9]])
    proc = TrieLogitsProcessor(trie, vocab_size=12, stop_token_id=9)
    prompt = torch.tensor([[1, 2], [3, 4]])
    scores = proc(prompt, torch.zeros(2, 12))
    assert torch.isfinite(scores).nonzero()[:, 1].unique().tolist() == [5, 8]
    step2 = proc(torch.tensor([[1, 2, 5], [3, 4, 8]]), torch.zeros(2, 12))
    assert torch.isfinite(step2[0]).nonzero().flatten().tolist() == [6, 7]
    assert torch.isfinite(step2[1]).nonzero().flatten().tolist() == [9]


@pytest.mark.parametrize("scheme", ["atomic", "semantic", "numeric", "hierarchical"])
def test_retrieval_returns_k_distinct_catalog_tools(tiny, scheme):
    model, tokenizer = load_base_model("tiny-random", seed=3)
    vectors = np.random.default_rng(0).normal(size=(len(TOOLS), 8))
    catalog = Catalog.from_tools(TOOLS, scheme, embed=lambda texts: vectors)
    add_tool_tokens(model, tokenizer, catalog)
    retriever = ToolRetriever(model, tokenizer, catalog)
    queries = ["what will the weather be in Paris", "buy a plane ticket", "", "x " * 40]
    results = retriever.retrieve(queries, k=4)
    assert len(results) == len(queries)
    for hits in results:
        ids = [h.id for h in hits]
        assert len(ids) == len(set(ids)) == 4
        assert set(ids) <= set(catalog.ids)
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_atomic_masked_topk_equals_trie_beam_search(tiny):
    """One forward + masked top-k gives the same top-k as beam search under the trie (k beams)."""
    model, tokenizer = load_base_model("tiny-random", seed=3)
    catalog = Catalog.from_tools(TOOLS)
    add_tool_tokens(model, tokenizer, catalog)
    retriever = ToolRetriever(model, tokenizer, catalog)
    queries = ["send a message to Bob", "weather in Oslo tomorrow", "convert 20 euros"]
    fast = retriever.retrieve(queries, k=5)
    beam = retriever._retrieve_beam(queries, k=5)
    for a, b in zip(fast, beam):
        assert [h.id for h in a] == [h.id for h in b]


def test_catalog_refuses_duplicate_ids_and_bad_tools():
    from toolfoundry.errors import InputError

    with pytest.raises(InputError, match="duplicate id"):
        Catalog.from_tools([TOOLS[0], TOOLS[0]])
    with pytest.raises(InputError, match="description"):
        Catalog.from_tools([Tool(id="x", name="x", description=" ")])


def test_atomic_ranking_matches_an_independent_forward_pass(tiny):
    """The expected order is computed apart from the retriever: each query encoded on its own (no
    padding), a plain forward pass, each tool's logit read at its own token, looked up by its string."""
    import math

    model, tokenizer = load_base_model("tiny-random", seed=3)
    catalog = Catalog.from_tools(TOOLS)
    add_tool_tokens(model, tokenizer, catalog)
    retriever = ToolRetriever(model, tokenizer, catalog)
    queries = ["send a message to Bob", "what will the weather be in Paris next weekend, should I take an umbrella"]
    got = retriever.retrieve(queries, k=len(TOOLS))  # one left-padded batch of two lengths
    for query, hits in zip(queries, got):
        enc = retriever._encode([query])  # the prompt alone: no padding, no batch
        with torch.no_grad():
            last = model(**enc).logits[0, -1].double()
        logit = {t.id: float(last[tokenizer.convert_tokens_to_ids(atomic_token(t.id))]) for t in TOOLS}
        order = [h.id for h in hits]
        assert sorted(order) == sorted(logit)  # every tool once
        # best first by the independent logits (up to float noise between a padded batch and one prompt)
        assert all(logit[a] >= logit[b] - 1e-4 for a, b in zip(order, order[1:])), (order, logit)
        norm = math.log(sum(math.exp(v) for v in logit.values()))
        assert [h.score for h in hits] == pytest.approx([logit[i] - norm for i in order], abs=1e-4)


def test_the_embedded_tokenizer_is_converted_once_and_loads_the_same(tmp_path, monkeypatch):
    """The GGUF's tokenizer is converted into a cached folder; what loads from there encodes, decodes
    and renders chat prompts exactly as the GGUF's own does."""
    from transformers import AutoTokenizer

    from toolfoundry.modeling import embedded_gguf, embedded_tokenizer_dir, load_tokenizer

    monkeypatch.setenv("TOOLFOUNDRY_CACHE", str(tmp_path))
    cached = load_tokenizer("tiny-random")
    folder = embedded_tokenizer_dir()
    assert folder.startswith(str(tmp_path)) and os.path.isfile(os.path.join(folder, ".complete"))
    gguf_folder, gguf = embedded_gguf()
    ref = AutoTokenizer.from_pretrained(gguf_folder, gguf_file=gguf)
    text = "<|im_start|>user\nconvert 5 km to miles: get_weather_for_city(\"Zürich\") 🚀<|im_end|>"
    assert cached(text)["input_ids"] == ref(text)["input_ids"] and len(cached) == len(ref)
    messages = [{"role": "system", "content": "tools"}, {"role": "user", "content": "hi"}]
    assert (cached.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
            == ref.apply_chat_template(messages, tokenize=False, add_generation_prompt=True))
    assert (cached.eos_token, cached.bos_token, cached.all_special_tokens) == (ref.eos_token, ref.bos_token,
                                                                               ref.all_special_tokens)


def test_a_cached_folder_is_built_once_and_never_seen_half_built(tmp_path):
    from toolfoundry.artifacts import cached_dir

    calls = []

    def build(staging):
        calls.append(staging)
        with open(f"{staging}/weights", "w") as handle:
            handle.write("w")

    def broken(staging):
        with open(f"{staging}/half", "w") as handle:
            handle.write("h")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        cached_dir("k", broken, root=str(tmp_path / "cache"))
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == []  # no half folder, no staging left
    first = cached_dir("k", build, root=str(tmp_path / "cache"))
    assert cached_dir("k", build, root=str(tmp_path / "cache")) == first and len(calls) == 1
    assert open(f"{first}/weights").read() == "w"


def test_auto_dtype_is_bf16_only_where_the_hardware_has_bf16_units(monkeypatch):
    """On a CPU without bf16 units torch emulates bf16 (bench/dtype_speed.py: 6-17x slower than fp32
    on an AVX2 CPU): ``auto`` must pick fp32 there, bf16 on AVX512-BF16 / AMX, and the engine's
    DeepSpeed config must follow."""
    import platform

    import torch

    from toolfoundry import modeling
    from toolfoundry.config import RecipeConfig
    from toolfoundry.errors import InputError
    from train_jobs.engine import deepspeed_config

    flags = modeling.cpu_flags()  # the real reader, before it is patched below
    if platform.system() == "Linux" and platform.machine() == "x86_64":
        assert "sse2" in flags  # every x86-64 CPU has it: the reader parses this machine's flags line
    recipe = RecipeConfig.model_validate({"model": {"source": "tiny-random", "dtype": "auto"},
                                          "train": {"stages": [{"name": "retrieval"}]}})
    monkeypatch.setattr(modeling, "cpu_flags", lambda: {"fpu", "avx2", "fma"})
    assert modeling.resolve_dtype("auto") == "float32" and modeling.torch_dtype("auto") == torch.float32
    assert deepspeed_config(recipe)["bf16"]["enabled"] is False
    for units in ("avx512_bf16", "amx_bf16"):
        monkeypatch.setattr(modeling, "cpu_flags", lambda: {"avx2", "avx512f", units})
        assert modeling.resolve_dtype("auto") == "bfloat16" and modeling.torch_dtype("auto") == torch.bfloat16
        assert deepspeed_config(recipe)["bf16"]["enabled"] is True
    assert modeling.resolve_dtype("float32") == "float32" and modeling.resolve_dtype("bfloat16") == "bfloat16"
    if not torch.cuda.is_available():
        assert modeling.resolve_dtype("auto", "cuda") == "float32"
    with pytest.raises(InputError, match="model.dtype.*float16"):
        modeling.resolve_dtype("float16")
