"""A port's claim: one start at a time checks that it is free and starts what listens on it, so
two sandboxes started at once (two clones, or the two test runs of `make test`) never both take
4566."""

from __future__ import annotations

from pathlib import Path

import pytest

from providers import ports
from providers.ports import claimed, free_port


def test_a_claim_is_free_again_once_released() -> None:
    port = free_port()
    with claimed(port):
        pass
    with claimed(port, timeout=0):
        pass


def a_second_claim_times_out(port: int) -> None:
    with (
        claimed(port),
        pytest.raises(TimeoutError, match=f"claim on port {port} for 0 s"),
        claimed(port, timeout=0.2),
    ):
        pass


def test_a_claim_held_too_long_says_so() -> None:
    a_second_claim_times_out(free_port())


def test_claims_on_other_ports_do_not_wait() -> None:
    with claimed(free_port()), claimed(free_port(), timeout=0):
        pass


def test_elsewhere_than_linux_the_claim_is_a_lock_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ports.platform, "system", lambda: "Darwin")
    monkeypatch.setattr(ports.tempfile, "gettempdir", lambda: str(tmp_path))
    port = free_port()
    a_second_claim_times_out(port)
    assert (tmp_path / f"pipesum-port-{port}.lock").is_file()
    with claimed(port, timeout=0):
        pass
