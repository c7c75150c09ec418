"""Change the deployed function through the Lambda API for one test, and put it back."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

EVENT_FIXTURE = Path(__file__).resolve().parents[1] / "events" / "object_created.json"


class FunctionConfig:
    """The function's environment and timeout as deployed; `set` changes them, `restore` undoes."""

    def __init__(self, client: LambdaClient, function_name: str) -> None:
        self.client = client
        self.name = function_name
        config = client.get_function_configuration(FunctionName=function_name)
        self.environment = dict(config.get("Environment", {}).get("Variables", {}))
        self.timeout = config["Timeout"]

    def set(self, *, environment: dict[str, str] | None = None, timeout: int | None = None) -> None:
        """The deployed environment with `environment` added, and `timeout` (or the deployed)."""
        self.client.update_function_configuration(
            FunctionName=self.name,
            Environment={"Variables": self.environment | (environment or {})},
            Timeout=timeout or self.timeout,
        )
        self.client.get_waiter("function_updated_v2").wait(FunctionName=self.name)

    def restore(self) -> None:
        self.set()


def object_created_event(bucket: str, key: str, *, sequencer: str | None) -> dict[str, Any]:
    """The EventBridge "Object Created" event S3 sends for `key` (no version: as MiniStack)."""
    event: dict[str, Any] = copy.deepcopy(json.loads(EVENT_FIXTURE.read_text()))
    event["resources"] = [f"arn:aws:s3:::{bucket}"]
    event["detail"]["bucket"]["name"] = bucket
    obj = event["detail"]["object"]
    obj["key"] = key
    del obj["version-id"]
    if sequencer is None:
        del obj["sequencer"]
    else:
        obj["sequencer"] = sequencer
    return event


def invoke(client: LambdaClient, function_name: str, event: dict[str, Any]) -> tuple[str, str]:
    """Invoke synchronously, as a retry would: (the FunctionError or "", the response payload)."""
    response = client.invoke(
        FunctionName=function_name, InvocationType="RequestResponse", Payload=json.dumps(event)
    )
    return response.get("FunctionError", ""), response["Payload"].read().decode()
