"""Offline checks of KubeRay manifests (RayJob, RayService, RayCluster; apiVersion ray.io/v1).

    python deploy/k8s/validate.py deploy/k8s/*.yaml      # one line per problem; exit 1 if any

No cluster and no network are needed: the rules are written from the documented fields of
KubeRay's v1 CRDs (ray-operator/apis/ray/v1/*_types.go) plus the Kubernetes rules a pod template
must meet, and they are the ones a typo would break silently or late:

- ``apiVersion: ray.io/v1`` and a known kind; ``metadata.name`` a DNS-1123 label;
- no unknown field in ``spec``, the cluster spec, head or worker groups (a structural CRD drops
  unknown fields without a word, so ``workerGroupSpec:`` would just mean "no workers");
- RayJob: a non-empty ``entrypoint``, a ``rayClusterSpec`` (or a ``clusterSelector``), a known
  ``submissionMode``, ``runtimeEnvYAML`` that parses as a YAML mapping;
- RayService: ``serveConfigV2`` that parses as YAML, with ``applications[]`` each giving an
  ``import_path`` of the form ``module:attribute``, a ``route_prefix`` starting with ``/`` (unique
  across applications) and ``args`` for the application builder;
- ``headGroupSpec.rayStartParams`` and ``template``; each of ``workerGroupSpecs[]`` with
  ``groupName`` (unique), ``replicas``, ``minReplicas``, ``maxReplicas`` (integers,
  ``min <= replicas <= max``), ``rayStartParams`` and ``template``; ``rayStartParams`` values are
  strings (the CRD field is ``map[string]string``: ``num-cpus: 0`` is refused by the API server);
- each Ray container has an image and ``resources.requests`` and ``resources.limits`` for
  ``cpu`` and ``memory`` (valid quantities, requests <= limits); every volume mount names a volume
  of the pod;
- a GPU group (its name says ``gpu``, or it asks for GPUs anywhere) has an integer
  ``nvidia.com/gpu`` limit of at least 1, a request equal to it if one is given (Kubernetes requires
  that of extended resources), and ``num-gpus`` in ``rayStartParams`` equal to it if set.

A PersistentVolumeClaim in the same files is checked for access modes and a storage request.
"""

from __future__ import annotations

import re
import sys

import yaml

API_VERSION = "ray.io/v1"
GPU = "nvidia.com/gpu"

CLUSTER_FIELDS = {
    "headGroupSpec", "workerGroupSpecs", "rayVersion", "enableInTreeAutoscaling", "autoscalerOptions",
    "headServiceAnnotations", "suspend", "managedBy", "gcsFaultToleranceOptions", "authOptions", "upgradeStrategy",
}
HEAD_FIELDS = {"serviceType", "headService", "enableIngress", "rayStartParams", "template"}
WORKER_FIELDS = {
    "groupName", "replicas", "minReplicas", "maxReplicas", "numOfHosts", "rayStartParams", "template",
    "scaleStrategy", "idleTimeoutSeconds", "suspend",
}
RAYJOB_FIELDS = {
    "activeDeadlineSeconds", "backoffLimit", "rayClusterSpec", "submitterPodTemplate", "metadata",
    "clusterSelector", "submitterConfig", "managedBy", "deletionStrategy", "entrypoint", "runtimeEnvYAML",
    "jobId", "submissionMode", "entrypointResources", "entrypointNumCpus", "entrypointNumGpus",
    "ttlSecondsAfterFinished", "shutdownAfterJobFinishes", "suspend", "schedule",
}
RAYSERVICE_FIELDS = {
    "serveConfigV2", "rayClusterConfig", "serviceUnhealthySecondThreshold", "deploymentUnhealthySecondThreshold",
    "serveService", "upgradeStrategy", "excludeHeadPodFromServeSvc",
}
SUBMISSION_MODES = {"K8sJobMode", "HTTPMode", "InteractiveMode"}
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_IMPORT_PATH = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
_QUANTITY = re.compile(r"^(\d+(\.\d+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")
_SUFFIX = {None: 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
           "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}


def quantity(value) -> float | None:
    """A Kubernetes resource quantity as a number (``"500m"`` → 0.5, ``"2Gi"`` → 2**31); None if invalid."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if value >= 0 else None
    match = _QUANTITY.match(str(value))
    return float(match.group(1)) * _SUFFIX[match.group(3)] if match else None


class _Problems(list):
    def add(self, where: str, problem: str, expected: str | None = None) -> None:
        self.append(f"{where}: {problem}" + (f" (expected {expected})" if expected else ""))


def _mapping(p: _Problems, where: str, value) -> bool:
    if not isinstance(value, dict):
        p.add(where, f"is {type(value).__name__}, not a mapping" if value is not None else "missing", "a mapping")
        return False
    return True


def _unknown(p: _Problems, where: str, value: dict, known: set) -> None:
    for key in sorted(set(value) - known):
        p.add(f"{where}.{key}", "unknown field, the API server would drop it silently", f"one of {sorted(known)}")


def _int(p: _Problems, where: str, value, minimum: int = 0) -> bool:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        p.add(where, f"{value!r}" if value is not None else "missing", f"an integer >= {minimum}")
        return False
    return True


def _start_params(p: _Problems, where: str, params) -> dict:
    if not _mapping(p, where, params):
        return {}
    for key, value in params.items():
        if not isinstance(value, str):
            p.add(f"{where}.{key}", f"{value!r} is a {type(value).__name__}",
                  f'a string, e.g. "{value}" (rayStartParams is map[string]string)')
    return params


def _is_gpu_group(name: str, params: dict, containers: list) -> bool:
    if "gpu" in name.lower() or "num-gpus" in params:
        return True
    for c in containers:
        res = c.get("resources") or {}
        if any(GPU in (res.get(k) or {}) for k in ("requests", "limits")):
            return True
    return False


def _pod(p: _Problems, where: str, template, params: dict, group_name: str) -> None:
    if not _mapping(p, where, template):
        return
    spec = template.get("spec")
    if not _mapping(p, f"{where}.spec", spec):
        return
    containers = spec.get("containers")
    if not isinstance(containers, list) or not containers:
        p.add(f"{where}.spec.containers", "missing or empty", "the Ray container first")
        return
    volumes = {v.get("name") for v in spec.get("volumes") or [] if isinstance(v, dict)}
    for i, c in enumerate(containers):
        cw = f"{where}.spec.containers[{i}]"
        if not _mapping(p, cw, c):
            continue
        if not c.get("name"):
            p.add(f"{cw}.name", "missing", "a container name")
        if not c.get("image"):
            p.add(f"{cw}.image", "missing", "the toolfoundry image (deploy/k8s/Dockerfile)")
        for m in c.get("volumeMounts") or []:
            if isinstance(m, dict) and m.get("name") not in volumes:
                p.add(f"{cw}.volumeMounts", f"mounts {m.get('name')!r}, which is not a volume of the pod",
                      f"one of {sorted(v for v in volumes if v)}")
    ray = containers[0]
    if not isinstance(ray, dict):
        return
    rw = f"{where}.spec.containers[0].resources"
    res = ray.get("resources") or {}
    req, lim = res.get("requests") or {}, res.get("limits") or {}
    for kind, table in (("requests", req), ("limits", lim)):
        for key in ("cpu", "memory"):
            if key not in table:
                p.add(f"{rw}.{kind}.{key}", "missing", "Ray sizes the node from it; set requests and limits")
        for key, value in table.items():
            if quantity(value) is None:
                p.add(f"{rw}.{kind}.{key}", f"{value!r} is not a quantity", 'e.g. "8", "500m", "32Gi"')
    for key in set(req) & set(lim):
        a, b = quantity(req[key]), quantity(lim[key])
        if a is not None and b is not None and a > b:
            p.add(f"{rw}.requests.{key}", f"{req[key]} is more than the limit {lim[key]}", "requests <= limits")
    if _is_gpu_group(group_name, params, containers):
        gpus = lim.get(GPU)
        count = quantity(gpus)
        if count is None or count < 1 or count != int(count):
            p.add(f"{rw}.limits.{GPU}", "missing" if gpus is None else f"{gpus!r}",
                  "a whole number of GPUs >= 1 on a GPU group")
        else:
            if GPU in req and quantity(req[GPU]) != count:
                p.add(f"{rw}.requests.{GPU}", f"{req[GPU]} differs from the limit {gpus}",
                      "requests equal to limits for GPUs")
            if "num-gpus" in params and quantity(params["num-gpus"]) != count:
                p.add(f"{where.rsplit('.template', 1)[0]}.rayStartParams.num-gpus",
                      f"{params['num-gpus']} differs from the container's {gpus} GPUs", "the same count")


def check_cluster_spec(p: _Problems, where: str, spec) -> None:
    if not _mapping(p, where, spec):
        return
    _unknown(p, where, spec, CLUSTER_FIELDS)
    head = spec.get("headGroupSpec")
    hw = f"{where}.headGroupSpec"
    if _mapping(p, hw, head):
        _unknown(p, hw, head, HEAD_FIELDS)
        params = _start_params(p, f"{hw}.rayStartParams", head.get("rayStartParams"))
        _pod(p, f"{hw}.template", head.get("template"), params, "head")
    groups = spec.get("workerGroupSpecs", [])
    if not isinstance(groups, list):
        p.add(f"{where}.workerGroupSpecs", f"is {type(groups).__name__}", "a list of worker groups")
        return
    names = set()
    for i, group in enumerate(groups):
        gw = f"{where}.workerGroupSpecs[{i}]"
        if not _mapping(p, gw, group):
            continue
        _unknown(p, gw, group, WORKER_FIELDS)
        name = group.get("groupName")
        if not isinstance(name, str) or not _DNS_LABEL.match(name):
            p.add(f"{gw}.groupName", f"{name!r}", "a DNS-1123 label, e.g. gpu-train")
            name = str(name)
        elif name in names:
            p.add(f"{gw}.groupName", f"{name!r} is used twice", "unique group names")
        names.add(name)
        counts = {k: group.get(k) for k in ("replicas", "minReplicas", "maxReplicas")}
        if all(_int(p, f"{gw}.{k}", v) for k, v in counts.items()):
            if not counts["minReplicas"] <= counts["replicas"] <= counts["maxReplicas"]:
                p.add(gw, f"minReplicas {counts['minReplicas']}, replicas {counts['replicas']}, maxReplicas "
                          f"{counts['maxReplicas']}", "minReplicas <= replicas <= maxReplicas")
        params = _start_params(p, f"{gw}.rayStartParams", group.get("rayStartParams"))
        _pod(p, f"{gw}.template", group.get("template"), params, name)


def check_serve_config(p: _Problems, where: str, text) -> None:
    if not isinstance(text, str) or not text.strip():
        p.add(where, "missing", "Ray Serve's config as a YAML multi-line string (serveConfigV2: |)")
        return
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError as err:
        p.add(where, f"not YAML ({str(err).splitlines()[0]})", "Ray Serve's config file format")
        return
    if not _mapping(p, where, config):
        return
    apps = config.get("applications")
    if not isinstance(apps, list) or not apps:
        p.add(f"{where}.applications", "missing or empty", "a list of applications")
        return
    prefixes, names = set(), set()
    for i, app in enumerate(apps):
        aw = f"{where}.applications[{i}]"
        if not _mapping(p, aw, app):
            continue
        path = app.get("import_path")
        if not isinstance(path, str) or not _IMPORT_PATH.match(path):
            p.add(f"{aw}.import_path", f"{path!r}" if path is not None else "missing",
                  "module:attribute of an application builder, e.g. serve.app:build_app")
        prefix = app.get("route_prefix")
        if not isinstance(prefix, str) or not prefix.startswith("/"):
            p.add(f"{aw}.route_prefix", f"{prefix!r}" if prefix is not None else "missing", 'a path such as "/"')
        elif prefix in prefixes:
            p.add(f"{aw}.route_prefix", f"{prefix!r} is used twice", "one route prefix per application")
        prefixes.add(prefix)
        if not isinstance(app.get("args"), dict):
            p.add(f"{aw}.args", "missing" if app.get("args") is None else f"{app.get('args')!r}",
                  "the application builder's arguments as a mapping (model_dir, ...)")
        name = app.get("name", "default")
        if name in names:
            p.add(f"{aw}.name", f"{name!r} is used twice", "unique application names")
        names.add(name)
        for j, dep in enumerate(app.get("deployments") or []):
            if not isinstance(dep, dict) or not dep.get("name"):
                p.add(f"{aw}.deployments[{j}].name", "missing", "the name of a deployment of the application")


def check(doc) -> list[str]:
    """Every problem found in one manifest document, as ``where: problem (expected ...)`` lines."""
    p = _Problems()
    if not _mapping(p, "manifest", doc):
        return p
    kind = doc.get("kind")
    name = (doc.get("metadata") or {}).get("name")
    where = f"{kind or '?'}/{name or '?'}"
    if kind == "PersistentVolumeClaim":
        spec = doc.get("spec") or {}
        if not spec.get("accessModes"):
            p.add(f"{where}.spec.accessModes", "missing", "e.g. [ReadWriteMany]")
        if quantity(((spec.get("resources") or {}).get("requests") or {}).get("storage")) is None:
            p.add(f"{where}.spec.resources.requests.storage", "missing or not a quantity", 'e.g. "500Gi"')
        return p
    if doc.get("apiVersion") != API_VERSION:
        p.add(f"{where}.apiVersion", f"{doc.get('apiVersion')!r}", API_VERSION)
    if not isinstance(name, str) or not _DNS_LABEL.match(name) or len(name) > 63:
        p.add(f"{where}.metadata.name", f"{name!r}", "a DNS-1123 label of at most 63 characters")
    spec = doc.get("spec")
    if not _mapping(p, f"{where}.spec", spec):
        return p
    if kind == "RayJob":
        _unknown(p, f"{where}.spec", spec, RAYJOB_FIELDS)
        entry = spec.get("entrypoint")
        if not isinstance(entry, str) or not entry.strip():
            p.add(f"{where}.spec.entrypoint", "missing or empty", "the command the job runs")
        mode = spec.get("submissionMode", "K8sJobMode")
        if mode not in SUBMISSION_MODES:
            p.add(f"{where}.spec.submissionMode", f"{mode!r}", f"one of {sorted(SUBMISSION_MODES)}")
        if "runtimeEnvYAML" in spec:
            try:
                env = yaml.safe_load(spec["runtimeEnvYAML"]) if isinstance(spec["runtimeEnvYAML"], str) else None
            except yaml.YAMLError:
                env = None
            if not isinstance(env, dict):
                p.add(f"{where}.spec.runtimeEnvYAML", "not a YAML mapping in a string", "runtimeEnvYAML: | ...")
        for key in ("ttlSecondsAfterFinished", "backoffLimit"):
            if key in spec:
                _int(p, f"{where}.spec.{key}", spec[key])
        if "activeDeadlineSeconds" in spec:
            _int(p, f"{where}.spec.activeDeadlineSeconds", spec["activeDeadlineSeconds"], 1)
        if "shutdownAfterJobFinishes" in spec and not isinstance(spec["shutdownAfterJobFinishes"], bool):
            p.add(f"{where}.spec.shutdownAfterJobFinishes", f"{spec['shutdownAfterJobFinishes']!r}", "true or false")
        if "rayClusterSpec" in spec or not spec.get("clusterSelector"):
            check_cluster_spec(p, f"{where}.spec.rayClusterSpec", spec.get("rayClusterSpec"))
    elif kind == "RayService":
        _unknown(p, f"{where}.spec", spec, RAYSERVICE_FIELDS)
        check_serve_config(p, f"{where}.spec.serveConfigV2", spec.get("serveConfigV2"))
        check_cluster_spec(p, f"{where}.spec.rayClusterConfig", spec.get("rayClusterConfig"))
    elif kind == "RayCluster":
        check_cluster_spec(p, f"{where}.spec", spec)
    else:
        p.add(f"{where}.kind", f"{kind!r}", "RayJob, RayService, RayCluster or PersistentVolumeClaim")
    return p


def check_file(path: str) -> list[str]:
    try:
        with open(path) as handle:
            docs = [d for d in yaml.safe_load_all(handle) if d is not None]
    except (OSError, yaml.YAMLError) as err:
        return [f"{path}: {str(err).splitlines()[0]}"]
    return [f"{path}: {line}" for doc in docs for line in check(doc)]


def main(argv: list[str] | None = None) -> int:
    paths = sys.argv[1:] if argv is None else argv
    if not paths:
        print("usage: python deploy/k8s/validate.py MANIFEST.yaml ...", file=sys.stderr)
        return 2
    problems = [line for path in paths for line in check_file(path)]
    for line in problems:
        print(line)
    print(f"{len(paths)} file(s), {len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
