"""Build the function's deployment package reproducibly: the same source gives the same bytes.

Terraform has no archive provider here, and a zip made by `zip` or `shutil` embeds file times,
so this writes one itself: entries sorted, a fixed timestamp, fixed modes, no directory entries,
and fixed compression settings.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import zipfile
from pathlib import Path

from kit.paths import REPO_ROOT

FUNCTION_DIR = REPO_ROOT / "function"
DEFAULT_OUTPUT = REPO_ROOT / "build" / "function.zip"

# The earliest time a zip can hold; any fixed value would do.
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644  # regular file, rw-r--r--


def package_files(function_dir: Path = FUNCTION_DIR) -> list[Path]:
    """The files that go into the package: the Python sources and markers, nothing generated."""
    return sorted(
        path
        for path in function_dir.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix in {".py", ".typed"}
    )


def build_zip(output: Path = DEFAULT_OUTPUT, function_dir: Path = FUNCTION_DIR) -> Path:
    """Write the package to `output` (atomically) and return its path."""
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for path in package_files(function_dir):
            entry = zipfile.ZipInfo(path.relative_to(function_dir).as_posix(), FIXED_DATE_TIME)
            entry.external_attr = FILE_MODE << 16
            entry.create_system = 3  # Unix, so the mode above is honoured
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, path.read_bytes(), compresslevel=9)
    partial.replace(output)
    return output


def code_sha256(zip_path: Path) -> str:
    """The package's hash as Lambda reports it (CodeSha256): base64 of the SHA-256 digest."""
    return base64.b64encode(hashlib.sha256(zip_path.read_bytes()).digest()).decode("ascii")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="zip file to write")
    args = parser.parse_args()
    path = build_zip(args.output)
    size = path.stat().st_size
    print(f"built {path} ({size} bytes, CodeSha256 {code_sha256(path)})")


if __name__ == "__main__":
    main()
