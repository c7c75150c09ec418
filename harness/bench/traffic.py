"""S3 traffic of one session's clients, counted by botocore event hooks: requests and body bytes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Traffic:
    """S3 requests by operation and body bytes moved, counted once `attach`ed to a session."""

    requests: Counter[str] = field(default_factory=Counter)
    get_statuses: Counter[str] = field(default_factory=Counter)
    versioned_gets: int = 0
    #: The Content-Length of GetObject's answers.
    answered: int = 0
    #: The bytes taken from GetObject's bodies.
    read: int = 0
    #: The bodies of PutObject and UploadPart.
    written: int = 0

    def attach(self, events: Any) -> None:
        events.register("before-call.s3", self._before_call)
        events.register("provide-client-params.s3", self._params)
        events.register("after-call.s3.GetObject", self._after_get)

    def _before_call(self, model: Any, **_: Any) -> None:
        self.requests[model.name] += 1

    def _params(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name in {"PutObject", "UploadPart"}:
            self.written += len(params["Body"])
        if model.name == "GetObject" and params.get("VersionId"):
            self.versioned_gets += 1

    def _after_get(self, http_response: Any, parsed: dict[str, Any], **_: Any) -> None:
        self.get_statuses[str(http_response.status_code)] += 1
        self.answered += int(parsed.get("ContentLength", 0))
        if "Body" in parsed:
            parsed["Body"] = CountedBody(parsed["Body"], self)

    def as_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "answered": self.answered,
            "written": self.written,
            "requests": dict(self.requests),
            "get_statuses": dict(self.get_statuses),
            "versioned_gets": self.versioned_gets,
        }


class CountedBody:
    """A GetObject body that adds the bytes taken from it to `traffic.read`."""

    def __init__(self, body: Any, traffic: Traffic) -> None:
        self._body = body
        self._traffic = traffic

    def read(self, amt: int | None = None) -> bytes:
        data: bytes = self._body.read(amt)
        self._traffic.read += len(data)
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._body, name)
