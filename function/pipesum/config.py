"""The function's settings, read once from its environment (set by Terraform)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


class ConfigurationError(RuntimeError):
    """The function was deployed without a setting it needs."""


@dataclass(frozen=True)
class Settings:
    source_bucket: str
    destination_bucket: str
    max_input_bytes: int

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        missing = [
            name for name in ("SOURCE_BUCKET", "DESTINATION_BUCKET") if not environ.get(name)
        ]
        if missing:
            raise ConfigurationError(f"environment variables not set: {', '.join(missing)}")
        raw_limit = environ.get("MAX_INPUT_BYTES", str(100 * 1024 * 1024))
        if not raw_limit.isascii() or not raw_limit.isdigit() or int(raw_limit) < 1:
            raise ConfigurationError(
                f"MAX_INPUT_BYTES must be a positive integer, not {raw_limit!r}"
            )
        if environ["SOURCE_BUCKET"] == environ["DESTINATION_BUCKET"]:
            raise ConfigurationError("DESTINATION_BUCKET must differ from SOURCE_BUCKET")
        return cls(
            source_bucket=environ["SOURCE_BUCKET"],
            destination_bucket=environ["DESTINATION_BUCKET"],
            max_input_bytes=int(raw_limit),
        )
