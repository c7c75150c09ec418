"""LocalStack: the same API as MiniStack, in a container. Needs a Docker engine.

Either attach to one you started (`docker compose up -d`, then LOCALSTACK_ENDPOINT=
http://localhost:4566), or let testcontainers start one for the test session.
"""

from __future__ import annotations

import os
from typing import Any

from providers.base import Connection, Target, TargetError

IMAGE = "localstack/localstack:4.4"
REGION = "us-east-1"


class LocalStack(Target):
    name = "localstack"
    terraform_command = "tflocal"
    limitations = (
        (
            "Needs a Docker engine: not available on machines without one (such as this "
            "project's CI machines), where the tests run against MiniStack instead."
        ),
    )

    def __init__(self) -> None:
        self._container: Any = None

    def start(self) -> Connection:
        endpoint = os.environ.get("LOCALSTACK_ENDPOINT")
        if endpoint is None:
            endpoint = self._start_container()
        return Connection(
            region=REGION,
            endpoint_url=endpoint,
            access_key_id="test",
            secret_access_key="test",  # noqa: S106  (LocalStack's fixed test credentials)
            terraform_env={"S3_HOSTNAME": "localhost", "DISABLE_DEPRECATION_NOTICE": "1"},
        )

    def _start_container(self) -> str:
        try:
            from testcontainers.localstack import (  # noqa: PLC0415  (optional dependency)
                LocalStackContainer,
            )
        except ImportError as error:
            raise TargetError(
                "The localstack target needs testcontainers (`pip install "
                "'testcontainers[localstack]'`), or a LocalStack you started yourself: "
                "`docker compose up -d` then LOCALSTACK_ENDPOINT=http://localhost:4566."
            ) from error
        container = LocalStackContainer(image=IMAGE).with_services(
            "s3", "events", "lambda", "iam", "logs", "sts"
        )
        try:
            container.start()
        except Exception as error:
            raise TargetError(
                f"Could not start LocalStack with Docker ({error}). Is a Docker engine running? "
                "Without one, use the default target: --target ministack."
            ) from error
        self._container = container
        url: str = container.get_url()
        return url

    def stop(self) -> None:
        if self._container is not None:
            self._container.stop()
            self._container = None
