"""What the function needs of the runtime's boto3, checked once per execution environment.

The zip carries no boto3: the function uses the Lambda runtime's (decision 13), whose version
AWS chooses and updates. Every write the function makes is conditional, with S3 parameters that
botocore's model carries only since November 2024 (PutObject's IfMatch) and since 1.40.61 of
October 2025 (CopyObject's IfMatch); an older botocore would refuse such a write with a
ParamValidationError. The function checks for all of them before it handles any event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from botocore.model import ServiceModel

#: Every conditional parameter the function sends (pipesum.storage), by S3 operation: GetObject's
#: is as old as S3's API, the writes' are not.
CONDITIONAL_PARAMETERS = {
    "GetObject": ("IfMatch",),
    "PutObject": ("IfMatch", "IfNoneMatch"),
    "CompleteMultipartUpload": ("IfMatch", "IfNoneMatch"),
    "DeleteObject": ("IfMatch",),
    "CopyObject": ("IfMatch",),
}


class SdkTooOld(RuntimeError):
    """The runtime's botocore cannot send the conditional writes the function relies on."""


def missing_parameters(s3_model: ServiceModel) -> list[str]:
    """The parameters of CONDITIONAL_PARAMETERS that `s3_model` lacks, as "Operation.Parameter"."""
    missing = []
    for operation, parameters in CONDITIONAL_PARAMETERS.items():
        shape = s3_model.operation_model(operation).input_shape
        members = shape.members if shape is not None else {}
        missing += [f"{operation}.{name}" for name in parameters if name not in members]
    return missing


def require_conditional_writes(s3_model: ServiceModel, *, botocore_version: str) -> None:
    """Raise SdkTooOld, saying what is missing and what to do, unless `s3_model` has them all."""
    missing = missing_parameters(s3_model)
    if missing:
        raise SdkTooOld(
            f"the runtime's botocore {botocore_version} cannot send {', '.join(missing)}, which "
            "the function's conditional writes need (botocore 1.40.61 or newer): deploy "
            "to a runtime whose boto3 is newer, or bundle a pinned boto3 in the function's zip "
            "(docs/decisions/0013-runtime-boto3-checked-at-start.md)."
        )
