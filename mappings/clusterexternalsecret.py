"""ClusterExternalSecret (external-secrets.io) -> what its ExternalSecrets map to.

The operator creates an ExternalSecret from `spec.externalSecretSpec` in every namespace the
selectors match. For the namespaces of the input it selects, secretsource reads those
ExternalSecrets as if they were written there, so env vars reading their Secret get the same
`Secrets` entries (and execution-role reads) as with a namespaced ExternalSecret; namespaces
outside the input make nothing here.
"""

from __future__ import annotations

from mappings.externalsecret import report_spec
from mappings.secretsource import cluster_namespaces, made_by
from translator.context import Context
from translator.models import ClusterExternalSecret
from translator.plan import Fragment

KIND = "ClusterExternalSecret"
API_VERSIONS = ("external-secrets.io/v1", "external-secrets.io/v1beta1")
MODEL = ClusterExternalSecret
SPEC = "/spec/externalSecretSpec"
FIELDS = (
    "/spec/namespaceSelector", "/spec/namespaceSelectors", "/spec/namespaces",
    "/spec/externalSecretName", "/spec/refreshTime", "/spec/externalSecretMetadata",
    *(f"{SPEC}{p}" for p in ("/refreshInterval", "/secretStoreRef", "/target/name",
                             "/target/creationPolicy", "/data/*", "/dataFrom/*")),
)


def map(obj: ClusterExternalSecret, frag: Fragment, ctx: Context) -> None:
    entry = frag.entry
    doc = ctx.manifest(obj).doc.get("spec", {})
    namespaces = cluster_namespaces(obj, ctx)
    selecting = [f"/spec/{key}" for key in ("namespaceSelector", "namespaceSelectors",
                                            "namespaces") if key in doc]
    name = obj.external_secret_name
    for path in selecting:
        if namespaces:
            entry.mapped(path, None, f"ExternalSecret {name} in {', '.join(namespaces)} (the "
                         "namespaces of the input it selects): env vars reading its Secret "
                         "there read the AWS secret directly")
        else:
            entry.lossy(path, "selects no namespace of the input: nothing reads it here")
    if "externalSecretName" in doc:
        entry.mapped("/spec/externalSecretName", None, f"the ExternalSecrets are {name}")
    if "refreshTime" in doc:
        entry.ignored("/spec/refreshTime", "how often the operator looks for new namespaces: "
                      "the translation covers the namespaces of the input")
    if "externalSecretMetadata" in doc:
        entry.ignored("/spec/externalSecretMetadata", "labels and annotations of the "
                      "ExternalSecrets, which are not made on ECS")
    made = made_by(obj, ctx)
    if made:  # the spec is the same in every namespace; stores may differ, the first speaks
        report_spec(made[0], SPEC, frag, ctx)
    else:
        entry.lossy(SPEC, "no namespace of the input is selected: nothing reads it here")
