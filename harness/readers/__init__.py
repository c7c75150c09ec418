"""The table of readers: for each resource type deployed, the attributes read back through the API.

A reader takes a resource as the code plans it (`plan -refresh=false`) and yields one check per
attribute: the planned value against the value the AWS API returns, never Terraform's. A type
without a reader is reported as a failed check, never skipped. Readers live in `s3` and
`services`, one `@reads("aws_...")` entry per resource type.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from harness.checks import Check, Checks, Kind
from harness.readers import s3, services
from harness.readers.base import (
    READERS,
    Clients,
    PlannedResource,
    error_code,
    planned_resources,
    policy,
)

__all__ = ["READERS", "Clients", "PlannedResource", "planned_resources", "policy", "read_back"]

# Importing them fills the table.
TABLES = (s3, services)
READ_BACK = "(read back)"


def read_back(resources: list[PlannedResource], clients: Clients) -> Checks:
    """Every resource's checks; a type without a reader, or a refused read, is a failed check."""
    checks = Checks()
    for resource in resources:
        reader = READERS.get(resource.type)
        if reader is None:
            checks.add(
                Check(
                    resource.address,
                    READ_BACK,
                    f"a reader for {resource.type}",
                    "none in harness/readers/",
                    Kind.UNREADABLE,
                )
            )
            continue
        try:
            checks.extend(list(reader(resource, clients)))
        except ClientError as error:
            code = error_code(error)
            checks.add(Check(resource.address, READ_BACK, "readable", code, Kind.READ_ERROR))
    return checks
