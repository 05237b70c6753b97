"""Every fixture case translates to its expected templates and report, compared parsed.

After an intended change: `python -m tests.fixture_cases [CASE ...]`, then review the diff.
"""

from __future__ import annotations

import pytest

from tests.fixture_cases import FIXTURES, cases, compared, parse, run


def test_there_are_fixture_cases() -> None:
    assert len(cases()) >= 2


@pytest.mark.parametrize("case", cases())
def test_fixture_case_translates_as_expected(case: str) -> None:
    expected_dir = FIXTURES / case / "expected"
    produced = compared(run(case))
    expected = {p.name: p.read_text(encoding="utf-8") for p in expected_dir.iterdir()}
    hint = f"if intended, run: python -m tests.fixture_cases {case}"
    assert sorted(produced) == sorted(expected), hint
    for name, text in produced.items():
        assert parse(name, text) == parse(name, expected[name]), f"{name} differs; {hint}"
