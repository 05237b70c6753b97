"""PersistentVolumeClaim: reported, not yet mapped (EFS access points come with the
volume rules). Saying so loudly beats a task that silently loses its data."""

from __future__ import annotations

from translator.context import Context
from translator.models import PersistentVolumeClaim
from translator.plan import Fragment

KIND = "PersistentVolumeClaim"
API_VERSIONS = ("v1",)
MODEL = PersistentVolumeClaim
FIELDS: tuple[str, ...] = ()  # nothing is mapped yet


def map(obj: PersistentVolumeClaim, frag: Fragment, ctx: Context) -> None:
    entry = frag.entry
    entry.status = "unsupported"
    entry.reason = ("persistent volumes are not mapped yet: create an EFS file system and "
                    "access point and mount it in the task definition (planned)")
    entry.unsupported("/spec", entry.reason)
