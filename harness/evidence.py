"""`make evidence`: the verify report as Markdown, a self-contained HTML page, and a PNG of it.

The PNG is the picture to hand in: every deployed resource, the attributes read back through the
API against the code, the commit, and (on a real account) a console link per resource.
"""

from __future__ import annotations

import datetime
import html
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

from harness.verify import Check, PlannedResource, Report
from kit.paths import REPO_ROOT

EVIDENCE_DIR = REPO_ROOT / "evidence"
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
PAGE_WIDTH = 2400
ROW_HEIGHT = 36  # px, with room for an attribute list that wraps once
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class EvidenceError(RuntimeError):
    """The evidence could not be rendered; the message says what to install or do."""


def console_link(resource: PlannedResource, region: str) -> str | None:
    """The AWS console page of a resource, for reports on a real account."""
    values, console = resource.values, f"https://{region}.console.aws.amazon.com"
    links = {
        "aws_s3_bucket": lambda: (
            f"https://s3.console.aws.amazon.com/s3/buckets/{values['bucket']}?region={region}"
        ),
        "aws_lambda_function": lambda: (
            f"{console}/lambda/home?region={region}#/functions/{values['function_name']}"
        ),
        "aws_cloudwatch_event_rule": lambda: (
            f"{console}/events/home?region={region}#/eventbus/default/rules/{values['name']}"
        ),
        "aws_iam_role": lambda: (
            f"https://console.aws.amazon.com/iam/home#/roles/details/{values['name']}"
        ),
        "aws_cloudwatch_log_group": lambda: (
            f"{console}/cloudwatch/home?region={region}#logsV2:log-groups/log-group/"
            + quote(quote(values["name"], safe=""), safe="")
        ),
        "aws_kms_key": lambda: f"{console}/kms/home?region={region}#/kms/keys/{values['key_id']}",
        "aws_sqs_queue": lambda: (
            f"{console}/sqs/v3/home?region={region}#/queues/{quote(values['url'], safe='')}"
        ),
        "aws_sns_topic": lambda: f"{console}/sns/v3/home?region={region}#/topic/{values['arn']}",
        "aws_cloudwatch_metric_alarm": lambda: (
            f"{console}/cloudwatch/home?region={region}#alarmsV2:alarm/{values['alarm_name']}"
        ),
    }
    make = links.get(resource.type)
    return make() if make is not None else None


def _checks_by_resource(report: Report) -> dict[str, list[Check]]:
    grouped: dict[str, list[Check]] = defaultdict(list)
    for check in report.checks:
        grouped[check.resource].append(check)
    return grouped


def markdown(report: Report, *, region: str | None, generated_at: datetime.datetime) -> str:
    grouped = _checks_by_resource(report)
    lines = [
        "# pipesum deployment evidence",
        "",
        f"- Target: {report.target}",
        f"- Commit: `{report.commit}`",
        f"- Generated: {generated_at.isoformat(timespec='seconds')}",
        (
            f"- Result: **{len(report.checks) - len(report.failures)} of {len(report.checks)} "
            f"checks passed** on {len(report.resources)} resources"
        ),
        "",
        "| type | resource | ARN / id | GitCommit tag | checks | console |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for resource in report.resources:
        checks = grouped.get(resource.address, [])
        failed = [check for check in checks if not check.ok]
        verdict = f"{len(checks) - len(failed)}/{len(checks)} ok" + (
            "; FAILED: " + ", ".join(check.attribute for check in failed) if failed else ""
        )
        link = console_link(resource, region) if region else None
        lines.append(
            f"| {resource.type} | `{resource.address}` | {_identifier(resource)} | "
            f"{(resource.values.get('tags_all') or {}).get('GitCommit', '')[:12]} | {verdict} | "
            f"{f'[open]({link})' if link else ''} |"
        )
    lines += ["", "## Every check", "", "| | resource | attribute | expected | found |"]
    lines.append("| --- | --- | --- | --- | --- |")
    for check in report.checks:
        lines.append(
            f"| {'ok' if check.ok else '**FAIL**'} | `{check.resource}` | {check.attribute} | "
            f"{_cell(check.expected)} | {_cell(check.found)} |"
        )
    return "\n".join(lines) + "\n"


def _identifier(resource: PlannedResource) -> str:
    values = resource.values
    for name in ("arn", "url", "bucket", "id"):
        if isinstance(values.get(name), str) and values[name]:
            return f"`{values[name]}`"
    return ""


def _cell(value: object, limit: int = 80) -> str:
    text = str(value).replace("|", "\\|").replace("\n", " ")
    return f"`{text[: limit - 1]}…`" if len(text) > limit else f"`{text}`"


def page(report: Report, *, region: str | None, generated_at: datetime.datetime) -> str:
    """A self-contained HTML page (inline CSS, no scripts, no external resources)."""
    grouped = _checks_by_resource(report)
    passed = len(report.checks) - len(report.failures)
    rows = []
    for resource in report.resources:
        checks = grouped.get(resource.address, [])
        failed = [check for check in checks if not check.ok]
        link = console_link(resource, region) if region else None
        attributes = ", ".join(
            f'<span class="{_state(check.ok)}">{html.escape(check.attribute)}</span>'
            for check in checks
        )
        console = f'<br><a href="{html.escape(link)}">console</a>' if link else ""
        commit = (resource.values.get("tags_all") or {}).get("GitCommit", "")[:12]
        rows.append(
            f"<tr><td>{html.escape(resource.type)}</td>"
            f"<td><code>{html.escape(resource.address)}</code>{console}</td>"
            f"<td><code>{html.escape(_identifier(resource).strip('`'))}</code></td>"
            f"<td>{html.escape(commit)}</td>"
            f'<td class="{_state(not failed)}">{len(checks) - len(failed)}/{len(checks)}</td>'
            f'<td class="attributes">{attributes}</td></tr>'
        )
    addresses = {resource.address for resource in report.resources}
    rows.extend(
        f"<tr><td>check</td><td><code>{html.escape(check.resource)}</code></td><td></td><td></td>"
        f'<td class="{_state(check.ok)}">{int(check.ok)}/1</td>'
        f"<td>{html.escape(check.attribute)}</td></tr>"
        for check in report.checks
        if check.resource not in addresses
    )
    verdict_class = "good" if not report.failures else "bad"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>pipesum deployment evidence</title>
<style>
body {{ font: 13px/1.4 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px;
       color: #1f2328; width: {PAGE_WIDTH - 48}px; }}
h1 {{ font-size: 22px; margin: 0 0 8px; }}
.meta {{ margin-bottom: 14px; }} .meta code {{ background: #f6f8fa; padding: 1px 4px; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #d0d7de; padding: 4px 6px; text-align: left; vertical-align: top; }}
th {{ background: #f6f8fa; }} code {{ font-size: 12px; white-space: nowrap; }}
.good {{ color: #1a7f37; }} .bad {{ color: #cf222e; font-weight: bold; }}
.verdict {{ font-size: 16px; }} td.attributes {{ min-width: 420px; }}
</style></head><body>
<h1>pipesum: what is deployed is what the code says</h1>
<div class="meta">Target: <code>{html.escape(report.target)}</code> &middot;
commit <code>{html.escape(report.commit)}</code> &middot;
generated {html.escape(generated_at.isoformat(timespec="seconds"))}<br>
<span class="verdict {verdict_class}">{passed} of {len(report.checks)} checks passed on
{len(report.resources)} resources</span> (terraform plan without refresh = expected;
AWS API = found; plus drift, the artifact hash and a live probe)</div>
<table><tr><th>type</th><th>resource</th><th>ARN / id</th><th>GitCommit</th><th>checks</th>
<th>attributes read back (green: equal to the code)</th></tr>
{"".join(rows)}
</table></body></html>
"""


def _state(ok: bool) -> str:
    return "good" if ok else "bad"


def find_chromium() -> str:
    for candidate in CHROMIUM_CANDIDATES:
        path = shutil.which(candidate)
        if path:
            return path
    raise EvidenceError(
        "Chromium is needed to render the PNG: `apt-get install chromium` (Debian/Ubuntu), "
        "then run this again. The Markdown and HTML reports were written."
    )


def render_png(html_path: Path, png_path: Path, *, rows: int) -> Path:
    """Screenshot the page with headless Chromium, sized to fit every row."""
    height = 220 + ROW_HEIGHT * rows
    with tempfile.TemporaryDirectory(prefix="pipesum-chromium-") as profile:
        result = subprocess.run(
            [
                find_chromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                f"--window-size={PAGE_WIDTH},{height}",
                f"--screenshot={png_path}",
                html_path.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    if result.returncode != 0 or not png_path.exists():
        raise EvidenceError(
            f"Chromium could not render {html_path} (exit {result.returncode}):\n"
            + "\n".join(result.stderr.strip().splitlines()[-10:])
        )
    return png_path


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk; ValueError when it is not a PNG."""
    head = path.read_bytes()[:24]
    if head[:8] != PNG_SIGNATURE or head[12:16] != b"IHDR":
        raise ValueError(f"{path} is not a PNG file")
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def write_evidence(report: Report, directory: Path, *, region: str | None) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    written = {
        "markdown": directory / "report.md",
        "html": directory / "report.html",
        "png": directory / "report.png",
    }
    written["markdown"].write_text(markdown(report, region=region, generated_at=now))
    written["html"].write_text(page(report, region=region, generated_at=now))
    rows = len(report.resources) + len(
        {check.resource for check in report.checks} - {r.address for r in report.resources}
    )
    render_png(written["html"], written["png"], rows=rows)
    return written


def main(argv: list[str] | None = None) -> int:
    from harness import verify as verify_command  # noqa: PLC0415  (runs the same verify)

    parser = verify_command.arguments(__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=EVIDENCE_DIR)
    args = parser.parse_args(argv)
    report = verify_command.report_for(args)
    if report is None:
        return 1
    for line in report.lines():
        print(line)
    try:
        written = write_evidence(report, args.output, region=report.console_region)
    except EvidenceError as error:
        print(f"error: {error}")
        return 1
    width, height = png_size(written["png"])
    for kind, path in written.items():
        print(f"wrote {kind}: {path}" + (f" ({width}x{height})" if kind == "png" else ""))
    return 0 if not report.failures else 1


if __name__ == "__main__":
    sys.exit(main())
