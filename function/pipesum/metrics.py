"""Custom metrics as CloudWatch Embedded Metric Format lines: no API call, no extra permission."""

from __future__ import annotations

import json
import time

NAMESPACE = "pipesum"


def emf_line(metric: str, *, function_name: str, properties: dict[str, object]) -> str:
    """One EMF log line that counts 1 of `metric` for the function; print it to stdout."""
    return json.dumps(
        {
            "_aws": {
                "Timestamp": int(time.time() * 1000),
                "CloudWatchMetrics": [
                    {
                        "Namespace": NAMESPACE,
                        "Dimensions": [["FunctionName"]],
                        "Metrics": [{"Name": metric, "Unit": "Count"}],
                    }
                ],
            },
            "FunctionName": function_name,
            metric: 1,
            **properties,
        },
        ensure_ascii=False,
    )
