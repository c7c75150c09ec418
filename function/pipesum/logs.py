"""Structured log lines: one JSON object per event the function handles.

Fields go in `extra`, which Lambda's JSON log format (set by Terraform) puts beside `message` at
the top level. Where no runtime formatter is installed (tests, a bare interpreter) this module's
own handler writes the same shape to stdout.
"""

from __future__ import annotations

import json
import logging
import sys

_STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = {
            name: value for name, value in vars(record).items() if name not in _STANDARD_ATTRIBUTES
        }
        line = {"level": record.levelname, "message": record.getMessage(), **fields}
        return json.dumps(line, ensure_ascii=False, default=str)


def get_logger(name: str = "pipesum", level: str = "INFO") -> logging.Logger:
    logger = logging.getLogger(name)
    logger.setLevel(level)
    if not logging.getLogger().handlers and not logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonLineFormatter())
        logger.addHandler(handler)
    return logger
