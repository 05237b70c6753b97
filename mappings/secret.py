"""Secret -> an AWS::SecretsManager::Secret in the secrets stack, made without a value; the
user puts the values in (deploy.sh prints the commands and starts no task before), and no
value from the manifest is ever read.

The template sets neither SecretString nor GenerateSecretString: "If you omit both
GenerateSecretString and SecretString, you create an empty secret", and CloudFormation never
writes a value it was not given, so translating again (a key added) keeps the values put in.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-secretsmanager-secret.html
DeletionPolicy and UpdateReplacePolicy Retain keep the secret when its stack or the resource
goes; cleanup.sh deletes it only when told to.

A Secret that an ExternalSecret syncs is not recreated: its data already lives in AWS.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from mappings.pod import reads
from mappings.secretsource import plain_secret_output, secret_name
from translator.cfn import Ref
from translator.context import SECRETS_STACK, Context, pascal
from translator.load import escape_pointer_token
from translator.models import ExternalSecret, Secret
from translator.plan import Fragment, Output, Resource, StackInfo, Target

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
    frag.stacks.append(StackInfo(SECRETS_STACK, "secrets", "secrets", (
        f"{ctx.app}: Secrets Manager secrets of the Kubernetes Secrets, made without values and "
        "kept on delete (eks2ecs)")))
    keys = ", ".join(obj.keys) or "none"
    frag.put(SECRETS_STACK, "Resources", logical, Resource("AWS::SecretsManager::Secret", {
        "Name": name,
        "Description": (f"Kubernetes Secret {ns}/{obj.name} as JSON keys ({keys}); made empty by "
                        "eks2ecs: put the values in before the workloads start"),
    }, obj.ref, deletion_policy="Retain"))
    # no export: deploy.sh passes the ARN, so removing the Secret never waits on an importer
    frag.put(SECRETS_STACK, "Outputs", plain_secret_output(ctx, ns, obj.name), Output(
        Ref(logical), f"ARN of the Secrets Manager secret for Secret {ns}/{obj.name}"))
    readers = reads.readers(ctx, "secret", ns, obj.name)
    to = Target(SECRETS_STACK, f"/Resources/{logical}")
    for section in ("data", "stringData"):
        for key in ctx.manifest(obj).doc.get(section) or {}:
            who = sorted(w for w, keys in readers.items() if keys is None or key in keys)
            note = (f"key name kept as JSON key {key} of {name}; value NOT copied: put it in "
                    "(deploy.sh prints the command)"
                    + (" (read by " + ", ".join(who) + ")" if who else ""))
            entry.lossy(f"/{section}/{escape_pointer_token(key)}", note, to)
