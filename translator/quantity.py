"""Kubernetes resource quantities ("500m", "1Gi", "2e9") as numbers."""

from __future__ import annotations

import re
from decimal import Decimal

# Kubernetes' quantity grammar (k8s.io/apimachinery/pkg/api/resource, quantity.go): a signed
# decimal number, then a binary suffix, a decimal suffix (n, u, m, k, M, ... E) or an exponent
# (e3, E-6). The values equal those of kubernetes.utils.parse_quantity on everything the API
# server accepts (tests/test_quantity.py); what it accepts and the server refuses ("1K", " 1",
# "nan") is refused here too.
_SUFFIX = {
    "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("0.001"), "": Decimal(1),
    "k": Decimal(10**3), "M": Decimal(10**6), "G": Decimal(10**9), "T": Decimal(10**12),
    "P": Decimal(10**15), "E": Decimal(10**18),
    "Ki": Decimal(2**10), "Mi": Decimal(2**20), "Gi": Decimal(2**30), "Ti": Decimal(2**40),
    "Pi": Decimal(2**50), "Ei": Decimal(2**60),
}
_QUANTITY = re.compile(r"([+-]?(?:\d+\.?\d*|\.\d+))(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?")


def parse(value: str | int | float) -> Decimal:
    """The quantity in base units (cores for CPU, bytes for memory)."""
    if isinstance(value, bool):
        raise ValueError(f"not a quantity: {value!r}")
    if isinstance(value, int | float):
        number = Decimal(str(value))  # as the API server reads a JSON number: its digits
        if not number.is_finite():
            raise ValueError(f"not a Kubernetes quantity: {value!r}")
    else:
        match = _QUANTITY.fullmatch(value)
        if not match:
            raise ValueError(f"not a Kubernetes quantity: {value!r} (e.g. 500m, 1, 512Mi, 2Gi)")
        mantissa, exponent, suffix = match.groups()
        try:
            number = Decimal(mantissa)
            number = number.scaleb(int(exponent)) if exponent else number * _SUFFIX[suffix or ""]
        except ArithmeticError:  # an exponent beyond what Decimal holds (and Kubernetes allows)
            raise ValueError(f"not a Kubernetes quantity: {value!r} (out of range)") from None
    if number < 0:
        raise ValueError(f"a quantity cannot be negative: {value!r}")
    return number


def cpu_units(value: str | int | float) -> int:
    """CPU as ECS CPU units (1 vCPU = 1024), rounded up."""
    units = parse(value) * 1024
    return int(units.to_integral_value(rounding="ROUND_CEILING"))


def memory_mib(value: str | int | float) -> int:
    """Memory in MiB, rounded up."""
    mib = parse(value) / Decimal(2**20)
    return int(mib.to_integral_value(rounding="ROUND_CEILING"))
