"""Which commit a record was made at, a fingerprint of the code it describes, and the commit
that last changed what is deployed (the GitCommit tag; `python -m harness.commits --deployed`).

A generated page (docs/reliability.md, docs/emulator-gaps.md) shows records made at some time.
Each record carries the fingerprint of the code it exercised, as it was in the working tree
(uncommitted changes included): a hash of git's tree ids for the code paths, so the same code
gives the same fingerprint whatever the commit. A record is current while the checkout's code has
its fingerprint, stale once anything in those paths changed; the pages' own text is not code, so
rendering a page and committing it leaves its records current.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kit.paths import REPO_ROOT

COMMIT_VARIABLE = "PIPESUM_GIT_COMMIT"
UNKNOWN_COMMIT = "unknown"
SHORT_COMMIT = 7
FINGERPRINT_CHARS = 12

#: What a record describes: the code that decides what an integration test does and sees.
CODE_PATHS = (
    "function",
    "terraform",
    "providers",
    "harness",
    "kit",
    "tests/integration",
    "tests/support",
    "requirements",
)

#: What a deployment is made of: the function's package and the Terraform configuration.
DEPLOYED_PATHS = ("function", "terraform")


def _git(*arguments: str, environment: dict[str, str] | None = None) -> str | None:
    try:
        done = subprocess.run(
            ["git", *arguments],
            cwd=REPO_ROOT,
            env=None if environment is None else os.environ | environment,
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


def deployed_commit(revision: str = "HEAD") -> str:
    """The last commit, up to `revision`, that changed DEPLOYED_PATHS: what every resource's
    GitCommit tag records, so a commit that changes neither plans no change (decision 18)."""
    found = _git("log", "-1", "--format=%H", revision, "--", *DEPLOYED_PATHS)
    return found or UNKNOWN_COMMIT


def short(commit: str) -> str:
    return commit if commit == UNKNOWN_COMMIT else commit[:SHORT_COMMIT]


def has_uncommitted_changes() -> bool:
    """Whether tracked code differs from HEAD."""
    return bool(_git("status", "--porcelain", "--untracked-files=no", "--", *CODE_PATHS))


def _working_tree() -> str | None:
    """A tree id for the working tree's code paths, tracked or new (git's own index untouched).

    Every file is hashed into an empty index: a copy of git's would carry its cached file stats,
    and a file rewritten at the same size within the second of the last `git add` would pass as
    unchanged."""
    with tempfile.TemporaryDirectory() as scratch:
        environment = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        if _git("add", "--all", "--", *CODE_PATHS, environment=environment) is None:
            return None
        return _git("write-tree", environment=environment)


def code_fingerprint(revision: str | None = None) -> str:
    """The fingerprint of the code paths at `revision` (a commit), or in the working tree."""
    tree = revision or _working_tree()
    listing = None if tree is None else _git("ls-tree", tree, "--", *CODE_PATHS)
    if not listing:
        return UNKNOWN_COMMIT
    return hashlib.sha256(listing.encode()).hexdigest()[:FINGERPRINT_CHARS]


@dataclass(frozen=True)
class Freshness:
    """HEAD and the fingerprint of the code the records are judged against."""

    head: str
    code: str

    @classmethod
    def of_checkout(cls) -> Freshness:
        return cls(current_commit(), code_fingerprint())

    def is_stale(self, code: str) -> bool:
        return code == UNKNOWN_COMMIT or code != self.code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print a commit of this checkout.")
    parser.add_argument(
        "--deployed",
        action="store_true",
        required=True,
        help="the last commit that changed what is deployed (function/, terraform/)",
    )
    parser.parse_args(argv)
    print(deployed_commit())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
