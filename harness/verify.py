"""`make verify`: prove that what is deployed is what the code says.

The expected values are the configuration's, as Terraform plans them without refreshing
(`plan -refresh=false`: the code applied to the recorded state, blind to changes made by hand);
the found values come from the AWS API, never from Terraform (the readers of harness/readers/).
On top of those: `terraform plan` must find nothing to change, the function's code must be the
zip built from this checkout, and a file dropped in must come out summed. Every failed check says
the command that repairs it on the target verified.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from harness.checks import Check, Checks, Kind, Repairs
from harness.drift import PlannedChange
from harness.package import code_sha256
from harness.pipeline import OutcomeTimeout, Pipeline
from harness.reach import add_target_arguments, reach
from harness.readers import Clients, PlannedResource, planned_resources, read_back
from harness.readers.base import error_code
from harness.stack import Stack
from harness.terraform import TerraformError
from providers import TARGET_NAMES
from providers.base import TargetError

__all__ = [
    "Check",
    "Clients",
    "PlannedResource",
    "Report",
    "planned_resources",
    "read_back",
    "run_checks",
    "verify",
]

DRIFT = ("terraform plan", "changes")
CODE = "code (CodeSha256 = zip built from this commit)"
PROBE = "live probe: output of a dropped file"


def run_checks(
    resources: list[PlannedResource],
    clients: Clients,
    *,
    changes: list[PlannedChange],
    package_sha256: str,
    probe: Pipeline | None,
) -> Checks:
    """Every check of verify: each resource read back, the plan's changes, the code, the probe."""
    checks = read_back(resources, clients)
    checks.add(Check(*DRIFT, [], [change.describe() for change in changes], Kind.DRIFT))
    function = next(r for r in resources if r.type == "aws_lambda_function")
    try:
        deployed = clients.awslambda.get_function_configuration(
            FunctionName=function.values["function_name"]
        ).get("CodeSha256")
    except ClientError as error:
        deployed = error_code(error)
    checks.add(Check(function.address, CODE, package_sha256, deployed, Kind.CODE))
    if probe is not None:
        checks.add(live_probe(probe, function.address))
    return checks


@dataclass(frozen=True)
class Report:
    target: str
    region: str
    commit: str
    checks: Checks
    resources: list[PlannedResource]
    repairs: Repairs
    #: The region of the AWS console where the resources can be looked at; None off AWS.
    console_region: str | None = None

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]

    def lines(self) -> Iterator[str]:
        width = max((len(check.resource) for check in self.checks), default=10)
        for check in self.checks:
            mark = "ok  " if check.ok else "FAIL"
            yield (
                f"{mark} {check.resource:<{width}}  {check.attribute}: "
                f"expected {_short(check.expected)}, found {_short(check.found)}"
            )
            if not check.ok:
                yield f"     repair: {self.repairs.of(check)}"
        yield (
            f"verify: {len(self.checks)} checks on {len(self.resources)} resources of "
            f"{self.target} at commit {self.commit[:12]}: {len(self.failures)} failed"
        )


def _short(value: object, limit: int = 120) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def verify(
    stack: Stack,
    *,
    target_name: str,
    repairs: Repairs,
    probe: Pipeline | None = None,
    expected_plan: Mapping[str, Any] | None = None,
) -> Report:
    """Every check of `make verify` on a prepared stack.

    `expected_plan` (the configuration's planned values) can be passed in when it is known not
    to have changed, to save a plan.
    """
    if expected_plan is None:
        expected_plan = stack.terraform.plan_json(refresh=False)
    resources = planned_resources(expected_plan)
    checks = run_checks(
        resources,
        Clients(stack.connection),
        changes=stack.drift(),
        package_sha256=code_sha256(stack.zip_path),
        probe=probe,
    )
    commit = str(stack.variables["git_commit"])
    on_aws = stack.connection.endpoint_url is None
    return Report(
        target_name,
        stack.connection.region,
        commit,
        checks,
        resources,
        repairs,
        console_region=stack.connection.region if on_aws else None,
    )


PROBE_INPUT = b"probe|check\n20|22\n"
PROBE_OUTPUT = PROBE_INPUT + b"42\n"


def live_probe(pipeline: Pipeline, resource: str, timeout: float = 60.0) -> Check:
    """Drop a uniquely named file, wait for its output, compare, remove both."""
    key = f"verify-probe-{uuid.uuid4().hex[:12]}.txt"
    dropped_at = time.time()
    pipeline.drop(key, PROBE_INPUT)
    try:
        outcome = pipeline.wait_for_outcome(key, timeout=timeout, since=dropped_at)
        found: object = outcome.body.decode(errors="replace")
    except OutcomeTimeout as timeout_error:
        found = str(timeout_error)
    finally:
        pipeline.remove(key)
    return Check(resource, PROBE, PROBE_OUTPUT.decode(), found, Kind.PROBE)


def report_for(args: argparse.Namespace) -> Report | None:
    """Verify the stack `--target` and `--var-file` name; None (the reason printed) when the
    target or its stack can't be reached."""
    try:
        reached = reach(args.target, args.var_file)
        reached.stack.prepare()
        return verify(
            reached.stack,
            target_name=f"{reached.target.description} ({reached.environment})",
            repairs=(
                Repairs.sandbox(reached.target.name)
                if reached.target.harness_deploys
                else Repairs.aws(reached.environment)
            ),
            probe=Pipeline(reached.outputs(), reached.connection) if not args.no_probe else None,
        )
    except (TargetError, TerraformError) as error:
        print(f"error: {error}")
        return None


def arguments(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--no-probe", action="store_true", help="skip the live probe")
    add_target_arguments(parser, TARGET_NAMES)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = arguments("Prove the deployment is what the code says.").parse_args(argv)
    report = report_for(args)
    if report is None:
        return 1
    for line in report.lines():
        print(line)
    return 0 if not report.failures else 1


if __name__ == "__main__":
    sys.exit(main())
