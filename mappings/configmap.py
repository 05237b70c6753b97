"""ConfigMap -> plain `Environment` entries of the containers that read it.

The ConfigMap becomes no resource of its own; the pod mapping (mappings/pod/env.py) copies
its values (DNS names rewritten) where `configMapKeyRef` and `envFrom.configMapRef` read them.
"""

from __future__ import annotations

from mappings.pod import reads
from translator.context import Context
from translator.load import escape_pointer_token
from translator.models import ConfigMap
from translator.plan import Fragment

KIND = "ConfigMap"
API_VERSIONS = ("v1",)
MODEL = ConfigMap
FIELDS = ("/data/*",)


def map(obj: ConfigMap, frag: Fragment, ctx: Context) -> None:
    entry = frag.entry
    readers = reads.readers(ctx, "configMap", ctx.namespace_of(obj), obj.name)
    for key in obj.data:
        path = f"/data/{escape_pointer_token(key)}"
        who = sorted(w for w, keys in readers.items() if keys is None or key in keys)
        if who:
            entry.mapped(path, None, "Environment of " + ", ".join(who))
        else:
            entry.ignored(path, "no workload in the input reads this key")
    for key in obj.binary_data:
        entry.unsupported(f"/binaryData/{escape_pointer_token(key)}",
                          "binary values cannot be ECS environment variables; "
                          "bake the file into the image or store it in S3")
    if not readers:
        entry.status = "ignored"
        entry.reason = "no workload in the input reads this ConfigMap"
