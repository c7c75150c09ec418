"""Loopback ports: find a free one, claim one while starting a server on it, and say which
process holds a busy one."""

from __future__ import annotations

import contextlib
import fcntl
import platform
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

_LISTEN = "0A"


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def is_listening(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


#: How long a start waits for another to finish with the port it claimed (an emulator's start).
CLAIM_TIMEOUT_SECONDS = 120.0


@contextlib.contextmanager
def claimed(port: int, timeout: float = CLAIM_TIMEOUT_SECONDS) -> Iterator[None]:
    """Hold the machine-wide claim on `port` while checking that it is free and starting what
    will listen on it: two starts that each found it free would otherwise both take it. On Linux
    the claim is an abstract socket (no file, released when the process ends); elsewhere a lock
    file in the temporary folder."""
    deadline = time.monotonic() + timeout
    with _claim(port) as take:
        while True:
            try:
                take()
                break
            except OSError as busy:
                if time.monotonic() >= deadline:
                    raise TimeoutError(
                        f"Another start held the claim on port {port} for {timeout:.0f} s "
                        f"(now listening on it: {port_holder(port)})."
                    ) from busy
                time.sleep(0.1)
        yield


@contextlib.contextmanager
def _claim(port: int) -> Iterator[Callable[[], None]]:
    """What takes the claim (raising OSError while another holds it), released on exit."""
    if platform.system() == "Linux":
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as claim:
            yield lambda: claim.bind(f"\0pipesum-port-{port}")
        return
    with (Path(tempfile.gettempdir()) / f"pipesum-port-{port}.lock").open("a") as lock:
        yield lambda: fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)


def port_holder(port: int) -> str:
    """Who listens on `port`: "pid 123 (python -m ministack)", or a hint when /proc can't tell."""
    inodes = _listening_inodes(port)
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            for fd in (proc / "fd").iterdir():
                target = fd.readlink().as_posix()
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                    return f"pid {proc.name} ({cmdline.strip()[:120]})"
        except OSError:
            continue  # the process ended, or is not ours to inspect
    return f"an unknown process (try: ss -ltnp 'sport = :{port}')"


def _listening_inodes(port: int) -> set[str]:
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == _LISTEN:
                inodes.add(fields[9])
    return inodes
