"""eks2ecs: Kubernetes manifests that ran on EKS -> CloudFormation for ECS Fargate.

The library API lives in `translator.api` and is re-exported here lazily, so that
`eks2ecs --version` does not pay for importing cfn-lint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from translator.api import Result, translate
    from translator.context import Options

__all__ = ["Options", "Result", "__version__", "translate"]


def __getattr__(name: str) -> Any:
    if name in ("translate", "Result"):
        from translator import api

        return getattr(api, name)
    if name == "Options":
        from translator.context import Options

        return Options
    raise AttributeError(name)
