"""What every target of the harness offers: an AWS endpoint to deploy to and test against."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import boto3


class TargetError(RuntimeError):
    """A target could not be started or reached. The message says what to do about it."""


@dataclass(frozen=True)
class Connection:
    """How to reach a started target: the endpoint (None for real AWS) and the credentials."""

    region: str
    endpoint_url: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    #: The token of temporary credentials (an assumed role's), with the two above.
    session_token: str | None = None
    # Environment only the Terraform wrapper needs (tflocal's settings).
    terraform_env: dict[str, str] = field(default_factory=dict)
    #: A PEM file of the certificate(s) to trust for a TLS endpoint with a private certificate
    #: (an emulator's self-signed one); None: the system's trust store.
    ca_bundle: str | None = None

    def environment(self) -> dict[str, str]:
        """Variables for child processes (terraform, the AWS CLI) so they reach this target."""
        env = {"AWS_DEFAULT_REGION": self.region, "AWS_REGION": self.region}
        if self.endpoint_url is not None:
            env["AWS_ENDPOINT_URL"] = self.endpoint_url
        if self.access_key_id is not None and self.secret_access_key is not None:
            env["AWS_ACCESS_KEY_ID"] = self.access_key_id
            env["AWS_SECRET_ACCESS_KEY"] = self.secret_access_key
            if self.session_token is not None:
                env["AWS_SESSION_TOKEN"] = self.session_token
        if self.ca_bundle is not None:
            env["AWS_CA_BUNDLE"] = self.ca_bundle  # the aws provider and the AWS CLI honour it
        return env | self.terraform_env

    def session(self) -> boto3.Session:
        """A boto3 session with these credentials; its clients trust `ca_bundle` when one is set."""
        import boto3  # noqa: PLC0415  (imported late: providers must load without boto3 for --help)

        core = None
        if self.ca_bundle is not None:
            import botocore.session  # noqa: PLC0415  (as above)

            # What AWS_CA_BUNDLE would do, for this session only: its clients verify with it.
            core = botocore.session.get_session()
            core.set_config_variable("ca_bundle", self.ca_bundle)
        return boto3.Session(
            region_name=self.region,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            aws_session_token=self.session_token,
            botocore_session=core,
        )


class Target(abc.ABC):
    """An AWS endpoint the harness can deploy the Terraform root to and run the tests against."""

    name: str
    #: The command that runs Terraform against this target ("tflocal" points it at an emulator).
    terraform_command: str = "terraform"
    #: Things this target cannot do that the real AWS does; the tests and README name them.
    limitations: tuple[str, ...] = ()
    #: The environment it stands for unless told otherwise: terraform/envs/<this>.tfvars.
    default_environment: str = "sandbox"
    #: True: the harness deploys the Terraform root here and destroys it (a working copy with
    #: local state). False: it is deployed from terraform/ with its S3 backend (docs/deploy.md),
    #: and the harness only reads, drops files and verifies.
    harness_deploys: bool = True
    #: True: stopping it discards whatever was deployed on it (an emulator the harness runs).
    stop_discards_deployments: bool = False
    #: True: it refuses multipart parts under 5 MiB but the last, as S3 does, so that copies
    #: cannot be tried with small parts.
    enforces_minimum_part_size: bool = False
    #: True: the function runs in processes on this machine and sees its filesystem (a local
    #: emulator's Lambda), so a test can hand it a file or read one it writes.
    runs_functions_on_this_machine: bool = False

    @property
    def description(self) -> str:
        """The target as a person reads it in a progress line."""
        return self.name

    @abc.abstractmethod
    def start(self) -> Connection:
        """Start the target, or attach to a running one, and return how to reach it."""

    @abc.abstractmethod
    def stop(self) -> None:
        """Stop what start() started. Safe to call twice, and when start() failed halfway."""

    def running(self) -> bool:
        """Whether it runs now, so attach() reaches it; a target the harness does not start
        (a real account, a LocalStack you run) always does."""
        return True

    def attach(self) -> Connection:
        """How to reach it as it runs now, starting nothing; TargetError says how to start it."""
        return self.start()

    def __enter__(self) -> Connection:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
