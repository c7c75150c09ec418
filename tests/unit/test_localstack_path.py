"""The LocalStack path, checked without Docker: the services LocalStack enables serve every type
terraform/ declares, and docker-compose.yml and the testcontainers target start the same thing.

Nothing here runs LocalStack; an apply on it needs a Docker engine, which these machines lack.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from harness.tfdocs import REPO_ROOT, TERRAFORM_DIR, hcl_value, label, parse_file
from providers.base import TargetError
from providers.localstack import (
    AUTH_TOKEN_VARIABLE,
    CONTAINER_ENVIRONMENT,
    DEFAULT_ENDPOINT,
    DOCKER_SOCKET,
    EDGE_PORT,
    HOST_IP,
    IMAGE,
    INSTALL_HINT,
    REGION,
    LocalStack,
)
from providers.terraform_services import (
    OFFLINE_DATA_SOURCES,
    PROVIDER_SERVICES,
    SERVICE_BY_TYPE_PREFIX,
    SERVICES,
)

COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
REQUIREMENTS = REPO_ROOT / "requirements" / "localstack.txt"
CONTAINER_MODULE = "testcontainers.community.localstack"


# --- what terraform/ declares -------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Declared:
    """A resource or data source type, and a file that declares it."""

    kind: str  # "resource" or "data"
    type: str
    file: str

    def __str__(self) -> str:
        return f"{self.kind} {self.type} ({self.file})"


def declared_types(root: Path) -> set[Declared]:
    """Every resource and data source type of the Terraform root `root` and the modules it calls.

    Local modules (`source = "./..."`) are followed; any other source cannot be read, so it fails.
    """
    found: set[Declared] = set()
    pending, seen = [root.resolve()], set()
    while pending:
        directory = pending.pop()
        if directory in seen:
            continue
        seen.add(directory)
        for path in sorted(directory.glob("*.tf")):
            document = parse_file(path)
            shown = str(path.relative_to(root.parent))
            for kind in ("resource", "data"):
                for block in document.get(kind, []):
                    found |= {Declared(kind, label(raw_type), shown) for raw_type in block}
            for block in document.get("module", []):
                for raw_name, body in block.items():
                    source = hcl_value(body.get("source"))
                    if not (isinstance(source, str) and source.startswith(("./", "../"))):
                        raise AssertionError(
                            f"{shown}: module {label(raw_name)!r} comes from {source!r}, not a "
                            "local directory, so the types it creates cannot be checked against "
                            "LocalStack's services; vendor it under terraform/modules/"
                        )
                    pending.append((directory / source).resolve())
    return found


def matching_prefixes(type_name: str) -> list[str]:
    return [
        prefix
        for prefix in SERVICE_BY_TYPE_PREFIX
        if type_name == prefix or type_name.startswith(prefix + "_")
    ]


def unserved(declared: set[Declared]) -> list[str]:
    """What LocalStack would not serve: types no prefix maps to a service, or more than one does."""
    problems = []
    for item in sorted(declared):
        if item.kind == "data" and item.type in OFFLINE_DATA_SOURCES:
            continue
        prefixes = matching_prefixes(item.type)
        if not prefixes:
            problems.append(
                f"{item} maps to no LocalStack service: add its prefix to "
                "SERVICE_BY_TYPE_PREFIX in providers/terraform_services.py (and SERVICES "
                "to docker-compose.yml)"
            )
        elif len(prefixes) > 1:
            problems.append(f"{item} matches several prefixes: {', '.join(prefixes)}")
    return problems


@pytest.fixture(scope="module")
def plan() -> set[Declared]:
    return declared_types(TERRAFORM_DIR)


def test_every_type_terraform_declares_is_served_by_an_enabled_service(
    plan: set[Declared],
) -> None:
    assert unserved(plan) == []
    needed = {
        SERVICE_BY_TYPE_PREFIX[prefix] for item in plan for prefix in matching_prefixes(item.type)
    }
    assert needed <= set(SERVICES)


def test_the_plan_reaches_the_root_and_both_modules(plan: set[Declared]) -> None:
    """The walk is not vacuous: it sees the root's KMS key, queues, topic, alarms; the modules'."""
    files_by_type: dict[str, set[str]] = {}
    for item in plan:
        files_by_type.setdefault(item.type, set()).add(item.file)
    assert files_by_type["aws_kms_key"] == {"terraform/kms.tf"}
    assert files_by_type["aws_sqs_queue"] == {"terraform/queues.tf"}
    assert files_by_type["aws_sns_topic"] == {"terraform/alarms.tf"}
    assert files_by_type["aws_cloudwatch_metric_alarm"] == {"terraform/alarms.tf"}
    assert files_by_type["aws_s3_bucket"] == {"terraform/modules/bucket/main.tf"}
    assert files_by_type["aws_lambda_function"] == {"terraform/modules/function/main.tf"}
    assert files_by_type["aws_iam_role"] == {"terraform/modules/function/main.tf"}  # not bootstrap/


def test_no_prefix_or_offline_data_source_is_left_unused(plan: set[Declared]) -> None:
    """So SERVICES is what terraform/ needs, plus what the provider itself calls, and no more."""
    used_prefixes = {prefix for item in plan for prefix in matching_prefixes(item.type)}
    assert set(SERVICE_BY_TYPE_PREFIX) - used_prefixes == set()
    used_offline = {item.type for item in plan if item.kind == "data"} & OFFLINE_DATA_SOURCES
    assert used_offline == OFFLINE_DATA_SOURCES


def test_services_are_the_mapped_ones_and_sts_sorted() -> None:
    assert set(PROVIDER_SERVICES) == {"sts"}
    assert list(SERVICES) == sorted({*SERVICE_BY_TYPE_PREFIX.values(), "sts"})
    assert SERVICES == (
        "cloudwatch",
        "events",
        "iam",
        "kms",
        "lambda",
        "logs",
        "s3",
        "sns",
        "sqs",
        "sts",
    )


def test_a_type_with_no_service_fails_naming_it_and_its_file(tmp_path: Path) -> None:
    root = tmp_path / "terraform"
    (root / "modules" / "table").mkdir(parents=True)
    (root / "main.tf").write_text(
        'module "table" {\n  source = "./modules/table"\n}\n'
        'data "aws_region" "current" {}\n'
        'resource "aws_sqs_queue" "q" {}\n',
        encoding="utf-8",
    )
    (root / "modules" / "table" / "main.tf").write_text(
        'resource "aws_dynamodb_table" "t" {}\ndata "aws_vpc" "default" {}\n', encoding="utf-8"
    )
    declared = declared_types(root)
    assert {(item.kind, item.type) for item in declared} == {
        ("data", "aws_region"),
        ("resource", "aws_sqs_queue"),
        ("resource", "aws_dynamodb_table"),
        ("data", "aws_vpc"),
    }
    fix = (
        "maps to no LocalStack service: add its prefix to SERVICE_BY_TYPE_PREFIX in "
        "providers/terraform_services.py (and SERVICES to docker-compose.yml)"
    )
    assert unserved(declared) == [
        f"data aws_vpc (terraform/modules/table/main.tf) {fix}",
        f"resource aws_dynamodb_table (terraform/modules/table/main.tf) {fix}",
    ]


def test_a_prefix_matches_whole_words_only() -> None:
    assert matching_prefixes("aws_s3_bucket") == ["aws_s3"]
    assert matching_prefixes("aws_s3control_bucket") == []
    assert matching_prefixes("aws_cloudwatch_event_rule") == ["aws_cloudwatch_event"]
    assert matching_prefixes("aws_cloudwatch_dashboard") == []


def test_a_module_that_is_not_local_fails_naming_it(tmp_path: Path) -> None:
    root = tmp_path / "terraform"
    root.mkdir()
    (root / "main.tf").write_text(
        'module "bucket" {\n  source = "terraform-aws-modules/s3-bucket/aws"\n}\n',
        encoding="utf-8",
    )
    with pytest.raises(AssertionError, match="module 'bucket' comes from 'terraform-aws-modules/"):
        declared_types(root)


# --- docker-compose.yml -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert list(document["services"]) == ["localstack"]
    service: dict[str, Any] = document["services"]["localstack"]
    return service


def test_compose_runs_the_pinned_image_with_the_services(compose: dict[str, Any]) -> None:
    assert IMAGE == "localstack/localstack:4.14.0"
    assert compose["image"] == IMAGE
    assert compose["environment"]["SERVICES"] == ",".join(SERVICES)


def test_compose_passes_the_auth_token_through(compose: dict[str, Any]) -> None:
    assert compose["environment"][AUTH_TOKEN_VARIABLE] == "${LOCALSTACK_AUTH_TOKEN:-}"
    assert AUTH_TOKEN_VARIABLE in COMPOSE_FILE.read_text(encoding="utf-8").split("services:")[0]


def test_compose_publishes_the_edge_port_on_loopback_only(compose: dict[str, Any]) -> None:
    assert compose["ports"] == [f"{HOST_IP}:{EDGE_PORT}:{EDGE_PORT}"]
    endpoint = urlsplit(DEFAULT_ENDPOINT)
    assert (endpoint.scheme, endpoint.hostname, endpoint.port) == ("http", "localhost", EDGE_PORT)
    assert f"LOCALSTACK_ENDPOINT={DEFAULT_ENDPOINT}" in COMPOSE_FILE.read_text(encoding="utf-8")


def test_compose_healthcheck_asks_the_edge_port(compose: dict[str, Any]) -> None:
    assert compose["healthcheck"]["test"] == [
        "CMD",
        "curl",
        "-fsS",
        f"http://localhost:{EDGE_PORT}/_localstack/health",
    ]


def test_compose_mounts_the_docker_socket_for_lambda(compose: dict[str, Any]) -> None:
    assert compose["volumes"] == [f"{DOCKER_SOCKET}:{DOCKER_SOCKET}"]
    assert compose["environment"]["DOCKER_HOST"] == CONTAINER_ENVIRONMENT["DOCKER_HOST"]


# --- the testcontainers target, with a recording stand-in for testcontainers' class -------------


class RecordingContainer:
    """testcontainers 4.15.0's LocalStackContainer as the target uses it, recording, no Docker."""

    instances: list[RecordingContainer] = []  # noqa: RUF012  (reset by the fixture per test)
    start_error: Exception | None = None

    def __init__(
        self,
        image: str = "localstack/localstack:2.0.1",
        edge_port: int = 4566,
        region_name: str | None = None,
        **_kwargs: object,
    ) -> None:
        self.image, self.edge_port, self.region_name = image, edge_port, region_name
        self.env: dict[str, str] = {}
        self.ports: dict[str, object] = {str(edge_port): None}
        self.volumes: dict[str, tuple[str, str]] = {}
        self.started = self.stopped = 0
        RecordingContainer.instances.append(self)

    def with_services(self, *services: str) -> RecordingContainer:
        return self.with_env("SERVICES", ",".join(services))

    def with_env(self, key: str, value: str) -> RecordingContainer:
        self.env[key] = value
        return self

    def with_volume_mapping(
        self, host: str, container: str, mode: str = "ro"
    ) -> RecordingContainer:
        self.volumes[host] = (container, mode)
        return self

    def start(self) -> RecordingContainer:
        self.started += 1
        if RecordingContainer.start_error is not None:
            raise RecordingContainer.start_error
        return self

    def get_url(self) -> str:
        return "http://localhost:49153"

    def stop(self) -> None:
        self.stopped += 1


@pytest.fixture
def containers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[RecordingContainer]]:
    module = types.ModuleType(CONTAINER_MODULE)
    module.LocalStackContainer = RecordingContainer  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, CONTAINER_MODULE, module)
    monkeypatch.delenv("LOCALSTACK_ENDPOINT", raising=False)
    monkeypatch.delenv(AUTH_TOKEN_VARIABLE, raising=False)
    RecordingContainer.instances, RecordingContainer.start_error = [], None
    yield RecordingContainer.instances
    RecordingContainer.instances, RecordingContainer.start_error = [], None


def test_the_target_starts_what_compose_starts(
    containers: list[RecordingContainer], compose: dict[str, Any]
) -> None:
    target = LocalStack()
    connection = target.start()
    [container] = containers
    assert connection.endpoint_url == "http://localhost:49153"
    assert connection.region == REGION
    assert (container.image, container.edge_port, container.region_name) == (
        compose["image"],
        EDGE_PORT,
        REGION,
    )
    compose_env = dict(compose["environment"])
    del compose_env[AUTH_TOKEN_VARIABLE]  # passed only when set: the next test
    assert container.env == compose_env
    # The same interface as compose's "127.0.0.1:4566:4566", on a port Docker picks.
    assert container.ports == {str(EDGE_PORT): (HOST_IP, None)}
    host_ip, _host_port, container_port = compose["ports"][0].split(":")
    assert (host_ip, int(container_port)) == (HOST_IP, EDGE_PORT)
    [volume] = compose["volumes"]
    host, _, inside = volume.partition(":")
    assert container.volumes == {host: (inside, "rw")}
    assert container.started == 1
    target.stop()
    target.stop()
    assert container.stopped == 1


def test_the_target_passes_the_auth_token_when_set(
    containers: list[RecordingContainer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(AUTH_TOKEN_VARIABLE, "ls-token-123")
    LocalStack().start()
    [container] = containers
    assert container.env[AUTH_TOKEN_VARIABLE] == "ls-token-123"


def test_the_target_omits_an_empty_auth_token(
    containers: list[RecordingContainer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(AUTH_TOKEN_VARIABLE, "")
    LocalStack().start()
    [container] = containers
    assert AUTH_TOKEN_VARIABLE not in container.env


def test_a_container_that_fails_to_start_is_removed_and_explained(
    containers: list[RecordingContainer],
) -> None:
    RecordingContainer.start_error = RuntimeError("container exited with code 55")
    target = LocalStack()
    with pytest.raises(TargetError) as raised:
        target.start()
    [container] = containers
    assert str(raised.value) == (
        f"Could not start LocalStack ({IMAGE}) with Docker (container exited with code 55). "
        "Is a Docker engine running on this machine? Without one, use the default target: "
        "--target ministack."
    )
    assert container.stopped == 1
    target.stop()
    assert container.stopped == 1


def test_an_endpoint_you_started_needs_no_testcontainers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, CONTAINER_MODULE, None)
    monkeypatch.setenv("LOCALSTACK_ENDPOINT", DEFAULT_ENDPOINT)
    assert LocalStack().start().endpoint_url == DEFAULT_ENDPOINT


def test_without_testcontainers_the_error_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, CONTAINER_MODULE, None)  # as if not installed
    monkeypatch.delenv("LOCALSTACK_ENDPOINT", raising=False)
    with pytest.raises(TargetError) as raised:
        LocalStack().start()
    assert str(raised.value) == INSTALL_HINT
    assert "`.venv/bin/pip install -r requirements/localstack.txt`" in INSTALL_HINT
    assert f"LOCALSTACK_ENDPOINT={DEFAULT_ENDPOINT}" in INSTALL_HINT


def test_testcontainers_is_an_extra_of_its_own_pinned() -> None:
    lines = [
        line.split("#")[0].strip()
        for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines()
        if line.split("#")[0].strip()
    ]
    assert lines[0] == "-c dev.txt"
    assert "testcontainers[localstack]==4.15.0" in lines
    assert all("==" in line for line in lines[1:]), lines
    dev = (REPO_ROOT / "requirements" / "dev.txt").read_text(encoding="utf-8")
    assert "testcontainers" not in dev
