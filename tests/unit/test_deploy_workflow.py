"""The deploy workflow (.github/workflows/deploy.yml) as GitHub would run it.

- A job holding `id-token: write` can hand the AWS roles to any code it runs: it runs the pinned
  actions, terraform, the runner's Python without site-packages and the runner's shell tools, and
  nothing a package registry installs.
- The zip that job builds with `python -E -S` is byte for byte `make build`'s.
- On main, prod is deployed only after check.yml succeeded on that commit; the `production`
  environment's reviewers approve a plan that exists, and the apply job applies that plan file.
- Dependabot's pull requests (no OIDC token) skip the required `plan (prod)`, and no other does.

The jobs' `if:` are evaluated against the contexts each event gives (tests/support/workflows.py).
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.package import build_zip
from kit.paths import REPO_ROOT
from tests.support.workflows import commands, condition_holds, evaluate, substitute

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
DEPLOY = WORKFLOWS / "deploy.yml"
CHECK = WORKFLOWS / "check.yml"
REPOSITORY = "octo/pipesum"

# What a run step of a job holding `id-token: write` may start: terraform, the runner's Python
# (checked below: the zipper, without site-packages), GitHub's CLI for a read, and shell tools of
# the runner image. No make, pip, uv, npm, npx, curl, wget, bash -c, sh, eval, source, ...
ALLOWED_PROGRAMS = {
    "terraform",
    "python",
    "gh",
    "[",
    "test",
    "echo",
    "printf",
    "cat",
    "head",
    "tee",
    "cut",
    "sha256sum",
    "set",
    "exit",
}
THE_ZIPPER = ["python", "-E", "-S", "-m", "harness.package"]
# terraform plan, planned again with the function replaced when its code was replaced by hand.
THE_PLANNER = ["python", "-E", "-S", "-m", "harness.code_drift", "--read-only", "--out"]
# The GitCommit tag's value (harness/commits.py).
THE_DEPLOYED_COMMIT = ["python", "-E", "-S", "-m", "harness.commits", "--deployed"]
TERRAFORM_SUBCOMMANDS = {"init", "plan", "show", "apply"}
# The actions such a job may use, each pinned by a full commit SHA.
ALLOWED_ACTIONS = {
    "actions/checkout",
    "actions/setup-python",
    "actions/download-artifact",
    "actions/upload-artifact",
    "hashicorp/setup-terraform",
    "aws-actions/configure-aws-credentials",
}
PINNED = re.compile(r"(?P<action>[\w.-]+/[\w.-]+)@[0-9a-f]{40}")


def _load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return loaded


def _triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    # PyYAML reads the key `on` as the boolean true (YAML 1.1).
    triggers: dict[str, Any] = workflow.get("on", workflow.get(True, {}))
    return triggers


@pytest.fixture(scope="module")
def deploy() -> dict[str, Any]:
    return _load(DEPLOY)


def _jobs_with_oidc(workflow: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: job
        for name, job in workflow["jobs"].items()
        if (job.get("permissions") or {}).get("id-token") == "write"
    }


def _run_commands(job: dict[str, Any]) -> list[list[str]]:
    return [argv for step in job["steps"] if "run" in step for argv in commands(step["run"])]


def _step_index(job: dict[str, Any], predicate: Callable[[dict[str, Any]], bool], what: str) -> int:
    matches = [index for index, step in enumerate(job["steps"]) if predicate(step)]
    assert len(matches) == 1, f"expected one step that {what}, found {len(matches)}"
    return matches[0]


def _as_plan(argv: list[str]) -> list[str]:
    """`argv`, as the `terraform plan` it runs when it is THE_PLANNER."""
    if argv[: len(THE_PLANNER)] != THE_PLANNER:
        return argv
    plan_file, separator, *plan_args = argv[len(THE_PLANNER) :]
    assert separator == "--", f"the planner's terraform arguments follow --: {argv}"
    return ["terraform", "plan", *plan_args, f"-out={plan_file}"]


def _plans(job: dict[str, Any]) -> list[list[str]]:
    return [plan for plan in map(_as_plan, _run_commands(job)) if plan[:2] == ["terraform", "plan"]]


def _step_plans(step: dict[str, Any]) -> bool:
    return any(
        _as_plan(argv)[:2] == ["terraform", "plan"] for argv in commands(step.get("run", ""))
    )


def _runs(step: dict[str, Any], program: str, subcommand: str | None = None) -> bool:
    return any(
        argv[0] == program and (subcommand is None or subcommand in argv[1:3])
        for argv in commands(step.get("run", ""))
    )


def _uses(step: dict[str, Any], action: str) -> bool:
    return str(step.get("uses", "")).startswith(f"{action}@")


def _needs(job: dict[str, Any]) -> list[str]:
    needs = job.get("needs", [])
    return [needs] if isinstance(needs, str) else list(needs)


# --- the contexts of the events the workflow answers ---------------------------------------------


def _pull_request(
    actor: str = "alice", *, author: str | None = None, fork: bool = False
) -> dict[str, Any]:
    head_repo = "mallory/pipesum" if fork else REPOSITORY
    return {
        "github": {
            "event_name": "pull_request",
            "repository": REPOSITORY,
            "actor": actor,
            "sha": "f00d" * 10,
            "ref": "refs/pull/7/merge",
            "event": {
                "pull_request": {
                    "number": 7,
                    "head": {"repo": {"full_name": head_repo}, "ref": "feature"},
                    "user": {"login": author or actor},
                }
            },
        }
    }


COMMIT = "c0ffee" + "0" * 34
NEWER_COMMIT = "beef" * 10


def _check_completed(**run: Any) -> dict[str, Any]:
    """check.yml's run on a push of COMMIT to main, completed with success, while COMMIT is
    main's tip: what `run` overrides is changed."""
    workflow_run = {
        "conclusion": "success",
        "event": "push",
        "head_branch": "main",
        "head_sha": COMMIT,
        "head_repository": {"full_name": REPOSITORY},
    }
    tip = run.pop("tip", COMMIT)
    workflow_run.update(run)
    return {
        "github": {
            "event_name": "workflow_run",
            "repository": REPOSITORY,
            "actor": "alice",
            "sha": tip,
            "ref": "refs/heads/main",
            "event": {"workflow_run": workflow_run},
        }
    }


def _with_plan(contexts: dict[str, Any], outputs: dict[str, str]) -> dict[str, Any]:
    given = copy.deepcopy(contexts)
    given["needs"] = {"plan": {"result": "success", "outputs": outputs}}
    return given


PLAN_OUTPUTS = {"plan-sha256": "1" * 64, "zip-sha256": "2" * 64, "current": "true"}


# --- finding 2: no third-party code beside the OIDC token ---------------------------------------


def test_jobs_holding_an_oidc_token_start_only_the_allowed_programs(deploy: dict[str, Any]) -> None:
    jobs = _jobs_with_oidc(deploy)
    assert set(jobs) == {"plan", "apply"}
    assert "defaults" not in deploy, "a workflow-wide default shell would run the scripts"
    for name, job in jobs.items():
        assert "container" not in job, f"{name}: a container image is code from a registry"
        assert "services" not in job, f"{name}: service images are code from a registry"
        assert "defaults" not in job, f"{name}: a default shell would run the scripts"
        for step in job["steps"]:
            if "uses" in step:
                pinned = PINNED.fullmatch(step["uses"])
                assert pinned, f"{name}: {step['uses']} is not pinned by a full commit SHA"
                assert pinned["action"] in ALLOWED_ACTIONS, f"{name}: {step['uses']} is not allowed"
            else:
                assert step.get("shell", "bash") == "bash", f"{name}: {step} runs another shell"
        for argv in _run_commands(job):
            assert argv[0] in ALLOWED_PROGRAMS, f"{name} starts {argv[0]!r}: {argv}"
            if argv[0] == "python":
                assert argv in (THE_ZIPPER, THE_DEPLOYED_COMMIT) or (
                    argv[: len(THE_PLANNER)] == THE_PLANNER
                ), f"{name}: python only as the zipper or the planner, got {argv}"
            if argv[0] == "gh":
                assert argv[1] == "api", f"{name}: gh only reads the API: {argv}"
                assert not {"-X", "--method", "-f", "-F", "--field", "--input"} & set(argv)
            if argv[0] == "terraform":
                subcommand = next(word for word in argv[1:] if not word.startswith("-"))
                assert subcommand in TERRAFORM_SUBCOMMANDS, f"{name}: {argv}"
                if subcommand == "init":
                    assert "-lockfile=readonly" in argv, (
                        f"{name}: providers only as the committed lock file's hashes allow"
                    )


def test_the_allowed_programs_check_reads_what_the_old_build_ran() -> None:
    """What the check above would have caught: the build step that ran `make`, and pip/npm/curl
    hidden in a list, a pipeline or a command substitution."""
    script = (
        'make build PYTHON_BOOTSTRAP=python\nX="$(curl -s u | bash)" npx y && { pip install z; }'
    )
    assert [argv[0] for argv in commands(script)] == ["make", "npx", "pip", "curl", "bash"]


def _zipper_command(deploy: dict[str, Any]) -> list[str]:
    zippers = [argv for argv in _run_commands(deploy["jobs"]["plan"]) if argv == THE_ZIPPER]
    assert len(zippers) == 1, f"the plan job should build the zip with python once: {zippers}"
    return zippers[0]


def test_the_zip_built_without_site_packages_is_make_builds(
    deploy: dict[str, Any], tmp_path: Path
) -> None:
    # GIVEN the plan job's build command, run by this Python, to a file of our own
    argv = [sys.executable, *_zipper_command(deploy)[1:]]
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    # THEN this Python really runs without site-packages under those flags
    flags = argv[1 : argv.index("-m")]
    without_site = subprocess.run(
        [sys.executable, *flags, "-c", "import yaml"],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        check=False,
    )
    assert without_site.returncode != 0, "the test Python still imports yaml under these flags"
    # WHEN it builds the zip, and `make build`'s command (python -m harness.package) builds one
    ci_zip, make_zip = tmp_path / "ci" / "function.zip", tmp_path / "make" / "function.zip"
    subprocess.run([*argv, "--output", str(ci_zip)], cwd=REPO_ROOT, env=environment, check=True)
    subprocess.run(
        [sys.executable, "-m", "harness.package", "--output", str(make_zip)],
        cwd=REPO_ROOT,
        env=environment,
        check=True,
    )
    # THEN the bytes are the same, and the same as the harness builds in this process
    assert ci_zip.read_bytes() == make_zip.read_bytes()
    assert ci_zip.read_bytes() == build_zip(tmp_path / "here.zip").read_bytes()


# --- finding 3: check.yml first, then a plan, then the reviewers, then that plan ----------------


def test_a_push_to_main_deploys_only_after_check_succeeded_on_that_commit(
    deploy: dict[str, Any],
) -> None:
    check_name = _load(CHECK)["name"]
    triggers = _triggers(deploy)
    assert "push" not in triggers, "a push deploys before check.yml has judged the commit"
    assert triggers["workflow_run"] == {
        "workflows": [check_name],
        "types": ["completed"],
        "branches": ["main"],
    }
    plan_if = deploy["jobs"]["plan"].get("if")
    assert condition_holds(plan_if, _check_completed())
    refused = {
        "check.yml failed": _check_completed(conclusion="failure"),
        "check.yml was cancelled": _check_completed(conclusion="cancelled"),
        "check.yml ran on a pull request whose branch is called main": _check_completed(
            event="pull_request"
        ),
        "a fork's branch called main": _check_completed(
            head_repository={"full_name": "mallory/pipesum"}
        ),
        "main has moved past the commit": _check_completed(tip=NEWER_COMMIT),
    }
    for why, contexts in refused.items():
        assert not condition_holds(plan_if, contexts), f"planned for apply although {why}"
    # The jobs deploy check.yml's commit, not main's tip at the time nor the workflow's commit.
    contexts = _check_completed()
    assert substitute(deploy["env"]["GIT_COMMIT"], contexts) == COMMIT
    for name in ("plan", "apply"):
        checkout = next(s for s in deploy["jobs"][name]["steps"] if _uses(s, "actions/checkout"))
        assert substitute(checkout["with"]["ref"], contexts) == COMMIT, name


def test_production_is_approved_after_the_plan_exists(deploy: dict[str, Any]) -> None:
    jobs = deploy["jobs"]
    assert {name for name, job in jobs.items() if "environment" in job} == {"apply"}
    assert jobs["apply"]["environment"] == "production"
    assert "plan" in _needs(jobs["apply"]), "the reviewers must see the plan before they approve"
    # The environment's job makes no plan of its own to apply: only the verification after.
    plans = [argv for argv in _run_commands(jobs["apply"]) if argv[:2] == ["terraform", "plan"]]
    assert all(
        "-detailed-exitcode" in argv and not any(a.startswith("-out") for a in argv)
        for argv in plans
    )
    # The plan job runs without the environment, as the plan role, and saves its plan.
    plan_job = jobs["plan"]
    credentials = next(
        s for s in plan_job["steps"] if _uses(s, "aws-actions/configure-aws-credentials")
    )
    assert credentials["with"]["role-to-assume"] == "${{ vars.AWS_PLAN_ROLE_ARN }}"
    apply_credentials = next(
        s for s in jobs["apply"]["steps"] if _uses(s, "aws-actions/configure-aws-credentials")
    )
    assert apply_credentials["with"]["role-to-assume"] == "${{ vars.AWS_APPLY_ROLE_ARN }}"
    saved = _plans(plan_job)
    assert len(saved) == 1
    assert "-out=tfplan" in saved[0]


def test_the_apply_job_applies_the_plan_jobs_file_and_nothing_else(deploy: dict[str, Any]) -> None:
    plan_job, apply_job = deploy["jobs"]["plan"], deploy["jobs"]["apply"]
    # The plan job uploads terraform/tfplan (and the zip it planned with) and outputs their sha256.
    upload = plan_job["steps"][
        _step_index(plan_job, lambda s: _uses(s, "actions/upload-artifact"), "uploads the plan")
    ]
    assert {"terraform/tfplan", "build/function.zip"} <= set(upload["with"]["path"].split())
    assert int(upload["with"]["retention-days"]) <= 7, (
        "a plan holds the prior state: keep it briefly"
    )
    hashed = plan_job["steps"][
        _step_index(plan_job, lambda s: _runs(s, "sha256sum"), "hashes the plan")
    ]
    hashed_files = {argv[1] for argv in commands(hashed["run"]) if argv[0] == "sha256sum"}
    assert hashed_files == {"terraform/tfplan", "build/function.zip"}
    for output in ("plan-sha256", "zip-sha256"):
        assert plan_job["outputs"][output] == f"${{{{ steps.{hashed['id']}.outputs.{output} }}}}"
    # The apply job downloads that artifact, checks both hashes, applies the file, then verifies.
    steps = apply_job["steps"]
    download = _step_index(apply_job, lambda s: _uses(s, "actions/download-artifact"), "downloads")
    assert steps[download]["with"]["name"] == upload["with"]["name"]
    check = _step_index(apply_job, lambda s: _runs(s, "sha256sum"), "checks the hashes")
    assert ["sha256sum", "--check", "--strict", "-"] in commands(steps[check]["run"])
    assert steps[check]["env"] == {
        "PLAN_SHA256": "${{ needs.plan.outputs.plan-sha256 }}",
        "ZIP_SHA256": "${{ needs.plan.outputs.zip-sha256 }}",
    }
    credentials = _step_index(
        apply_job, lambda s: _uses(s, "aws-actions/configure-aws-credentials"), "assumes the role"
    )
    apply = _step_index(apply_job, lambda s: _runs(s, "terraform", "apply"), "applies")
    verify = _step_index(
        apply_job, lambda s: _runs(s, "terraform", "plan"), "verifies (plan -detailed-exitcode)"
    )
    assert download < check < credentials < apply < verify
    applies = [argv for argv in commands(steps[apply]["run"]) if argv[:2] == ["terraform", "apply"]]
    assert len(applies) == 1
    assert applies[0][-1] == "tfplan", "apply takes the saved plan file, never a fresh plan"
    assert steps[apply]["working-directory"] == "terraform"
    assert not any(argv[0] == "python" for argv in _run_commands(apply_job)), (
        "the apply job builds nothing: it applies the zip the plan was made with"
    )


def test_the_apply_job_runs_only_on_a_plan_of_main_that_is_current(deploy: dict[str, Any]) -> None:
    apply_if = deploy["jobs"]["apply"].get("if")
    on_main = _check_completed()
    assert condition_holds(apply_if, _with_plan(on_main, PLAN_OUTPUTS))
    superseded = {**PLAN_OUTPUTS, "current": "false"}
    assert not condition_holds(apply_if, _with_plan(on_main, superseded))
    assert not condition_holds(apply_if, _with_plan(on_main, PLAN_OUTPUTS), status="failure")
    assert not condition_holds(apply_if, _with_plan(_pull_request(), {}))
    # `current` is decided after the plan is saved: from then on, a newer apply makes it stale.
    plan_job = deploy["jobs"]["plan"]
    tip = _step_index(plan_job, lambda s: s.get("id") == "tip", "checks main's tip")
    saved = _step_index(plan_job, _step_plans, "plans")
    upload = _step_index(plan_job, lambda s: _uses(s, "actions/upload-artifact"), "uploads")
    assert saved < tip < upload
    assert plan_job["outputs"]["current"] == "${{ steps.tip.outputs.current }}"


def test_plans_take_no_state_lock_and_the_apply_waits_for_it(deploy: dict[str, Any]) -> None:
    """The plan role may not write or delete the lock; the apply role holds it while it writes."""
    plans = _plans(deploy["jobs"]["plan"])
    assert plans
    assert all("-lock=false" in argv for argv in plans)
    applies = [
        argv
        for argv in _run_commands(deploy["jobs"]["apply"])
        if argv[:2] == ["terraform", "apply"]
    ]
    assert applies
    assert all("-lock-timeout=5m" in argv for argv in applies)


def test_plans_of_pull_requests_and_of_main_never_share_a_group_with_applies(
    deploy: dict[str, Any],
) -> None:
    jobs = deploy["jobs"]
    apply_group = jobs["apply"]["concurrency"]["group"]
    groups = {
        "pull request 7": substitute(jobs["plan"]["concurrency"]["group"], _pull_request()),
        "main": substitute(jobs["plan"]["concurrency"]["group"], _check_completed()),
    }
    assert groups == {"pull request 7": "deploy-prod-plan-7", "main": "deploy-prod-plan-main"}
    assert apply_group not in groups.values()
    assert jobs["apply"]["concurrency"]["cancel-in-progress"] is False


# --- finding 10: Dependabot's pull requests and the required check ------------------------------


def test_dependabots_pull_requests_skip_the_required_plan_and_no_other_does(
    deploy: dict[str, Any],
) -> None:
    plan = deploy["jobs"]["plan"]
    # The check branch protection requires; a job skipped by its `if:` reports success to it.
    assert plan["name"] == "plan (prod)"
    assert not condition_holds(plan.get("if"), _pull_request("dependabot[bot]"))
    planned = {
        "a pull request by a person": _pull_request("alice"),
        "a person's push to Dependabot's branch": _pull_request("alice", author="dependabot[bot]"),
        "a pull request by another bot": _pull_request("renovate[bot]"),
    }
    for why, contexts in planned.items():
        assert condition_holds(plan.get("if"), contexts), f"not planned: {why}"
    assert not condition_holds(plan.get("if"), _pull_request(fork=True)), "forks get no token"


def test_the_plan_of_main_puts_back_code_replaced_by_hand(deploy: dict[str, Any]) -> None:
    """The plan role cannot write the state: the plan job plans with harness.code_drift's
    read-only repair, so the ordinary deploy restores a function whose code was replaced."""
    plan_job = deploy["jobs"]["plan"]
    planners = [argv for argv in _run_commands(plan_job) if argv[: len(THE_PLANNER)] == THE_PLANNER]
    assert len(planners) == 1, f"the plan job should plan through harness.code_drift: {planners}"
    assert not [argv for argv in _run_commands(plan_job) if argv[:2] == ["terraform", "plan"]], (
        "a bare terraform plan leaves code replaced by hand running"
    )
    [step] = [step for step in plan_job["steps"] if _step_plans(step)]
    assert "working-directory" not in step, "python -m harness.code_drift runs from the root"


def test_resources_are_tagged_with_the_commit_that_last_changed_what_is_deployed(
    deploy: dict[str, Any],
) -> None:
    """Decision 18: a commit that changes neither function/ nor terraform/ plans no tag change."""
    plan_job, apply_job = deploy["jobs"]["plan"], deploy["jobs"]["apply"]
    [checkout] = [step for step in plan_job["steps"] if _uses(step, "actions/checkout")]
    assert checkout["with"]["fetch-depth"] == 0, "the commit is found in the history"
    assert THE_DEPLOYED_COMMIT in _run_commands(plan_job)
    assert plan_job["outputs"]["deployed-commit"] == "${{ steps.deployed.outputs.commit }}"
    assert apply_job["env"]["DEPLOYED_COMMIT"] == "${{ needs.plan.outputs.deployed-commit }}"
    plans = _plans(plan_job) + _plans(apply_job)
    assert len(plans) == 2
    assert all("git_commit=${DEPLOYED_COMMIT}" in argv for argv in plans), plans


def test_the_expression_reader_follows_githubs_rules() -> None:
    contexts = {"github": {"actor": "Dependabot[BOT]", "event": {}}, "needs": {}}
    assert evaluate("github.actor == 'dependabot[bot]'", contexts) is True  # case-insensitive
    assert evaluate("github.event.pull_request.number", contexts) is None
    assert evaluate("github.event.pull_request.number || 'main'", contexts) == "main"
    assert evaluate("github.event.missing == ''", contexts) is True  # null and '' are both 0
    assert evaluate("!(1 == 2) && 'x'", contexts) == "x"
    assert not condition_holds("always() && false", contexts)
    assert condition_holds("always()", contexts, status="failure")
    assert not condition_holds("true", contexts, status="failure")  # success() && (...)
    with pytest.raises(ValueError, match="not understood"):
        evaluate("hashFiles('x')", contexts)
