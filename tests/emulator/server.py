"""moto server on loopback, in this process, and the AWS CLI that the generated scripts call."""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def require(module: str) -> None:
    """Fail (not skip) with the fix when a test prerequisite is missing."""
    if importlib.util.find_spec(module) is None:
        pytest.fail(f"the emulator tests need the Python package that provides `{module}`: "
                    "install the test extra, `python -m pip install '.[test]'`", pytrace=False)


@dataclass(frozen=True)
class Emulator:
    endpoint: str
    bin_dir: Path  # holds `aws`, the pinned AWS CLI of this environment
    _clients: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            import boto3
            self._clients[service] = boto3.client(service, endpoint_url=self.endpoint,
                                                  region_name=REGION, **CREDENTIALS)
        return self._clients[service]

    def shell_env(self, home: Path) -> dict[str, str]:
        """What the generated scripts run with: this emulator, no profile or config of the user."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            PATH=f"{self.bin_dir}{os.pathsep}{env.get('PATH', '')}", HOME=str(home),
            # AWS_REGION alone, as the scripts' header promises: AWS CLI v1 reads only
            # AWS_DEFAULT_REGION, which the scripts set from it.
            AWS_ENDPOINT_URL=self.endpoint, AWS_REGION=REGION,
            MAX_PARALLEL="16",  # a wave at once: the emulator answers fast, the test's clock counts
            AWS_ACCESS_KEY_ID=CREDENTIALS["aws_access_key_id"],
            AWS_SECRET_ACCESS_KEY=CREDENTIALS["aws_secret_access_key"],
            AWS_CONFIG_FILE=str(home / "aws-config"),
            AWS_SHARED_CREDENTIALS_FILE=str(home / "aws-credentials"), AWS_PAGER="")
        return env


def aws_cli(bin_dir: Path) -> None:
    """An `aws` on PATH that is the awscli of the test extra, whatever else the machine has."""
    require("awscli")
    bin_dir.mkdir(parents=True, exist_ok=True)
    aws = bin_dir / "aws"
    aws.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m awscli "$@"\n')
    aws.chmod(0o755)


@contextmanager
def running(work: Path) -> Iterator[tuple[Emulator, list[str]]]:
    """Start moto on 127.0.0.1 (a free port) with the test providers; yield it and the list that
    collects moto's warnings. Stops the server and undoes every patch on exit."""
    for module in ("moto", "flask", "boto3"):  # flask: moto[server]
        require(module)
    import werkzeug.serving
    from moto.moto_server import threaded_moto_server
    from moto.server import ThreadedMotoServer

    from tests.emulator import cloudformation, ecs, providers

    providers.install()
    complaints = cloudformation.Complaints()
    moto_log = logging.getLogger("moto")
    with pytest.MonkeyPatch.context() as mp:
        cloudformation.patch(mp)
        ecs.patch(mp)
        mp.setattr(logging.getLogger("werkzeug"), "level", logging.WARNING)  # one line a request
        # one request at a time: moto's backends are not thread-safe, and deploy.sh runs the
        # stacks of a wave at once (seven parallel deletes once left a stack never deleted)
        mp.setattr(threaded_moto_server, "make_server",
                   lambda host, port, app, threaded: werkzeug.serving.make_server(host, port, app))
        moto_log.addHandler(complaints)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            aws_cli(work / "bin")
            yield Emulator(f"http://{host}:{port}", work / "bin"), complaints.messages
        finally:
            server.stop()
            moto_log.removeHandler(complaints)
