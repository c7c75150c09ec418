"""The bench's page templates (string.Template files beside this module), filled in strictly."""

from __future__ import annotations

from pathlib import Path
from string import Template

HERE = Path(__file__).resolve().parent


def fill(name: str, **values: object) -> str:
    """Template `name` with every `$placeholder` given; a missing one is a KeyError."""
    return Template((HERE / name).read_text()).substitute(values)
