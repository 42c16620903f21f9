"""``fuse_gateway: true``: the HTTP ingress inside the model replica, with admission in the replica.

The same API as ``tests/test_serve.py``; here what changes with the fused deployment: requests are
answered by one deployment (``ToolRouter``), overload is still a fast 503 with ``Retry-After``, and
``/healthz`` does not queue behind model work.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from conftest import ENUM_TOOLS, free_port

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
                      retry_after_s=2, max_batch_size=4, max_new_tokens=48, max_text_tokens=8,
                      health_check_period_s=2)
    url = start(model_dir, cfg, "float32", name=APP)
    yield url
    serve.shutdown()


def test_one_deployment_answers_retrieve_and_runs_the_health_check(fused):
    from ray import serve

    with httpx.Client(base_url=fused, timeout=120) as client:
        r = client.post("/v1/tools/retrieve", json={"query": "weather in Paris", "k": 3})
        assert r.status_code == 200 and len(r.json()["tools"]) == 3
        assert client.get("/v1/models").json()["data"][0]["id"] == "model"
    status = serve.status().applications[APP].deployments
    assert set(status) == {"ToolRouter", "ToolRegistry"}
    serve.get_deployment_handle("ToolRouter", app_name=APP).check_health.remote().result(timeout_s=60)


def test_overload_in_the_replica_is_503_with_retry_after_and_healthz_does_not_wait(fused):
    body = {"query": "switch dark mode off", "tools": ENUM_TOOLS, "tool_choice": "required"}

    async def burst():
        async with httpx.AsyncClient(base_url=fused, timeout=120) as client:
            async def health():
                await asyncio.sleep(0.3)
                times = []
                for _ in range(5):
                    t = time.perf_counter()
                    r = await client.get("/healthz")
                    times.append((r.status_code, time.perf_counter() - t))
                    await asyncio.sleep(0.1)
                return times

            routes = [client.post("/v1/tools/route", json=body) for _ in range(12)]
            *answers, health_times = await asyncio.gather(*routes, health())
            return answers, health_times

    answers, health_times = asyncio.run(burst())
    codes = [r.status_code for r in answers]
    # capacity is max_ongoing_requests + max_queued_requests = 3 model requests in the replica
    assert set(codes) <= {200, 503} and codes.count(200) >= 3 and codes.count(503) >= 1, codes
    rejected = next(r for r in answers if r.status_code == 503)
    assert rejected.headers["retry-after"] == "2" and rejected.json()["error"]["type"] == "overloaded_error"
    seconds = sorted(s for _, s in health_times)
    assert all(code == 200 for code, _ in health_times) and seconds[len(seconds) // 2] < 1.0 and seconds[-1] < 3.0, \
        health_times


def test_a_killed_fused_replica_fails_only_its_in_flight_requests_and_is_replaced(fused):
    """SIGKILL the one replica while 3 clients keep asking. With no gateway to turn the replica's death
    into a 503, the requests it was holding get Serve's proxy's 500 (the trade-off ``serve/README.md``
    states); every other answer is 200 or 503, none hangs, and Serve's replacement answers."""
    import os
    import signal
    import threading

    from ray import serve

    handle = serve.get_deployment_handle("ToolRouter", app_name=APP)

    def replica_pids() -> set[int]:
        try:
            return {handle.info.remote().result(timeout_s=10)["pid"]}
        except Exception:  # no replica yet
            return set()

    before = replica_pids()
    assert len(before) == 1, before
    answers: list[tuple[float, int]] = []
    stop = threading.Event()

    def client() -> None:
        with httpx.Client(base_url=fused, timeout=60) as http:
            while not stop.is_set():
                r = http.post("/v1/tools/retrieve", json={"query": "weather in Paris", "k": 2})
                answers.append((time.time(), r.status_code))

    threads = [threading.Thread(target=client) for _ in range(3)]
    for t in threads:
        t.start()
    while len(answers) < 6:
        time.sleep(0.05)
    killed_at = time.time()
    os.kill(next(iter(before)), signal.SIGKILL)
    deadline = killed_at + 90
    while time.time() < deadline and not any(t > killed_at + 1 and code == 200 and replica_pids() - before
                                              for t, code in answers[-3:]):
        time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join(timeout=90)
    codes = [code for _, code in answers]
    assert set(codes) <= {200, 500, 503} and codes.count(500) <= len(threads), codes
    after = replica_pids()
    assert len(after) == 1 and after.isdisjoint(before), (before, after)
    assert any(t > killed_at and code == 200 for t, code in answers)
