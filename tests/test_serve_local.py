"""The serving layer without Ray: the engine's call selection, the HTTP API in-process, auth, config.

The HTTP API is the same FastAPI app the Serve gateway runs (``serve/api.py``), here over a local
engine through ``httpx.ASGITransport``; ``tests/test_serve.py`` runs it on Ray Serve.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import threading

import httpx
import pytest
import torch
from jsonschema import Draft202012Validator

from conftest import ENUM_TOOLS
from toolfoundry.errors import InputError

KEY = "test-key-0123456789"



@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    from toolfoundry.catalog import Catalog
    from toolfoundry.modeling import prepare_initial_model
    from toolfoundry.synth import generate_tools

    path = str(tmp_path_factory.mktemp("serve_local_model"))
    return prepare_initial_model("tiny-random", Catalog.from_tools(generate_tools(12, seed=0)), path)


@pytest.fixture(scope="module")
def engine(model_dir):
    from serve.engine import ToolEngine

    return ToolEngine(model_dir, "float32", "cpu", max_new_tokens=48, max_text_tokens=8, torch_threads=1)


@pytest.fixture(scope="module")
def api(model_dir, engine):
    from serve.local import local_api
    from toolfoundry.config import ServeAppArgs

    os.environ["TF_TEST_SERVE_KEY"] = KEY
    args = ServeAppArgs(model_dir=model_dir, auth="on", api_key_env="TF_TEST_SERVE_KEY", max_body_bytes=4096,
                        max_request_tools=4, max_live_candidates=2, max_new_tokens=48, max_text_tokens=8)
    return local_api(args, engine)


def call(api, method: str, path: str, body=None, token: str | None = KEY, **kw) -> httpx.Response:
    async def go():
        headers = {**({"Authorization": f"Bearer {token}"} if token else {}), **kw.pop("headers", {})}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://test") as client:
            return await client.request(method, path, json=body, headers=headers, timeout=60, **kw)

    return asyncio.run(go())


# ----------------------------------------------------------------------------- call selection
def test_prefix_selection_equals_greedy_descent_with_a_fresh_forward_per_step(engine):
    """The batched selection picks what step-by-step greedy decoding over the candidates' call prefixes
    picks, and leaves the cache and the logits exactly as a plain forward of prompt + prefix would."""
    from toolfoundry import prompts
    from toolfoundry.synth import generate_tools

    router, rng = engine.router, random.Random(0)
    tools = generate_tools(30, seed=5)
    for trial in range(3):
        cands = prompts.ensure_generate_response(rng.sample(tools, 4))
        ids = router.encoder.prompt(prompts.select_messages(rng.choice(["book a table", "rain tomorrow?"]), cands))
        logits, past = router._forward(ids)
        seqs = [router.encoder.answer_ids('{"name": "%s", "arguments":' % t.name, close=False) for t in cands]
        index, after, cache = router._choose_prefix(logits, past, seqs)
        alive, path = list(range(len(seqs))), []
        while len(alive) > 1:
            step, _ = router._forward(ids + path)
            best = max({seqs[j][len(path)] for j in alive}, key=lambda t: float(step[t]))
            alive = [j for j in alive if seqs[j][len(path)] == best]
            path.append(best)
        assert index == alive[0]
        reference, _ = router._forward(ids + seqs[index])
        assert torch.allclose(after, reference, atol=1e-4)
        token = int(after.argmax())
        assert torch.allclose(router._forward([token], cache)[0], router._forward(ids + seqs[index] + [token])[0],
                              atol=1e-4)


def test_grammars_are_compiled_per_tool_not_per_candidate_set(engine):
    from serve.engine import RouteJob
    from toolfoundry.schema import Tool
    from toolfoundry.synth import generate_tools

    router = engine.router
    router.grammars.cache.clear()
    tools = [Tool(id=s["function"]["name"], name=s["function"]["name"], description=s["function"]["description"],
                  parameters=s["function"]["parameters"]) for s in ENUM_TOOLS]
    extra = generate_tools(6, seed=9)
    jobs = [RouteJob("dark mode off", tools + extra[i:i + 2]) for i in range(0, 6, 2)]
    out = engine.route(jobs)
    assert all(o["valid"] or o["name"] == "generate_response" for o in out)
    assert len(router.grammars.cache) <= len(jobs)  # the selected tools' own grammars; no union per candidate set


# ----------------------------------------------------------------------------------- HTTP
def test_auth_401_unless_the_bearer_token_matches_and_healthz_is_public(api):
    for token in (None, "wrong"):
        r = call(api, "POST", "/v1/tools/retrieve", {"query": "weather", "k": 2}, token=token)
        assert r.status_code == 401, r.text
        assert "Authorization" in r.json()["error"]["message"] and r.headers["www-authenticate"].startswith("Bearer")
    assert call(api, "GET", "/healthz", token=None).status_code == 200
    assert call(api, "POST", "/v1/tools/retrieve", {"query": "weather", "k": 2}).status_code == 200


def test_a_body_over_the_limit_is_413_before_parsing_declared_or_streamed(api):
    r = call(api, "POST", "/v1/tools/retrieve", {"query": "x " * 5000, "k": 2})
    assert r.status_code == 413 and r.json()["error"]["param"] == "body"

    async def chunks():  # no Content-Length: sent chunked
        for _ in range(10):
            yield b"x" * 1000

    r = call(api, "POST", "/v1/tools/retrieve", None, content=chunks())
    assert r.status_code == 413, r.text


BAD = [
    ("/v1/tools/retrieve", {"query": "", "k": 3}, 422, "query"),
    ("/v1/tools/retrieve", {"query": "x", "k": 0}, 422, "k"),
    ("/v1/tools/retrieve", {"query": "x", "k": 99}, 422, "k"),
    ("/v1/tools/retrieve", {"query": ["x"]}, 422, "query"),
    ("/v1/tools/route", {"query": "x", "tools": []}, 422, "tools"),
    ("/v1/tools/route", {"query": "x", "tools": [{"type": "function", "function": {"name": "9bad"}}]}, 422,
     "tools.0.function.name"),
    ("/v1/tools/route", {"query": "x", "tools": [{"type": "function", "function": {
        "name": "f", "parameters": {"type": "array"}}}]}, 422, "tools[0].function.parameters"),
    ("/v1/tools/route", {"query": "x", "tools": [{"type": "function", "function": {
        "name": "f", "parameters": {"type": "object", "properties": {"a": {"type": 5}}}}}]}, 422,
     "tools[0].function.parameters"),
    ("/v1/tools/route", {"query": "x", "tools": ENUM_TOOLS * 3}, 413, "tools"),
    ("/v1/tools/route", {"query": "x", "tools": [ENUM_TOOLS[0], ENUM_TOOLS[0]]}, 422, "tools[1].function.name"),
    ("/v1/tools/route", {"query": "x", "tool_choice": "maybe"}, 422, "tool_choice"),
    ("/v1/chat/completions", {"model": "m", "messages": []}, 422, "messages"),
    ("/v1/chat/completions", {"model": "nope", "messages": [{"role": "user", "content": "hi"}]}, 404, "model"),
    ("/v1/chat/completions", {"model": "MODEL", "messages": [{"role": "robot", "content": "hi"}]}, 422,
     "messages.0.role"),
    ("/v1/chat/completions", {"model": "MODEL", "messages": [{"role": "user", "content": "hi"}],
                              "tool_choice": "required"}, 422, "tool_choice"),
    ("/v1/chat/completions", {"model": "MODEL", "messages": [{"role": "user", "content": "hi"}], "tools": ENUM_TOOLS,
                              "tool_choice": {"type": "function", "function": {"name": "other"}}}, 422,
     "tool_choice.function.name"),
    ("/v1/chat/completions", {"model": "MODEL", "messages": [{"role": "user", "content": "hi"}], "n": 2}, 422, "n"),
    ("/v1/tools", {"type": "function", "function": {"name": "no_description"}}, 422, "function.description"),
    ("/v1/tools", {"type": "function", "function": {"name": "search_interview_slots", "description": "x"}}, 409,
     "function.name"),
]


@pytest.mark.parametrize("path, body, status, field", BAD, ids=[f"{p}-{f}-{s}" for p, _, s, f in BAD])
def test_bad_input_gets_a_4xx_that_names_the_field(api, model_dir, path, body, status, field):
    body = json.loads(json.dumps(body).replace('"MODEL"', json.dumps(os.path.basename(model_dir))))
    r = call(api, "POST", path, body)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["message"].startswith(field.split(".")[0]) and field in error["message"] + str(error["param"]), error


def test_non_json_body_and_unknown_paths_are_4xx(api):
    r = call(api, "POST", "/v1/tools/route", None, content=b"{nope", headers={"content-type": "application/json"})
    assert r.status_code == 422 and "body" in r.text
    assert call(api, "GET", "/v1/nothing").status_code == 404
    assert call(api, "DELETE", "/v1/tools/never_added").status_code == 404


def test_live_tool_is_a_route_candidate_at_once_and_leaves_on_delete(api):
    tool = {"type": "function", "function": {"name": "brew_coffee", "description": "Brew a cup of coffee.",
                                             "parameters": {"type": "object", "properties": {
                                                 "strength": {"type": "string", "enum": ["mild", "strong"]}},
                                                 "required": ["strength"]}}}
    assert call(api, "POST", "/v1/tools", tool).status_code == 201
    assert call(api, "POST", "/v1/tools", tool).status_code == 409
    listed = call(api, "GET", "/v1/tools").json()
    assert [t["id"] for t in listed["data"]] == ["brew_coffee"] and listed["catalog_size"] == 12
    routed = call(api, "POST", "/v1/tools/route", {"query": "make me a strong coffee", "k": 2}).json()
    sources = {c["name"]: c["source"] for c in routed["candidates"]}
    assert sources["brew_coffee"] == "live" and sum(s == "catalog" for s in sources.values()) == 2
    assert routed["selected"] in sources
    assert call(api, "DELETE", "/v1/tools/brew_coffee").json()["deleted"] is True
    routed = call(api, "POST", "/v1/tools/route", {"query": "make me a strong coffee", "k": 2}).json()
    assert "brew_coffee" not in {c["name"] for c in routed["candidates"]}


def test_chat_completions_tool_choice_modes(api, model_dir):
    model = os.path.basename(model_dir)
    schemas = {t["function"]["name"]: t["function"]["parameters"] for t in ENUM_TOOLS}
    base = {"model": model, "messages": [{"role": "user", "content": "use metric units"}], "tools": ENUM_TOOLS}
    for choice, allowed in (("required", set(schemas)),
                            ({"type": "function", "function": {"name": "toggle_mode"}}, {"toggle_mode"})):
        r = call(api, "POST", "/v1/chat/completions", {**base, "tool_choice": choice})
        assert r.status_code == 200, r.text
        (tool_call,) = r.json()["choices"][0]["message"]["tool_calls"]
        assert r.json()["choices"][0]["finish_reason"] == "tool_calls" and tool_call["function"]["name"] in allowed
        arguments = json.loads(tool_call["function"]["arguments"])
        assert not list(Draft202012Validator(schemas[tool_call["function"]["name"]]).iter_errors(arguments))
    r = call(api, "POST", "/v1/chat/completions", {**base, "tool_choice": "none"}).json()
    assert "tool_calls" not in r["choices"][0]["message"]
    assert isinstance(r["choices"][0]["message"]["content"], str) and r["usage"]["total_tokens"] > 0
    r = call(api, "POST", "/v1/chat/completions", {**base, "tool_choice": "required", "stream": True})
    events = [line[6:] for line in r.text.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    assert json.loads(events[0])["choices"][0]["delta"]["tool_calls"][0]["function"]["name"] in schemas


def test_the_openai_client_parses_the_answers(api, model_dir):
    import openai

    async def go():
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://test")
        client = openai.AsyncOpenAI(base_url="http://test/v1", api_key=KEY, http_client=http, max_retries=0)
        models = await client.models.list()
        completion = await client.chat.completions.create(
            model=models.data[0].id, messages=[{"role": "user", "content": "dark mode off"}], tools=ENUM_TOOLS,
            tool_choice="required")
        with pytest.raises(openai.AuthenticationError):
            await openai.AsyncOpenAI(base_url="http://test/v1", api_key="wrong", http_client=http,
                                     max_retries=0).models.list()
        await http.aclose()
        return models, completion

    models, completion = asyncio.run(go())
    assert models.data[0].id == os.path.basename(model_dir)
    call_ = completion.choices[0].message.tool_calls[0]
    assert call_.function.name in {"set_unit", "toggle_mode"} and isinstance(json.loads(call_.function.arguments), dict)


def test_openapi_schema_is_published_with_bearer_auth(api):
    schema = call(api, "GET", "/openapi.json", token=None).json()
    for path in ("/v1/tools/retrieve", "/v1/tools/route", "/v1/chat/completions", "/v1/models", "/v1/tools",
                 "/v1/tools/{tool_id}", "/healthz"):
        assert path in schema["paths"], path
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


# ---------------------------------------------------------------------------- config and CLI
def test_auth_is_on_by_default_beyond_loopback_and_needs_a_key(tmp_path):
    from serve.app import api_key_digest
    from toolfoundry.config import ServeConfig

    assert api_key_digest(ServeConfig(host="127.0.0.1"), environ={"TOOLFOUNDRY_API_KEY": KEY}) is None
    with pytest.raises(InputError, match="auth.*0.0.0.0.*TOOLFOUNDRY_API_KEY"):
        api_key_digest(ServeConfig(host="0.0.0.0"), environ={})
    assert api_key_digest(ServeConfig(host="0.0.0.0"), environ={"TOOLFOUNDRY_API_KEY": KEY})
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    on = ServeConfig(auth="on", api_key_file=str(key_file))
    assert api_key_digest(on, environ={}) == api_key_digest(ServeConfig(host="::", api_key_env="K"), environ={"K": KEY})
    assert api_key_digest(ServeConfig(host="10.0.0.1", auth="off"), environ={}) is None
    with pytest.raises(InputError, match="api_key_file"):
        api_key_digest(ServeConfig(api_key_file=str(tmp_path / "missing")), environ={})


def test_deployment_options_carry_autoscaling_and_admission_control():
    from serve.app import model_deployment_options
    from toolfoundry.config import ServeConfig

    auto = model_deployment_options(ServeConfig(autoscaling={"min_replicas": 1, "max_replicas": 4,
                                                             "target_ongoing_requests": 6},
                                                max_ongoing_requests=12, max_queued_requests=24, num_gpus=1))
    assert auto["autoscaling_config"]["max_replicas"] == 4 and "num_replicas" not in auto
    assert (auto["max_ongoing_requests"], auto["max_queued_requests"]) == (12, 24)
    assert auto["backpressure_config"] == {"status_code": 503, "retry_after_s": 1}
    assert auto["ray_actor_options"]["num_gpus"] == 1
    assert model_deployment_options(ServeConfig(num_replicas=3))["num_replicas"] == 3


def test_cli_reads_a_serve_config_file_and_flags_win(tmp_path):
    from serve.cli import SERVE_CONFIG, serve_args
    from toolfoundry import cli

    args = cli.build_parser().parse_args(["serve", "--config", SERVE_CONFIG, "--port", "9001", "--set",
                                          "autoscaling.max_replicas=3"])
    parsed = serve_args(args)
    assert (parsed.model_dir, parsed.host, parsed.port) == ("runs/demo/model", "127.0.0.1", 9001)
    assert parsed.autoscaling.max_replicas == 3 and parsed.autoscaling.min_replicas == 1
    bad = cli.build_parser().parse_args(["serve", "--model-dir", "x", "--set", "max_batch_size=0"])
    with pytest.raises(InputError, match="max_batch_size"):
        serve_args(bad)


def test_wait_for_signal_returns_on_sigterm():
    from serve.cli import wait_for_signal

    threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGTERM)).start()
    assert wait_for_signal() == "SIGTERM"


def test_relevance_threshold_gates_routes_and_reports_the_relevance(model_dir):
    from serve.engine import ToolEngine
    from serve.local import local_api
    from toolfoundry.config import ServeAppArgs

    args = ServeAppArgs(model_dir=model_dir, auth="off", max_new_tokens=48, max_text_tokens=8,
                        relevance_threshold=0.34)
    gated = ToolEngine(model_dir, "float32", "cpu", max_new_tokens=48, max_text_tokens=8, torch_threads=1,
                       relevance_threshold=args.relevance_threshold)
    app = local_api(args, gated)
    weather = {"type": "function", "function": {"name": "get_weather", "description": "Current weather of a city.",
                                                "parameters": {"type": "object", "properties": {
                                                    "city": {"type": "string", "enum": ["Lisbon", "Paris"]}},
                                                    "required": ["city"]}}}
    off = call(app, "POST", "/v1/tools/route", {"query": "Write a haiku about my grandmother's garden.",
                                                "tools": [weather]}, token=None).json()
    assert off["finish_reason"] == "no_call" and off["tool_call"] is None and off["relevance"] < 0.34
    on = call(app, "POST", "/v1/tools/route", {"query": "What's the weather like in Lisbon right now?",
                                               "tools": [weather]}, token=None).json()
    # above the threshold the (random) model must call: the gate, not the model, decided to
    assert on["selected"] == "get_weather" and on["relevance"] >= 0.34
    with pytest.raises(InputError, match="relevance_threshold"):
        from toolfoundry.config import parse_config

        parse_config(ServeAppArgs, {"model_dir": model_dir, "relevance_threshold": 2}, "test")


def test_ground_optional_leaves_out_optional_arguments_the_request_never_states(model_dir):
    from serve.engine import ToolEngine
    from serve.local import local_api
    from toolfoundry.calling import ground_arguments
    from toolfoundry.config import ServeAppArgs
    from toolfoundry.formats.openai_tools import function_to_tool

    args = ServeAppArgs(model_dir=model_dir, auth="off", max_new_tokens=64, max_text_tokens=8)
    assert args.ground_optional  # on by default
    engine = ToolEngine(model_dir, "float32", "cpu", max_new_tokens=64, max_text_tokens=8, torch_threads=1,
                        ground_optional=args.ground_optional)
    app = local_api(args, engine)
    drive = {"name": "driving_distance", "description": "Shortest driving distance between two places.",
             "parameters": {"type": "object", "required": ["origin"], "properties": {
                 "origin": {"type": "string"}, "avoid": {"type": "array", "items": {"type": "string"}},
                 "unit": {"type": "string"}}}}
    query = "How far is it from Lyon to Nice?"
    out = call(app, "POST", "/v1/tools/route", {"query": query, "tools": [{"type": "function", "function": drive}],
                                               "tool_choice": "required"}, token=None).json()
    assert out["selected"] == "driving_distance" and out["valid"], out
    # what is left is stated by the request (or required); what went is named, and was optional
    assert ground_arguments(function_to_tool(drive, tool_id="d"), out["arguments"], query)[1] == []
    assert set(out["dropped_arguments"]) <= {"avoid", "unit"} and not set(out["dropped_arguments"]) & set(out["arguments"])
    assert out["dropped_arguments"], out  # this model writes "avoid": [] or a unit nobody asked for
