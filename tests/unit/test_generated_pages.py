"""The generated evidence pages, as committed, were rendered from the code that is committed.

docs/reliability.md and docs/emulator-gaps.md mark a record stale when it was made on other code
than the page was rendered from (harness/commits.py). That holds only if the page was rendered
from the code it is committed with: a commit that changes the code without rendering the pages
again would leave old records looking current. Rendering needs no new run (`make reliability`,
`make emulator-gaps` mark the affected rows stale); `make test` renders both at its end.
"""

from __future__ import annotations

import re
import subprocess

import pytest

from harness.commits import code_fingerprint
from kit.paths import REPO_ROOT

PAGES = {
    "docs/reliability.md": "make reliability",
    "docs/emulator-gaps.md": "make emulator-gaps",
}
RENDERED_FROM = re.compile(r"stale \(the code is `(?P<code>[0-9a-f]+|unknown)` at [0-9a-f]+\)")


def committed(path: str) -> str:
    return subprocess.run(
        ["git", "show", f"HEAD:{path}"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.parametrize("path", sorted(PAGES))
def test_the_committed_page_was_rendered_from_the_committed_code(path: str) -> None:
    found = RENDERED_FROM.search(committed(path))
    assert found is not None, f"{path} as committed does not say which code it was rendered from"
    head = code_fingerprint("HEAD")
    assert found["code"] == head, (
        f"{path} was rendered from code {found['code']}, but HEAD's code is {head}: its records "
        f"may describe code that changed. Run `{PAGES[path]}` (it marks them stale) or `make "
        "test`, and commit the page with the code."
    )
