"""Train on a two-node Ray cluster whose processes start in other directories than this driver, with
every artefact under one storage URI. Run by tests/test_multinode.py in a process of its own (its Ray
must not meet the test session's). Prints one JSON line with what the test checks."""

import json
import os
import sys

import ray
from ray.cluster_utils import Cluster

root = sys.argv[1]
for part in ("head", "node", "driver"):
    os.makedirs(os.path.join(root, part), exist_ok=True)
os.chdir(os.path.join(root, "head"))
cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})  # no CPU: all work lands on the node
os.chdir(os.path.join(root, "node"))
cluster.add_node(num_cpus=3)
os.chdir(os.path.join(root, "driver"))

from data_jobs.common import RAY_ENV  # noqa: E402

ray.init(address=cluster.address, runtime_env={"env_vars": RAY_ENV})
cluster.wait_for_nodes()

from data_jobs.synthesize import run as synthesize  # noqa: E402
from toolfoundry.config import DataConfig, RecipeConfig  # noqa: E402
from train_jobs.engine import run  # noqa: E402


@ray.remote(num_cpus=1)
def where() -> tuple[str, str]:
    return os.getcwd(), ray.get_runtime_context().get_node_id()


storage = f"file://{root}/storage"
data = synthesize(DataConfig(num_tools=12, queries_per_tool=4, num_shards=1), f"{storage}/data", 1)
recipe = RecipeConfig.model_validate({
    "run_dir": f"{storage}/run", "model": {"source": "tiny-random"}, "encode": {"max_len": 96},
    "train": {"batch_size": 4, "checkpoint_every": 3, "stages": [{"name": "memorization", "max_steps": 2},
                                                                  {"name": "retrieval", "max_steps": 4}]}})
result = run(recipe, data["tools"], data["examples"], "model")  # out_dir relative to the driver's directory
cwd, node = ray.get(where.remote())
print("RESULT " + json.dumps({"driver_cwd": os.getcwd(), "worker_cwd": cwd, "worker_node": node,
                  "head_node": cluster.head_node.node_id, "stages": [s["stage"] for s in result["stages"]],
                  "model_dir": os.path.abspath(result["model_dir"])}), flush=True)
ray.shutdown()
cluster.shutdown()
