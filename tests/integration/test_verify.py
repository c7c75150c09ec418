"""`make verify` passes on a fresh apply and catches every kind of change made by hand."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from harness.checks import Kind, Repairs
from harness.evidence import PAGE_WIDTH, ROW_HEIGHT, console_link, png_size, write_evidence
from harness.pipeline import Pipeline
from harness.stack import Stack
from harness.verify import (
    CODE,
    PROBE,
    Clients,
    PlannedResource,
    Report,
    planned_resources,
    read_back,
    verify,
)
from providers import Connection, Target


@pytest.fixture(scope="module")
def expected_plan(stack: Stack) -> dict[str, Any]:
    """What the configuration says; tampering through the API never changes it."""
    return stack.terraform.plan_json(refresh=False)


def run_verify(
    stack: Stack, target: Target, expected: dict[str, Any], probe: Pipeline | None = None
) -> Report:
    return verify(
        stack,
        target_name=target.name,
        repairs=Repairs.sandbox(),
        probe=probe,
        expected_plan=expected,
    )


def first(resources: list[PlannedResource], resource_type: str) -> PlannedResource:
    return next(resource for resource in resources if resource.type == resource_type)


def client(connection: Connection, service: str) -> Any:
    return connection.session().client(service, endpoint_url=connection.endpoint_url)  # type: ignore[call-overload]


@contextmanager
def versioning_suspended(connection: Connection, resources: list[PlannedResource]) -> Iterator[str]:
    resource = first(resources, "aws_s3_bucket_versioning")
    s3, bucket = client(connection, "s3"), resource.values["bucket"]
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    try:
        yield f"{resource.address} versioning"
    finally:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})


@contextmanager
def tag_changed(connection: Connection, resources: list[PlannedResource]) -> Iterator[str]:
    resource = first(resources, "aws_lambda_function")
    lam, arn = client(connection, "lambda"), resource.values["arn"]
    original = resource.values["tags_all"]["GitCommit"]
    lam.tag_resource(Resource=arn, Tags={"GitCommit": "made-by-hand"})
    try:
        yield f"{resource.address} tag GitCommit"
    finally:
        lam.tag_resource(Resource=arn, Tags={"GitCommit": original})


@contextmanager
def code_replaced(connection: Connection, resources: list[PlannedResource]) -> Iterator[str]:
    resource = first(resources, "aws_lambda_function")
    lam, name = client(connection, "lambda"), resource.values["function_name"]
    original = lam.get_function(FunctionName=name)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("pipesum/handler.py", "def handle(event, context):\n    return None\n")
    lam.update_function_code(FunctionName=name, ZipFile=buffer.getvalue())
    try:
        yield f"{resource.address} {CODE}"
    finally:
        package = Path(resource.values["filename"]).read_bytes()
        lam.update_function_code(FunctionName=name, ZipFile=package)
        assert (
            lam.get_function(FunctionName=name)["Configuration"]["CodeSha256"]
            == (original["Configuration"]["CodeSha256"])
        )


@contextmanager
def policy_widened(connection: Connection, resources: list[PlannedResource]) -> Iterator[str]:
    resource = first(resources, "aws_iam_role_policy")
    iam = client(connection, "iam")
    role, name, original = (resource.values[k] for k in ("role", "name", "policy"))
    widened = json.loads(original)
    widened["Statement"].append(
        {"Sid": "ByHand", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}
    )
    iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(widened))
    try:
        yield f"{resource.address} policy"
    finally:
        iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=original)


@contextmanager
def rule_disabled(connection: Connection, resources: list[PlannedResource]) -> Iterator[str]:
    resource = first(resources, "aws_cloudwatch_event_rule")
    events, name = client(connection, "events"), resource.values["name"]
    events.disable_rule(Name=name)
    try:
        yield f"{resource.address} state"
    finally:
        events.enable_rule(Name=name)


@pytest.fixture(scope="module")
def fresh_report(
    stack: Stack, target: Target, pipeline: Pipeline, expected_plan: dict[str, Any]
) -> Report:
    return run_verify(stack, target, expected_plan, probe=pipeline)


def test_verify_passes_on_a_fresh_apply_with_the_live_probe(fresh_report: Report) -> None:
    report = fresh_report
    assert [line for line in report.lines() if line.startswith("FAIL")] == []
    attributes = {check.attribute for check in report.checks}
    assert CODE in attributes
    assert PROBE in attributes
    assert [check.resource for check in report.checks if check.kind is Kind.UNREADABLE] == []
    # Every resource planned is read back, each with checks of its own.
    assert {check.resource for check in report.checks} >= {r.address for r in report.resources}


TAMPERS = [versioning_suspended, tag_changed, code_replaced, policy_widened, rule_disabled]


@dataclass(frozen=True)
class Tampered:
    """What each tamper changed (by its name), and the one verify run that saw them all."""

    changed: dict[str, str]
    report: Report


@pytest.fixture(scope="module")
def tampered(
    stack: Stack, target: Target, connection: Connection, expected_plan: dict[str, Any]
) -> Tampered:
    """Every change by hand at once, one verify run (a refreshed plan is its dearest part), then
    every change undone."""
    resources = planned_resources(expected_plan)
    with ExitStack() as undone:
        changed = {
            tamper.__name__: undone.enter_context(tamper(connection, resources))
            for tamper in TAMPERS
        }
        report = run_verify(stack, target, expected_plan)
    return Tampered(changed, report)


@pytest.mark.parametrize("tamper", TAMPERS, ids=lambda tamper: tamper.__name__)
def test_verify_names_the_resource_and_attribute_changed_by_hand(
    tampered: Tampered,
    connection: Connection,
    expected_plan: dict[str, Any],
    tamper: Callable[..., Any],
) -> None:
    changed, report = tampered.changed[tamper.__name__], tampered.report
    named = {f"{check.resource} {check.attribute}" for check in report.failures}
    assert changed in named
    lines = list(report.lines())
    failing = [i for i, line in enumerate(lines) if line.startswith("FAIL")]
    assert any(changed.split()[0] in lines[i] for i in failing)
    # Each failure is followed by the command that repairs it.
    assert all(lines[i + 1].startswith("     repair: run `make up`") for i in failing)
    # Undone by hand, the resource reads back as the code says again.
    address = changed.split()[0]
    restored = [r for r in planned_resources(expected_plan) if r.address == address]
    assert [check for check in read_back(restored, Clients(connection)) if not check.ok] == []


def test_evidence_is_written_as_markdown_html_and_a_plausible_png(
    fresh_report: Report, tmp_path: Path
) -> None:
    written = write_evidence(fresh_report, tmp_path, region=None)
    markdown = written["markdown"].read_text()
    assert f"`{fresh_report.commit}`" in markdown
    assert "module.function.aws_lambda_function.this" in markdown
    page = written["html"].read_text()
    # Self-contained: no scripts, styles or images fetched; no console links off a real account.
    for outside in ("<script", "<link", "src=", "@import", "console.aws.amazon.com"):
        assert outside not in page
    width, height = png_size(written["png"])
    assert width == PAGE_WIDTH
    assert height >= 220 + ROW_HEIGHT * len(fresh_report.resources)
    assert written["png"].stat().st_size > 20_000  # a rendered table, not a blank page


def test_console_links_point_at_each_resource_on_a_real_account(fresh_report: Report) -> None:
    function = next(r for r in fresh_report.resources if r.type == "aws_lambda_function")
    link = console_link(function, "eu-west-1")
    assert link == (
        "https://eu-west-1.console.aws.amazon.com/lambda/home?region=eu-west-1#/functions/"
        + function.values["function_name"]
    )
