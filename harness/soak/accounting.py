"""The soak's books: the destination's contents and the failure queues' count against the
planned files, every output byte-compared and every rejection report checked for its error."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from kit.inputs import PlannedFile
from pipesum.storage import REJECTED_PREFIX

SHOWN = 10  # keys named in a message; result.json holds them all


def source_key_of_report(report_key: str) -> str | None:
    """The dropped key a rejection report is for: `_rejected/<key>.json` -> `<key>`."""
    if not (report_key.startswith(REJECTED_PREFIX) and report_key.endswith(".json")):
        return None
    return report_key[len(REJECTED_PREFIX) : -len(".json")]


@dataclass(frozen=True)
class Accounting:
    """The books of a run: what was dropped, where each file ended, and what is wrong."""

    dropped: int
    outputs: int
    reports: int
    failure_messages: int
    missing: list[str]  # dropped keys with neither an output nor a rejection report
    wrong_outputs: list[str]  # outputs whose bytes differ from the expected bytes
    outputs_for_rejected: list[str]  # outputs of files that must be rejected
    wrong_reports: list[str]  # reports for valid files, or naming the wrong error
    unexpected: list[str]  # destination keys under the prefix that no dropped file explains
    both: list[str]  # dropped keys with an output and a rejection report

    @property
    def balanced(self) -> bool:
        return self.dropped == self.outputs + self.reports + self.failure_messages

    @property
    def lost(self) -> int:
        """Files with no outcome that no failure-queue message can stand for."""
        return max(0, len(self.missing) - self.failure_messages)

    @property
    def correct(self) -> bool:
        return not (
            self.wrong_outputs
            or self.outputs_for_rejected
            or self.wrong_reports
            or self.unexpected
            or self.both
        )

    @property
    def passed(self) -> bool:
        return self.balanced and self.lost == 0 and self.correct


def report_matches(planned: PlannedFile, report_body: bytes) -> bool:
    """Whether a rejection report is for this file and names its expected error exactly."""
    try:
        report = json.loads(report_body)
    except ValueError:
        return False
    if not isinstance(report, dict):
        return False
    return (
        report.get("source_key"),
        report.get("error_code"),
        report.get("line"),
        report.get("field"),
    ) == (planned.key, planned.error_code, planned.error_line, planned.error_field)


def account(
    planned: Mapping[str, PlannedFile],
    *,
    dropped: Iterable[str],
    outputs: Mapping[str, bytes],
    reports: Mapping[str, bytes],
    failure_messages: int,
) -> Accounting:
    """Balance the books from the destination's contents (key -> bytes) and the queue counts.

    `planned` maps every key the run meant to drop to its file; `dropped` are the keys whose
    PutObject succeeded; `reports` are keyed by the report's own key (`_rejected/<key>.json`).
    """
    dropped_keys = sorted(set(dropped))
    dropped_set = set(dropped_keys)
    report_sources = {key: source_key_of_report(key) for key in reports}
    reported = {source for source in report_sources.values() if source is not None}
    unexpected = sorted(key for key in outputs if key not in planned or key not in dropped_set)
    unexpected += sorted(
        key for key, source in report_sources.items() if source is None or source not in planned
    )
    wrong_outputs, outputs_for_rejected = [], []
    for key, body in outputs.items():
        file = planned.get(key)
        if file is None:
            continue
        if file.rejected:
            outputs_for_rejected.append(key)
        elif body != file.expected_output:
            wrong_outputs.append(key)
    wrong_reports = []
    for key, source in report_sources.items():
        reported_file = planned.get(source) if source is not None else None
        if reported_file is not None and not (
            reported_file.rejected and report_matches(reported_file, reports[key])
        ):
            wrong_reports.append(reported_file.key)
    return Accounting(
        dropped=len(dropped_keys),
        outputs=len(outputs),
        reports=len(reports),
        failure_messages=failure_messages,
        missing=[key for key in dropped_keys if key not in outputs and key not in reported],
        wrong_outputs=sorted(wrong_outputs),
        outputs_for_rejected=sorted(outputs_for_rejected),
        wrong_reports=sorted(wrong_reports),
        unexpected=unexpected,
        both=sorted(key for key in dropped_keys if key in outputs and key in reported),
    )


def problems(books: Accounting, *, drop_errors: Sequence[str]) -> list[str]:
    """One line per thing that makes the run fail, naming the first keys concerned."""

    def named(keys: Sequence[str]) -> str:
        more = f" and {len(keys) - SHOWN} more" if len(keys) > SHOWN else ""
        return ", ".join(keys[:SHOWN]) + more

    found = []
    for label, keys in (
        ("PutObject failed", drop_errors),
        ("no outcome", books.missing),
        ("output bytes wrong", books.wrong_outputs),
        ("output written for a file that must be rejected", books.outputs_for_rejected),
        ("rejection report wrong or for a valid file", books.wrong_reports),
        ("destination key no dropped file explains", books.unexpected),
        ("both an output and a rejection report", books.both),
    ):
        if keys:
            found.append(f"{label} ({len(keys)}): {named(keys)}")
    if not books.balanced:
        found.append(
            f"the books do not balance: dropped {books.dropped} != outputs {books.outputs} + "
            f"reports {books.reports} + failure-queue messages {books.failure_messages}"
        )
    return found
