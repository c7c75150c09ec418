"""Which commit a record names, and whether the code it describes changed since."""

from __future__ import annotations

import subprocess

import pytest

from harness import commits
from kit.paths import REPO_ROOT


def git(*arguments: str) -> str:
    return subprocess.run(
        ["git", *arguments], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_the_commit_is_the_makefile_s_else_git_s(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(commits.COMMIT_VARIABLE, "c" * 40)
    assert commits.current_commit() == "c" * 40
    monkeypatch.delenv(commits.COMMIT_VARIABLE)
    assert commits.current_commit() == git("rev-parse", "HEAD")


def test_head_s_records_describe_this_code_unless_tracked_code_changed() -> None:
    assert commits.code_changed_since(git("rev-parse", "HEAD")) == (
        commits.has_uncommitted_changes()
    )


def test_the_first_commit_s_records_no_longer_describe_this_code() -> None:
    first = git("rev-list", "--max-parents=0", "HEAD").splitlines()[0]
    assert commits.code_changed_since(first)


def test_an_unknown_commit_or_one_not_in_this_clone_is_stale() -> None:
    assert commits.code_changed_since(commits.UNKNOWN_COMMIT)
    assert commits.code_changed_since("f" * 40)
    freshness = commits.Freshness("f" * 40, lambda commit: not commits.code_changed_since(commit))
    assert freshness.is_stale("f" * 40)


def test_a_commit_that_changed_only_docs_leaves_records_current() -> None:
    docs_only = git("log", "--format=%H", "-n", "200", "--", "docs")
    for commit in docs_only.splitlines():
        changed = git("diff-tree", "--no-commit-id", "--name-only", "-r", commit).splitlines()
        if changed and all(path.startswith("docs/") for path in changed):
            break
    else:
        pytest.fail("no commit in the last 200 that touch docs/ changed docs/ only")
    assert git("diff", "--name-only", f"{commit}^", commit, "--", *commits.CODE_PATHS) == ""
    parent = git("rev-parse", f"{commit}^")
    assert commits.code_changed_since(commit) == commits.code_changed_since(parent)
