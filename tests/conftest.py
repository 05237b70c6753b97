"""Hypothesis profiles: `ci` keeps the property tests to a fixed, repeatable budget; `dev`
(the default) explores more; `long` is for a patient local run. Pick one with
EKS2ECS_HYPOTHESIS_PROFILE (.ci/run sets ci). Tests that set max_examples themselves keep it.

Also the `shared` fixture: what needs ../shared (the corpus, the report schema) asks for it, and
the `emulator` fixture: one moto server on loopback for every test that deploys."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from tests.paths import REPORT_SCHEMA, SHARED

_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
# the deadline only catches a hang or a blow-up: one example is one or two pipeline runs
settings.register_profile("ci", max_examples=40, deadline=timedelta(seconds=30),
                          derandomize=True, suppress_health_check=_SLOW, print_blob=True)
settings.register_profile("dev", max_examples=100, deadline=timedelta(seconds=30),
                          suppress_health_check=_SLOW)
settings.register_profile("long", max_examples=2000, deadline=None,
                          suppress_health_check=_SLOW)
settings.load_profile(os.environ.get("EKS2ECS_HYPOTHESIS_PROFILE", "dev"))



@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own, which turns "auto" into a count
def pytest_cmdline_main(config: pytest.Config) -> None:
    """A worker per core when pytest-xdist is there (the test extra has it) and no -n was
    given: each emulator test waits on its own moto server, serial by design, so two workers
    run two. Without pytest-xdist the suite runs, and collects, in one process; -n 0 asks for
    one process."""
    if config.pluginmanager.has_plugin("xdist") and not hasattr(config, "workerinput") \
            and config.option.numprocesses is None:
        config.option.numprocesses = "auto"
        if config.option.dist == "no":
            config.option.dist = "worksteal"  # the emulator tests take 20-70 s, most well under 1

NEEDS_SHARED = f"needs {SHARED} beside the checkout (the corpus and the report schema)"


@pytest.fixture(scope="session")
def shared() -> Path:
    """../shared beside the checkout. Without it the test is skipped; CI sets
    EKS2ECS_REQUIRE_SHARED=1, which fails instead."""
    if not SHARED.is_dir():
        if os.environ.get("EKS2ECS_REQUIRE_SHARED") == "1":
            pytest.fail(f"{SHARED} is required here (EKS2ECS_REQUIRE_SHARED=1) but missing")
        pytest.skip(NEEDS_SHARED)
    return SHARED


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Every skip for want of ../shared is reported at one place, so that the summary names
    the folder in one line instead of one per test."""
    report = yield
    longrepr = report.longrepr
    if report.skipped and isinstance(longrepr, tuple) and longrepr[2].endswith(NEEDS_SHARED):
        report.longrepr = (__file__, _SKIP_LINE, longrepr[2])
    return report


_SKIP_LINE = pytest_runtest_makereport.__code__.co_firstlineno


@pytest.fixture(scope="session")
def report_schema(shared: Path) -> Any:
    """The report.json contract, ../shared/report.schema.json."""
    return json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, list[str]]]:
    """moto server with the test providers, and the list of what it complained about (one per
    session: the providers patch moto process-wide)."""
    from tests.emulator import server
    with server.running(tmp_path_factory.mktemp("emulator")) as running:
        yield running
