"""The Lambda entry point: parse the event, hand it to process(), log what happened."""

from __future__ import annotations

import datetime
import functools
import logging
import os
import platform
from collections.abc import Mapping
from typing import Any

import botocore

from pipesum.config import Settings
from pipesum.events import UnexpectedEvent, parse_object_created
from pipesum.faults import Fault, FaultyStorage
from pipesum.logs import get_logger
from pipesum.metrics import emf_line
from pipesum.process import process
from pipesum.sdk import require_conditional_writes
from pipesum.storage import Storage
from pipesum.tuning import Tuning

logger = get_logger(level=os.environ.get("LOG_LEVEL", "INFO"))


@functools.cache
def _runtime() -> tuple[Settings, Storage]:
    """Settings, tuning and storage, made once per execution environment, not once per event.

    The environment's first invocation logs the Python and SDK it runs on, then fails (SdkTooOld)
    if the runtime's botocore cannot send the function's conditional writes.
    """
    import boto3  # noqa: PLC0415  (kept out of the module import so unit tests can patch first)

    _log(
        logging.INFO,
        "cold_start",
        python=platform.python_version(),
        boto3=boto3.__version__,
        botocore=botocore.__version__,
    )
    s3 = boto3.client("s3")
    require_conditional_writes(s3.meta.service_model, botocore_version=botocore.__version__)
    settings = Settings.from_environment()
    tuning = Tuning.from_environment()
    fault = Fault.from_environment()
    if fault is None:
        return settings, Storage(s3, destination_bucket=settings.destination_bucket, tuning=tuning)
    faulty = FaultyStorage(
        s3, destination_bucket=settings.destination_bucket, tuning=tuning, fault=fault
    )
    return settings, faulty


def handle(event: Mapping[str, Any], context: object) -> dict[str, object]:
    settings, storage = _runtime()
    try:
        created = parse_object_created(event, source_bucket=settings.source_bucket)
    except UnexpectedEvent as refused:
        _log(logging.WARNING, "event_refused", reason=str(refused), event_id=_event_id(event))
        return {"outcome": "refused", "reason": str(refused)}

    outcome = process(
        created, storage=storage, settings=settings, now=lambda: datetime.datetime.now(datetime.UTC)
    )
    _log(
        logging.INFO,
        f"object_{outcome.kind}",
        bucket=created.bucket,
        key=outcome.key,
        sequencer=created.sequencer,
        event_id=created.event_id,
        **outcome.details,
    )
    if outcome.kind == "rejected":
        function_name = getattr(context, "function_name", "unknown")
        print(emf_line("Rejections", function_name=function_name, properties=outcome.details))
    return {"outcome": outcome.kind, "key": outcome.key}


def _log(level: int, message: str, **fields: object) -> None:
    logger.log(level, message, extra=fields)


def _event_id(event: object) -> object:
    return event.get("id") if isinstance(event, Mapping) else None
