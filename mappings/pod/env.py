"""Environment variables: env and envFrom become a container's Environment (values, with
in-cluster DNS names rewritten to Cloud Map ones) and Secrets (ValueFrom a Secrets Manager
secret or SSM parameter, never a value); every variable is listed in the report with where
its value came from on EKS."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from mappings import discovery, secretsource, vpc_endpoints
from mappings.dns import DnsRewriter, Rewritten, dns_rewriter
from mappings.pod.state import PodState
from translator.models import ConfigMap, Container, EnvFromSource
from translator.models import EnvVar as KubeEnvVar
from translator.plan import EnvVar

# What this module may claim, relative to a container.
CONTAINER_FIELDS = ("envFrom/*", "env/*")


@dataclass(frozen=True)
class _Origin:
    """Where an environment variable's value came from on EKS."""

    path: str  # the env or envFrom field
    eks: str
    secret: str | None = None
    secret_source: str | None = None
    rewrites: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()  # addresses a Service Connect alias answers as written
    reads: tuple[str, str, str] | None = None  # (kind, name, key) the value comes from


def _secret_source(source: secretsource.SecretSource) -> str:
    """Where a Kubernetes Secret's values come from, in words."""
    if source.origin.startswith("ExternalSecret/"):
        return source.origin.replace("/", " ", 1)
    return "manifest (values not copied)" if source.keys is not None else "not in the input"


def _secret_origin(name: str, key: str, source: secretsource.SecretSource) -> str:
    if source.origin.startswith("ExternalSecret/"):
        return f"Secret {name} key {key}, synced by {source.origin.replace('/', ' ', 1)}"
    if source.origin == "missing":
        return f"Secret {name} key {key} (not in the input)"
    return f"Secret {name} key {key}"


@dataclass(frozen=True)
class Unknown:
    """A variable whose value the task definition cannot hold, and what it is instead."""

    what: str  # "a secret's value", "status.podIP", ...


Scope = dict[str, "str | Unknown"]


def expand(value: str, scope: Scope) -> tuple[str, list[tuple[str, Unknown]]]:
    """`value` with `$(VAR)` expanded as kubelet does: `$$` is `$`, a variable of `scope`
    is its value, any other reference stays literal. Also the variables referred to whose
    value the template cannot hold (Unknown in `scope`), which stay literal.
    https://kubernetes.io/docs/tasks/inject-data-application/define-interdependent-environment-variables/"""
    out: list[str] = []
    hidden: list[tuple[str, Unknown]] = []
    cursor = checkpoint = 0
    while cursor < len(value):
        if value[cursor] == "$" and cursor + 1 < len(value):
            out.append(value[checkpoint:cursor])
            following = value[cursor + 1]
            closer = value.find(")", cursor + 2) if following == "(" else -1
            if following == "$":
                out.append("$")
                cursor += 1
            elif closer != -1:
                name = value[cursor + 2:closer]
                known = scope.get(name)
                if isinstance(known, Unknown):
                    hidden.append((name, known))
                out.append(known if isinstance(known, str) else f"$({name})")
                cursor = closer
            else:
                out.append(value[cursor:cursor + 2])
                cursor += 1
            checkpoint = cursor + 1
        cursor += 1
    return "".join(out) + value[checkpoint:], hidden


def scope_of(state: PodState, c: Container, *, env: bool = True) -> Scope:
    """The container's variables as kubelet defines them (envFrom, then env in order, each
    value expanded from those before it)."""
    scope: Scope = {}
    for source in c.env_from:
        if source.config_map_ref is not None:
            cm = state.ctx.find(ConfigMap, state.namespace, source.config_map_ref.name)
            scope.update({source.prefix + k: v for k, v in (cm.data if cm else {}).items()})
        elif source.secret_ref is not None:
            secret = secretsource.lookup(source.secret_ref.name, state.namespace, state.ctx)
            scope.update({source.prefix + k: _SECRET for k in secret.keys or ()})
    for var in c.env if env else ():
        scope[var.name] = _known_value(state, var, scope)
    return scope


_SECRET = Unknown("a secret's value")


def _known_value(state: PodState, var: KubeEnvVar, scope: Scope) -> str | Unknown:
    if var.value_from is None:
        return expand(var.value or "", scope)[0]
    src = var.value_from
    if src.config_map_key_ref is not None:
        cm = state.ctx.find(ConfigMap, state.namespace, src.config_map_key_ref.name)
        value = cm.data.get(src.config_map_key_ref.key) if cm else None
        return Unknown("not in the input") if value is None else value
    if src.field_ref is not None:
        static = static_field(state, src.field_ref.field_path)
        return Unknown(src.field_ref.field_path) if static is None else static
    return _SECRET if src.secret_key_ref is not None else Unknown("a resourceFieldRef")


# A fieldRef to a label or annotation of the pod template: kubelet reads the pod's, which the
# template fixes (metadata.name is the pod's own name, which no ECS task has in advance).
# https://kubernetes.io/docs/concepts/workloads/pods/downward-api/#downwardapi-fieldRef
_META_FIELD = re.compile(r"metadata\.(labels|annotations)\[(?:'([^']*)'|\"([^\"]*)\")\]")


def static_field(state: PodState, path: str) -> str | None:
    """The value a fieldRef takes in every pod of the template, None when it has none."""
    if path == "metadata.namespace":
        return state.namespace
    found = _META_FIELD.fullmatch(path)
    if found is None:
        return None
    node: Any = state.ctx.manifest_at(state.entry.file, state.entry.line).doc
    for token in state.base.split("/")[1:-1]:  # the pod template holding this pod spec
        node = node.get(token) if isinstance(node, dict) else None
    metadata = node.get("metadata") if isinstance(node, dict) else None
    values = metadata.get(found[1]) if isinstance(metadata, dict) else None
    value = values.get(found[2] if found[2] is not None else found[3]) \
        if isinstance(values, dict) else None
    return None if value is None else str(value)


# name -> ("value", str) | ("secret", SecretValue | why not), and where it came from
Found = dict[str, tuple[str, Any, _Origin]]


def environment(state: PodState, c: Container, path: str,
                at: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The container's (Environment, Secrets) entries."""
    found: Found = {}
    rewriter = dns_rewriter(state.ctx)
    for j, source in enumerate(c.env_from):
        _env_from(state, c, source, f"{path}/envFrom/{j}", rewriter, found)
    scope = scope_of(state, c, env=False)
    for j, var in enumerate(c.env):
        _env(state, c, var, f"{path}/env/{j}", rewriter, found, scope)
        scope[var.name] = _known_value(state, var, scope)
    entry = state.entry
    _split_ports(state, rewriter, found)
    environment: list[dict[str, Any]] = []
    secrets: list[dict[str, Any]] = []
    for name, (how, value, origin) in found.items():
        if how == "value":
            to = state.to(f"{at}/Environment/{len(environment)}")
            entry.mapped(origin.path, to)
            environment.append({"Name": name, "Value": value})
            ecs = "Environment (Service Discovery DNS)" if origin.rewrites else \
                "Environment (Service Connect alias)" if origin.aliases else "Environment"
            entry.env.append(EnvVar(c.name, name, origin.eks, ecs, to, rewrites=origin.rewrites,
                                    aliases=origin.aliases, reads=origin.reads))
        elif isinstance(value, str):
            entry.unsupported(origin.path, f"{name}: {value}")
            _unmapped(state, c, name, origin.eks, value, origin.secret)
        else:
            state.read_secret(value)
            to = state.to(f"{at}/Secrets/{len(secrets)}")
            entry.mapped(origin.path, to, value.note or None)
            secrets.append({"Name": name, "ValueFrom": value.value_from})
            entry.env.append(EnvVar(c.name, name, origin.eks,
                                    f"{value.store} -> task definition Secrets", to,
                                    origin.secret, origin.secret_source, reads=origin.reads))
    return environment, secrets


def _split_ports(state: PodState, rewriter: DnsRewriter, found: Found) -> None:
    """A port given apart from its host (`X_HOST: grafana` + `X_PORT: "80"`) becomes the
    container port behind the Service port, as `grafana:80` does."""
    for name, (how, value, _) in list(found.items()):
        if how != "value" or not name.upper().endswith("_HOST"):
            continue
        port_name = name[:-4] + ("PORT" if name[-4:].isupper() else "port")
        port = found.get(port_name)
        remapped = rewriter.remapped(value)
        if port is None or port[0] != "value" or not str(port[1]).isdigit() or not remapped:
            continue
        number = remapped.get(int(port[1]))
        if number is not None:
            state.entry.mapped(port[2].path, None, f"DNS rewrite: {port_name} {port[1]} -> "
                               f"{number}, the container port behind {name}'s Service port")
            found[port_name] = ("value", str(number), replace(
                port[2], rewrites=(*port[2].rewrites, f"{port[1]} -> {number}")))


def _env_from(state: PodState, c: Container, source: EnvFromSource, src_path: str,
              rewriter: DnsRewriter, found: Found) -> None:
    if source.config_map_ref is not None:
        cm_name = source.config_map_ref.name
        cm = state.ctx.find(ConfigMap, state.namespace, cm_name)
        if cm is None:
            _missing(state, src_path, "ConfigMap", cm_name, source.config_map_ref.optional)
            _unmapped(state, c, f"{source.prefix}*", f"ConfigMap {cm_name} (envFrom)",
                      "ConfigMap not in the input")
            return
        for key, value in cm.data.items():
            new, rewrites, kept = _rewrite(state, value, src_path, rewriter, source.prefix + key)
            found[source.prefix + key] = ("value", new, _Origin(
                src_path, f"ConfigMap {cm_name} key {key}", rewrites=rewrites, aliases=kept,
                reads=("ConfigMap", cm_name, key)))
    elif source.secret_ref is not None:
        secret_name = source.secret_ref.name
        secret = secretsource.lookup(secret_name, state.namespace, state.ctx)
        if secret.keys is None:
            why = f"the keys of {secret.origin} are not in the manifests"
            state.entry.unsupported(src_path, f"{why}; name each one with secretKeyRef")
            _unmapped(state, c, f"{source.prefix}*", f"Secret {secret_name} (envFrom)", why,
                      secret_name)
            return
        for key in secret.keys:
            found[source.prefix + key] = ("secret", secret.value(key), _Origin(
                src_path, _secret_origin(secret_name, key, secret), secret_name,
                _secret_source(secret), reads=("Secret", secret_name, key)))


def _env(state: PodState, c: Container, var: KubeEnvVar, var_path: str, rewriter: DnsRewriter,
         found: Found, scope: Scope) -> None:
    for host in vpc_endpoints.named_apis(var.name, state.ctx):
        state.entry.lossy(var_path, vpc_endpoints.internet_note(host, f"variable {var.name}"))
    if var.value_from is None:
        value = _expanded(state, var.value or "", var_path, scope, var.name)
        new, rewrites, kept = _rewrite(state, value, var_path, rewriter, var.name)
        found[var.name] = ("value", new, _Origin(var_path, "value", rewrites=rewrites,
                                                         aliases=kept))
        return
    src = var.value_from
    if src.config_map_key_ref is not None:
        ref = src.config_map_key_ref
        eks = f"ConfigMap {ref.name} key {ref.key}"
        cm = state.ctx.find(ConfigMap, state.namespace, ref.name)
        if cm is None or ref.key not in cm.data:
            _missing(state, var_path, "ConfigMap", f"{ref.name} key {ref.key}", ref.optional)
            _unmapped(state, c, var.name, eks, "not in the input")
            return
        new, rewrites, kept = _rewrite(state, cm.data[ref.key], var_path, rewriter, var.name)
        found[var.name] = ("value", new, _Origin(var_path, eks, rewrites=rewrites, aliases=kept,
                                                 reads=("ConfigMap", ref.name, ref.key)))
    elif src.secret_key_ref is not None:
        ref = src.secret_key_ref
        secret = secretsource.lookup(ref.name, state.namespace, state.ctx)
        found[var.name] = ("secret", secret.value(ref.key), _Origin(
            var_path, _secret_origin(ref.name, ref.key, secret), ref.name,
            _secret_source(secret), reads=("Secret", ref.name, ref.key)))
    elif src.field_ref is not None \
            and (static := static_field(state, src.field_ref.field_path)) is not None:
        found[var.name] = ("value", static,
                           _Origin(var_path, f"fieldRef {src.field_ref.field_path}"))
    else:
        what = src.field_ref.field_path if src.field_ref else "resourceFieldRef"
        state.entry.unsupported(var_path, f"{what} has no ECS equivalent; read the ECS "
                                "task metadata endpoint (ECS_CONTAINER_METADATA_URI_V4)")
        _unmapped(state, c, var.name, what, "no ECS equivalent")


def _unmapped(state: PodState, c: Container, name: str, eks: str, why: str,
              secret: str | None = None) -> None:
    state.entry.env.append(EnvVar(c.name, name, eks, f"not mapped: {why}", secret=secret))


def _rewrite(state: PodState, value: str, path: str, rewriter: DnsRewriter,
             key: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """A value with its in-cluster DNS names rewritten, the rewrites, and the addresses
    Service Connect aliases answer as written."""
    out = rewriter.rewrite(value, state.namespace, key, aliases_of(state))
    report_rewrite(state, path, out, f"{key}={value}")
    return (out.value, tuple(f"{change.old} -> {change.new}" for change in out.done),
            tuple(dict.fromkeys(out.kept)))


def aliases_of(state: PodState) -> dict[tuple[str, str], tuple[str, frozenset[int]]] | None:
    """The Service Connect aliases a client's values keep (None: not a client)."""
    return None if state.sc_names is None else discovery.aliases(state.ctx)


def _expanded(state: PodState, value: str, path: str, scope: Scope, name: str | None) -> str:
    """`value` expanded as kubelet does, reported: what was expanded, and each secret a
    reference reads, which ECS cannot compose into the value."""
    if "$" not in value:
        return value
    new, hidden = expand(value, scope)
    if new != value:
        state.entry.mapped(path, None, f"$(VAR) expanded as kubelet does: {value} -> {new}")
    for ref, unknown in dict.fromkeys(hidden):
        fix = (f"have the entrypoint export {name}=\"...${ref}...\"" if name else
               f"have the entrypoint (sh -c) compose the argument from ${ref}")
        if unknown is _SECRET and name:
            fix = f"store the composed value as its own secret, or {fix}"
        state.entry.lossy(path, f"$({ref}) is {unknown.what}, which a task definition "
                          f"cannot compose into {name or 'an argument'}; left as $({ref}): "
                          f"{fix}")
    return new


def words(state: PodState, c: Container, items: list[str], path: str) -> list[str]:
    """A container's command or args, expanded from its variables as kubelet does, with the
    Service addresses in them rewritten."""
    rewriter = dns_rewriter(state.ctx)
    scope = scope_of(state, c)
    out = []
    for j, item in enumerate(items):
        word = _expanded(state, item, f"{path}/{j}", scope, None)
        done = rewriter.rewrite(word, state.namespace, aliases=aliases_of(state))
        report_rewrite(state, f"{path}/{j}", done, word)
        out.append(done.value)
    return out


def report_rewrite(state: PodState, path: str, out: Rewritten, where: str) -> None:
    """Every rewrite (mapped), every Service name left alone and every name of a Service
    not in the input (lossy), quoting `where` the value was read."""
    for change in out.done:
        state.entry.mapped(path, None, f"DNS rewrite: {change.old} -> {change.new}")
    for alias in dict.fromkeys(out.kept):
        state.entry.mapped(path, None, f"{alias}: a Service Connect alias, kept as written")
    for name in dict.fromkeys(out.left):
        state.entry.lossy(path, f"{name} names a Service but does not stand as an address "
                          f"here, left as written: {where}")
    for name in dict.fromkeys(out.unresolved):
        state.entry.lossy(path, f"{name}: not in the input: will not resolve on ECS "
                          f"({where})")
    for host in vpc_endpoints.internet_hosts(out.value, state.ctx):
        state.entry.lossy(path, vpc_endpoints.internet_note(host, where))


def _missing(state: PodState, path: str, kind: str, name: str, optional: bool) -> None:
    if optional:
        state.entry.ignored(path, f"optional {kind} {name} is not in the input")
    else:
        state.entry.unsupported(path, f"{kind} {name} is not in the input; add it to the "
                                "sources or set the variable by hand")
