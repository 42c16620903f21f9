"""The ``toolfoundry`` command.

This module is the composition root: it parses arguments and hands over to the jobs (``data_jobs``,
``train_jobs``, ``serve``), importing them only when their command runs — the rest of the core
library never imports a job. Bad input ends with one ``error:`` line naming what to fix, exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

import yaml

from toolfoundry.errors import ToolfoundryError

# Commands contributed by other packages: each module exposes register(subparsers).
_PLUGGED_COMMANDS = ("train_jobs.cli", "data_jobs.cli", "toolfoundry.evaluation.cli", "serve.cli")


# ------------------------------------------------------------------------------------------------
# Cluster jobs: `toolfoundry submit / status / logs / stop`, through Ray's JobSubmissionClient.
# Everything for these commands lives between this line and build_parser(); build_parser() only
# calls register_job_commands().
# ------------------------------------------------------------------------------------------------

DEFAULT_JOB_ADDRESS = "http://127.0.0.1:8265"
_ADDRESS_ENV = ("RAY_API_SERVER_ADDRESS", "RAY_ADDRESS")
_TERMINAL = ("SUCCEEDED", "FAILED", "STOPPED")


def job_runtime_env(working_dir: str) -> dict:
    """What a cluster job needs: the checkout as working dir, the core library as a py_module.

    Cluster nodes have the dependencies (cluster.yaml installs them) but not this checkout; Ray ships
    both. ``platform/`` itself is never put on the path as a package: ``toolfoundry`` is shipped as
    its own module, so ``import platform`` on the workers still gives the standard library.
    """
    root = os.path.abspath(working_dir)
    core = os.path.join(root, "platform", "toolfoundry")
    if not os.path.isdir(core):
        raise ToolfoundryError(f"--working-dir {working_dir!r}: no platform/toolfoundry; run from a toolfoundry checkout")
    return {
        "working_dir": root,
        "py_modules": [core],
        "excludes": [".venv/", "runs/", ".git/", "**/__pycache__/"],
        # The entry points call ray.init(runtime_env=...) themselves (train_jobs.pipeline.init_ray sets
        # the same variables for its workers); without the override Ray refuses to merge the two.
        "env_vars": {"HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "RAY_OVERRIDE_JOB_RUNTIME_ENV": "1"},
    }


def job_entrypoint(command: list[str]) -> str:
    """The shell command the job runs: ``command`` quoted with :func:`shlex.join`.

    A leading ``--`` (the separator on our own command line) is dropped; any later ``--`` belongs to
    the command. ``toolfoundry …`` becomes ``python -m toolfoundry.cli …``: the console script is
    not installed on the cluster, the module is shipped with the job.
    """
    import shlex

    command = list(command[1:] if command[:1] == ["--"] else command)
    if not command:
        raise ToolfoundryError("submit: no command given; e.g. toolfoundry submit -- toolfoundry pipeline demo")
    if command[0] == "toolfoundry":
        command = ["python", "-m", "toolfoundry.cli", *command[1:]]
    return shlex.join(command)


def job_address(address: str | None) -> str:
    """``--address`` if given, else ``RAY_API_SERVER_ADDRESS`` / ``RAY_ADDRESS``, else the local dashboard.

    A bare ``HOST:PORT`` is taken as the dashboard's HTTP address.
    """
    if not address:
        address = next((os.environ[k] for k in _ADDRESS_ENV if os.environ.get(k)), DEFAULT_JOB_ADDRESS)
    address = address.strip().rstrip("/")
    if "://" not in address:
        address = "http://" + address
    return address


def _check_reachable(address: str, timeout_s: float = 10.0) -> None:
    """Fail in seconds, with one line, when nothing listens at the address (requests would hang)."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ToolfoundryError(f"--address {address!r}: expected the Ray dashboard's URL, e.g. {DEFAULT_JOB_ADDRESS}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as err:
        raise ToolfoundryError(f"--address {address!r}: {err}") from None
    try:
        socket.create_connection((parts.hostname, port), timeout=timeout_s).close()
    except OSError as err:
        raise ToolfoundryError(
            f"--address {address}: no Ray dashboard reachable ({err.strerror or err}); start a cluster "
            "(`ray up cluster.yaml`, then `ray dashboard cluster.yaml` forwards port 8265) or pass "
            "--address http://HEAD:8265") from None


def job_client(address: str | None):
    """A JobSubmissionClient for exactly ``job_address(address)``.

    Ray lets ``RAY_ADDRESS`` override the address given to the client; an explicit ``--address``
    must win, so those variables are hidden while the client is built.
    """
    from ray.exceptions import AuthenticationError
    from ray.job_submission import JobSubmissionClient

    url = job_address(address)
    _check_reachable(url)
    saved = {k: os.environ.pop(k) for k in _ADDRESS_ENV if k in os.environ}
    try:
        try:
            return JobSubmissionClient(url)
        except AuthenticationError:
            # Ray 2.60's `ray start` turns token auth on when a token exists (~/.ray/auth_token,
            # RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH) and RAY_AUTH_MODE is unset, but its job client only
            # sends the token when RAY_AUTH_MODE=token; do what `ray start` does, then retry once.
            if not _enable_local_token_auth():
                raise
            return JobSubmissionClient(url)
    except AuthenticationError:
        raise ToolfoundryError(
            f"--address {url}: the cluster requires a Ray auth token and none was accepted; set RAY_AUTH_MODE=token "
            "and the cluster's token in RAY_AUTH_TOKEN (or ~/.ray/auth_token)") from None
    except (ConnectionError, RuntimeError, ValueError) as err:
        raise ToolfoundryError(f"--address {url}: not a Ray job server ({str(err).splitlines()[0]})") from None
    finally:
        os.environ.update(saved)


def _enable_local_token_auth() -> bool:
    """Send the local Ray auth token from now on, if RAY_AUTH_MODE is unset and a token exists."""
    if os.environ.get("RAY_AUTH_MODE") is not None:
        return False  # set explicitly: respected as it is
    try:
        from ray._private.authentication.authentication_token_setup import maybe_enable_token_auth_if_token_available
    except ImportError:
        return False
    import logging

    quiet = logging.getLogger("ray._private.authentication.authentication_token_setup")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # its "token authentication is enabled" warning is about clusters it starts
    try:
        return maybe_enable_token_auth_if_token_available(warn_if_disabled=False)
    finally:
        quiet.setLevel(level)


def _job_call(client, job_id: str, method: str, *args):
    """Call a client method for one job; an unknown id becomes one line naming it."""
    try:
        return getattr(client, method)(job_id, *args)
    except RuntimeError as err:
        text = str(err)
        if "404" in text or "does not exist" in text:
            raise ToolfoundryError(
                f"job {job_id!r}: no such job on {client.get_address()} (expected an id printed by "
                "`toolfoundry submit`, e.g. raysubmit_…)") from None
        raise ToolfoundryError(f"job {job_id!r}: {text.splitlines()[0]}") from None


def _follow_logs(client, job_id: str) -> None:
    """Print the job's log as it is written, until the job ends (Ray's log websocket)."""
    import asyncio

    async def tail():
        async for chunk in client.tail_job_logs(job_id):
            sys.stdout.write(chunk)
            sys.stdout.flush()

    try:
        asyncio.run(tail())
    except RuntimeError as err:  # a dropped websocket: the status poll below still sees the end
        print(f"[toolfoundry] log stream ended early: {str(err).splitlines()[0]}", file=sys.stderr)


def _wait_for_end(client, job_id: str, poll_s: float = 1.0):
    import time

    while True:
        info = _job_call(client, job_id, "get_job_info")
        if str(info.status) in _TERMINAL:
            return info
        time.sleep(poll_s)


def job_exit_code(info) -> int:
    """The entrypoint's exit code when Ray recorded it, else 0 for SUCCEEDED and 1 otherwise."""
    code = getattr(info, "driver_exit_code", None)
    if code is not None:
        return int(code)
    return 0 if str(info.status) == "SUCCEEDED" else 1


def _submit(args) -> int:
    entrypoint = job_entrypoint(args.entrypoint)
    runtime_env = job_runtime_env(args.working_dir)
    client = job_client(args.address)
    try:
        job_id = client.submit_job(entrypoint=entrypoint, runtime_env=runtime_env)
    except RuntimeError as err:
        raise ToolfoundryError(f"submit to {client.get_address()}: {str(err).splitlines()[0]}") from None
    print(job_id, flush=True)
    address = client.get_address()
    print(f"[toolfoundry] submitted {job_id}: {entrypoint}", file=sys.stderr)
    if not args.wait:
        print(f"[toolfoundry] follow it with: toolfoundry logs {job_id} --follow --address {address}", file=sys.stderr)
        return 0
    try:
        _follow_logs(client, job_id)
        info = _wait_for_end(client, job_id)
    except KeyboardInterrupt:
        print(f"\n[toolfoundry] {job_id} keeps running; stop it with: toolfoundry stop {job_id} --address {address}",
              file=sys.stderr)
        return 130
    code = job_exit_code(info)
    print(f"[toolfoundry] {job_id} {info.status} (exit code {code}){': ' + info.message if info.message else ''}",
          file=sys.stderr)
    return code


def _job_status(args) -> int:
    client = job_client(args.address)
    info = _job_call(client, args.job_id, "get_job_info")
    code = getattr(info, "driver_exit_code", None)
    print(f"{args.job_id} {info.status}" + (f" exit_code={code}" if code is not None else "")
          + (f": {info.message}" if info.message else ""))
    return 0


def _job_logs(args) -> int:
    client = job_client(args.address)
    if args.follow:
        _job_call(client, args.job_id, "get_job_info")  # an unknown id fails here, not in the websocket
        try:
            _follow_logs(client, args.job_id)
        except KeyboardInterrupt:
            return 130
    else:
        sys.stdout.write(_job_call(client, args.job_id, "get_job_logs"))
    return 0


def _job_stop(args) -> int:
    client = job_client(args.address)
    stopped = _job_call(client, args.job_id, "stop_job")
    if stopped:
        print(f"{args.job_id}: stop requested")
        if args.wait:
            info = _wait_for_end(client, args.job_id)
            print(f"{args.job_id} {info.status}")
    else:
        info = _job_call(client, args.job_id, "get_job_info")
        print(f"{args.job_id}: not running ({info.status})")
    return 0


def register_job_commands(sub) -> None:
    address_help = (f"the Ray dashboard's URL (default: $RAY_API_SERVER_ADDRESS, $RAY_ADDRESS, "
                    f"else {DEFAULT_JOB_ADDRESS}); an explicit --address wins over the environment")

    p = sub.add_parser("submit", help="submit a toolfoundry entry point to a Ray cluster as a job")
    p.add_argument("--address", default=None, help=address_help)
    p.add_argument("--working-dir", default=".", help="the repository checkout to ship with the job")
    wait = p.add_mutually_exclusive_group()
    wait.add_argument("--wait", dest="wait", action="store_true",
                      help="stream the job's logs until it ends; exit with its exit code")
    wait.add_argument("--no-wait", dest="wait", action="store_false", help="print the job id and return (default)")
    p.set_defaults(wait=False)
    p.add_argument("entrypoint", nargs=argparse.REMAINDER, help="after --: the command, e.g. -- toolfoundry pipeline demo")
    p.set_defaults(func=_submit)

    p = sub.add_parser("status", help="a submitted job's status (PENDING, RUNNING, SUCCEEDED, FAILED, STOPPED)")
    p.add_argument("job_id")
    p.add_argument("--address", default=None, help=address_help)
    p.set_defaults(func=_job_status)

    p = sub.add_parser("logs", help="a submitted job's logs")
    p.add_argument("job_id")
    p.add_argument("--follow", "-f", action="store_true", help="keep printing until the job ends")
    p.add_argument("--address", default=None, help=address_help)
    p.set_defaults(func=_job_logs)

    p = sub.add_parser("stop", help="stop a submitted job")
    p.add_argument("job_id")
    p.add_argument("--wait", action="store_true", help="return once the job has ended")
    p.add_argument("--address", default=None, help=address_help)
    p.set_defaults(func=_job_stop)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="toolfoundry", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    register_job_commands(sub)

    for module in _PLUGGED_COMMANDS:
        try:
            importlib.import_module(module).register(sub)
        except ModuleNotFoundError as err:
            if err.name != module:  # the module exists but something it needs is missing
                raise
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ToolfoundryError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
