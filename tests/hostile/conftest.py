"""Hypothesis for the hostile-input tests: one derandomised profile, so CI never flakes.

Every run tries the same examples (derandomize), writes no example database into the checkout
and has no deadline (a slow CI machine is not a failure). HYPOTHESIS_PROFILE=explore runs more
and random examples on a developer's machine.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=25,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "explore",
    parent=settings.get_profile("ci"),
    derandomize=False,
    max_examples=500,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
