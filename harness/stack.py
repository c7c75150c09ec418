"""One deployment of the Terraform root onto a target: deploy, read its outputs, check, destroy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from harness.code_drift import apply_plan, plan_this_commit, record_deployed_code
from harness.commits import deployed_commit
from harness.drift import PlannedChange, planned_changes
from harness.package import DEFAULT_OUTPUT, build_zip, code_sha256
from harness.served_provider import installed_provider, served_provider
from harness.terraform import TERRAFORM_ROOT, Terraform, TerraformError, sync_workdir
from providers.base import Connection, Target

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef


#: The variables of the emulator's environment (relative to terraform/), which the sandbox and
#: the test stacks stand for.
SANDBOX_VAR_FILE = Path("envs/sandbox.tfvars")


@dataclass(frozen=True)
class StackOutputs:
    """The Terraform outputs the harness and the tests read; never hard-coded names."""

    source_bucket: str
    destination_bucket: str
    function_name: str
    log_group: str
    event_rule: str
    region: str
    #: The two failure queues: the rule target's DLQ, and the function's on-failure destination.
    event_dlq_url: str
    function_failure_queue_url: str

    @classmethod
    def from_terraform(cls, outputs: dict[str, str]) -> StackOutputs:
        return cls(
            source_bucket=outputs["source_bucket_name"],
            destination_bucket=outputs["destination_bucket_name"],
            function_name=outputs["lambda_function_name"],
            log_group=outputs["lambda_log_group_name"],
            event_rule=outputs["event_rule_name"],
            region=outputs["region"],
            event_dlq_url=outputs["event_dlq_url"],
            function_failure_queue_url=outputs["function_failure_queue_url"],
        )


class Stack:
    def __init__(  # noqa: PLR0913  (keyword-only settings of one deployment)
        self,
        connection: Connection,
        *,
        workdir: Path,
        terraform_command: str,
        environment: str,
        local_backend: bool,
        throwaway: bool,
        zip_path: Path = DEFAULT_OUTPUT,
        var_file: Path | None = None,
        extra_variables: dict[str, object] | None = None,
    ) -> None:
        """`var_file`: the variable file of the environment this stack stands for (relative to
        terraform/, such as envs/dev.tfvars); `environment` and `extra_variables` override it."""
        self.workdir = workdir
        self.zip_path = zip_path
        self.var_file = var_file
        self.local_backend = local_backend
        self.connection = connection
        # A throwaway stack's emulator is gone when a failed deploy is looked into: the
        # provider's log of every request is what is left of it.
        debug_log = workdir / "terraform-debug.log" if throwaway else None
        self.terraform = Terraform(
            workdir, connection.environment(), terraform_command, debug_log=debug_log
        )
        self.variables: dict[str, object] = {
            "environment": environment,
            "region": connection.region,
            "lambda_zip_path": str(zip_path.resolve()),
            "git_commit": deployed_commit(),
            "force_destroy_buckets": throwaway,
        } | (extra_variables or {})

    @classmethod
    def deployed_from_root(cls, connection: Connection, *, var_file: Path) -> Stack:
        """The stack of a real environment: terraform/ itself, initialised with its backend.

        Nothing is copied or initialised: `terraform init -backend-config=envs/ENV.s3.tfbackend`
        was run by whoever deployed; plans get the environment's variable file and this commit.
        """
        stack = cls(
            connection,
            workdir=TERRAFORM_ROOT,
            terraform_command="terraform",
            environment="(from the variable file)",
            local_backend=False,
            throwaway=False,
        )
        stack.in_place = True
        stack.terraform.variable_args = (
            f"-var-file={var_file}",
            f"-var=git_commit={stack.variables['git_commit']}",
        )
        return stack

    in_place = False

    @classmethod
    def working_copy(
        cls,
        target: Target,
        connection: Connection,
        workdir: Path,
        *,
        environment: str,
        var_file: Path | None = SANDBOX_VAR_FILE,
        extra_variables: dict[str, object] | None = None,
    ) -> Stack:
        """This checkout on a target the harness deploys to: a copy of terraform/ in
        workdir/terraform with local state, its package in workdir/function.zip, buckets that
        are destroyed with what they hold."""
        return cls(
            connection,
            workdir=workdir / "terraform",
            terraform_command=target.terraform_command,
            environment=environment,
            local_backend=True,
            throwaway=True,
            zip_path=workdir / "function.zip",
            var_file=var_file,
            extra_variables=extra_variables,
        )

    def prepare(self) -> None:
        """Build the package and lay out an initialised working directory, without applying."""
        build_zip(self.zip_path)
        if self.in_place:
            return  # terraform/ itself: never overwritten, initialised by the deployer
        sync_workdir(self.workdir, local_backend=self.local_backend)
        self.terraform.write_vars(self.variables, environment_file=self.var_file)
        self.terraform.init()

    def apply(self, say: Callable[[str], object] = lambda _: None) -> None:
        """Plan this commit and apply it; code replaced by hand is replaced (harness/code_drift.py),
        and `say` is told so. A working copy with no state yet has nothing deployed to drift:
        it is applied at once, without a plan and its reading first."""
        if self.local_backend and not (self.workdir / "terraform.tfstate").exists():
            self.terraform.apply()
            return
        drift = plan_this_commit(self.terraform)
        if drift is not None:
            say(f"- {drift.describe()}")
        apply_plan(self.terraform)

    def deploy_function(self) -> str:
        """This working tree's function on the deployed stack, in place: the package rebuilt and
        uploaded (UpdateFunctionCode) when the function runs other code, and the state made to
        record it, as the code-drift path does (harness/code_drift.py), so the next plan finds
        nothing to change in the code. The function's configuration is left as it is: `make up`
        deploys the rest. Returns what it did."""
        build_zip(self.zip_path)
        packaged = code_sha256(self.zip_path)
        name = self.outputs().function_name
        functions: LambdaClient = self.connection.session().client(
            "lambda", endpoint_url=self.connection.endpoint_url
        )
        deployed = functions.get_function_configuration(FunctionName=name)["CodeSha256"]
        if deployed == packaged:
            return f"{name} runs this working tree's function already (sha256 {packaged})"
        functions.update_function_code(FunctionName=name, ZipFile=self.zip_path.read_bytes())
        functions.get_waiter("function_updated_v2").wait(
            FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
        )
        record_deployed_code(self.terraform, packaged)
        return f"{name} updated in place to this working tree's function (sha256 {packaged})"

    @contextmanager
    def one_provider(self) -> Iterator[None]:
        """The block's Terraform commands all reach one provider process, started here in their
        environment, rather than each starting its own (harness/served_provider.py): on an
        emulator, the larger part of a plan's CPU. For an initialised working copy.

        Not on a target that needs a CA bundle: the aws provider (5.100.0) fails the second
        configuration of one process when AWS_CA_BUNDLE is set ("unable to add custom RootCAs
        HTTPClient"), so its commands start their own; elsewhere the variable is left out (a
        system bundle it may name is what the provider trusts without it)."""
        if self.connection.ca_bundle is not None:
            yield
            return
        executable = installed_provider(self.workdir / ".terraform")
        log = self.workdir / "terraform-provider.log"
        env = {k: v for k, v in self.terraform.process_env().items() if k != "AWS_CA_BUNDLE"}
        with served_provider(executable, log, env) as served:
            self.terraform.served = served
            try:
                yield
            finally:
                self.terraform.served = None

    def outputs(self) -> StackOutputs:
        return StackOutputs.from_terraform(self.terraform.outputs())

    def drift(self) -> list[PlannedChange]:
        """What `terraform plan` would change now: every change is drift, none is excused."""
        return planned_changes(self.terraform.plan_json())

    def destroy(self) -> None:
        """Empty the buckets through the S3 API, then `terraform destroy`.

        Emptying first matters on MiniStack: it ignores ListObjectVersions' EncodingType=url, so
        the provider's force_destroy mis-decodes keys holding '+' or '%' and retries forever.
        """
        if (self.workdir / "terraform.tfstate").exists():
            try:
                outputs = self.outputs()
            except TerraformError:
                outputs = None  # nothing was applied far enough to have outputs
            if outputs is not None:
                for bucket in (outputs.source_bucket, outputs.destination_bucket):
                    empty_bucket(self.connection, bucket)
        self.terraform.destroy()


@contextmanager
def throwaway_stack(
    target: Target,
    connection: Connection,
    workdir: Path,
    *,
    environment: str,
    var_file: Path | None = SANDBOX_VAR_FILE,
    extra_variables: dict[str, object] | None = None,
) -> Iterator[Stack]:
    """This checkout deployed on `target` under `workdir` (a copy of terraform/ with local state,
    its own package), yielded deployed, and destroyed on leaving, whatever happened inside
    (unless the target stopped running meanwhile: an emulator that is gone holds nothing).

    State an earlier run left in `workdir` is removed first: it describes another deployment.
    """
    for stale in (workdir / "terraform").glob("terraform.tfstate*"):
        stale.unlink()
    stack = Stack.working_copy(
        target,
        connection,
        workdir,
        environment=environment,
        var_file=var_file,
        extra_variables=extra_variables,
    )
    stack.prepare()
    with stack.one_provider():
        try:
            stack.apply()
            yield stack
        finally:
            if target.running():
                stack.destroy()


def empty_bucket(connection: Connection, bucket: str) -> None:
    """Delete every object version and delete marker of `bucket`; a missing bucket is empty."""
    s3: S3Client = connection.session().client("s3", endpoint_url=connection.endpoint_url)
    try:
        pages = list(s3.get_paginator("list_object_versions").paginate(Bucket=bucket))
    except s3.exceptions.NoSuchBucket:
        return
    for page in pages:
        doomed: list[ObjectIdentifierTypeDef] = [
            {"Key": item["Key"], "VersionId": item["VersionId"]}
            for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
        ]
        if doomed:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": doomed, "Quiet": True})
