"""Measure eks2ecs against its floors and write the figures to docs/benchmarks.md.

Every command runs as its own process, as a user runs it, on the synthetic cluster of
`benchmarks.generate`; each figure is the best wall time of several runs (the machine's other
load only ever adds time). eks2ecs runs as `python -m translator` from this checkout, which
is what the `eks2ecs` console script runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.generate import generate, generate_wide
from translator import version as eks2ecs_version

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
REGION = "us-east-1"
MB = 1024 * 1024
# this checkout first on the path: cfn-lint's --append-rules imports eks2ecs's rule helpers
ENVIRONMENT = {**os.environ, "PYTHONPATH": os.pathsep.join(
    [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])}
SAMPLE_EVERY = 0.2  # seconds between samples of the memory of a command and its workers

WHERE_TIME_GOES = """\
## Where the time and memory go

- The libyaml floor makes one C call per file. `translate --no-validate` does the product's
  work on top: a JSON-Pointer-to-line map for every field (so errors and the report name
  lines), strict pydantic models, the field ledger (the fate of every input field), four
  files per service and a report.json of about 3 KB per object. At N=500 that is 2.5-3 s
  of CPU against the floor's 0.5 s, spread over load, map, report and render, with no single
  hot spot left.
- Validation is cfn-lint's own work, about 60 ms of CPU per template once its runner is
  built (0.6 s); eks2ecs builds that runner once and lints on every usable core where the
  `cfn-lint` command uses one. What that gains depends on the cores that are free: CPU s
  over wall s shows how many cores a run got. On a shared machine wall times move with the
  other load, so read the CPU s column too (it grows linearly with N).
- Memory at N=2000: about 100 MB for the loaded manifests with their line maps, 100 MB more
  for the plan and ledger, about 75 MB for the three reports (report.json, 33 MB, is streamed
  as it is encoded), and
  cfn-lint's runner (about 110 MB). Each forked worker adds the pages of the parent it
  touches (and so copies) plus its own per-template work.
"""


@dataclass(frozen=True)
class Figure:
    """The best of several runs of one command."""

    wall: float  # seconds
    cpu: float  # user + system seconds of the command and the workers it waited for
    rss: int  # peak resident bytes of the command's own process
    total: int  # peak bytes of the command and its workers together (sampled sum of PSS)
    runs: int


def _proportional(pid: int) -> int:
    """A process's proportional set size: its own pages plus its share of pages it shares
    (a forked worker shares most of its parent's), so a sum over processes counts each once."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = [], [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        found.extend(children)
        frontier = children
    return found


def run_once(argv: Sequence[str], sample: bool) -> Figure:
    """Run a command to its end; its wall time, CPU time and peak memory."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=errors,
                                   env=ENVIRONMENT)
        tree_peak = 0
        finished = threading.Event()

        def watch() -> None:
            nonlocal tree_peak
            while not finished.wait(SAMPLE_EVERY):
                pids = [process.pid, *_descendants(process.pid)]
                tree_peak = max(tree_peak, sum(_proportional(pid) for pid in pids))

        watcher = threading.Thread(target=watch, daemon=True)
        if sample:
            watcher.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        finished.set()
        if sample:
            watcher.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise RuntimeError(f"{' '.join(argv[:6])}... exited {process.returncode}:\n"
                               f"{errors.read().decode(errors='replace')[-2000:]}")
    rss = usage.ru_maxrss * 1024  # Linux reports kilobytes
    return Figure(wall, usage.ru_utime + usage.ru_stime, rss, max(tree_peak, rss), 1)


def best_of(argv: Sequence[str], runs: int, sample: bool = True) -> Figure:
    figures = [run_once(argv, sample) for _ in range(runs)]
    best = min(figures, key=lambda f: f.wall)
    return Figure(best.wall, best.cpu, max(f.rss for f in figures),
                  max(f.total for f in figures), runs)


def eks2ecs(*args: str | Path) -> list[str]:
    return [PYTHON, "-m", "translator", *map(str, args)]


def cfn_lint_command(templates: list[Path]) -> list[str]:
    """The cfn-lint command with the settings of eks2ecs's own runner (regions, rule settings,
    extra rule folders), so both make the same checks. Asked of a child process: importing
    cfn-lint here would make every later command start as big as this one (Linux counts the
    memory of the process a command is spawned from into its peak RSS)."""
    ask = ("import json, cfnlint, pathlib; from translator.validate import _runner; "
           f"c = _runner({REGION!r}).config; "
           "builtin = pathlib.Path(cfnlint.__file__).parent / 'rules'; "
           "print(json.dumps([c.regions, c.configure_rules, "
           "[str(f) for f in c.append_rules if pathlib.Path(f) != builtin]]))")
    answer = subprocess.run([PYTHON, "-c", ask], cwd=REPO, capture_output=True, text=True, check=True)
    regions, configure_rules, append_rules = json.loads(answer.stdout)
    argv = [str(Path(PYTHON).parent / "cfn-lint"), "--regions", *regions]
    for rule, settings in sorted(configure_rules.items()):
        for key, value in settings.items():
            argv += ["--configure-rule", f"{rule}:{key}={json.dumps(value)}"]
    for folder in append_rules:
        argv += ["--append-rules", folder]
    return [*argv, "--", *map(str, templates)]


def find_specctl(choice: str) -> str | None:
    if choice == "none":
        return None
    if choice != "auto":
        return choice
    return shutil.which("specctl")


def measure(sizes: list[int], ratio_size: int, runs: int, large_runs: int,
            specctl: str | None, work: Path, wide: tuple[int, int]) -> dict[str, Figure]:
    figures: dict[str, Figure] = {}

    def record(name: str, figure: Figure) -> None:
        figures[name] = figure
        print(f"  {name:<34} {figure.wall:8.2f} s  cpu {figure.cpu:7.2f} s  "
              f"rss {figure.rss / MB:6.0f} MB  with workers {figure.total / MB:6.0f} MB",
              file=sys.stderr)

    inputs = {n: work / f"in-{n}" for n in sorted({*sizes, ratio_size})}
    for n, folder in inputs.items():
        generate(n, folder)

    print("start-up", file=sys.stderr)
    record("python -c 'import yaml'", best_of([PYTHON, "-c", "import yaml"], runs * 5, sample=False))
    record("eks2ecs --version", best_of(eks2ecs("--version"), runs * 5, sample=False))

    print(f"one wide object ({runs} runs each)", file=sys.stderr)
    for keys in wide:
        source = generate_wide(keys, work / f"wide-{keys}")
        if keys == wide[-1]:
            record(f"floor wide K={keys}", best_of([PYTHON, "-m", "benchmarks.floor", str(source),
                                                    str(work / f"floor-wide-{keys}")], runs))
        record(f"no-validate wide K={keys}", best_of(eks2ecs(
            "translate", source, "-o", work / f"wide-out-{keys}", "--no-validate", "--force", "-q"),
            runs))

    for n, source in inputs.items():
        repeat = runs if n <= ratio_size else large_runs
        print(f"N = {n} ({repeat} runs each)", file=sys.stderr)
        if n == ratio_size:
            record(f"floor N={n}", best_of([PYTHON, "-m", "benchmarks.floor", str(source),
                                            str(work / f"floor-{n}")], repeat))
        record(f"no-validate N={n}", best_of(eks2ecs(
            "translate", source, "-o", work / f"fast-{n}", "--no-validate", "--force", "-q"), repeat))
        out = work / f"out-{n}"
        record(f"validated N={n}", best_of(eks2ecs(
            "translate", source, "-o", out, "--force", "-q"), repeat))
        if n == ratio_size:
            templates = sorted(out.glob("[0-9]*.yaml"))
            record(f"cfn-lint alone N={n}", best_of(cfn_lint_command(templates), repeat))
            if specctl:
                record(f"specctl N={n}", best_of(
                    [specctl, "-m", "k2e", "-s", str(source), "-o", str(work / f"specctl-{n}")],
                    repeat))
    return figures


def machine() -> list[str]:
    cpu = platform.processor() or "unknown CPU"
    try:
        models = [line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")]
        cpu = models[0] if models else cpu
        memory = next(int(line.split()[1]) // 1024 for line in
                      Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    except (OSError, StopIteration):
        memory = 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    from importlib.metadata import version

    return [
        f"- when: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {cpu}, {cores} usable cores, {memory} MB memory, {platform.platform()}",
        f"- Python {platform.python_version()}, PyYAML {version('pyyaml')} "
        f"(libyaml {'yes' if hasattr(__import__('yaml'), 'CSafeLoader') else 'no'}), "
        f"cfn-lint {version('cfn-lint')}, eks2ecs {eks2ecs_version()} (this checkout)",
    ]


def targets(figures: dict[str, Figure], ratio_size: int, largest: int,
            wide: tuple[int, int] = (0, 0)) -> list[tuple[str, str, bool]]:
    """(target, what was measured, met) for each target of the issue that the sizes allow."""
    out = []

    def ratio(target: str, numerator: str, denominator: str, limit: float) -> None:
        if numerator in figures and denominator in figures:
            value = figures[numerator].wall / figures[denominator].wall
            out.append((target, f"{value:.2f}x ({figures[numerator].wall:.2f} s / "
                                f"{figures[denominator].wall:.2f} s)", value <= limit))

    n = ratio_size
    ratio(f"translate --no-validate <= 2x the libyaml floor (N={n})",
          f"no-validate N={n}", f"floor N={n}", 2.0)
    ratio(f"translate (validated) <= 1.0x cfn-lint alone on its templates (N={n})",
          f"validated N={n}", f"cfn-lint alone N={n}", 1.0)
    ratio("eks2ecs --version <= 2x python -c 'import yaml'",
          "eks2ecs --version", "python -c 'import yaml'", 2.0)
    narrow, broad = wide
    # the fields of one object: a ledger quadratic in them took 8.5 s at 5,000 annotations
    ratio(f"one object with {broad} keys <= {1.125 * broad / max(narrow, 1):g}x one with {narrow} "
          f"(linear: {broad / max(narrow, 1):g}x the keys)",
          f"no-validate wide K={broad}", f"no-validate wide K={narrow}", 1.125 * broad / max(narrow, 1))
    ratio(f"one object with {broad} keys <= 4x the libyaml floor on its file",
          f"no-validate wide K={broad}", f"floor wide K={broad}", 4.0)
    if largest > n:
        for mode in ("validated", "no-validate"):
            ratio(f"{mode} N={largest} <= 4.5x N={n} (linear: {largest / n:g}x the input)",
                  f"{mode} N={largest}", f"{mode} N={n}", 4.5)
        big = figures[f"validated N={largest}"]
        out.append((f"peak memory at N={largest} <= 400 MB (validated, the heavier mode)",
                    f"{big.rss / MB:.0f} MB the eks2ecs process (peak RSS), {big.total / MB:.0f} MB "
                    "with its validation workers (peak of the summed PSS)",
                    big.total <= 400 * MB))
    return out


def markdown(figures: dict[str, Figure], sizes: list[int], ratio_size: int, work: Path,
             load: tuple[float, float], specctl_note: str, minutes: float,
             wide: tuple[int, int]) -> str:
    largest = max(sizes)
    lines = [
        "# Benchmarks",
        "",
        "What eks2ecs costs against its floors, measured by `python -m benchmarks` (it rewrote "
        f"this file in {minutes:.1f} minutes). The input is a synthetic cluster of N services, "
        "each a Deployment, Service, HorizontalPodAutoscaler, ExternalSecret and ConfigMap "
        "(`benchmarks/generate.py`, the same bytes for the same N), plus one "
        "ClusterSecretStore. Every figure is the best wall time of several runs of the "
        "command as its own process; other work on the machine only adds time.",
        "",
        "## Machine",
        "",
        *machine(),
        f"- load average (1 min) before and after: {load[0]:.2f} and {load[1]:.2f}",
        "",
        "## Targets",
        "",
        "| target | measured | met |",
        "|---|---|---|",
        *[f"| {t} | {m} | {'yes' if ok else '**no**'} |"
          for t, m, ok in targets(figures, ratio_size, largest, wide)],
        "",
        "## Scaling",
        "",
        "| N | objects | templates | --no-validate s | validated s | validated ms per service "
        "| peak RSS MB (process / with workers) |",
        "|---|---|---|---|---|---|---|",
    ]
    for n in sorted(sizes):
        fast, full = figures[f"no-validate N={n}"], figures[f"validated N={n}"]
        templates = len(list((work / f"out-{n}").glob("[0-9]*.yaml")))
        lines.append(f"| {n} | {5 * n + 1} | {templates} | {fast.wall:.2f} | {full.wall:.2f} | "
                     f"{1000 * full.wall / n:.1f} | {full.rss / MB:.0f} / {full.total / MB:.0f} |")
    lines += [
        "",
        "## Every figure",
        "",
        "| command | best wall s | CPU s of that run | peak RSS MB | with workers MB (PSS) | runs |",
        "|---|---|---|---|---|---|",
        *[f"| {name} | {f.wall:.3f} | {f.cpu:.2f} | {f.rss / MB:.0f} | {f.total / MB:.0f} | {f.runs} |"
          for name, f in figures.items()],
        "",
        *WHERE_TIME_GOES.splitlines(),
        "",
        "## What is measured",
        "",
        "- floor: `python -m benchmarks.floor`, which reads every input file with PyYAML's "
        "libyaml `CSafeLoader` and writes it back with `CSafeDumper`, in one process.",
        "- no-validate / validated: `eks2ecs translate DIR -o OUT [--no-validate] -q`.",
        "- cfn-lint alone: the `cfn-lint` command once on every template the validated run "
        "wrote, with the settings of eks2ecs's own runner (regions, rule configuration, extra "
        "rule folders), so both make the same checks.",
        "- start-up: `eks2ecs --version` against `python -c 'import yaml'`.",
        f"- wide object: `translate --no-validate` on one service whose Deployment carries "
        f"{wide[0]} and then {wide[1]} metadata keys (half labels, half annotations; "
        "`benchmarks.generate.generate_wide`), against each other and against the floor on "
        "the same file: the cost of one object must grow with its fields, not their square.",
        "- CPU s: user + system time of the command and of the workers it waited for; "
        "validation spreads over every usable core, so CPU s can exceed the wall time.",
        "- memory: the peak RSS of the command's own process (exact, from the kernel), and "
        "the peak of the command and its forked validation workers together: the sum of their "
        "proportional set sizes (PSS counts a page shared by k processes as 1/k in each, so "
        "pages the workers share with the parent count once), sampled every 0.2 s, and never "
        "less than the first figure.",
        f"- specctl: {specctl_note}",
        "",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,500,2000",
                        help="numbers of services to measure how cost grows (default: 100,500,2000)")
    parser.add_argument("--ratio-size", type=int, default=500,
                        help="N at which the floors are compared (default: 500)")
    parser.add_argument("--runs", type=int, default=3,
                        help="runs per command up to --ratio-size, best kept (default: 3; "
                             "start-up gets five times as many)")
    parser.add_argument("--large-runs", type=int, default=1,
                        help="runs per command above --ratio-size (default: 1)")
    parser.add_argument("--wide-keys", default="5000,20000", metavar="K1,K2",
                        help="metadata keys of the two wide objects (default: 5000,20000)")
    parser.add_argument("--specctl", default="auto", metavar="PATH|auto|none",
                        help="the specctl command to compare with (default: specctl on PATH)")
    parser.add_argument("--out", default=str(REPO / "docs" / "benchmarks.md"), metavar="FILE",
                        help="where to write the Markdown (default: docs/benchmarks.md)")
    args = parser.parse_args(argv)
    sizes = sorted({int(n) for n in args.sizes.split(",")} | {args.ratio_size})
    narrow, broad = sorted(int(k) for k in args.wide_keys.split(","))
    specctl = find_specctl(args.specctl)
    if specctl:
        specctl_note = (f"`specctl -m k2e -s DIR -o OUT` ({specctl}) ran on the same input as an "
                        "outside reference; it writes Terraform variables for task and service "
                        "definitions and validates nothing, so it is no floor.")
    else:
        specctl_note = ("not measured: not installed here. `pip install specctl` works, but it "
                        "pins kubernetes<27 against eks2ecs's kubernetes 36, so install it in a "
                        "venv of its own and pass `--specctl PATH`.")
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="eks2ecs-bench-") as folder:
        work = Path(folder)
        figures = measure(sizes, args.ratio_size, args.runs, args.large_runs, specctl, work,
                          (narrow, broad))
        text = markdown(figures, sizes, args.ratio_size, work,
                        (load_before, os.getloadavg()[0]), specctl_note,
                        (time.perf_counter() - started) / 60, (narrow, broad))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)
    return 0
