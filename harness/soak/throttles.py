"""The function's throttled invocations, from its AWS/Lambda metrics."""

from __future__ import annotations

import datetime as dt
from typing import Any

from providers.base import Connection


def lambda_throttles(connection: Connection, function_name: str, since: float) -> int:
    """Throttled invocations of the function since `since` (time.time()), from AWS/Lambda.

    A throttled event is retried until its maximum age, so throttles alone lose nothing.
    """
    cloudwatch: Any = connection.session().client(
        "cloudwatch", endpoint_url=connection.endpoint_url
    )
    points = cloudwatch.get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName="Throttles",
        Dimensions=[{"Name": "FunctionName", "Value": function_name}],
        StartTime=dt.datetime.fromtimestamp(since - 60, tz=dt.UTC),
        EndTime=dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=1),
        Period=60,
        Statistics=["Sum"],
    )["Datapoints"]
    return int(sum(point.get("Sum", 0) for point in points))
