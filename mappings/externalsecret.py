"""ExternalSecret (external-secrets.io) -> task-definition `Secrets` that read the same
Secrets Manager secret (or SSM parameter) directly, with the JSON key and version kept.

The rule itself creates nothing: the workloads that read the synced Secret carry the
`Secrets` entries (secretsource reads the ExternalSecret for them) and their execution roles
may read exactly those ARNs.
"""

from __future__ import annotations

from mappings.secretsource import data_from, external_source, store_of, store_region, store_service
from translator.context import Context
from translator.models import ExternalSecret
from translator.plan import Fragment

KIND = "ExternalSecret"
API_VERSIONS = ("external-secrets.io/v1", "external-secrets.io/v1beta1")
MODEL = ExternalSecret
FIELDS = (
    "/spec/refreshInterval", "/spec/secretStoreRef", "/spec/target/name",
    "/spec/target/creationPolicy", "/spec/data/*", "/spec/dataFrom/*",
)


def map(obj: ExternalSecret, frag: Fragment, ctx: Context) -> None:
    report_spec(obj, "/spec", frag, ctx)


def report_spec(es: ExternalSecret, base: str, frag: Fragment, ctx: Context) -> None:
    """The fates of an ExternalSecret spec at `base` (a ClusterExternalSecret's is inside it):
    how each data item reads on ECS, for the workloads of `es`'s namespace."""
    entry = frag.entry
    src = external_source(es, ctx)
    spec = es.spec
    if spec.refresh_interval is not None:
        entry.ignored(f"{base}/refreshInterval",
                      "ECS reads the secret when a task starts; restart tasks to pick up rotation")
    ref = spec.secret_store_ref
    if ref is not None and store_of(es, ctx) is None:
        entry.lossy(f"{base}/secretStoreRef", f"{ref.kind} {ref.name} is not in the input, so "
                    "its provider is not known: each key's ARN parameter takes a Secrets "
                    "Manager secret or an SSM parameter, and the execution role reads it with "
                    "that service's action (a remoteRef property or version means a secret)")
    elif ref is not None:
        entry.mapped(f"{base}/secretStoreRef", None,
                     "the store's provider decides the ARN form (Secrets Manager or SSM)")
    if spec.target.creation_policy is not None:
        entry.ignored(f"{base}/target/creationPolicy", "no Kubernetes Secret is created on ECS")
    if spec.target.name is not None:
        entry.mapped(f"{base}/target/name", None, "env vars reading this Secret read Secrets "
                     "Manager")
    if spec.target.template is not None:
        entry.unsupported(f"{base}/target/template",
                          "ECS injects values as stored; templating has no equivalent "
                          "(store the rendered value as its own secret)")
    for i, item in enumerate(spec.data):
        value = src.values[item.secret_key]
        path = f"{base}/data/{i}"
        if isinstance(value, str):
            entry.unsupported(path, value)
        else:
            entry.mapped(path, None, f"ValueFrom of env vars reading key {item.secret_key!r}")
    for i, extra in enumerate(spec.data_from):
        outcome = data_from(extra, store_service(es, ctx), store_region(es, ctx), ctx)
        if isinstance(outcome, str):
            entry.unsupported(f"{base}/dataFrom/{i}", outcome)
        elif i > 0:
            entry.lossy(f"{base}/dataFrom/{i}", "env vars read keys from the first dataFrom "
                        "only; merge these keys into that secret")
        else:
            entry.lossy(f"{base}/dataFrom/{i}", "keys are not in the manifest: env vars that "
                        "name a key map to that JSON key; envFrom cannot be expanded")
