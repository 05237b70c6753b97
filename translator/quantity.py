"""Kubernetes resource quantities ("500m", "1Gi", "2e9") as numbers."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_SUFFIX = {
    "": Decimal(1), "m": Decimal("0.001"), "k": Decimal(10**3), "M": Decimal(10**6),
    "G": Decimal(10**9), "T": Decimal(10**12), "P": Decimal(10**15), "E": Decimal(10**18),
    "Ki": Decimal(2**10), "Mi": Decimal(2**20), "Gi": Decimal(2**30), "Ti": Decimal(2**40),
    "Pi": Decimal(2**50), "Ei": Decimal(2**60),
}
_QUANTITY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$")


def parse(value: str | int | float) -> Decimal:
    """The quantity in base units (cores for CPU, bytes for memory)."""
    if isinstance(value, bool):
        raise ValueError(f"not a quantity: {value!r}")
    if isinstance(value, int | float):
        return Decimal(str(value))
    match = _QUANTITY.match(value.strip())
    if not match:
        raise ValueError(f"not a Kubernetes quantity: {value!r} (e.g. 500m, 1, 512Mi, 2Gi)")
    try:
        number = Decimal(match.group(1))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        raise ValueError(f"not a Kubernetes quantity: {value!r}") from None
    if number < 0:
        raise ValueError(f"a quantity cannot be negative: {value!r}")
    return number * _SUFFIX[match.group(2) or ""]


def cpu_units(value: str | int | float) -> int:
    """CPU as ECS CPU units (1 vCPU = 1024), rounded up."""
    units = parse(value) * 1024
    return int(units.to_integral_value(rounding="ROUND_CEILING"))


def memory_mib(value: str | int | float) -> int:
    """Memory in MiB, rounded up."""
    mib = parse(value) / Decimal(2**20)
    return int(mib.to_integral_value(rounding="ROUND_CEILING"))
