"""Load the input corpus in tests/corpus: one directory per case, named for what it checks.

Each case directory holds `input` (the raw file bytes) and exactly one of:
- `expected`: the raw output bytes the pipeline must write for that input, or
- `expected.json`: the rejection, {"error_code": "...", "line": N or null, "field": N or null},
  with an optional "max_bytes" for a case that needs a size limit other than the default.

The loader does not import the transform, so end-to-end tests can use it against a deployed
pipeline. It refuses a malformed case instead of skipping it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from kit.paths import REPO_ROOT

__all__ = ["CORPUS_DIR", "DEFAULT_MAX_BYTES", "CorpusCase", "CorpusError", "load_corpus"]

CORPUS_DIR = REPO_ROOT / "tests" / "corpus"
DEFAULT_MAX_BYTES = 1024 * 1024

_INPUT = "input"
_EXPECTED = "expected"
_EXPECTED_JSON = "expected.json"
_REJECTION_KEYS = frozenset({"error_code", "line", "field"})
_OPTIONAL_KEYS = frozenset({"max_bytes"})


class CorpusError(ValueError):
    """A corpus case directory is malformed."""


@dataclass(frozen=True)
class CorpusCase:
    """One corpus case: an input file and either its expected output or its rejection."""

    name: str
    input_bytes: bytes
    expected_output: bytes | None  # None when the input must be rejected
    error_code: str | None  # an ErrorCode value, None when the input must be accepted
    error_line: int | None
    error_field: int | None
    max_bytes: int = DEFAULT_MAX_BYTES

    @property
    def rejected(self) -> bool:
        """Whether the pipeline must reject this input rather than write an output."""
        return self.error_code is not None


def load_corpus(directory: Path = CORPUS_DIR) -> list[CorpusCase]:
    """Read every case under `directory`, sorted by name; raise CorpusError for a malformed one."""
    cases = [_load_case(path) for path in sorted(directory.iterdir()) if path.is_dir()]
    if not cases:
        raise CorpusError(f"no corpus cases found in {directory}")
    return cases


def _load_case(path: Path) -> CorpusCase:
    files = {child.name for child in path.iterdir()}
    if files not in ({_INPUT, _EXPECTED}, {_INPUT, _EXPECTED_JSON}):
        raise CorpusError(
            f"corpus case {path.name!r} must hold 'input' and one of 'expected' or "
            f"'expected.json', not {sorted(files)}"
        )
    input_bytes = (path / _INPUT).read_bytes()
    if _EXPECTED in files:
        return CorpusCase(
            name=path.name,
            input_bytes=input_bytes,
            expected_output=(path / _EXPECTED).read_bytes(),
            error_code=None,
            error_line=None,
            error_field=None,
        )
    error_code, error_line, error_field, max_bytes = _read_rejection(path / _EXPECTED_JSON)
    return CorpusCase(
        name=path.name,
        input_bytes=input_bytes,
        expected_output=None,
        error_code=error_code,
        error_line=error_line,
        error_field=error_field,
        max_bytes=max_bytes,
    )


def _read_rejection(path: Path) -> tuple[str, int | None, int | None, int]:
    """Read and check an expected.json: (error_code, line, field, max_bytes)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise CorpusError(f"{path}: expected a JSON object")
    keys = set(document)
    if not _REJECTION_KEYS <= keys <= _REJECTION_KEYS | _OPTIONAL_KEYS:
        raise CorpusError(
            f"{path}: keys must be {sorted(_REJECTION_KEYS)} plus optionally "
            f"{sorted(_OPTIONAL_KEYS)}, not {sorted(keys)}"
        )
    error_code = document["error_code"]
    if not isinstance(error_code, str) or not error_code:
        raise CorpusError(f"{path}: error_code must be a non-empty string")
    return (
        error_code,
        _optional_position(document["line"], path=path, key="line"),
        _optional_position(document["field"], path=path, key="field"),
        _positive_int(document.get("max_bytes", DEFAULT_MAX_BYTES), path=path, key="max_bytes"),
    )


def _optional_position(value: object, *, path: Path, key: str) -> int | None:
    return None if value is None else _positive_int(value, path=path, key=key)


def _positive_int(value: object, *, path: Path, key: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise CorpusError(f"{path}: {key} must be a positive integer, not {value!r}")
    return value
