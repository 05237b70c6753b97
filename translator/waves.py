"""Deployment waves of a dependency graph: a node comes in the wave after the last of the
nodes it needs, and the nodes of a cycle (two workloads that call each other) share a wave,
as Kubernetes started them together and let them converge.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Literal

# What a stack holds; deploy.sh brings the layers up by RANK (cleanup.sh: the reverse).
Layer = Literal["network", "cluster", "secrets", "volume", "load-balancer", "workload"]
# a layer comes up after the nearest lower rank that has stacks: volumes and load balancers
# side by side
RANK: dict[Layer, int] = {"network": 0, "cluster": 1, "secrets": 2, "volume": 3,
                          "load-balancer": 3, "workload": 4}


def link(layers: dict[str, Layer], calls: list[tuple[str, str, str]]) -> dict[str, dict[str, str]]:
    """What each stack needs, with why: every stack of the nearest lower rank that has stacks,
    and for a workload, the workloads behind the Services it names (`calls`: caller, callee,
    why; a call a NetworkPolicy refuses is not one). ECS rolls back a stack whose tasks never
    get healthy, where Kubernetes let crash loops converge."""
    needs: dict[str, dict[str, str]] = {key: {} for key in layers}
    by_rank: dict[int, list[str]] = {}
    for key, layer in layers.items():
        by_rank.setdefault(RANK[layer], []).append(key)
    for below, rank in pairwise(sorted(by_rank)):
        for key in by_rank[rank]:
            for earlier in by_rank[below]:
                needs[key][earlier] = f"{layers[key]} stacks come up after the " \
                                      f"{layers[earlier]} stacks"
    for caller, callee, why in calls:
        if caller != callee and caller in needs and callee in needs:
            needs[caller].setdefault(callee, why)
    return needs


def levels(keys: list[str], needs: dict[str, list[str]]) -> dict[str, int]:
    """The wave (from 0) of each key; `needs` maps a key to the keys it deploys after."""
    known = set(keys)
    edges = {key: [on for on in needs.get(key, []) if on in known] for key in keys}
    component = _components(keys, edges)
    members: dict[int, list[str]] = {}
    for key in keys:
        members.setdefault(component[key], []).append(key)
    level: dict[int, int] = {}
    for number in sorted(members):  # a component is numbered after every one it needs
        below = [level[component[on]] for key in members[number] for on in edges[key]
                 if component[on] != number]
        level[number] = 1 + max(below) if below else 0
    return {key: level[component[key]] for key in keys}


def _components(keys: list[str], needs: dict[str, list[str]]) -> dict[str, int]:
    """Strongly connected components (Tarjan, without recursion: a chain of a few thousand
    workloads must not hit Python's recursion limit), each numbered after every component it
    can reach."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: dict[str, int] = {}
    count = 0
    for root in keys:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            edges = needs[node]
            if child < len(edges):
                work.append((node, child + 1))
                nxt = edges[child]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    out[member] = count
                    if member == node:
                        break
                count += 1
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return out
