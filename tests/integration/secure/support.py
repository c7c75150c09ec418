"""What the secure suite's fixtures and tests share: identities, stack facts, denial checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    import boto3

    from providers import Connection

#: A client of one AWS service ("s3", "iam", ...) on the secure emulator, as some identity.
ClientFactory = Callable[[str], Any]

WAIT_SECONDS = 60.0
ROLE_SESSION_NAME = "pipesum-least-privilege-probe"
SMALL_INPUT = b"a|b\n1|2\n"
SMALL_OUTPUT = b"a|b\n1|2\n3\n"

#: The error code of an authorization denial, by service, as the emulator (and AWS) spells it.
DENIAL_CODES = {
    "events": "AccessDeniedException",
    "iam": "AccessDenied",
    "kms": "AccessDeniedException",
    "lambda": "AccessDeniedException",
    "s3": "AccessDenied",
    "sqs": "AccessDenied",
    "sts": "AccessDenied",
}


@dataclass(frozen=True)
class SecureResources:
    """What the suite uses besides the names in StackOutputs, read from `terraform output`.

    The function's role is the exception: the root does not output it (yet), so it is read from
    the function's configuration through the Lambda API.
    """

    account_id: str
    function_arn: str
    function_role_arn: str
    function_role_name: str
    kms_key_arn: str
    event_rule_arn: str
    function_failure_queue_url: str
    function_failure_queue_arn: str
    event_dlq_url: str
    event_dlq_arn: str


@dataclass(frozen=True)
class Identity:
    """Credentials of one principal (an assumed role, a user) and the ARN its denials name."""

    connection: Connection
    arn: str

    def session(self) -> boto3.Session:
        return self.connection.session()

    def client(self, service: str) -> Any:
        return self.session().client(service, endpoint_url=self.connection.endpoint_url)  # type: ignore[call-overload]


def error_of(caught: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    """(HTTP status, error code, message) of a refused call."""
    response = caught.value.response
    error = response.get("Error", {})
    return (
        response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0),
        error.get("Code", ""),
        error.get("Message", ""),
    )


def assert_not_allowed(call: Callable[[], object], *, service: str, action: str, who: str) -> None:
    """`call` is refused because no identity-based policy of `who` allows `action`.

    The status, the code and the whole message are checked: a 404, a throttle or a credential
    failure does not pass for a denial, and neither does an explicit deny from elsewhere.
    """
    with pytest.raises(ClientError) as caught:
        call()
    message = (
        f"User: {who} is not authorized to perform: {action} "
        f"because no identity-based policy allows the {action} action"
    )
    assert error_of(caught) == (403, DENIAL_CODES[service], message)


def assert_denied_by_resource_policy(
    call: Callable[[], object], *, action: str, resource: str, who: str
) -> None:
    """`call` is refused by an explicit Deny in the resource's own policy (bucket, queue).

    `action` and `resource` as the emulator spells them in the message: SQS lower-cases the
    action's name, S3 quotes the resource.
    """
    with pytest.raises(ClientError) as caught:
        call()
    message = (
        f"User: {who} is not authorized to perform: {action} on resource: {resource} "
        "with an explicit deny in a resource-based policy"
    )
    assert error_of(caught) == (403, "AccessDenied", message)


def as_plain_http(client: Any) -> Any:
    """`client`'s requests, still sent over TLS, are seen by MiniStack as plain HTTP.

    MiniStack takes aws:SecureTransport from X-Forwarded-Proto, which it only fills in (as
    "https") when the request does not carry one: the only way to put a plain-HTTP request to
    an emulator that serves TLS alone. AWS ignores the header; this is for the emulator only.
    """

    def mark_plain(request: Any, **_: Any) -> None:
        request.headers["X-Forwarded-Proto"] = "http"

    client.meta.events.register("before-sign.*.*", mark_plain)
    return client
