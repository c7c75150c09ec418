"""The targets' parts that need no emulator: how a connection reaches a target (environment,
session), how a target is chosen, which process holds a port, and the real-AWS target's refusal
without credentials."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws

from providers import make_target, sandbox_target
from providers.aws import RealAWS
from providers.base import Connection, Target, TargetError
from providers.localstack import LocalStack
from providers.localstack_process import LocalStackProcess
from providers.ministack import MiniStack
from providers.ports import free_port, is_listening, port_holder


def test_a_connection_gives_child_processes_its_endpoint_credentials_and_trust() -> None:
    connection = Connection(
        region="eu-west-1",
        endpoint_url="https://127.0.0.1:4566",
        access_key_id="AKID",
        secret_access_key="SECRET",  # noqa: S106  (a test value)
        session_token="TOKEN",  # noqa: S106  (a test value)
        terraform_env={"S3_HOSTNAME": "localhost", "AWS_REGION": "from-terraform-env"},
        ca_bundle="/tmp/ca.pem",  # noqa: S108  (a path only named, never opened)
    )

    assert connection.environment() == {
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_REGION": "from-terraform-env",  # the Terraform wrapper's settings have the last word
        "AWS_ENDPOINT_URL": "https://127.0.0.1:4566",
        "AWS_ACCESS_KEY_ID": "AKID",
        "AWS_SECRET_ACCESS_KEY": "SECRET",
        "AWS_SESSION_TOKEN": "TOKEN",
        "AWS_CA_BUNDLE": "/tmp/ca.pem",  # noqa: S108
        "S3_HOSTNAME": "localhost",
    }


def test_a_real_account_connection_leaves_credentials_to_the_environment() -> None:
    # Half a key pair, or a token without keys, is not passed on: the profile's credentials stand.
    connection = Connection(region="us-east-1", access_key_id="AKID", session_token="TOKEN")  # noqa: S106

    assert connection.environment() == {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }


def test_a_session_trusts_the_connections_ca_bundle_only_when_it_has_one(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    with_bundle = Connection(region="us-east-1", ca_bundle=str(bundle)).session()
    without = Connection(region="eu-central-1", access_key_id="A", secret_access_key="B")  # noqa: S106
    without_session = without.session()

    assert with_bundle._session.get_config_variable("ca_bundle") == str(bundle)
    assert with_bundle.region_name == "us-east-1"
    assert without_session.region_name == "eu-central-1"
    assert without_session.get_credentials().access_key == "A"  # type: ignore[union-attr]


class _Recording(Target):
    name = "recording"

    def __init__(self) -> None:
        self.calls: list[str] = []

    def start(self) -> Connection:
        self.calls.append("start")
        return Connection(region="us-east-1")

    def stop(self) -> None:
        self.calls.append("stop")


def test_a_target_as_a_context_manager_starts_and_stops_even_on_error() -> None:
    target = _Recording()

    regions: list[str] = []

    def use() -> None:
        with target as connection:
            regions.append(connection.region)
            raise RuntimeError("inside")

    with pytest.raises(RuntimeError, match="inside"):
        use()

    assert regions == ["us-east-1"]
    assert target.calls == ["start", "stop"]


def test_a_target_by_default_runs_and_attaches_by_starting() -> None:
    target = _Recording()

    assert target.running()
    assert target.attach() == Connection(region="us-east-1")
    assert target.calls == ["start"]
    assert target.description == "recording"


def test_the_real_account_and_localstack_refuse_multipart_parts_under_5_mib(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LOCALSTACK_ENDPOINT", raising=False)
    monkeypatch.delenv("LOCALSTACK_MODE", raising=False)
    refuses = {
        name: make_target(name, state_dir=tmp_path).enforces_minimum_part_size
        for name in ("ministack", "localstack", "aws")
    }
    assert refuses == {"ministack": False, "localstack": True, "aws": True}


def test_targets_are_made_by_name_and_an_unknown_name_lists_the_choices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LOCALSTACK_ENDPOINT", raising=False)
    monkeypatch.delenv("LOCALSTACK_MODE", raising=False)
    assert isinstance(make_target("ministack", state_dir=tmp_path), MiniStack)
    assert isinstance(make_target("localstack", state_dir=tmp_path), LocalStackProcess)
    assert isinstance(make_target("aws", state_dir=tmp_path), RealAWS)

    with pytest.raises(TargetError, match="unknown target 'gcp'; choose one of ministack, local"):
        make_target("gcp", state_dir=tmp_path)


def test_localstack_is_yours_at_its_endpoint_a_container_when_asked_else_a_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LOCALSTACK_ENDPOINT", raising=False)
    monkeypatch.setenv("LOCALSTACK_MODE", "container")
    container = make_target("localstack", state_dir=tmp_path)
    assert isinstance(container, LocalStack)
    assert container.description == "LocalStack at a container of its own"

    monkeypatch.delenv("LOCALSTACK_MODE")
    process = sandbox_target("localstack", state_dir=tmp_path, say=print)
    assert isinstance(process, LocalStackProcess)
    assert process.state_dir == tmp_path
    with pytest.raises(TargetError, match=r"No sandbox is running on LocalStack 4\.14\.0"):
        process.attach()

    monkeypatch.setenv("LOCALSTACK_ENDPOINT", "http://localhost:4566")
    yours = sandbox_target("localstack", state_dir=tmp_path, say=print)
    assert isinstance(yours, LocalStack)
    assert yours.attach().endpoint_url == "http://localhost:4566"
    assert yours.description == "LocalStack at http://localhost:4566"
    assert isinstance(make_target("localstack", state_dir=tmp_path), LocalStack)
    assert isinstance(sandbox_target("aws", state_dir=tmp_path, say=print), RealAWS)


@pytest.fixture
def no_aws_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.mark.usefixtures("no_aws_credentials")
def test_real_aws_without_credentials_says_how_to_give_them() -> None:
    with pytest.raises(TargetError, match=r"No usable AWS credentials \(.*\)\. Set AWS_PROFILE"):
        RealAWS(region="eu-west-1").start()


@pytest.mark.usefixtures("no_aws_credentials")
def test_real_aws_connects_with_the_environments_credentials_in_its_region(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-north-1")

    target = RealAWS()
    with mock_aws():
        connection = target.start()
    target.stop()  # nothing to stop: the account outlives the tests

    # Credentials stay with the environment (the profile), not copied into the connection.
    assert connection == Connection(region="eu-north-1")
    assert target.description == "AWS (eu-north-1)"
    assert RealAWS(region="ap-south-1").region == "ap-south-1"


@pytest.fixture
def listener() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


def test_a_port_held_by_this_process_is_named_with_its_pid(listener: int) -> None:
    assert is_listening(listener)
    assert port_holder(listener).startswith(f"pid {os.getpid()} (")


def test_a_free_port_has_no_listener_and_no_holder() -> None:
    port = free_port()

    assert not is_listening(port)
    assert port_holder(port) == f"an unknown process (try: ss -ltnp 'sport = :{port}')"
