"""Where the checkout is: every path the harness writes or reads is under it."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
