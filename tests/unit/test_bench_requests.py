"""The bench's section on S3 requests per event: its table, its verdicts, its place in the page."""

from __future__ import annotations

from pathlib import Path

from harness.bench.path_cases import PATH_CASES
from harness.bench.requests import (
    NO_MORE_THAN_BEFORE,
    REQUEST_TARGETS,
    REQUESTS_BEGIN,
    REQUESTS_END,
    PathCount,
    RequestCounts,
    requests_section,
    write_requests_section,
)

NEW_KEY, EXISTING = "new key, valid small file", "new version of a key with an output"


def counts(new_key: int, existing: int) -> RequestCounts:
    return RequestCounts(
        measured=[
            PathCount(NEW_KEY, "written", {"GetObject": 1, "PutObject": new_key - 1}),
            PathCount(EXISTING, "written", {"GetObject": 1, "PutObject": existing - 1}),
        ],
        baseline=[PathCount(NEW_KEY, "written", {"HeadObject": 3, "GetObject": 1})],
        baseline_revision="abc1234",
        buckets=["`source`: versioned"],
    )


def test_every_target_names_a_path_the_probe_measures() -> None:
    assert set(REQUEST_TARGETS) | set(NO_MORE_THAN_BEFORE) <= {case[0] for case in PATH_CASES}


def test_a_path_allowed_no_more_than_before_is_judged_against_the_baseline() -> None:
    rejected, large, never = NO_MORE_THAN_BEFORE[0], NO_MORE_THAN_BEFORE[-1], NO_MORE_THAN_BEFORE[1]
    section = requests_section(
        RequestCounts(
            measured=[
                PathCount(rejected, "rejected", {"GetObject": 1, "HeadObject": 2, "PutObject": 1}),
                PathCount(large, "written", {"HeadObject": 4, "GetObject": 2}),
                PathCount(never, "rejected", {"GetObject": 1}),
            ],
            baseline=[
                PathCount(rejected, "rejected", {"HeadObject": 3, "GetObject": 1, "PutObject": 1}),
                PathCount(large, "written", {"HeadObject": 3, "GetObject": 2}),
            ],
            baseline_revision="abc1234",
            buckets=[],
        )
    )
    assert f"- {rejected}: no more than before (issue 16): 4 (before 5), met" in section
    assert f"- {large}: no more than before (issue 16): 6 (before 5), **not met**" in section
    assert f"- {never}: no more than before: not counted before" in section


def test_the_table_sets_each_path_beside_the_baseline_and_says_which_target_is_missed() -> None:
    section = requests_section(counts(new_key=3, existing=5))
    assert f"| {NEW_KEY} | written | **3**: Get 1, Put 2 | **4**: Head 3, Get 1 |" in section
    assert f"| {EXISTING} | written | **5**: Get 1, Put 4 | — |" in section
    assert f"- {NEW_KEY}: at most 3 (issue 16): 3, met" in section
    assert f"- {EXISTING}: at most 4 (issue 16): 5, **not met**" in section


def test_the_section_replaces_its_earlier_self_and_nothing_else(tmp_path: Path) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text(f"# Benchmarks\n\nbefore\n\n{REQUESTS_BEGIN}\nold\n{REQUESTS_END}\n\nafter\n")
    write_requests_section(page, f"{REQUESTS_BEGIN}\nnew\n{REQUESTS_END}")
    assert page.read_text() == (
        f"# Benchmarks\n\nbefore\n\n{REQUESTS_BEGIN}\nnew\n{REQUESTS_END}\n\nafter\n"
    )


def test_a_page_without_the_section_gets_it_at_its_end(tmp_path: Path) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text("# Benchmarks\n\nresults\n")
    write_requests_section(page, f"{REQUESTS_BEGIN}\nnew\n{REQUESTS_END}")
    assert page.read_text() == f"# Benchmarks\n\nresults\n\n{REQUESTS_BEGIN}\nnew\n{REQUESTS_END}\n"
