"""LocalStack yours or in a container: the localstack target at LOCALSTACK_ENDPOINT, or on Docker.

The localstack target runs LocalStack in one of three ways (`providers.make_target` chooses):
- LOCALSTACK_ENDPOINT set: attach to the LocalStack you run (`docker compose up -d`, then
  LOCALSTACK_ENDPOINT=http://localhost:4566); its Lambda runs functions in Docker containers;
- LOCALSTACK_MODE=container: testcontainers starts the same image for the test session (`make
  localstack-tc`; needs a Docker engine);
- otherwise: LocalStack as a local process (providers/localstack_process.py), no Docker at all.
docker-compose.yml and the container started here run the same image with the same services and
settings; tests/unit/test_localstack_path.py holds the two to each other and to what terraform/
creates.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from providers.base import Connection, Target, TargetError
from providers.terraform_services import SERVICES

# The last LocalStack image that starts without an account (released 2026-02-26). LocalStack
# ended its free community image on 2026-03-23: every later image (2026.03.0 on) exits at start
# unless LOCALSTACK_AUTH_TOKEN holds the auth token of a LocalStack account.
VERSION = "4.14.0"
IMAGE = f"localstack/localstack:{VERSION}"
AUTH_TOKEN_VARIABLE = "LOCALSTACK_AUTH_TOKEN"  # noqa: S105  (a variable's name, not a token)
REGION = "us-east-1"
EDGE_PORT = 4566
# Published on loopback only: the container can start containers through the Docker socket.
HOST_IP = "127.0.0.1"
DEFAULT_ENDPOINT = f"http://localhost:{EDGE_PORT}"
HEALTH_PATH = "/_localstack/health"
DOCKER_SOCKET = "/var/run/docker.sock"
# Lambda functions run in sibling containers that LocalStack starts through the Docker socket.
CONTAINER_ENVIRONMENT: Mapping[str, str] = {"DOCKER_HOST": f"unix://{DOCKER_SOCKET}"}

INSTALL_HINT = (
    "The localstack target starts LocalStack with testcontainers, which is not installed: "
    "`.venv/bin/pip install -r requirements/localstack.txt`. Or run LocalStack yourself: "
    f"`docker compose up -d`, then LOCALSTACK_ENDPOINT={DEFAULT_ENDPOINT}."
)

YOURS_HINT = (
    "TARGET=localstack uses a LocalStack you run: `docker compose up -d`, then "
    f"`LOCALSTACK_ENDPOINT={DEFAULT_ENDPOINT} make up TARGET=localstack`."
)


def container_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The container's variables besides SERVICES: the fixed ones, and the auth token if set."""
    environment = dict(CONTAINER_ENVIRONMENT)
    token = environ.get(AUTH_TOKEN_VARIABLE, "")
    if token:
        environment[AUTH_TOKEN_VARIABLE] = token
    return environment


# What every way of running it shares.
LIMITATIONS = (
    (
        f"LocalStack {VERSION} is the last release that starts without an account; a newer "
        f"one needs {AUTH_TOKEN_VARIABLE}."
    ),
)


def connection_to(endpoint: str) -> Connection:
    """How the harness and Terraform reach a LocalStack at `endpoint`."""
    return Connection(
        region=REGION,
        endpoint_url=endpoint,
        access_key_id="test",
        secret_access_key="test",  # noqa: S106  (LocalStack's fixed test credentials)
        # tflocal: path-style S3 on loopback; no nag about its successor.
        terraform_env={"S3_HOSTNAME": "localhost", "DISABLE_DEPRECATION_NOTICE": "1"},
    )


class LocalStack(Target):
    name = "localstack"
    terraform_command = "tflocal"
    enforces_minimum_part_size = True
    limitations = (
        *LIMITATIONS,
        "Lambda runs functions in Docker containers: a Docker engine is needed.",
    )

    def __init__(self, *, may_start_container: bool = True) -> None:
        """`may_start_container`: without LOCALSTACK_ENDPOINT, start one with testcontainers
        (it lives as long as this process); False: only ever attach to yours (the sandbox's)."""
        self.may_start_container = may_start_container
        self._container: Any = None

    def start(self) -> Connection:
        endpoint = os.environ.get("LOCALSTACK_ENDPOINT")
        if endpoint is None and not self.may_start_container:
            raise TargetError(YOURS_HINT)
        if endpoint is None:
            endpoint = self._start_container()
        return connection_to(endpoint)

    @property
    def description(self) -> str:
        return f"LocalStack at {os.environ.get('LOCALSTACK_ENDPOINT', 'a container of its own')}"

    def attach(self) -> Connection:
        if not os.environ.get("LOCALSTACK_ENDPOINT"):
            raise TargetError(YOURS_HINT)
        return self.start()

    def _start_container(self) -> str:
        try:
            from testcontainers.community.localstack import (  # noqa: PLC0415  (optional dependency)
                LocalStackContainer,
            )
        except ImportError as error:
            raise TargetError(INSTALL_HINT) from error
        try:
            # The constructor already connects to the Docker engine.
            container = LocalStackContainer(image=IMAGE, edge_port=EDGE_PORT, region_name=REGION)
            container.with_services(*SERVICES)
            for key, value in container_environment(os.environ).items():
                container.with_env(key, value)
            container.with_volume_mapping(DOCKER_SOCKET, DOCKER_SOCKET, "rw")
            # A free port of the loopback interface (as `-p 127.0.0.1::4566`); with_bind_ports
            # takes no interface, Docker's port binding (interface, port) does.
            container.ports[str(EDGE_PORT)] = (HOST_IP, None)
            self._container = container
            container.start()
            url: str = container.get_url()
        except Exception as error:
            self.stop()
            raise TargetError(
                f"Could not start LocalStack ({IMAGE}) with Docker ({error}). Is a Docker engine "
                "running on this machine? Without one, use the default target: --target ministack."
            ) from error
        return url

    def stop(self) -> None:
        if self._container is not None:
            container, self._container = self._container, None
            container.stop()
