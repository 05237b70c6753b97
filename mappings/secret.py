"""Secret -> an AWS::SecretsManager::Secret in the cluster stack holding the same key names
with empty values; the user fills them in. No value from the manifest is ever read.

A Secret that an ExternalSecret syncs is not recreated: its data already lives in AWS.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from mappings.pod import reads
from mappings.secretsource import plain_secret_output, secret_name
from translator.cfn import Ref
from translator.context import CLUSTER_STACK, Context, export_name, pascal
from translator.load import escape_pointer_token
from translator.models import ExternalSecret, Secret
from translator.plan import Fragment, Output, Resource, Target

KIND = "Secret"
API_VERSIONS = ("v1",)
MODEL = Secret
# key names only: values are never read
FIELDS = ("/type", "/data", "/stringData", "/data/*", "/stringData/*")


def prepare(doc: dict[str, Any]) -> dict[str, Any]:
    """Keep the key names; the values never reach a model, nor an error message."""
    keys: set[str] = set()
    for section in ("data", "stringData"):
        values = doc.get(section)
        if values is None:
            continue
        bad = [(section,)] if not isinstance(values, dict) else [
            (section, str(k)) for k, v in values.items() if not isinstance(v, str)]
        if bad:
            raise ValidationError.from_exception_data(KIND, [{
                "type": PydanticCustomError("value_error", "must be a mapping of key names to "
                                            "string values (the value is not shown)"),
                "loc": bad[0], "input": None}])
        keys.update(str(k) for k in values)
    kept = {k: v for k, v in doc.items() if k not in ("data", "stringData")}
    kept["keys"] = tuple(sorted(keys))
    return kept


def map(obj: Secret, frag: Fragment, ctx: Context) -> None:
    entry = frag.entry
    ns = ctx.namespace_of(obj)
    synced = [es for es in ctx.all(ExternalSecret)
              if ctx.namespace_of(es) == ns and es.target_name == obj.name]
    if synced:
        entry.status = "ignored"
        entry.reason = f"synced by ExternalSecret/{synced[0].name}: ECS reads its source directly"
        for section in ("data", "stringData", "type"):
            if section in ctx.manifest(obj).doc:
                entry.ignored(f"/{section}", entry.reason)
        return
    if obj.type not in ("Opaque", ""):
        entry.lossy("/type", f"type {obj.type} is not kept; the secret holds plain JSON keys")
    elif "type" in ctx.manifest(obj).doc:
        entry.mapped("/type", None, "a Secrets Manager secret of JSON keys")
    logical = f"Secret{pascal(f'{ns}-{obj.name}' if ctx.multi_namespace else obj.name)}"
    name = secret_name(ctx, ns, obj.name)
    frag.put(CLUSTER_STACK, "Resources", logical, Resource("AWS::SecretsManager::Secret", {
        "Name": name,
        "Description": (f"Kubernetes Secret {ns}/{obj.name}: eks2ecs copied the key names only; "
                        "put the values in before the workloads start"),
        # Key names with empty values, never the manifest's values.
        "SecretString": json.dumps({k: "" for k in obj.keys}, sort_keys=True),
    }, obj.ref))
    frag.put(CLUSTER_STACK, "Outputs", plain_secret_output(ctx, ns, obj.name), Output(
        Ref(logical), f"ARN of the Secrets Manager secret for Secret {ns}/{obj.name}",
        export_name(plain_secret_output(ctx, ns, obj.name))))
    readers = reads.readers(ctx, "secret", ns, obj.name)
    to = Target(CLUSTER_STACK, f"/Resources/{logical}/Properties/SecretString")
    for section in ("data", "stringData"):
        for key in ctx.manifest(obj).doc.get(section) or {}:
            who = sorted(w for w, keys in readers.items() if keys is None or key in keys)
            note = (f"key name copied to {name}; value NOT copied - fill it in"
                    + (" (read by " + ", ".join(who) + ")" if who else ""))
            entry.lossy(f"/{section}/{escape_pointer_token(key)}", note, to)
