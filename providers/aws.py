"""A real AWS account: opt-in, with the credentials of the environment (AWS_PROFILE and friends).

Test stacks get a unique environment name, so they never collide with a deployment.
"""

from __future__ import annotations

import os

from providers.base import Connection, Target, TargetError


class RealAWS(Target):
    name = "aws"
    terraform_command = "terraform"
    limitations = ()
    default_environment = "dev"
    harness_deploys = False
    enforces_minimum_part_size = True

    def __init__(self, region: str | None = None) -> None:
        self.region = (
            region
            or os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
        )

    def start(self) -> Connection:
        import boto3  # noqa: PLC0415  (only this target needs boto3 at start)
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

        try:
            identity = boto3.Session(region_name=self.region).client("sts").get_caller_identity()
        except (BotoCoreError, ClientError) as error:
            raise TargetError(
                f"No usable AWS credentials ({error}). Set AWS_PROFILE (or the AWS_* variables) "
                "for the account to test in; the aws target is opt-in and never the default."
            ) from error
        if not identity.get("Account"):
            raise TargetError("AWS STS returned no account id for these credentials.")
        return Connection(region=self.region)

    @property
    def description(self) -> str:
        return f"AWS ({self.region})"

    def stop(self) -> None:
        """Nothing to stop: the account outlives the tests (their stacks are destroyed)."""
