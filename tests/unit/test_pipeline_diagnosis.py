"""A missing outcome is explained by the last step the file is known to have passed."""

from __future__ import annotations

import pytest

from harness import pipeline
from harness.pipeline import explain_missing_outcome
from pipesum import storage

KEY = "in/file.txt"


def test_upload_that_never_arrived_is_named() -> None:
    message = explain_missing_outcome(KEY, upload_error="404 Not Found", log_lines=[])
    assert message == "the upload itself is not in the source bucket (404 Not Found)."


def test_no_function_run_points_at_the_rule_and_target() -> None:
    message = explain_missing_outcome(KEY, upload_error=None, log_lines=[])
    assert "object uploaded; the function has not run" in message
    assert "rule" in message


def test_function_that_ran_for_other_keys_points_at_the_pattern() -> None:
    lines = ['{"message": "object_written", "key": "other.txt"}']
    message = explain_missing_outcome(KEY, upload_error=None, log_lines=lines)
    assert "ran since, but not for this key" in message


def test_function_that_saw_the_key_but_wrote_nothing_says_so() -> None:
    lines = ['{"message": "object_superseded", "key": "in/file.txt"}']
    message = explain_missing_outcome(KEY, upload_error=None, log_lines=lines)
    assert message == "last step that succeeded: function invoked for this key; it wrote nothing."


def test_function_error_is_quoted_from_its_logs() -> None:
    lines = [
        "START RequestId: 1",
        "Traceback (most recent call last):",
        "[ERROR] ClientError: An error occurred (AccessDenied) when calling the PutObject",
    ]
    message = explain_missing_outcome(KEY, upload_error=None, log_lines=lines)
    assert message.startswith("last step that succeeded: function invoked; it failed with:")
    assert "AccessDenied" in message


def test_unicode_keys_are_found_in_json_escaped_log_lines() -> None:
    key = "ключ.txt"
    lines = ['{"message": "object_superseded", "key": "\\u043a\\u043b\\u044e\\u0447.txt"}']
    message = explain_missing_outcome(key, upload_error=None, log_lines=lines)
    assert "function invoked for this key" in message


@pytest.mark.parametrize(
    "key",
    ["k", "a/b c+d%2B.txt", "ünï/ключ.txt", "x" * 1004, "x" * 1005, "é" * 512, "../up.txt"],
)
def test_the_harness_looks_for_reports_where_the_function_writes_them(key: str) -> None:
    assert pipeline.rejection_key(key) == storage.rejection_key(key)
