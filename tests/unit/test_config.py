"""The function refuses to start without the settings Terraform gives it."""

from __future__ import annotations

import pytest

from pipesum.config import ConfigurationError, Settings

GOOD = {"SOURCE_BUCKET": "src", "DESTINATION_BUCKET": "dst", "MAX_INPUT_BYTES": "1024"}


def test_settings_come_from_the_environment() -> None:
    assert Settings.from_environment(GOOD) == Settings("src", "dst", 1024)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"SOURCE_BUCKET": ""}, "SOURCE_BUCKET"),
        ({"DESTINATION_BUCKET": ""}, "DESTINATION_BUCKET"),
        ({"DESTINATION_BUCKET": "src"}, "must differ"),
        ({"MAX_INPUT_BYTES": "0"}, "positive integer"),
        ({"MAX_INPUT_BYTES": "1e6"}, "positive integer"),
        ({"MAX_INPUT_BYTES": "١٢"}, "positive integer"),
    ],
)
def test_missing_or_bad_settings_are_refused(override: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Settings.from_environment(GOOD | override)
