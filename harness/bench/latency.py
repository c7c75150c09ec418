"""End-to-end latency of the sample through the deployed pipeline: drop to output visible."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from botocore.exceptions import ClientError

from harness.pipeline import Pipeline
from kit.paths import REPO_ROOT
from kit.statistics import percentile

SAMPLE = REPO_ROOT / "triggerFile.txt"
LATENCY_DEADLINE = 30.0


@dataclass
class Latency:
    """The first drop's seconds (a cold worker), and those of the drops after it."""

    cold: float
    samples: list[float]

    @property
    def p50(self) -> float:
        return percentile(self.samples, 0.5)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 0.95)


def drop_latencies(pipeline: Pipeline, drops: int) -> Latency:
    """Seconds from the PutObject of the sample to its output being visible, `drops` times."""
    sample = SAMPLE.read_bytes()
    destination = pipeline.outputs.destination_bucket
    prefix = f"latency-{uuid.uuid4().hex[:8]}"

    def once(key: str) -> float:
        started = time.perf_counter()
        pipeline.drop(key, sample)
        while True:
            try:
                pipeline.s3.head_object(Bucket=destination, Key=key)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") not in {"404", "NoSuchKey"}:
                    raise
                if time.perf_counter() - started > LATENCY_DEADLINE:
                    raise TimeoutError(
                        f"no output for {key} after {LATENCY_DEADLINE:.0f} s"
                    ) from None
                time.sleep(0.005)
                continue
            return time.perf_counter() - started

    cold = once(f"{prefix}/cold.txt")
    return Latency(cold, [once(f"{prefix}/{index:02d}.txt") for index in range(drops)])
