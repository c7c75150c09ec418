"""Which commit a record was made at, and whether the code it describes has changed since.

A generated page (docs/reliability.md, docs/emulator-gaps.md) shows records made at some commit.
A record is current when the code it describes is the same in this checkout as at its commit,
tracked changes not yet committed included; the pages' own text does not count, so rendering a
page and committing it leaves its records current. Anything else is stale: the code changed, or
the commit is unknown or not in this clone.
"""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass

from kit.paths import REPO_ROOT

COMMIT_VARIABLE = "PIPESUM_GIT_COMMIT"
UNKNOWN_COMMIT = "unknown"
SHORT_COMMIT = 7

#: What a test's record describes: everything that decides what the test does and sees.
CODE_PATHS = (
    "function",
    "terraform",
    "providers",
    "harness",
    "kit",
    "tests",
    "requirements",
    "Makefile",
    "pyproject.toml",
)


def _git(*arguments: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *arguments],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def current_commit() -> str:
    """PIPESUM_GIT_COMMIT (the Makefile exports git's HEAD), else `git rev-parse HEAD`."""
    return os.environ.get(COMMIT_VARIABLE) or _git("rev-parse", "HEAD") or UNKNOWN_COMMIT


def short(commit: str) -> str:
    return commit if commit == UNKNOWN_COMMIT else commit[:SHORT_COMMIT]


def has_uncommitted_changes() -> bool:
    """Whether tracked code differs from HEAD."""
    return bool(_git("status", "--porcelain", "--untracked-files=no", "--", *CODE_PATHS))


def code_changed_since(commit: str) -> bool:
    """Whether the code differs between `commit` and this checkout (True when it cannot tell)."""
    if commit == UNKNOWN_COMMIT:
        return True
    if _git("cat-file", "-e", f"{commit}^{{commit}}") is None:
        return True
    return _git("diff", "--quiet", commit, "--", *CODE_PATHS) is None


@dataclass(frozen=True)
class Freshness:
    """HEAD, and whether the records of a commit still describe this checkout's code."""

    head: str
    is_current: Callable[[str], bool]

    @classmethod
    def of_checkout(cls) -> Freshness:
        return cls(current_commit(), functools.cache(lambda commit: not code_changed_since(commit)))

    def is_stale(self, commit: str) -> bool:
        return not self.is_current(commit)
