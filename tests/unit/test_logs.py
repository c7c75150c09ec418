"""Log lines are one JSON object each, with the fields beside the message."""

from __future__ import annotations

import json
import logging

from pipesum.logs import JsonLineFormatter


def test_extra_fields_sit_beside_the_message_in_one_json_line() -> None:
    record = logging.makeLogRecord(
        {
            "msg": "object_rejected",
            "levelname": "INFO",
            "key": "ключ.txt",
            "error_code": "EMPTY_FILE",
        }
    )
    line = JsonLineFormatter().format(record)
    assert "\n" not in line
    assert json.loads(line) == {
        "level": "INFO",
        "message": "object_rejected",
        "key": "ключ.txt",
        "error_code": "EMPTY_FILE",
    }
