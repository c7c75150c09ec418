"""`make diagram`: docs/architecture.png, the deployed architecture drawn with `diagrams`.

Runs in its own virtualenv (.venv-diagram, requirements/diagram.txt) and needs Graphviz's `dot`
(Debian: `apt-get install graphviz`; `make graphviz` does it as root). The picture follows the
Terraform root: an S3 "Object Created" event of the source bucket reaches the function through an
EventBridge rule scoped to that bucket; the function writes the output, or a rejection report,
to the destination bucket under the same key. Each of the two delivery layers ends in its own
SQS failure queue; one KMS key encrypts the buckets, queues, topic, log group and environment.

The same source and Graphviz version give the same PNG: every node has a fixed id (not the
random one diagrams makes), and the file is written only when its bytes change.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from kit.paths import REPO_ROOT

DEFAULT_OUTPUT = REPO_ROOT / "docs" / "architecture.png"

FAILURE = {"color": "#C0392B", "fontcolor": "#C0392B", "style": "dashed"}
OBSERVE = {"color": "#7B8894", "fontcolor": "#596275", "style": "dotted"}


class DiagramError(RuntimeError):
    """The diagram cannot be rendered; the message says what to install or run."""


def check_setup() -> None:
    """Graphviz's `dot` on PATH, and the `diagrams` package importable."""
    if shutil.which("dot") is None:
        raise DiagramError(
            "Graphviz's `dot` is not on PATH: run `make graphviz` (as root on Debian/Ubuntu it "
            "runs apt-get install graphviz), or install Graphviz (https://graphviz.org/download/)."
        )
    try:
        import diagrams  # noqa: F401, PLC0415 - only checked for here
    except ModuleNotFoundError as error:
        raise DiagramError(
            "the `diagrams` package is missing: run `make diagram`, which creates .venv-diagram "
            "from requirements/diagram.txt and runs this module with it."
        ) from error


def draw(filename: Path) -> None:
    """Render the architecture to `filename` + ".png"."""
    # Imported here: only .venv-diagram has diagrams, and check_setup() explains its absence.
    from diagrams import Cluster, Diagram, Edge  # noqa: PLC0415
    from diagrams.aws.compute import Lambda  # noqa: PLC0415
    from diagrams.aws.integration import SNS, SQS, EventbridgeRule  # noqa: PLC0415
    from diagrams.aws.management import CloudwatchAlarm, CloudwatchLogs  # noqa: PLC0415
    from diagrams.aws.security import KMS, IAMRole  # noqa: PLC0415
    from diagrams.aws.storage import S3  # noqa: PLC0415

    def edge(label: str = "", **attrs: str) -> Any:
        return Edge(label=label, **attrs)

    with Diagram(
        "pipesum: S3 -> EventBridge -> Lambda -> S3",
        filename=str(filename),
        direction="LR",
        outformat="png",
        show=False,
        graph_attr={
            "splines": "spline",  # ortho cannot place edge labels
            "pad": "0.5",
            "nodesep": "0.7",
            "ranksep": "1.1",
            "fontsize": "20",
            "labelloc": "t",
            "dpi": "96",
        },
        node_attr={"fontsize": "12"},
        edge_attr={"fontsize": "11"},
    ):
        with Cluster("Pipeline"):
            source = S3("source bucket\nSSE-KMS, versioned", nodeid="source")
            rule = EventbridgeRule(
                "EventBridge rule\nObject Created,\nsource bucket only", nodeid="rule"
            )
            function = Lambda(
                "Lambda pipesum\npython3.13 / arm64\nreads rows 1-2\n(ranged GET)",
                nodeid="function",
            )
            role = IAMRole("execution role\nleast privilege", nodeid="role")
            destination = S3(
                "destination bucket\n<key>: input + sum\n_rejected/<key>.json",
                nodeid="destination",
            )

        with Cluster("Failure handling"):
            event_dlq = SQS("event-dlq (SQS)\nDLQ of the\nrule target", nodeid="event_dlq")
            failures = SQS("function-failures\n(SQS) on-failure\ndestination", nodeid="failures")

        with Cluster("Observability"):
            logs = CloudwatchLogs("CloudWatch Logs\n/aws/lambda/<fn>", nodeid="logs")
            alarms = CloudwatchAlarm(
                "CloudWatch alarms\nerrors, throttles,\nfailed invocations,\nqueue depth, age",
                nodeid="alarms",
            )
            topic = SNS("alarm topic (SNS)\noptional e-mail", nodeid="topic")
            access_logs = S3(
                "access-log bucket\nSSE-S3 (required\nfor log delivery)", nodeid="access_logs"
            )

        with Cluster("Encryption"):
            KMS(
                "customer managed\nKMS key: encrypts\nbuckets, queues,\ntopic, log group,\n"
                "function env",
                nodeid="kms",
            )

        # The happy path, left to right.
        source >> edge("Object Created") >> rule
        rule >> edge("invoke\n(retry policy)") >> function
        function >> edge("PutObject, same key\nor rejection report") >> destination
        role >> edge("assumed by", **OBSERVE) >> function

        # Failure paths.
        rule >> edge("retries exhausted\nor event too old", **FAILURE) >> event_dlq
        function >> edge("async retries\nexhausted", **FAILURE) >> failures

        # Observability.
        function >> edge("logs", **OBSERVE) >> logs
        [event_dlq, failures] >> edge(**OBSERVE) >> alarms
        alarms >> edge("notify", **OBSERVE) >> topic
        access = edge("server access logs\n(source and destination)", **OBSERVE)
        destination >> access >> access_logs


def render(output: Path = DEFAULT_OUTPUT) -> bool:
    """Draw the diagram into `output`; True when its bytes changed."""
    check_setup()
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".diagram-", dir=output.parent) as work:
        drawn = Path(work) / "architecture"
        draw(drawn)
        png = drawn.with_suffix(".png")
        if output.is_file() and output.read_bytes() == png.read_bytes():
            return False
        png.replace(output)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="PNG to write")
    args = parser.parse_args(argv)
    try:
        changed = render(args.output)
    except DiagramError as error:
        print(f"diagram: {error}", file=sys.stderr)
        return 1
    shown = args.output.resolve()
    if shown.is_relative_to(REPO_ROOT):
        shown = shown.relative_to(REPO_ROOT)
    print(f"{'wrote' if changed else 'unchanged:'} {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
