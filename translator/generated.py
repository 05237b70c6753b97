"""Objects in the input that nobody wrote as part of the app: what a controller made from
another object of the input (the ReplicaSets and Pods of a Deployment in a `kubectl get all
-o yaml` dump, the Secret an ExternalSecret syncs), and Helm test hooks, which `helm test`
runs beside a release. Translating them too would run the app twice, or run its tests as part
of it: they are reported ignored, with why.
"""

from __future__ import annotations

from collections.abc import Iterable

from translator.load import Manifest

HELM_HOOK = "helm.sh/hook"
HELM_TEST_HOOKS = {"test", "test-success", "test-failure"}  # test-* are Helm 2's names


def index(manifests: Iterable[Manifest], default_namespace: str) -> dict[tuple[str, str, str], Manifest]:
    """(namespace, kind, name) -> manifest, for `why_ignored`."""
    return {(m.namespace or default_namespace, m.kind, m.name): m for m in manifests}


def why_ignored(manifest: Manifest, known: dict[tuple[str, str, str], Manifest],
                default_namespace: str) -> str | None:
    """Why an object is not the user's own, or None when it is."""
    hooks = {h.strip() for h in str(_annotations(manifest).get(HELM_HOOK, "")).split(",")}
    if hooks & HELM_TEST_HOOKS:
        return (f"a Helm test hook ({HELM_HOOK}: {', '.join(sorted(hooks & HELM_TEST_HOOKS))}): "
                "`helm test` runs it to check a release; it is not part of the app")
    chain: list[Manifest] = []  # controller, its controller, ... up to the object a user wrote
    current = manifest
    while (owner := _controller(current, known, default_namespace)) is not None \
            and all(owner is not m for m in (manifest, *chain)):
        chain.append(owner)
        current = owner
    if not chain:
        return None
    return (f"made by {' from '.join(m.ref for m in chain)} (ownerReferences, controller): "
            f"{chain[-1].ref} is translated, and what its controller makes is not an object "
            "of its own")


def _controller(manifest: Manifest, known: dict[tuple[str, str, str], Manifest],
                default_namespace: str) -> Manifest | None:
    """The object of the input that controls this one (ownerReferences, controller: true)."""
    meta = manifest.doc.get("metadata")
    refs = meta.get("ownerReferences") if isinstance(meta, dict) else None
    for ref in refs if isinstance(refs, list) else []:
        if isinstance(ref, dict) and ref.get("controller") is True:
            namespace = manifest.namespace or default_namespace
            owner = known.get((namespace, str(ref.get("kind")), str(ref.get("name"))))
            if owner is None:  # a cluster-scoped owner
                owner = known.get((default_namespace, str(ref.get("kind")), str(ref.get("name"))))
            return owner
    return None


def _annotations(manifest: Manifest) -> dict[str, object]:
    meta = manifest.doc.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    return annotations if isinstance(annotations, dict) else {}
