"""Folders that render into manifests rather than hold them: kustomize folders and Helm charts.

Reading one as manifests fails in confusing ways (a kustomization has no metadata.name, a
chart's templates are not YAML), so the loader names what the folder is and what to run.
`-k DIR` runs kustomize itself, as `kubectl apply -k DIR` does.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

from translator.errors import InputError

# the names kustomize looks for, in its order
KUSTOMIZATIONS = ("kustomization.yaml", "kustomization.yml", "Kustomization")
CHART = "Chart.yaml"


def refuse_rendered(path: Path, shown: str, recursive: bool) -> None:
    """An InputError when `path` (a file or folder given as input, `shown` as given) is, is in
    or holds a kustomize folder or a Helm chart."""
    given = path if path.is_dir() else path.parent
    given_shown = shown if path.is_dir() else str(Path(shown).parent)

    def as_typed(folder: Path) -> str:
        try:
            return str(Path(given_shown) / folder.relative_to(given))
        except ValueError:  # above what was given: a chart around its templates folder
            return str(folder)

    if path.name in KUSTOMIZATIONS or (path.is_dir() and _kustomization(path)):
        raise _kustomize_folder(given, as_typed(given))
    chart = _chart_around(path)
    if chart is not None:
        raise _helm_chart(as_typed(chart))
    if path.is_dir():
        below = path.rglob("*") if recursive else path.iterdir()
        for found in sorted(p for p in below if p.name in (*KUSTOMIZATIONS, CHART)):
            shown_inner = as_typed(found.parent)
            raise (_helm_chart(shown_inner) if found.name == CHART
                   else _kustomize_folder(found.parent, shown_inner))


def _kustomization(folder: Path) -> Path | None:
    return next((folder / n for n in KUSTOMIZATIONS if (folder / n).is_file()), None)


def _chart_around(path: Path) -> Path | None:
    """The chart `path` is (its folder or Chart.yaml) or whose templates folder holds it."""
    if path.name == CHART or (path / CHART).is_file():
        return path.parent if path.name == CHART else path
    for folder in [path, *path.parents] if path.is_dir() else path.parents:
        if folder.name == "templates" and (folder.parent / CHART).is_file():
            return folder.parent
    return None


def _kustomize_folder(folder: Path, shown: str) -> InputError:
    name = (_kustomization(folder) or folder / KUSTOMIZATIONS[0]).name
    quoted = shlex.quote(shown)
    return InputError(f"a kustomize folder ({name}), not manifests: translate what it builds, "
                      f"`eks2ecs translate -k {quoted} ...` (runs kustomize build or "
                      f"kubectl kustomize), or `kustomize build {quoted} | eks2ecs translate - ...`",
                      shown)


def _helm_chart(shown: str) -> InputError:
    quoted = shlex.quote(shown)
    return InputError(f"a Helm chart ({CHART}), not manifests: render it with the values you "
                      f"install it with, `helm template RELEASE {quoted} -n NAMESPACE "
                      f"-f values.yaml | eks2ecs translate - -n NAMESPACE ...`", shown)


def kustomize_command(folder: str) -> list[str]:
    """What renders a kustomize folder here: a `kustomize` binary (installed on purpose, so
    likely the newer), else `kubectl kustomize` (what `kubectl apply -k` runs; Debian's
    kubernetes-client package, kubectl 1.20, has it built in)."""
    standalone, kubectl = shutil.which("kustomize"), shutil.which("kubectl")
    if standalone:
        return [standalone, "build", folder]
    if kubectl:
        return [kubectl, "kustomize", folder]
    raise InputError("-k needs kubectl or kustomize on the PATH (neither was found); or "
                     f"render it yourself: `kustomize build {shlex.quote(folder)} | eks2ecs "
                     "translate - ...`", folder)


def kustomize(folder: str) -> tuple[str, str]:
    """The manifests a kustomize folder builds, and the name they are shown under."""
    path = Path(folder)
    if not path.is_dir():
        raise InputError("no such folder", folder)
    if _kustomization(path) is None:
        raise InputError(f"no {', '.join(KUSTOMIZATIONS)} in this folder: -k reads a "
                         "kustomize folder; give plain manifests as SRC or -f", folder)
    command = kustomize_command(str(path.resolve()))
    try:
        done = subprocess.run(command, capture_output=True, check=False)
    except OSError as exc:
        raise InputError(f"cannot run {command[0]}: {exc.strerror}", folder) from None
    tool = " ".join([Path(command[0]).name, *command[1:-1]])
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(f"{tool} failed (exit {done.returncode}): "
                         f"{said[-1] if said else 'no message'}", folder)
    try:
        return done.stdout.decode("utf-8"), f"kustomize:{folder}"
    except UnicodeDecodeError:
        raise InputError(f"{tool} wrote something that is not UTF-8", folder) from None
