"""Which commit a record names, and whether the code it describes changed since."""

from __future__ import annotations

import subprocess
from pathlib import Path

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


def _docs_only_commit() -> str:
    for commit in git("log", "--format=%H", "-n", "300", "--", "docs").splitlines():
        changed = git("diff-tree", "--no-commit-id", "--name-only", "-r", commit).splitlines()
        if changed and all(path.startswith("docs/") for path in changed):
            return commit
    pytest.fail("no commit of the last 300 that touch docs/ changed docs/ only")


def test_the_deployed_commit_is_the_last_to_change_the_function_or_terraform() -> None:
    """The GitCommit tag: a docs-only commit keeps its parent's, so its plan changes no tag; a
    commit that changes terraform/ is its own."""
    docs_only = _docs_only_commit()
    assert commits.deployed_commit(docs_only) == commits.deployed_commit(f"{docs_only}^")
    assert commits.deployed_commit(docs_only) != docs_only
    [terraform_change] = git("log", "-1", "--format=%H", "--", "terraform").splitlines()
    assert commits.deployed_commit(terraform_change) == terraform_change
    assert commits.deployed_commit() == git(
        "log", "-1", "--format=%H", "--", "function", "terraform"
    )


def test_the_deployed_commit_is_printed_for_the_makefile_and_ci(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert commits.main(["--deployed"]) == 0
    assert capsys.readouterr().out == commits.deployed_commit() + "\n"


def test_the_fingerprint_is_of_the_code_not_of_the_commit() -> None:
    """HEAD's code and the working tree's have one fingerprint when no code changed; a docs-only
    commit keeps its parent's."""
    if not commits.has_uncommitted_changes():
        assert commits.code_fingerprint() == commits.code_fingerprint("HEAD")
    docs_only = git("log", "--format=%H", "-n", "300", "--", "docs")
    for commit in docs_only.splitlines():
        changed = git("diff-tree", "--no-commit-id", "--name-only", "-r", commit).splitlines()
        if changed and all(path.startswith("docs/") for path in changed):
            break
    else:
        pytest.fail("no commit of the last 300 that touch docs/ changed docs/ only")
    assert commits.code_fingerprint(commit) == commits.code_fingerprint(f"{commit}^")


def test_a_new_file_in_the_code_changes_the_working_tree_s_fingerprint_and_docs_do_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a repository of the test's own: this checkout's records are being written meanwhile."""
    repo = tmp_path / "repo"
    for path in (*commits.CODE_PATHS, "docs"):
        (repo / path).mkdir(parents=True)
        (repo / path / "kept.txt").write_text(f"{path}\n")
    (repo / "function" / "handler.py").write_text("ANSWER = 42\n")
    for arguments in (("init", "-q"), ("add", "-A"), ("commit", "-qm", "first")):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", *arguments], cwd=repo, check=True
        )
    monkeypatch.setattr(commits, "REPO_ROOT", repo)
    committed = commits.code_fingerprint("HEAD")
    assert commits.code_fingerprint() == committed

    (repo / "docs" / "page.md").write_text("rendered\n")
    assert commits.code_fingerprint() == committed
    (repo / "tests" / "support" / "new.py").write_text("PROBE = 1\n")
    assert commits.code_fingerprint() != committed
    assert commits.has_uncommitted_changes() is False  # new files are not tracked changes
    (repo / "tests" / "support" / "new.py").unlink()
    (repo / "function" / "handler.py").write_text("ANSWER = 43\n")
    assert commits.code_fingerprint() != committed
    assert commits.has_uncommitted_changes()


def test_an_unknown_fingerprint_is_stale() -> None:
    freshness = commits.Freshness("f" * 40, commits.UNKNOWN_COMMIT)
    assert freshness.is_stale(commits.UNKNOWN_COMMIT)
    assert commits.code_fingerprint("f" * 40) == commits.UNKNOWN_COMMIT
