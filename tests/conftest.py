"""Options shared by every test level."""

from __future__ import annotations

import pytest

from providers import TARGET_NAMES

pytest_plugins = [
    "tests.support.reliability_plugin",
    "tests.support.behaviour_plugin",
    "tests.support.time_budget_plugin",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--target",
        choices=TARGET_NAMES,
        default="ministack",
        help="where the integration tests deploy the pipeline (default: an embedded MiniStack)",
    )
