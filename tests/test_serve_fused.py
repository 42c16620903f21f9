"""``fuse_gateway: true``: the HTTP ingress inside the model replica, with admission in the replica.

The same API as ``tests/test_serve.py``; here what changes with the fused deployment: requests are
answered by one deployment (``ToolRouter``), overload is still a fast 503 with ``Retry-After``, and
``/healthz`` does not queue behind model work.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from conftest import ENUM_TOOLS, assert_fast_refusals, burst_with_health, free_port, kill_replica_under_load

APP = "test_serve_fused"


@pytest.fixture(scope="module")
def fused(ray_session, tmp_path_factory):
    from ray import serve

    from serve.app import start
    from toolfoundry.catalog import Catalog
    from toolfoundry.config import ServeConfig
    from toolfoundry.modeling import prepare_initial_model
    from toolfoundry.synth import generate_tools

    root = tmp_path_factory.mktemp("serve_fused")
    model_dir = prepare_initial_model("tiny-random", Catalog.from_tools(generate_tools(12, seed=0)),
                                      str(root / "model"))
    cfg = ServeConfig(port=free_port(), fuse_gateway=True, max_ongoing_requests=2, max_queued_requests=1,
                      autoscaling={"min_replicas": 1, "max_replicas": 2, "target_ongoing_requests": 2,
                                   "upscale_delay_s": 3600, "downscale_delay_s": 3600},
                      retry_after_s=2, max_batch_size=4, max_new_tokens=48, max_text_tokens=8,
                      health_check_period_s=2)
    url = start(model_dir, cfg, "float32", name=APP)
    yield url
    serve.shutdown()


def test_one_deployment_answers_retrieve_with_autoscaling_and_runs_the_health_check(fused):
    from ray import serve

    with httpx.Client(base_url=fused, timeout=120) as client:
        r = client.post("/v1/tools/retrieve", json={"query": "weather in Paris", "k": 3})
        assert r.status_code == 200 and len(r.json()["tools"]) == 3
        assert client.get("/v1/models").json()["data"][0]["id"] == "model"
    from ray.serve.context import _get_global_client
    from ray.serve.schema import ServeInstanceDetails

    details = ServeInstanceDetails(**_get_global_client().get_serve_details())
    assert set(details.applications[APP].deployments) == {"ToolRouter", "ToolRegistry"}
    config = details.applications[APP].deployments["ToolRouter"].deployment_config
    assert (config.autoscaling_config["min_replicas"], config.autoscaling_config["max_replicas"]) == (1, 2)
    # Serve's own limit only bounds HTTP requests; the model's admission is the replica's (2 + 1)
    assert config.max_ongoing_requests == 4096 and config.max_queued_requests == -1
    serve.get_deployment_handle("ToolRouter", app_name=APP).check_health.remote().result(timeout_s=60)


def test_overload_in_the_replica_is_503_with_retry_after_and_healthz_does_not_wait(fused):
    body = {"query": "switch dark mode off", "tools": ENUM_TOOLS, "tool_choice": "required"}

    answers, health_times = burst_with_health(fused, "/v1/tools/route", body, 12)
    # capacity is max_ongoing_requests + max_queued_requests = 3 model requests in the replica
    assert_fast_refusals(answers, health_times, retry_after="2", min_ok=3)


def test_a_killed_fused_replica_fails_only_its_in_flight_requests_and_is_replaced(fused):
    """SIGKILL the one replica while 3 clients keep asking. With no gateway to turn the replica's death
    into a 503, the requests it was holding get Serve's proxy's 500 (the trade-off ``serve/README.md``
    states); every other answer is 200 or 503, none hangs, and Serve's replacement answers."""
    from ray import serve

    handle = serve.get_deployment_handle("ToolRouter", app_name=APP)
    answers, killed_at, before, after = kill_replica_under_load(fused, handle, clients=3)
    codes = [code for _, code, _ in answers]
    assert set(codes) <= {200, 500, 503} and codes.count(500) <= 3, codes
    assert len(after) == 1 and after.isdisjoint(before), (before, after)
    assert any(t > killed_at and code == 200 for t, code, _ in answers)


def test_admission_counts_model_requests_in_the_replica_and_none_means_no_limit():
    from serve.engine import ApiError
    from serve.local import LocalModel

    class Held:
        def __init__(self):
            self.release = asyncio.Event()

        async def retrieve(self, query, k):
            await self.release.wait()
            return [query] * k

    async def main(capacity):
        model = Held()  # stands in for the EngineWorker
        admitted = LocalModel(model, capacity, retry_after_s=3)
        calls = [asyncio.ensure_future(admitted.retrieve(f"q{i}", 1)) for i in range(4)]
        await asyncio.sleep(0.01)
        model.release.set()
        results = await asyncio.gather(*calls, return_exceptions=True)
        after = await admitted.retrieve("again", 2)  # the slots are free again
        return results, after

    results, after = asyncio.run(main(2))
    assert results[:2] == [["q0"], ["q1"]] and after == ["again", "again"]
    assert all(isinstance(r, ApiError) and r.status == 503 and r.headers == {"Retry-After": "3"} for r in results[2:])
    results, _ = asyncio.run(main(None))
    assert results == [["q0"], ["q1"], ["q2"], ["q3"]]
