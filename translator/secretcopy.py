"""`eks2ecs secrets copy --from-cluster DIR`: fill the Secrets Manager secrets that the secrets
stack made empty with the values of the Kubernetes Secrets they stand for, read from the live
cluster.

DIR is what `translate` wrote; its deploy-plan.json names each made secret, the Kubernetes
Secret behind it (namespace, name) and its JSON keys, which are that Secret's keys: the tasks'
ValueFrom reads `<arn>:<key>::`, and a task that reads the whole Secret (envFrom) reads every
key. Each secret gets one PutSecretValue of a JSON object of those keys:
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html
https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html

Values stay in memory between the GET and the PUT. They are never printed, logged, written or
put in an exception message: the AWS and Kubernetes clients' loggers are held at WARNING while
this runs (botocore logs request bodies at DEBUG), AWS error messages are scrubbed of the values
read, and an unexpected error is named by its type only.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from translator.errors import InputError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
PLAN = "deploy-plan.json"
# request and response bodies are logged at DEBUG by these
CLIENT_LOGGERS = ("botocore", "boto3", "s3transfer", "urllib3", "kubernetes")
# what the API server accepts as a namespace or Secret name (DNS subdomain); anything else in
# the plan file was edited by hand and must not reach a URL path
_NAME = re.compile(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")

ReadSecret = Callable[[str, str], dict[str, bytes]]


@dataclass(frozen=True)
class Made:
    """A secret the secrets stack made, and the Kubernetes Secret behind it."""

    name: str  # in Secrets Manager
    namespace: str
    secret: str
    keys: tuple[str, ...]
    read: frozenset[str]  # the keys a task reads

    @property
    def source(self) -> str:
        return f"Secret {self.namespace}/{self.secret}"


class _Failed(Exception):
    """One secret was not copied; the message says why and holds no value."""


class _Refused(_Failed):
    """Secrets Manager answered with an error."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


class _Stop(Exception):
    """Secrets Manager cannot be reached at all (credentials, region, endpoint)."""


def planned(folder: Path, namespace: str | None) -> list[Made]:
    """The made secrets of an output folder; with `namespace`, read from that namespace of the
    cluster instead of the one the translation recorded (the app runs under another name)."""
    path = folder / PLAN
    try:
        plan = json.loads(path.read_text(encoding="utf-8"))
        reads: dict[str, set[str]] = {}
        for secret in plan["secrets"]:
            if "name" in secret:
                reads.setdefault(secret["name"], set()).update(secret["keys"])
        made = [Made(str(m["name"]), str(m["namespace"]), str(m["secret"]),
                     tuple(str(k) for k in m["keys"]), frozenset(reads.get(m["name"], ())))
                for m in plan["madeSecrets"]]
    except FileNotFoundError:
        raise InputError(f"no {PLAN}: give the folder `eks2ecs translate -o` wrote",
                         str(folder)) from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"not a {PLAN} this version of eks2ecs reads ({type(exc).__name__}: "
                         f"{exc}); translate again", str(path)) from None
    namespaces = sorted({m.namespace for m in made})
    if namespace is not None and len(namespaces) > 1:
        raise InputError(f"-n reads every Secret from one namespace, but the translation's "
                         f"Secrets are in {', '.join(namespaces)}", str(path))
    if namespace is not None:
        made = [Made(m.name, namespace, m.secret, m.keys, m.read) for m in made]
    bad = next((n for m in made for n in (m.namespace, m.secret) if not _NAME.fullmatch(n)), None)
    if bad is not None:
        raise InputError(f"{bad!r} is not a Kubernetes namespace or Secret name", str(path))
    if not made:
        raise InputError("the translation made no Secrets Manager secret from a Kubernetes "
                         "Secret: nothing to copy", str(path))
    return made


def copy(made: list[Made], read_secret: ReadSecret, client: Any, *, dry_run: bool,
         overwrite: bool, out: TextIO) -> int:
    """Copy each secret, saying what happened to it on `out` (or why not on stderr); exit 1
    when any was not copied."""
    failed: list[str] = []
    with _quiet(CLIENT_LOGGERS):
        for secret in made:
            try:
                print(f"{secret.name}: {_one(secret, read_secret, client, dry_run, overwrite)}",
                      file=out)
            except _Failed as why:
                print(f"eks2ecs: {secret.name}: not copied: {why}", file=sys.stderr)
                failed.append(secret.name)
            except _Stop as why:
                print(f"eks2ecs: cannot reach Secrets Manager: {why}; nothing more was copied",
                      file=sys.stderr)
                return EXIT_FAILED
    if failed:
        print(f"eks2ecs: {len(failed)} of {len(made)} secret(s) not copied: {', '.join(failed)}",
              file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _one(secret: Made, read_secret: ReadSecret, client: Any, dry_run: bool,
         overwrite: bool) -> str:
    from translator import live

    current = _current(client, secret.name)  # first: no cluster read for a missing secret
    try:
        found = read_secret(secret.namespace, secret.secret)
    except live.SecretUnreadable as exc:
        raise _Failed(str(exc)) from None
    needed = sorted(k for k in secret.read if k not in found)
    if needed:
        raise _Failed(f"{secret.source} has no key {', '.join(needed)}, which the tasks read")
    text: dict[str, str] = {}
    for key in secret.keys:
        if key not in found:
            continue  # the translation saw it, the cluster has it no more, and no task reads it
        try:
            text[key] = found[key].decode("utf-8")
        except UnicodeDecodeError:
            raise _Failed(f"key {key} of {secret.source} is not UTF-8 text: ECS hands secrets to "
                          "containers as text") from None
    values = [v for v in text.values() if v]
    unknown = sorted(set(found) - set(secret.keys))
    keys = ", ".join(text) or "none"
    note = (f" ({', '.join(unknown)} left out: not in the translation; translate again to add "
            "them)") if unknown else ""
    if _held(current) == text:
        return f"already holds keys {keys} of {secret.source}{note}"
    if _held(current) and not overwrite:
        raise _Failed("it already has a value, which differs: kept (--overwrite replaces it)")
    if dry_run:
        return f"would copy keys {keys} from {secret.source}{note}"
    _aws(client.put_secret_value, values, SecretId=secret.name,
         SecretString=json.dumps(text, sort_keys=True))
    return f"copied keys {keys} from {secret.source}{note}"


def _current(client: Any, name: str) -> str | bytes | None:
    """The secret's value; None when it has none (made empty). Fails when there is no secret."""
    try:
        _aws(client.describe_secret, (), SecretId=name)
    except _Refused as why:
        if why.code == "ResourceNotFoundException":
            raise _Failed("no such secret in Secrets Manager in this account and region: deploy "
                          "the secrets stack first (./deploy.sh makes it, then stops at the "
                          "secrets gate)") from None
        raise
    try:
        got = _aws(client.get_secret_value, (), SecretId=name)
    except _Refused as why:
        if why.code == "ResourceNotFoundException":
            return None  # no version yet: CloudFormation made it without a value
        raise
    return got["SecretString"] if "SecretString" in got else bytes(got.get("SecretBinary", b""))


def _held(current: str | bytes | None) -> dict[str, str] | None:
    """The JSON keys a value holds, None for a value that is empty or all empty keys."""
    if not current:
        return None
    try:
        held = json.loads(current)
    except ValueError:
        return {"": ""}  # a value, but not JSON keys: never equal to what would be written
    if isinstance(held, dict) and not any(held.values()):
        return None
    return held if isinstance(held, dict) else {"": ""}


def _aws(call: Callable[..., Any], values: Iterable[str], **params: Any) -> Any:
    from botocore.exceptions import (
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
    )

    try:
        return call(**params)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise _Refused(str(error.get("Code")), _scrub(str(error.get("Message")), values)) from None
    except (NoCredentialsError, PartialCredentialsError, NoRegionError,
            EndpointConnectionError) as exc:  # their messages name the setting, no input
        raise _Stop(f"{type(exc).__name__}: {exc}") from None
    except Exception as exc:  # its message may quote what was sent
        raise _Failed(f"{type(exc).__name__} (details withheld: they may hold a secret "
                      "value)") from None


def _scrub(text: str, values: Iterable[str]) -> str:
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, "***")
    return text


@contextmanager
def _quiet(names: tuple[str, ...]) -> Iterator[None]:
    """Hold the clients' loggers at WARNING: whoever set DEBUG gets no request bodies."""
    loggers = [logging.getLogger(n) for n in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(max(logger.level, logging.WARNING))
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def kubeconfig_arguments(group: argparse._ActionsContainer) -> None:
    """--context and --kubeconfig, as this command and translate --from-cluster read them."""
    group.add_argument("--context", metavar="NAME", help="kubeconfig context (default: current)")
    group.add_argument("--kubeconfig", metavar="FILE",
                       help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser],
                namespace: Callable[[str], str]) -> None:
    secrets = commands.add_parser(
        "secrets", help="fill the Secrets Manager secrets the translation made",
        description="Work on the Secrets Manager secrets that the secrets stack made empty.")
    actions = secrets.add_subparsers(dest="action", metavar="ACTION", required=True)
    copy = actions.add_parser(
        "copy", help="copy the values of the Kubernetes Secrets from the cluster",
        description="Read the Kubernetes Secrets that DIR's secrets stack stands for from a live "
                    "cluster (one GET per Secret, through your kubeconfig) and put their keys, as "
                    "JSON, into those Secrets Manager secrets (AWS_REGION, AWS_PROFILE, "
                    "AWS_ENDPOINT_URL as the AWS CLI reads them). Values are never printed, "
                    "logged or written. A secret that already holds other values is kept unless "
                    "--overwrite.",
        epilog="exit status: 0 every secret copied (or already holding these values), 1 one or "
               "more not copied (each named on stderr with why), 2 bad usage, DIR, kubeconfig "
               "or AWS setup")
    copy.add_argument("folder", metavar="DIR", help="the output folder `eks2ecs translate -o` "
                                                    "wrote (its deploy-plan.json)")
    copy.add_argument("--from-cluster", action="store_true", required=True,
                      help="read the values from the cluster of a kubeconfig context")
    kubeconfig_arguments(copy)
    copy.add_argument("-n", "--namespace", metavar="NS", type=namespace,
                      help="read the Secrets from namespace NS (default: the namespace each "
                           "was translated in)")
    copy.add_argument("--dry-run", action="store_true",
                      help="say which secrets and key names would be copied; write nothing")
    copy.add_argument("--overwrite", action="store_true",
                      help="replace a secret's value that differs from the cluster's")


def main(args: argparse.Namespace) -> int:
    """The command; exit 2 for a folder, kubeconfig or AWS setup it cannot use."""
    try:
        return _run(args)
    except InputError as exc:
        print(f"eks2ecs: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _run(args: argparse.Namespace) -> int:
    import boto3
    from botocore.exceptions import BotoCoreError

    from translator import live

    made = planned(Path(args.folder), args.namespace)
    read_secret, _ = live.secret_reader(args.context, args.kubeconfig)
    try:
        # AWS_REGION first, as AWS CLI v2 reads it (botocore reads AWS_DEFAULT_REGION only);
        # endpoint, credentials and profile from the usual environment
        client = boto3.client("secretsmanager", region_name=os.environ.get("AWS_REGION") or None)
    except BotoCoreError as exc:
        raise InputError(f"cannot make a Secrets Manager client: {exc} (set AWS_REGION or "
                         "a profile's region)", "environment") from None
    return copy(made, read_secret, client, dry_run=args.dry_run, overwrite=args.overwrite,
                out=sys.stdout)
