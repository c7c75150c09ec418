"""The deployment package is reproducible: the same source gives the same bytes."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest

from harness.package import FIXED_DATE_TIME, build_zip, code_sha256, main, package_files


def test_building_twice_gives_identical_bytes(tmp_path: Path) -> None:
    first = build_zip(tmp_path / "a.zip").read_bytes()
    second = build_zip(tmp_path / "b.zip").read_bytes()
    assert first == second


def test_entries_are_sorted_with_fixed_times_and_modes(tmp_path: Path) -> None:
    with zipfile.ZipFile(build_zip(tmp_path / "f.zip")) as archive:
        infos = archive.infolist()
    names = [info.filename for info in infos]
    assert names == sorted(names)
    assert {info.date_time for info in infos} == {FIXED_DATE_TIME}
    assert {info.external_attr >> 16 for info in infos} == {0o100644}


def test_package_holds_the_handler_and_no_caches_or_tests(tmp_path: Path) -> None:
    with zipfile.ZipFile(build_zip(tmp_path / "f.zip")) as archive:
        names = set(archive.namelist())
    assert "pipesum/handler.py" in names
    assert "pipesum/transform.py" in names
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]
    assert not [name for name in names if not name.startswith("pipesum/")]


def test_package_content_ignores_file_times(tmp_path: Path) -> None:
    source = tmp_path / "function" / "pkg"
    source.mkdir(parents=True)
    module = source / "m.py"
    module.write_text("X = 1\n")
    first = build_zip(tmp_path / "1.zip", function_dir=tmp_path / "function").read_bytes()
    module.touch()
    (source / "__pycache__").mkdir()
    (source / "__pycache__" / "m.cpython-311.pyc").write_bytes(b"\0")
    second = build_zip(tmp_path / "2.zip", function_dir=tmp_path / "function").read_bytes()
    assert first == second
    assert [p.name for p in package_files(tmp_path / "function")] == ["m.py"]


def test_code_sha256_is_base64_of_the_zip_digest_as_lambda_reports_it(tmp_path: Path) -> None:
    path = tmp_path / "x.zip"
    path.write_bytes(b"abc")
    assert code_sha256(path) == "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="


def test_make_build_writes_the_zip_where_told_and_prints_its_size_and_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "out" / "function.zip"
    monkeypatch.setattr(sys, "argv", ["harness.package", "--output", str(output)])

    main()

    assert capsys.readouterr().out == (
        f"built {output} ({output.stat().st_size} bytes, CodeSha256 {code_sha256(output)})\n"
    )
    assert not output.with_suffix(".zip.partial").exists()
