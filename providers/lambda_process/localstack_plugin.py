"""LocalStack's `process` runtime executor: each execution environment a `ProcessEnvironment`.

Registered in the entry-point group `localstack.lambda.runtime_executor` and chosen with
LAMBDA_RUNTIME_EXECUTOR=process; LAMBDA_PROCESS_PYTHON names the interpreter of the functions'
runtime (python3.13, with awslambdaric). LocalStack decides everything around an environment as it
does for its Docker executor: how many run at once (concurrency, reserved concurrency), which warm
one an invocation gets, when one is retired (idle, or its function's code or configuration changed)
and stopping them all at shutdown. Runs only inside LocalStack's process.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import Any

from localstack import config
from localstack.services.lambda_.invocation.executor_endpoint import StatusErrorException
from localstack.services.lambda_.invocation.lambda_models import FunctionVersion, InvocationResult
from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin
from localstack.services.lambda_.invocation.runtime_executor import (
    LambdaRuntimeException,
    RuntimeExecutor,
)

from .environment import FunctionSpec, InitFailed, ProcessEnvironment
from .runtime_api import Invocation

LOG = logging.getLogger(__name__)
PYTHON_VARIABLE = "LAMBDA_PROCESS_PYTHON"
LOOPBACK = "127.0.0.1"


def runtime_python() -> Path:
    value = os.environ.get(PYTHON_VARIABLE, "")
    if not value or not Path(value).is_file():
        raise LambdaRuntimeException(
            f"{PYTHON_VARIABLE} must name the Python of the functions' runtime (with awslambdaric "
            f"installed); it is {value!r}."
        )
    return Path(value)


class ProcessRuntimeExecutor(RuntimeExecutor):
    def __init__(self, id: str, function_version: FunctionVersion) -> None:  # noqa: A002
        super().__init__(id=id, function_version=function_version)
        self.work_dir = Path(config.dirs.tmp) / "lambda-process" / id
        self.environment: ProcessEnvironment | None = None

    def start(self, env_vars: dict[str, str]) -> None:
        version_config = self.function_version.config
        spec = FunctionSpec(
            handler=version_config.handler,
            code_dir=Path(version_config.code.get_unzipped_code_location()),
            python=runtime_python(),
            timeout_seconds=int(version_config.timeout),
            memory_size_mb=int(version_config.memory_size),
            runtime=str(version_config.runtime),
            version=self.function_version.id.qualifier,
        )
        variables = {name: str(value) for name, value in env_vars.items()}
        self.environment = ProcessEnvironment(spec, variables, self.work_dir)
        try:
            self.environment.start(float(config.LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT))
        except InitFailed as failed:
            LOG.warning("Environment %s did not start: %s\n%s", self.id, failed, failed.logs)
            raise StatusErrorException(str(failed), payload=failed.payload) from failed

    def stop(self) -> None:
        environment, self.environment = self.environment, None
        if environment is not None:
            environment.stop()
        shutil.rmtree(self.work_dir, ignore_errors=True)

    def get_address(self) -> str:
        return LOOPBACK

    def get_endpoint_from_executor(self) -> str:
        return LOOPBACK

    def get_runtime_endpoint(self) -> str:
        return f"http://{LOOPBACK}:{config.GATEWAY_LISTEN[0].port}/_localstack_lambda/{self.id}"

    def invoke(self, payload: dict[str, Any]) -> InvocationResult:
        if self.environment is None:
            raise LambdaRuntimeException(f"Environment {self.id} is not started.")
        outcome = self.environment.invoke(
            Invocation(
                request_id=payload["invoke-id"],
                payload=str(payload["payload"]).encode(),
                function_arn=payload["invoked-function-arn"],
                trace_id=payload.get("trace-id", ""),
            )
        )
        return InvocationResult(
            payload["invoke-id"], outcome.payload, is_error=outcome.is_error, logs=outcome.logs
        )

    def get_logs(self) -> str:
        return self.environment.logs() if self.environment is not None else ""

    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        runtime = str(function_version.config.runtime or "")
        if not runtime.startswith("python3"):
            raise LambdaRuntimeException(
                f"The process executor runs Python runtimes only, not {runtime or 'images'}."
            )
        runtime_python()
        if function_version.config.code:
            function_version.config.code.prepare_for_execution()

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        """Nothing to undo: the unzipped code is LocalStack's to remove."""

    @classmethod
    def validate_environment(cls) -> bool:
        try:
            runtime_python()
        except LambdaRuntimeException as error:
            LOG.warning("%s", error)
            return False
        return True


class ProcessRuntimeExecutorPlugin(RuntimeExecutorPlugin):
    name = "process"

    def load(self, *_args: object, **_kwargs: object) -> type[ProcessRuntimeExecutor]:
        return ProcessRuntimeExecutor
