"""deploy/k8s: the KubeRay manifests pass the offline CRD check, which fails on broken ones; the
RayJob's commands parse with toolfoundry's own CLI; serveConfigV2 passes Ray Serve's own schema."""

from __future__ import annotations

import copy
import glob
import importlib.util
import inspect
import os
import re
import shlex

import pytest
import yaml

from conftest import REPO_ROOT

K8S = os.path.join(REPO_ROOT, "deploy", "k8s")


def _validator():
    spec = importlib.util.spec_from_file_location("k8s_validate", os.path.join(K8S, "validate.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


validate = _validator()


def _docs() -> dict:
    docs = {}
    for path in sorted(glob.glob(os.path.join(K8S, "*.yaml"))):
        with open(path) as handle:
            for doc in yaml.safe_load_all(handle):
                docs[doc["kind"]] = doc
    return docs


def test_the_manifests_pass_the_check():
    paths = sorted(glob.glob(os.path.join(K8S, "*.yaml")))
    assert [os.path.basename(p) for p in paths] == ["rayjob-pipeline.yaml", "rayservice.yaml", "storage.yaml"]
    assert validate.main(paths) == 0
    assert sorted(_docs()) == ["PersistentVolumeClaim", "RayJob", "RayService"]


def _job(d):
    return d["RayJob"]


def _svc(d):
    return d["RayService"]


def _gpu_group(d):
    return _job(d)["spec"]["rayClusterSpec"]["workerGroupSpecs"][1]


def _gpu_res(d):
    return _gpu_group(d)["template"]["spec"]["containers"][0]["resources"]


def _serve_config(d, change):
    config = yaml.safe_load(_svc(d)["spec"]["serveConfigV2"])
    change(config)
    _svc(d)["spec"]["serveConfigV2"] = yaml.safe_dump(config)


BREAKAGES = {
    "wrong apiVersion": (lambda d: _job(d).update(apiVersion="ray.io/v1alpha1"), "apiVersion: 'ray.io/v1alpha1'"),
    "no entrypoint": (lambda d: _job(d)["spec"].pop("entrypoint"), "spec.entrypoint: missing"),
    "typo in a field": (lambda d: _job(d)["spec"]["rayClusterSpec"].update(
        workerGroupSpec=_job(d)["spec"]["rayClusterSpec"].pop("workerGroupSpecs")), "workerGroupSpec: unknown field"),
    "int in rayStartParams": (lambda d: _job(d)["spec"]["rayClusterSpec"]["headGroupSpec"]["rayStartParams"].update(
        {"num-cpus": 0}), "rayStartParams.num-cpus: 0 is a int"),
    "no head template": (lambda d: _job(d)["spec"]["rayClusterSpec"]["headGroupSpec"].pop("template"),
                         "headGroupSpec.template: missing"),
    "no maxReplicas": (lambda d: _gpu_group(d).pop("maxReplicas"), "workerGroupSpecs[1].maxReplicas: missing"),
    "min above max": (lambda d: _gpu_group(d).update(minReplicas=5), "minReplicas <= replicas <= maxReplicas"),
    "duplicate group": (lambda d: _gpu_group(d).update(groupName="cpu-data"), "'cpu-data' is used twice"),
    "no GPU limit on a GPU group": (lambda d: [_gpu_res(d)[k].pop("nvidia.com/gpu") for k in ("limits", "requests")],
                                    "limits.nvidia.com/gpu: missing"),
    "GPU request differs": (lambda d: _gpu_res(d)["requests"].update({"nvidia.com/gpu": "4"}),
                            "requests.nvidia.com/gpu: 4 differs from the limit 8"),
    "num-gpus differs": (lambda d: _gpu_group(d)["rayStartParams"].update({"num-gpus": "2"}),
                         "rayStartParams.num-gpus: 2 differs"),
    "no memory limit": (lambda d: _gpu_res(d)["limits"].pop("memory"), "limits.memory: missing"),
    "request above limit": (lambda d: _gpu_res(d)["requests"].update(cpu="96"), "requests.cpu: 96 is more than"),
    "bad quantity": (lambda d: _gpu_res(d)["limits"].update(memory="1000 GB"), "'1000 GB' is not a quantity"),
    "mount of no volume": (lambda d: _gpu_group(d)["template"]["spec"]["volumes"].pop(),
                           "mounts 'dshm', which is not a volume"),
    "runtimeEnvYAML not YAML": (lambda d: _job(d)["spec"].update(runtimeEnvYAML="env_vars: [a"),
                                "runtimeEnvYAML: not a YAML mapping"),
    "serveConfigV2 not YAML": (lambda d: _svc(d)["spec"].update(serveConfigV2="applications: [\n  - {"),
                               "serveConfigV2: not YAML"),
    "no import_path": (lambda d: _serve_config(d, lambda c: c["applications"][0].pop("import_path")),
                       "applications[0].import_path: missing"),
    "import_path without attribute": (lambda d: _serve_config(d, lambda c: c["applications"][0].update(
        import_path="serve.app")), "import_path: 'serve.app'"),
    "route_prefix without slash": (lambda d: _serve_config(d, lambda c: c["applications"][0].update(
        route_prefix="v1")), "route_prefix: 'v1'"),
    "no args": (lambda d: _serve_config(d, lambda c: c["applications"][0].pop("args")), "applications[0].args: missing"),
    "no serve GPU limit": (lambda d: _svc(d)["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]["template"]["spec"][
        "containers"][0]["resources"]["limits"].pop("nvidia.com/gpu"), "limits.nvidia.com/gpu"),
}


@pytest.mark.parametrize("name", sorted(BREAKAGES))
def test_the_check_fails_on_a_broken_manifest(name):
    docs = copy.deepcopy(_docs())
    breaks, expected = BREAKAGES[name]
    breaks(docs)
    problems = [line for doc in docs.values() for line in validate.check(doc)]
    assert problems and any(expected in line for line in problems), problems


def test_the_serve_config_passes_ray_serves_schema_and_names_the_app():
    from ray.serve.schema import ServeDeploySchema

    config = yaml.safe_load(_docs()["RayService"]["spec"]["serveConfigV2"])
    schema = ServeDeploySchema.model_validate(config)
    (app,) = schema.applications
    module, attr = app.import_path.split(":")
    assert module == "serve.app" and app.args["model_dir"].startswith("/mnt/runs/")
    import serve.app as serve_app
    from ray.serve import Deployment

    builder = getattr(serve_app, attr, None)
    assert callable(builder), f"{app.import_path} is not in serve/app.py"
    deployments = {d.name for d in vars(serve_app).values() if isinstance(d, Deployment)}
    assert {d.name for d in app.deployments} <= deployments, deployments
    # When the builder takes typed (pydantic) arguments, the manifest's args must validate against them.
    params = list(inspect.signature(builder).parameters.values())
    annotation = params[0].annotation if params else None
    if isinstance(annotation, type) and hasattr(annotation, "model_validate"):
        annotation.model_validate(app.args)


def test_versions_and_shared_volume_agree():
    import ray

    docs = _docs()
    clusters = [docs["RayJob"]["spec"]["rayClusterSpec"], docs["RayService"]["spec"]["rayClusterConfig"]]
    assert {c["rayVersion"] for c in clusters} == {ray.__version__}
    with open(os.path.join(K8S, "Dockerfile")) as handle:
        dockerfile = handle.read()
    assert re.search(rf"^FROM rayproject/ray:{re.escape(ray.__version__)}-py311-gpu$", dockerfile, re.M)
    with open(os.path.join(REPO_ROOT, "Makefile")) as handle:
        makefile = handle.read()
    pins = set(re.findall(r"[\w-]+==[\w.+-]+", dockerfile))
    assert pins and pins <= set(re.findall(r"[\w-]+==[\w.+-]+", makefile)), pins
    claim = docs["PersistentVolumeClaim"]["metadata"]["name"]
    for cluster in clusters:
        for group in [cluster["headGroupSpec"], *cluster["workerGroupSpecs"]]:
            claims = {v["persistentVolumeClaim"]["claimName"] for v in group["template"]["spec"]["volumes"]
                      if "persistentVolumeClaim" in v}
            assert claims == {claim}


def test_the_rayjob_commands_parse_with_toolfoundrys_cli():
    from toolfoundry.cli import build_parser

    job = _docs()["RayJob"]
    entry = shlex.split(job["spec"]["entrypoint"])
    assert entry[0] == "bash" and entry[1].startswith("/home/ray/toolfoundry/")
    script = os.path.join(REPO_ROOT, os.path.relpath(entry[1], "/home/ray/toolfoundry"))
    env = yaml.safe_load(job["spec"]["runtimeEnvYAML"])["env_vars"]
    with open(script) as handle:
        lines = [line.strip() for line in handle if line.startswith("python ")]
    assert [line.split()[3] for line in lines] == ["data", "data", "train"]
    parser = build_parser()
    for line in lines:
        line = line.replace("$RUN", env["TOOLFOUNDRY_RUN"]).replace("$NUM_TOOLS", env["TOOLFOUNDRY_NUM_TOOLS"])
        words = shlex.split(line)
        assert words[:3] == ["python", "-m", "toolfoundry.cli"]
        try:
            args = parser.parse_args(words[3:])
        except SystemExit:
            pytest.fail(f"toolfoundry's CLI refuses: {line}")
        check_training_config(args)


def check_training_config(args) -> None:
    """A recipe (``train``) or config (``pipeline``) the job names must load, overrides included, with
    the typed config models: a bad --set would otherwise fail only once the GPU nodes are up."""
    from toolfoundry.config import load_config, parse_overrides

    if getattr(args, "recipe", None):
        from toolfoundry.config import RecipeConfig
        from train_jobs.cli import recipe_path

        load_config(recipe_path(args.recipe), RecipeConfig, parse_overrides(args.set))
    elif getattr(args, "config", None):
        from toolfoundry.config import PipelineConfig

        load_config(os.path.join(REPO_ROOT, args.config), PipelineConfig, parse_overrides(args.set))
