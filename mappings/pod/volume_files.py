"""configMap and secret volumes: a task volume that a short-lived, non-essential container
fills before the app starts, each file from an environment variable (ConfigMap values, DNS
names rewritten) or an ECS secret (Secret keys: ECS injects them, so no value lands in the
template)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from mappings import secretsource, vpc_endpoints
from mappings.dns import dns_rewriter, line_of
from mappings.pod.backing import Backing, TaskVolumes
from mappings.pod.env import aliases_of
from mappings.pod.state import TASK
from translator.cfn import Ref
from translator.models import ConfigMap, Volume
from translator.plan import Parameter, Target

WRITER = "write-volume-files"

WRITER_IMAGE = "public.ecr.aws/docker/library/busybox:1.36.1"

WRITER_ROOT = "/eks2ecs-volumes"


@dataclass(frozen=True)
class VolumeFile:
    """One file of a configMap or secret volume: a ConfigMap value, or a Secret's ValueFrom."""

    volume: str
    path: str  # inside the volume
    mode: int | None
    value: str | secretsource.SecretValue
    ledger: str  # the field it comes from


class FileWriter:
    """The files of a pod's configMap and secret volumes, and the container that writes them."""

    def __init__(self, volumes: TaskVolumes) -> None:
        self.volumes = volumes
        self.state = volumes.state
        self.ctx = self.state.ctx
        self.frag = self.state.frag
        self.entry = self.state.entry
        self.stack = self.state.stack
        self.files: list[VolumeFile] = []  # what the writer container writes
        self.mounts: list[tuple[str, str, int | None]] = []  # volume, path, mode

    def to(self, pointer: str) -> Target:
        return self.state.to(pointer)

    def config_map(self, volume: Volume, path: str) -> Backing:
        source = volume.config_map
        assert source is not None
        cm = self.ctx.find(ConfigMap, self.state.namespace, source.name)
        if cm is None:
            why = (f"ConfigMap {source.name} is not in the input: add it to the sources, or "
                   "bake the files into the image")
            if source.optional:
                self.entry.ignored(path, f"optional {why}")
            else:
                self.entry.unsupported(path, why)
            return Backing(None, why, optional=source.optional)
        rewriter = dns_rewriter(self.ctx)
        wanted = [(item.key, item.path, item.mode) for item in source.items] or [
            (key, key, None) for key in sorted(cm.data)]
        for j, (key, file_path, mode) in enumerate(wanted):
            where = f"{path}/configMap/items/{j}" if source.items else path
            if key not in cm.data:
                self.entry.unsupported(where, f"key {key!r} is not in ConfigMap {cm.name}"
                                       + (" (binaryData cannot be an environment variable)"
                                          if key in cm.binary_data else ""))
                continue
            out = rewriter.rewrite(cm.data[key], self.state.namespace,
                                   aliases=aliases_of(self.state))
            for change in out.done:
                self.entry.mapped(where, None, f"DNS rewrite in {key}: {change.old} -> {change.new}")
            for name in dict.fromkeys(out.left + out.unresolved):
                why = ("not in the input: will not resolve on ECS" if name in out.unresolved
                       else "names a Service but does not stand as an address here, left as "
                       "written")
                self.entry.lossy(where, f"{name} in {key}: {why} ({line_of(cm.data[key], name)})")
            for host in vpc_endpoints.internet_hosts(out.value, self.ctx):
                self.entry.lossy(where, vpc_endpoints.internet_note(
                    host, f"file {file_path} of ConfigMap {cm.name}, {line_of(out.value, host)}"))
            value = out.value
            self.add_file(VolumeFile(volume.name, file_path, mode or source.default_mode,
                                     str(value), where))
        for key in cm.binary_data if not source.items else ():
            self.entry.unsupported(path, f"binaryData key {key!r} cannot be an environment "
                                   "variable: bake the file into the image or store it in S3")
        return self.file_volume(volume.name, path, "configMap", source.default_mode,
                                "ConfigMap values travel as environment variables of the "
                                "writer container")


    def secret(self, volume: Volume, path: str) -> Backing:
        source = volume.secret
        assert source is not None
        found = secretsource.lookup(source.secret_name, self.state.namespace, self.ctx)
        if source.items:
            wanted = [(item.key, item.path, item.mode) for item in source.items]
        elif found.keys is not None:
            wanted = [(key, key, None) for key in sorted(found.keys)]
        else:
            why = (f"the keys of {found.origin} are not in the manifests: list them under "
                   "secret.items so each can be read from Secrets Manager")
            self.entry.unsupported(path, why)
            return Backing(None, why)
        for j, (key, file_path, mode) in enumerate(wanted):
            where = f"{path}/secret/items/{j}" if source.items else path
            value = found.value(key)
            if isinstance(value, str):
                self.entry.unsupported(where, value)
                continue
            self.state.read_secret(value)
            self.add_file(VolumeFile(volume.name, file_path, mode or source.default_mode,
                                     value, where))
        return self.file_volume(volume.name, path, "secret", source.default_mode,
                                "Secret values are injected by ECS as secrets of the writer "
                                "container, never written in the template")


    def add_file(self, file: VolumeFile) -> None:
        parts = file.path.split("/")
        if file.path.startswith("/") or ".." in parts or "" in parts:
            self.entry.unsupported(file.ledger, f"file path {file.path!r} must be relative and "
                                   "stay inside the volume")
            return
        self.files.append(file)


    def file_volume(self, name: str, path: str, kind: str, default_mode: int | None,
                    how: str) -> Backing:
        self.mounts.append((name, f"{path}/{kind}", default_mode))
        backing = self.volumes.add({"Name": name}, path, f"a task volume that container {WRITER} "
                                   f"fills before the app starts; {how}", read_only=True)
        self.entry.lossy(path, "files are written once at task start: later changes to the "
                         "source need a new deployment (Kubernetes updates mounted files live)",
                         Target(self.stack, f"{TASK}/ContainerDefinitions"))
        return backing


    def write(self, containers: list[dict[str, Any]]) -> None:
        """The non-essential container that writes configMap/secret files before the app."""
        at = f"/ContainerDefinitions/{len(containers)}"
        environment: list[dict[str, Any]] = []
        secrets: list[dict[str, Any]] = []
        script = ["set -e"]
        folders: set[str] = set()
        for n, file in enumerate(self.files):
            variable = f"FILE_{n}"
            target = f"{WRITER_ROOT}/{file.volume}/{file.path}"
            folder = target.rsplit("/", 1)[0]
            if folder not in folders:
                folders.add(folder)
                script.append(f"mkdir -p {shlex.quote(folder)}")
            script.append(f'printf %s "${variable}" > {shlex.quote(target)}')
            if file.mode is not None:
                script.append(f"chmod {file.mode:o} {shlex.quote(target)}")
            if isinstance(file.value, str):
                self.entry.mapped(file.ledger, self.to(f"{at}/Environment/{len(environment)}"),
                                  f"{file.path} written from {variable}")
                environment.append({"Name": variable, "Value": file.value})
            else:
                self.entry.mapped(file.ledger, self.to(f"{at}/Secrets/{len(secrets)}"),
                                  f"{file.path} written from secret {variable}"
                                  + (f"; {file.value.note}" if file.value.note else ""))
                secrets.append({"Name": variable, "ValueFrom": file.value.value_from})
        image_param = "VolumeFilesImage"
        self.frag.put(self.stack, "Parameters", image_param, Parameter(
            "String", "Image of the container that writes ConfigMap/Secret files into task "
            "volumes (needs sh, mkdir, printf, chmod)", default=WRITER_IMAGE))
        definition: dict[str, Any] = {
            "Name": WRITER,
            "Image": Ref(image_param),
            "Essential": False,
            "EntryPoint": ["sh", "-c"],
            "Command": ["\n".join(script)],
            "MountPoints": [{"SourceVolume": name, "ContainerPath": f"{WRITER_ROOT}/{name}",
                             "ReadOnly": False} for name, _, _ in self.mounts],
            "LogConfiguration": {"LogDriver": "awslogs", "Options": {
                "awslogs-group": Ref("LogGroup"), "awslogs-region": Ref("AWS::Region"),
                "awslogs-stream-prefix": WRITER}},
        }
        if environment:
            definition["Environment"] = environment
        if secrets:
            definition["Secrets"] = secrets
        for container in containers:
            container.setdefault("DependsOn", []).append(
                {"ContainerName": WRITER, "Condition": "SUCCESS"})
        containers.append(definition)
        for _, path, mode in self.mounts:
            if mode is not None:
                self.entry.mapped(f"{path}/defaultMode", self.to(f"{at}/Command"),
                                  f"chmod {mode:o} by {WRITER}")
