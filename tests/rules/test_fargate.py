"""mappings/fargate.py: the table of valid Fargate task sizes and the smallest one that fits."""

from __future__ import annotations

import pytest

from mappings.fargate import sizes, smallest_fit

LARGEST = (16384, 122880)


def test_table_starts_with_the_smallest_and_ends_with_the_largest_size() -> None:
    table = sizes()
    assert table[0] == (256, 512)
    assert table[-1] == LARGEST
    assert list(table) == sorted(table)


def test_table_holds_exactly_the_documented_memory_steps() -> None:
    by_cpu: dict[int, list[int]] = {}
    for cpu, memory in sizes():
        by_cpu.setdefault(cpu, []).append(memory)
    assert by_cpu[256] == [512, 1024, 2048]
    assert by_cpu[512] == [1024, 2048, 3072, 4096]
    assert by_cpu[1024] == list(range(2048, 8192 + 1, 1024))
    assert by_cpu[2048] == list(range(4096, 16384 + 1, 1024))
    assert by_cpu[4096] == list(range(8192, 30720 + 1, 1024))
    assert by_cpu[8192] == list(range(16384, 61440 + 1, 4096))
    assert by_cpu[16384] == list(range(32768, 122880 + 1, 8192))
    assert len(sizes()) == 74


@pytest.mark.parametrize(
    ("cpu", "memory", "expected"),
    [
        (0, 0, (256, 512)),  # a pod that asks for nothing gets the smallest size
        (256, 512, (256, 512)),  # exactly a table entry
        (256, 513, (256, 1024)),  # one MiB over -> next memory step
        (256, 2048, (256, 2048)),  # top of the 0.25 vCPU row
        (256, 2049, (512, 3072)),  # beyond it -> the next CPU row, rounded to its step
        (257, 0, (512, 1024)),  # one CPU unit over -> next CPU row, its smallest memory
        (512, 4097, (1024, 5120)),
        (1024, 8193, (2048, 9216)),
        (2048, 16385, (4096, 17408)),
        (4096, 30721, (8192, 32768)),  # the 8 vCPU row steps by 4 GiB
        (8192, 61441, (16384, 65536)),  # the 16 vCPU row steps by 8 GiB
        (100, 3000, (512, 3072)),
        (LARGEST[0], LARGEST[1], LARGEST),
    ],
)
def test_smallest_fit_picks_the_first_size_covering_both(cpu: int, memory: int,
                                                         expected: tuple[int, int]) -> None:
    assert smallest_fit(cpu, memory) == (*expected, True)


@pytest.mark.parametrize(("cpu", "memory"), [(16385, 0), (0, 122881), (20000, 200000)])
def test_too_big_for_fargate_returns_the_largest_size_and_does_not_fit(cpu: int,
                                                                      memory: int) -> None:
    assert smallest_fit(cpu, memory) == (*LARGEST, False)
