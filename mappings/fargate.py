"""The smallest Fargate task size that holds what a pod asked for."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml


@cache
def sizes() -> tuple[tuple[int, int], ...]:
    """Every valid (cpu units, memory MiB) pair, cheapest first."""
    table = yaml.safe_load(resources.files("mappings").joinpath("data/fargate_sizes.yaml").read_text())
    pairs: list[tuple[int, int]] = []
    for row in table:
        memories = row.get("memory") or range(row["min"], row["max"] + 1, row["step"])
        pairs.extend((row["cpu"], memory) for memory in memories)
    return tuple(sorted(pairs))


def smallest_fit(cpu: int, memory: int) -> tuple[int, int, bool]:
    """(cpu, memory, fits): the first pair covering both, or the largest pair and False."""
    for pair in sizes():
        if pair[0] >= cpu and pair[1] >= memory:
            return pair[0], pair[1], True
    largest = sizes()[-1]
    return largest[0], largest[1], False
