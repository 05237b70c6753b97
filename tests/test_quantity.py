"""translator.quantity reads Kubernetes quantities as the API server does, with the values
of the kubernetes client's own parser (kubernetes.utils.parse_quantity)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from translator import quantity


def parse_quantity(text: str) -> Decimal:
    """The client's parser, imported when a test runs: collecting the suite needs no
    dependency beyond pytest and hypothesis."""
    from kubernetes.utils.quantity import parse_quantity as client_parse

    result: Decimal = client_parse(text)
    return result

VALID = ["250000u", "100n", "500m", "0.5", ".5", "1.", "1", "+1", "2e9", "2E9", "1.5e-3",
         "12E", "1E", "1k", "1M", "1G", "1T", "1P", "1Ki", "512Mi", "1.5Gi", "2Ti", "1Pi",
         "1Ei", "0", "0m", "1234567890123456789Ki"]


@pytest.mark.parametrize("text", VALID)
def test_the_value_is_the_kubernetes_clients(text: str) -> None:
    assert quantity.parse(text) == parse_quantity(text)


_NUMBER = st.one_of(
    st.from_regex(r"\A[0-9]{1,12}\Z"), st.from_regex(r"\A[0-9]{1,9}\.[0-9]{0,9}\Z"),
    st.from_regex(r"\A\.[0-9]{1,9}\Z"))
_SUFFIX = st.sampled_from(["", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi",
                           "Ti", "Pi", "Ei"]) | st.from_regex(r"\A[eE][+-]?[0-9]{1,2}\Z")


@given(sign=st.sampled_from(["", "+"]), number=_NUMBER, suffix=_SUFFIX)
def test_every_quantity_of_the_grammar_reads_as_the_kubernetes_client_reads_it(
        sign: str, number: str, suffix: str) -> None:
    text = sign + number + suffix
    assert quantity.parse(text) == parse_quantity(text), text


def test_numbers_in_yaml_read_as_their_digits() -> None:
    assert quantity.parse(2) == 2 and quantity.parse(0.25) == Decimal("0.25")
    assert quantity.parse(0.1) == Decimal("0.1")  # the digits written, not the binary float
    assert quantity.cpu_units("250000u") == 256 and quantity.cpu_units(0.1) == 103
    assert quantity.memory_mib("1.5Gi") == 1536 and quantity.memory_mib("1G") == 954


# Strings the client's parser takes that the API server refuses (it strips nothing, knows no
# "K" or "ki", and reads no NaN), negative resource amounts, and numbers that are not finite.
@pytest.mark.parametrize("value", [
    "1K", "1ki", " 1", "1 ", "1Gi ", "nan", "NaN", "Infinity", "1e", "1e+", "1.2.3", "Gi", "",
    "-1", "-500m", "1e99999999", True, float("inf"), float("nan"), "0x10", "1_000"])
def test_what_kubernetes_refuses_is_refused(value: str | float | bool) -> None:
    with pytest.raises(ValueError):
        quantity.parse(value)
