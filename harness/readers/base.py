"""What every reader shares: the planned resource it reads, the API clients, the table it joins."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from botocore.exceptions import ClientError

from harness.checks import Check
from providers.base import Connection

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_iam import IAMClient
    from mypy_boto3_kms import KMSClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient

Values = Mapping[str, Any]


@dataclass(frozen=True)
class PlannedResource:
    address: str
    type: str
    values: Values


def planned_resources(plan: Mapping[str, Any]) -> list[PlannedResource]:
    """Every managed resource in a plan's planned_values, child modules included."""
    found: list[PlannedResource] = []

    def walk(module: Mapping[str, Any]) -> None:
        found.extend(
            PlannedResource(resource["address"], resource["type"], resource["values"])
            for resource in module.get("resources", [])
            if resource.get("mode") == "managed"
        )
        for child in module.get("child_modules", []):
            walk(child)

    walk(plan.get("planned_values", {}).get("root_module", {}))
    return found


class Clients:
    """The boto3 clients of one connection, one per service the readers call, made on first use."""

    def __init__(self, connection: Connection) -> None:
        self._session = connection.session()
        self._endpoint = connection.endpoint_url

    @cached_property
    def s3(self) -> S3Client:
        return self._session.client("s3", endpoint_url=self._endpoint)

    @cached_property
    def events(self) -> EventBridgeClient:
        return self._session.client("events", endpoint_url=self._endpoint)

    @cached_property
    def awslambda(self) -> LambdaClient:  # `lambda` is a keyword
        return self._session.client("lambda", endpoint_url=self._endpoint)

    @cached_property
    def iam(self) -> IAMClient:
        return self._session.client("iam", endpoint_url=self._endpoint)

    @cached_property
    def logs(self) -> CloudWatchLogsClient:
        return self._session.client("logs", endpoint_url=self._endpoint)

    @cached_property
    def kms(self) -> KMSClient:
        return self._session.client("kms", endpoint_url=self._endpoint)

    @cached_property
    def sqs(self) -> SQSClient:
        return self._session.client("sqs", endpoint_url=self._endpoint)

    @cached_property
    def sns(self) -> SNSClient:
        return self._session.client("sns", endpoint_url=self._endpoint)

    @cached_property
    def cloudwatch(self) -> CloudWatchClient:
        return self._session.client("cloudwatch", endpoint_url=self._endpoint)


Reader = Callable[[PlannedResource, Clients], Iterator[Check]]
READERS: dict[str, Reader] = {}


def reads(resource_type: str) -> Callable[[Reader], Reader]:
    def register(reader: Reader) -> Reader:
        READERS[resource_type] = reader
        return reader

    return register


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", error))


def policy(document: str | Mapping[str, Any] | None) -> object:
    """A policy document in a canonical form: parsed, single values as lists, statements sorted."""
    if document is None or document == "":
        return None
    if isinstance(document, str):
        # IAM may return its documents URL-encoded.
        parsed = json.loads(unquote(document) if document.startswith("%7B") else document)
    else:
        parsed = dict(document)
    statements = parsed.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    canonical = [_canonical(statement) for statement in statements]
    return sorted(canonical, key=lambda statement: json.dumps(statement, sort_keys=True))


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _canonical(item) for key, item in value.items() if key != "Sid"}
    if isinstance(value, list):
        items = [_canonical(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    return [value] if isinstance(value, str) else value


def same(
    resource: PlannedResource, found: Values, pairs: tuple[tuple[str, str], ...]
) -> Iterator[Check]:
    """One check per (planned attribute, API field) pair."""
    for attribute, api_name in pairs:
        yield Check(resource.address, attribute, resource.values[attribute], found.get(api_name))


def tags(resource: PlannedResource, found_tags: Mapping[str, object]) -> Iterator[Check]:
    """One check per tag the code sets; a tag added by hand is not the code's and is not checked."""
    expected = resource.values.get("tags_all") or {}
    for name in sorted(expected):
        yield Check(resource.address, f"tag {name}", expected[name], found_tags.get(name))


def tag_list(found: Iterable[Values], key: str = "Key", value: str = "Value") -> dict[str, object]:
    """An API's list of tags (`[{"Key": ..., "Value": ...}]`) as a mapping of name to value."""
    return {tag[key]: tag[value] for tag in found}


def first(values: Values, block: str) -> Values:
    """The single nested block of a planned resource (`[{...}]`), or {} when it is absent."""
    return (values.get(block) or [{}])[0] or {}
