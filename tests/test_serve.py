"""The Serve application over HTTP: the openai client, autoscaling and admission config in Serve,
401 / 413 / 422 / 503, live tools through the registry deployment, the model's health check.

One app for the whole module (Serve is slow to start); every test is a handful of requests.
"""

from __future__ import annotations

import json

import httpx
import pytest
from jsonschema import Draft202012Validator

from conftest import ENUM_TOOLS, assert_fast_refusals, burst_with_health, free_port, kill_replica_under_load

KEY = "serve-test-key-9f8e7d"
APP = "test_serve"
TOOLS = ENUM_TOOLS


@pytest.fixture(scope="module")
def served(ray_session, tmp_path_factory):
    from ray import serve

    from serve.app import start
    from toolfoundry.catalog import Catalog
    from toolfoundry.config import ServeConfig
    from toolfoundry.modeling import prepare_initial_model
    from toolfoundry.synth import generate_tools

    root = tmp_path_factory.mktemp("serve_app")
    model_dir = prepare_initial_model("tiny-random", Catalog.from_tools(generate_tools(12, seed=0)),
                                      str(root / "model"))
    key_file = root / "api_key"
    key_file.write_text(KEY)
    cfg = ServeConfig(port=free_port(), auth="on", api_key_file=str(key_file), max_body_bytes=8192,
                      autoscaling={"min_replicas": 1, "max_replicas": 2, "target_ongoing_requests": 2,
                                   "upscale_delay_s": 3600, "downscale_delay_s": 3600},
                      max_ongoing_requests=2, max_queued_requests=2, retry_after_s=2, max_batch_size=4,
                      max_new_tokens=48, max_text_tokens=8, health_check_period_s=2)
    url = start(model_dir, cfg, "float32", name=APP)
    yield url, model_dir
    serve.shutdown()


def auth(token: str = KEY) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_the_openai_client_gets_a_valid_tool_calls_answer(served):
    import openai

    url, model_dir = served
    client = openai.OpenAI(base_url=f"{url}/v1", api_key=KEY, max_retries=0, timeout=120)
    (model,) = client.models.list().data
    completion = client.chat.completions.create(
        model=model.id, messages=[{"role": "user", "content": "switch dark mode off"}], tools=TOOLS,
        tool_choice="required")
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    (call,) = choice.message.tool_calls
    schema = {t["function"]["name"]: t["function"]["parameters"] for t in TOOLS}[call.function.name]
    assert not list(Draft202012Validator(schema).iter_errors(json.loads(call.function.arguments)))
    named = client.chat.completions.create(
        model=model.id, messages=[{"role": "user", "content": "metric please"}], tools=TOOLS,
        tool_choice={"type": "function", "function": {"name": "set_unit"}})
    assert named.choices[0].message.tool_calls[0].function.name == "set_unit"
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{url}/v1", api_key="wrong", max_retries=0).models.list()


def test_autoscaling_and_admission_control_reach_serve(served):
    from ray.serve.context import _get_global_client
    from ray.serve.schema import ServeInstanceDetails

    details = ServeInstanceDetails(**_get_global_client().get_serve_details())
    config = details.applications[APP].deployments["ToolRetrieval"].deployment_config
    assert (config.autoscaling_config["min_replicas"], config.autoscaling_config["max_replicas"]) == (1, 2)
    assert config.autoscaling_config["target_ongoing_requests"] == 2
    assert (config.max_ongoing_requests, config.max_queued_requests) == (2, 2)
    assert config.ray_actor_options.num_cpus == 1 and config.health_check_period_s == 2
    assert set(details.applications[APP].deployments) == {"Gateway", "ToolRetrieval", "ToolRegistry"}


def test_401_413_422_paths(served):
    url, _ = served
    with httpx.Client(base_url=url, timeout=60) as client:
        for headers in ({}, auth("wrong")):
            r = client.post("/v1/tools/retrieve", json={"query": "weather", "k": 2}, headers=headers)
            assert r.status_code == 401 and "Authorization" in r.json()["error"]["message"]
        r = client.post("/v1/tools/retrieve", content=b"{" + b" " * 20_000 + b"}", headers=auth())
        assert r.status_code == 413 and r.json()["error"]["param"] == "body"
        r = client.post("/v1/tools/retrieve", json={"query": "weather", "k": "three"}, headers=auth())
        assert r.status_code == 422 and r.json()["error"]["param"] == "k"
        r = client.post("/v1/tools/route", json={"query": "x", "tools": [{"type": "function", "function": {
            "name": "f", "parameters": {"type": "string"}}}]}, headers=auth())
        assert r.status_code == 422 and "tools[0].function.parameters" in r.json()["error"]["message"]
        r = client.post("/v1/tools/retrieve", json={"query": "weather", "k": 3}, headers=auth())
        assert r.status_code == 200 and len(r.json()["tools"]) == 3


def test_overload_is_503_with_retry_after_and_healthz_does_not_wait(served):
    url, _ = served
    body = {"query": "switch dark mode off", "tools": TOOLS, "tool_choice": "required"}
    answers, health_times = burst_with_health(url, "/v1/tools/route", body, 16, auth())
    # /healthz never waits on the model's queue (bench/serve.py measures the same under 128 clients)
    assert_fast_refusals(answers, health_times, retry_after="2", min_ok=2)


def test_live_tools_reach_routing_through_the_registry(served):
    url, _ = served
    tool = {"type": "function", "function": {"name": "brew_coffee", "description": "Brew a cup of coffee.",
                                             "parameters": {"type": "object", "properties": {
                                                 "strength": {"type": "string", "enum": ["mild", "strong"]}},
                                                 "required": ["strength"]}}}
    with httpx.Client(base_url=url, timeout=120, headers=auth()) as client:
        assert client.post("/v1/tools", json=tool).status_code == 201
        routed = client.post("/v1/tools/route", json={"query": "a strong coffee please", "k": 2}).json()
        sources = {c["name"]: c["source"] for c in routed["candidates"]}
        assert sources.get("brew_coffee") == "live" and list(sources.values()).count("catalog") == 2
        assert client.delete("/v1/tools/brew_coffee").status_code == 200
        assert client.delete("/v1/tools/brew_coffee").status_code == 404


def test_the_model_health_check_runs_a_forward_pass(served):
    from ray import serve

    handle = serve.get_deployment_handle("ToolRetrieval", app_name=APP)
    handle.check_health.remote().result(timeout_s=60)
    assert handle.info.remote().result(timeout_s=60)["catalog_size"] == 12


def test_a_killed_model_replica_is_replaced_under_load_without_a_server_error(served):
    """SIGKILL the model replica while clients keep asking: every answer is 200 or a 503 with
    Retry-After (never a 500 or a hung request), and Serve's replacement answers within a minute."""
    from ray import serve

    url, _ = served
    handle = serve.get_deployment_handle("ToolRetrieval", app_name=APP)
    answers, killed_at, before, after = kill_replica_under_load(url, handle, auth())
    codes = [code for _, code, _ in answers]
    assert set(codes) <= {200, 503}, codes
    assert all(retry for _, code, retry in answers if code == 503)
    assert len(after) == 1 and after.isdisjoint(before), (before, after)  # a new replica process ...
    assert any(t > killed_at and code == 200 for t, code, _ in answers)  # ... that answers
