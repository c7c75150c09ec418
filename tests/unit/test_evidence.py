"""`make evidence` without a deployment: the console links of a real account, the Markdown and
HTML of a report (a failed check named, text escaped), and a PNG that is one, or a clear error."""

from __future__ import annotations

import datetime
import shutil
import struct
from pathlib import Path

import pytest

from harness import evidence
from harness.checks import Check, Checks, Repairs
from harness.evidence import EvidenceError, console_link, markdown, page, png_size
from harness.readers.base import PlannedResource
from harness.verify import Report

GENERATED_AT = datetime.datetime(2026, 12, 1, 23, 0, tzinfo=datetime.UTC)
BUCKET = PlannedResource(
    "module.source.aws_s3_bucket.this",
    "aws_s3_bucket",
    {
        "bucket": "pipesum-dev-source",
        "arn": "arn:aws:s3:::pipesum-dev-source",
        "tags_all": {"GitCommit": "0123456789abcdef0123"},
    },
)
LOG_GROUP = PlannedResource(
    "aws_cloudwatch_log_group.function",
    "aws_cloudwatch_log_group",
    {"name": "/aws/lambda/pipesum-dev"},
)


def report(*checks: Check) -> Report:
    collected = Checks()
    for check in checks:
        collected.add(check)
    return Report(
        target="aws (dev)",
        region="eu-west-1",
        commit="0123456789abcdef0123",
        checks=collected,
        resources=[BUCKET, LOG_GROUP],
        repairs=Repairs.aws("dev"),
        console_region="eu-west-1",
    )


def test_console_links_open_each_resource_and_double_encode_a_log_group() -> None:
    assert console_link(BUCKET, "eu-west-1") == (
        "https://s3.console.aws.amazon.com/s3/buckets/pipesum-dev-source?region=eu-west-1"
    )
    # The CloudWatch console expects the log group's name URL-encoded twice.
    assert console_link(LOG_GROUP, "eu-west-1") == (
        "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1"
        "#logsV2:log-groups/log-group/%252Faws%252Flambda%252Fpipesum-dev"
    )
    unlinked = PlannedResource("aws_s3_bucket_policy.this", "aws_s3_bucket_policy", {})
    assert console_link(unlinked, "eu-west-1") is None


def test_the_markdown_counts_checks_per_resource_and_names_the_failed_ones() -> None:
    text = markdown(
        report(
            Check(BUCKET.address, "versioning", "Enabled", "Enabled"),
            Check(BUCKET.address, "tag GitCommit", "0123", "9999"),
            Check("drift", "planned changes", "", "a | b\nc"),
        ),
        region="eu-west-1",
        generated_at=GENERATED_AT,
    )

    lines = text.splitlines()
    assert lines[:6] == [
        "# pipesum deployment evidence",
        "",
        "- Target: aws (dev)",
        "- Commit: `0123456789abcdef0123`",
        "- Generated: 2026-12-01T23:00:00+00:00",
        "- Result: **1 of 3 checks passed** on 2 resources",
    ]
    assert lines[9] == (
        "| aws_s3_bucket | `module.source.aws_s3_bucket.this` | "
        "`arn:aws:s3:::pipesum-dev-source` | 0123456789ab | 1/2 ok; FAILED: tag GitCommit | "
        "[open](https://s3.console.aws.amazon.com/s3/buckets/pipesum-dev-source?region=eu-west-1) |"
    )
    assert lines[-1] == "| **FAIL** | `drift` | planned changes | `` | `a \\| b c` |"


def test_off_aws_the_markdown_has_no_console_links_and_long_values_are_cut() -> None:
    text = markdown(
        report(Check(BUCKET.address, "policy", "x" * 100, "x" * 100)),
        region=None,
        generated_at=GENERATED_AT,
    )

    assert "[open]" not in text
    assert (
        text.splitlines()[-1]
        == f"| ok | `{BUCKET.address}` | policy | `{'x' * 79}…` | `{'x' * 79}…` |"
    )


def test_the_page_escapes_what_it_shows_and_lists_checks_of_no_resource() -> None:
    html = page(
        report(
            Check(BUCKET.address, "tag <script>", "a", "b"),
            Check("drift", "planned changes", [], []),
        ),
        region="eu-west-1",
        generated_at=GENERATED_AT,
    )

    assert "tag &lt;script&gt;" in html
    assert "<script>" not in html
    assert '<td class="bad">0/1</td>' in html
    assert (
        '<tr><td>check</td><td><code>drift</code></td><td></td><td></td><td class="good">1/1</td>'
        "<td>planned changes</td></tr>"
    ) in html
    assert '<span class="verdict bad">1 of 2 checks passed on\n2 resources</span>' in html
    assert "<script" not in html
    assert 'href="https://' in html  # console links, no other external resource
    assert "src=" not in html


def png_header(width: int, height: int) -> bytes:
    return (
        b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", width, height)
    )


def test_the_png_size_is_read_from_its_header_and_a_non_png_is_refused(tmp_path: Path) -> None:
    picture = tmp_path / "report.png"
    picture.write_bytes(png_header(2400, 1000) + b"\x08\x06\x00\x00\x00")
    not_a_picture = tmp_path / "report.html"
    not_a_picture.write_text("<!doctype html>")

    assert png_size(picture) == (2400, 1000)
    with pytest.raises(ValueError, match=r"report\.html is not a PNG file"):
        png_size(not_a_picture)


def test_without_chromium_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _: None)

    with pytest.raises(EvidenceError, match=r"apt-get install chromium.*were written"):
        evidence.find_chromium()


def test_a_chromium_that_fails_is_reported_with_its_exit_and_last_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "chromium"
    broken.write_text("#!/bin/sh\necho 'no display' >&2\nexit 3\n")
    broken.chmod(0o755)
    monkeypatch.setattr(evidence, "find_chromium", lambda: str(broken))
    html = tmp_path / "report.html"
    html.write_text("<!doctype html>")

    with pytest.raises(
        EvidenceError, match=r"could not render .*report\.html \(exit 3\):\nno display"
    ):
        evidence.render_png(html, tmp_path / "report.png", rows=3)
