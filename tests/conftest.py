"""Hypothesis profiles: `ci` keeps the property tests to a fixed, repeatable budget; `dev`
(the default) explores more; `long` is for a patient local run. Pick one with
EKS2ECS_HYPOTHESIS_PROFILE (.ci/run sets ci). Tests that set max_examples themselves keep it."""

from __future__ import annotations

import os
from datetime import timedelta

from hypothesis import HealthCheck, settings

_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
# the deadline only catches a hang or a blow-up: one example is one or two pipeline runs
settings.register_profile("ci", max_examples=40, deadline=timedelta(seconds=30),
                          derandomize=True, suppress_health_check=_SLOW, print_blob=True)
settings.register_profile("dev", max_examples=100, deadline=timedelta(seconds=30),
                          suppress_health_check=_SLOW)
settings.register_profile("long", max_examples=2000, deadline=None,
                          suppress_health_check=_SLOW)
settings.load_profile(os.environ.get("EKS2ECS_HYPOTHESIS_PROFILE", "dev"))
