"""eks2ecs: Kubernetes manifests that ran on EKS -> CloudFormation for ECS Fargate.

The library API lives in `translator.api` and is re-exported here lazily, so that
`eks2ecs --version` does not pay for importing cfn-lint.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from translator.api import Result, translate
    from translator.context import Options

    __version__: str

__all__ = ["Options", "Result", "__version__", "translate"]


@cache
def version() -> str:
    """The installed package's version; in a source tree that is not installed, pyproject's."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("eks2ecs")
    except PackageNotFoundError:
        import tomllib

        pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
        return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])


def __getattr__(name: str) -> Any:
    if name == "__version__":
        return version()
    if name in ("translate", "Result"):
        from translator import api

        return getattr(api, name)
    if name == "Options":
        from translator.context import Options

        return Options
    raise AttributeError(name)
