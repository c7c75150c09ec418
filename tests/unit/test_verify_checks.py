"""Every check of `make verify` can fail, checks each fact once, and names its repair.

Each reader gets API answers that match the plan (tests/unit/verify_readbacks.py) and passes; then
the answers are changed one thing at a time (a value, a key dropped, an entry added), and every
check the reader makes must fail on at least one of those changes: a check that compares a value
with itself, or reads nothing the API says, cannot pass this test.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest
from botocore.exceptions import ClientError

from harness.checks import Check, Checks, DuplicateCheck, Kind, Repairs
from harness.drift import PlannedChange
from harness.pipeline import Outcome, OutcomeTimeout, Pipeline
from harness.readers import READERS, Clients, PlannedResource, read_back
from harness.readers.base import reads
from harness.verify import CODE, PROBE, PROBE_OUTPUT, Report, run_checks
from tests.unit.verify_readbacks import CASES, FUNCTION, PACKAGE_SHA256

Answers = dict[str, dict[str, Any]]


class FakeService:
    """A boto3 client that answers each operation with a canned answer (or raises it)."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self._answers = answers

    def __getattr__(self, operation: str) -> Callable[..., Any]:
        answer = self._answers[operation]

        def call(**_parameters: object) -> Any:
            if isinstance(answer, Exception):
                raise answer
            return copy.deepcopy(answer)

        return call


def clients(answers: Answers) -> Clients:
    services = {name: FakeService(operations) for name, operations in answers.items()}
    return cast(Clients, type("FakeClients", (), services)())


def client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, "Operation")


def variants(value: Any) -> Iterator[Any]:
    """Every answer that differs from `value` in one thing."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield {name: kept for name, kept in value.items() if name != key}
            for changed in variants(item):
                yield {**value, key: changed}
        yield {**value, "AddedByHand": "yes"}
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield value[:index] + value[index + 1 :]
            for changed in variants(item):
                yield [*value[:index], changed, *value[index + 1 :]]
        yield [*value, next(variants(value[-1]), None) if value else "added-by-hand"]
    elif isinstance(value, bool):
        yield not value
    elif isinstance(value, int | float):
        yield value + 1
    elif isinstance(value, str) and value.isdigit():
        yield str(int(value) + 1)
    elif isinstance(value, str) and value.startswith(("{", "[")):
        yield from (json.dumps(changed) for changed in variants(json.loads(value)))
    elif isinstance(value, str):
        yield value + "-changed"
    else:
        yield "changed"


def checks_of(resource: PlannedResource, answers: Answers) -> Checks:
    return read_back([resource], clients(answers))


@pytest.mark.parametrize(("resource", "answers"), CASES, ids=lambda case: getattr(case, "type", ""))
def test_a_read_back_equal_to_the_plan_passes(resource: PlannedResource, answers: Answers) -> None:
    checks = list(checks_of(resource, answers))
    assert checks
    assert [check for check in checks if not check.ok] == []


@pytest.mark.parametrize(("resource", "answers"), CASES, ids=lambda case: getattr(case, "type", ""))
def test_every_check_fails_on_some_read_back_that_differs(
    resource: PlannedResource, answers: Answers
) -> None:
    every = {check.key for check in checks_of(resource, answers)}
    failed: set[tuple[str, str]] = set()
    for changed in variants(answers):
        if set(changed) != set(answers) or any(
            set(changed[service]) != set(answers[service]) for service in answers
        ):
            continue  # a client or an operation gone: not an answer the API gives
        try:
            checks = checks_of(resource, changed)
        except (KeyError, IndexError, TypeError, AttributeError):
            continue  # a member AWS always returns, dropped: not an answer the API gives
        failed |= {check.key for check in checks if not check.ok}
    assert sorted(every - failed) == []


def test_every_reader_has_a_case() -> None:
    assert sorted({resource.type for resource, _answers in CASES}) == sorted(READERS)


def test_an_environment_variable_the_plan_does_not_have_fails() -> None:
    resource, answers = copy.deepcopy(FUNCTION)
    answers["awslambda"]["get_function"]["Configuration"]["Environment"]["Variables"]["DEBUG"] = "1"
    [failed] = [check for check in checks_of(resource, answers) if not check.ok]
    assert (failed.attribute, failed.kind) == ("environment", Kind.CONFIGURATION)
    assert Repairs.sandbox().of(failed) == "run `make up`: it applies this commit's configuration"


def test_a_fact_checked_twice_is_refused() -> None:
    checks = Checks()
    checks.add(Check("aws_s3_bucket.this", "region", "eu-west-1", "eu-west-1"))
    with pytest.raises(DuplicateCheck, match=r"aws_s3_bucket\.this region is checked twice"):
        checks.add(Check("aws_s3_bucket.this", "region", "eu-west-1", "us-east-1"))
    assert len(checks) == 1


def test_a_reader_that_checks_a_fact_twice_is_refused() -> None:
    @reads("aws_test_twice")
    def _twice(resource: PlannedResource, _clients: Clients) -> Iterator[Check]:
        yield Check(resource.address, "name", "a", "a")
        yield Check(resource.address, "name", "a", "a")

    try:
        with pytest.raises(DuplicateCheck):
            read_back([PlannedResource("aws_test_twice.this", "aws_test_twice", {})], clients({}))
    finally:
        del READERS["aws_test_twice"]


def test_a_type_without_a_reader_fails_and_says_where_to_add_one() -> None:
    [check] = read_back([PlannedResource("aws_foo.this", "aws_foo", {})], clients({}))
    assert (check.ok, check.kind, check.expected) == (
        False,
        Kind.UNREADABLE,
        "a reader for aws_foo",
    )
    assert "add a reader for this resource type to harness/readers/" in Repairs.sandbox().of(check)


@pytest.mark.parametrize(
    ("code", "repair"),
    [
        ("NoSuchBucket", "run `make up`: it creates the resource again"),
        (
            "AccessDenied",
            "run `make verify TARGET=aws ENV=prod` with credentials allowed to read this resource",
        ),
    ],
)
def test_a_resource_the_api_will_not_read_fails_with_its_error(code: str, repair: str) -> None:
    resource, _answers = CASES[1]  # versioning
    [check] = checks_of(resource, {"s3": {"get_bucket_versioning": client_error(code)}})
    assert (check.ok, check.kind, check.found) == (False, Kind.READ_ERROR, code)
    repairs = Repairs.sandbox() if code == "NoSuchBucket" else Repairs.aws("prod")
    assert repairs.of(check) == repair


class FakePipeline:
    def __init__(self, output: bytes | None) -> None:
        self.output, self.removed = output, []

    def drop(self, key: str, body: bytes) -> None:
        self.dropped = (key, body)

    def wait_for_outcome(self, key: str, *, timeout: float, since: float) -> Outcome:  # noqa: ARG002
        if self.output is None:
            raise OutcomeTimeout(f"no output for {key} after {timeout} s: function invoked")
        return Outcome("output", key, self.output)

    def remove(self, key: str) -> None:
        self.removed.append(key)


def engine_checks(
    *,
    changes: list[PlannedChange] = [],  # noqa: B006  (never mutated)
    deployed_sha256: str = PACKAGE_SHA256,
    probe: FakePipeline | None = None,
) -> Checks:
    resource, answers = copy.deepcopy(FUNCTION)
    answers["awslambda"]["get_function_configuration"] = {"CodeSha256": deployed_sha256}
    return run_checks(
        [resource],
        clients(answers),
        changes=changes,
        package_sha256=PACKAGE_SHA256,
        probe=cast(Pipeline, probe),
    )


def failed(checks: Checks) -> list[Check]:
    return [check for check in checks if not check.ok]


def test_the_engine_passes_when_plan_code_and_probe_agree() -> None:
    probe = FakePipeline(PROBE_OUTPUT)
    checks = engine_checks(probe=probe)
    assert failed(checks) == []
    assert probe.removed == [probe.dropped[0]]


def test_a_planned_change_fails_as_drift() -> None:
    change = PlannedChange("aws_sqs_queue.dlq", "aws_sqs_queue", ("update",), frozenset({"policy"}))
    [check] = failed(engine_checks(changes=[change]))
    assert (check.key, check.kind) == (("terraform plan", "changes"), Kind.DRIFT)
    assert check.found == ["aws_sqs_queue.dlq: update [policy]"]


def test_code_other_than_this_commits_package_fails_once() -> None:
    checks = engine_checks(deployed_sha256="c29tZXRoaW5nIGVsc2U=")
    [check] = failed(checks)
    assert (check.attribute, check.kind) == (CODE, Kind.CODE)
    assert [c.attribute for c in checks if "CodeSha256" in c.attribute] == [CODE]
    assert Repairs.sandbox().of(check) == (
        "run `make up`: it deploys the package built from this commit"
    )
    assert Repairs.aws("prod").of(check) == (
        "run `make deploy-plan deploy-apply ENV=prod`: "
        "it deploys the package built from this commit"
    )


@pytest.mark.parametrize("output", [b"probe|check\n20|22\n41\n", None])
def test_a_probe_without_the_right_output_fails(output: bytes | None) -> None:
    probe = FakePipeline(output)
    [check] = failed(engine_checks(probe=probe))
    assert (check.attribute, check.kind) == (PROBE, Kind.PROBE)
    assert probe.removed == [probe.dropped[0]]
    assert Repairs.aws("dev").of(check) == (
        "`make logs TARGET=aws ENV=dev` shows what the function did; once the cause is fixed, "
        "`make deploy-plan deploy-apply ENV=dev` deploys this commit"
    )


def test_every_kind_has_a_repair_on_each_target() -> None:
    for repairs, apply in (
        (Repairs.sandbox(), "make up"),
        (Repairs.sandbox("ministack"), "make up TARGET=ministack"),
        (Repairs.aws("prod"), "make deploy-plan deploy-apply ENV=prod"),
    ):
        for kind in Kind:
            repair = repairs.of(Check("r", "a", 1, 2, kind))
            assert ("harness/readers/" if kind is Kind.UNREADABLE else apply) in repair


def test_the_sandbox_of_another_emulator_is_named_in_every_command() -> None:
    repairs = Repairs.sandbox("ministack")

    assert (repairs.plan, repairs.logs, repairs.verify) == (
        "TARGET=ministack ./tflocal.sh plan",
        "make logs TARGET=ministack",
        "make verify TARGET=ministack",
    )


def test_the_report_prints_each_failure_with_its_repair_and_counts_distinct_checks() -> None:
    resource, _answers = FUNCTION
    checks = engine_checks(deployed_sha256="c29tZXRoaW5nIGVsc2U=")
    report = Report(
        "ministack", "us-east-1", "0123456789abcdef", checks, [resource], Repairs.sandbox()
    )
    lines = list(report.lines())
    fail = next(index for index, line in enumerate(lines) if line.startswith("FAIL"))
    assert lines[fail + 1] == (
        "     repair: run `make up`: it deploys the package built from this commit"
    )
    assert sum(line.startswith(("ok", "FAIL")) for line in lines) == len(checks)
    assert lines[-1] == (
        f"verify: {len(checks)} checks on 1 resources of ministack at commit 0123456789ab: 1 failed"
    )
