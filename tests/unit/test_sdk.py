"""The check, at cold start, that the runtime's botocore can send the function's conditional writes.

An older botocore is stood in for by its S3 model: botocore reads models from AWS_DATA_PATH before
its own, so a copy of the installed model lacking a parameter is what such a runtime would load.
"""

from __future__ import annotations

import ast
import gzip
import json
import platform
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import boto3
import botocore
import botocore.loaders
import pytest
from botocore.model import ServiceModel
from moto import mock_aws

from pipesum import handler, storage
from pipesum.sdk import CONDITIONAL_PARAMETERS, SdkTooOld, missing_parameters
from tests.support.function_config import object_created_event

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

SOURCE = "pipesum-test-source"
DESTINATION = "pipesum-test-destination"
SAMPLE = b"sbx|dev|tst|prd|srd\n7101|3501|0862|4284|7437\n"
CONTEXT = SimpleNamespace(function_name="pipesum-test-sum")


def installed_s3_model() -> dict[str, Any]:
    model: dict[str, Any] = botocore.loaders.Loader().load_service_model("s3", "service-2")
    return model


def without(model: dict[str, Any], operation: str, parameter: str) -> dict[str, Any]:
    """`model` as a botocore from before `parameter` of `operation` existed would hold it."""
    shape = model["operations"][operation]["input"]["shape"]
    del model["shapes"][shape]["members"][parameter]
    return model


def _dict_keys(node: ast.AST) -> set[str]:
    return {
        key.value
        for dict_node in ast.walk(node)
        if isinstance(dict_node, ast.Dict)
        for key in dict_node.keys
        if isinstance(key, ast.Constant) and isinstance(key.value, str)
    }


def _splatted_keys(splat: ast.expr, module: ast.Module, method: ast.FunctionDef) -> set[str]:
    """The keys `**splat` can pass: its dict literals, those of the module functions it calls and
    those assigned, in the calling method, to the names it reads."""
    functions = {node.name: node for node in module.body if isinstance(node, ast.FunctionDef)}
    keys = _dict_keys(splat)
    for node in ast.walk(splat):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            keys |= _dict_keys(functions[node.func.id]) if node.func.id in functions else set()
        if isinstance(node, ast.Name):
            keys |= {
                key
                for assign in ast.walk(method)
                if isinstance(assign, ast.Assign | ast.AnnAssign)
                and node.id in {t.id for t in ast.walk(assign) if isinstance(t, ast.Name)}
                for key in _dict_keys(assign)
            }
    return keys


def conditional_parameters_sent() -> dict[str, set[str]]:
    """Read from pipesum/storage.py's source: the If* parameters of every `self._s3.<method>(...)`
    call, by S3 operation."""
    source = Path(storage.__file__)
    module = ast.parse(source.read_text())
    operations = boto3.client("s3", region_name="us-east-1").meta.method_to_api_mapping
    sent: dict[str, set[str]] = {}
    for method in (node for node in ast.walk(module) if isinstance(node, ast.FunctionDef)):
        for call in (node for node in ast.walk(method) if isinstance(node, ast.Call)):
            target = call.func
            if not (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Attribute)
                and target.value.attr == "_s3"
            ):
                continue
            names = set()
            for keyword in call.keywords:
                names |= (
                    {keyword.arg}
                    if keyword.arg is not None
                    else _splatted_keys(keyword.value, module, method)
                )
            conditional = {name for name in names if name.startswith("If")}
            if conditional:
                sent.setdefault(operations[target.attr], set()).update(conditional)
    return sent


def test_the_check_covers_exactly_the_conditional_parameters_the_function_sends() -> None:
    """CONDITIONAL_PARAMETERS is what storage.py sends, read from its calls: a conditional
    parameter added to a call and not to the check would fail on an older runtime mid-event."""
    sent = conditional_parameters_sent()
    assert "CopyObject" in sent, "the reading of storage.py's calls found no CopyObject"
    checked = {operation: set(names) for operation, names in CONDITIONAL_PARAMETERS.items()}
    assert sent == checked


def test_the_installed_botocore_has_every_conditional_parameter_the_function_sends() -> None:
    assert missing_parameters(ServiceModel(installed_s3_model(), "s3")) == []


@pytest.mark.parametrize(
    ("operation", "parameter"),
    [(operation, name) for operation, names in CONDITIONAL_PARAMETERS.items() for name in names],
)
def test_a_model_lacking_one_conditional_parameter_is_reported_by_name(
    operation: str, parameter: str
) -> None:
    model = ServiceModel(without(installed_s3_model(), operation, parameter), "s3")
    assert missing_parameters(model) == [f"{operation}.{parameter}"]


@pytest.fixture
def s3_with_old_botocore(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[S3Client]:
    """moto's S3 with the sources, and a default boto3 session that loads an S3 model lacking
    PutObject's IfMatch, as a runtime's botocore from before November 2024 does."""
    api_version = installed_s3_model()["metadata"]["apiVersion"]
    model_dir = tmp_path / "s3" / api_version
    model_dir.mkdir(parents=True)
    old_model = without(installed_s3_model(), "PutObject", "IfMatch")
    (model_dir / "service-2.json.gz").write_bytes(gzip.compress(json.dumps(old_model).encode()))
    for name, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "SOURCE_BUCKET": SOURCE,
        "DESTINATION_BUCKET": DESTINATION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(Bucket=SOURCE)
        client.create_bucket(Bucket=DESTINATION)
        client.put_object(Bucket=SOURCE, Key="k", Body=SAMPLE)
        monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
        monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # the runtime's first session
        handler._runtime.cache_clear()
        yield client
    handler._runtime.cache_clear()


def test_a_runtime_botocore_without_conditional_writes_fails_the_first_invocation_clearly(
    s3_with_old_botocore: S3Client, caplog: pytest.LogCaptureFixture
) -> None:
    """GIVEN a runtime whose botocore lacks PutObject's IfMatch WHEN the function is first invoked
    THEN it logs the Python and botocore it runs on and fails naming the missing parameter and
    what to do, before it writes anything."""
    with caplog.at_level("INFO", logger="pipesum"), pytest.raises(SdkTooOld) as refused:
        handler.handle(object_created_event(SOURCE, "k", sequencer="0A"), CONTEXT)
    assert str(refused.value) == (
        f"the runtime's botocore {botocore.__version__} cannot send PutObject.IfMatch, which the "
        "function's conditional writes need (botocore 1.40.61 or newer): deploy to a runtime "
        "whose boto3 is newer, or bundle a pinned boto3 in the function's zip "
        "(docs/decisions/0013-runtime-boto3-checked-at-start.md)."
    )
    [cold_start] = caplog.records
    assert cold_start.getMessage() == "cold_start"
    assert cold_start.python == platform.python_version()  # type: ignore[attr-defined]
    assert cold_start.botocore == botocore.__version__  # type: ignore[attr-defined]
    assert s3_with_old_botocore.list_objects_v2(Bucket=DESTINATION).get("KeyCount") == 0


def test_the_decision_the_message_points_to_exists() -> None:
    root = Path(__file__).resolve().parents[2]
    assert (root / "docs/decisions/0013-runtime-boto3-checked-at-start.md").is_file()
