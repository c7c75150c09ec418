"""MiniStack, the embedded default target: an AWS emulator run as a child process on loopback.

MiniStack pins botocore exactly, so it runs from its own virtualenv (.venv-emulator, made by
`make venv` from requirements/emulator.txt). Its Python Lambdas run in worker processes of that
same interpreter, which is why boto3 is pinned there too: it plays the Lambda runtime's boto3.
It runs with the fixes in providers/patches/ministack/ applied (providers/ministack_patches.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from kit.paths import REPO_ROOT
from providers.base import Connection, Target, TargetError
from providers.ministack_patches import patched_overlay
from providers.ports import free_port, is_listening, port_holder
from providers.terraform_services import SERVICES

DEFAULT_PYTHON = REPO_ROOT / ".venv-emulator" / "bin" / "python"
DEFAULT_PORT = 4566
REGION = "us-east-1"
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0

# tflocal writes every endpoint as http://, except a service whose <SERVICE>_ENDPOINT variable is
# set: for a TLS emulator, the services the Terraform root calls (tflocal's names are the same).
TLS_TERRAFORM_SERVICES = SERVICES
# Trust settings of the caller that would hide the emulator's certificate from its Lambda workers.
CA_VARIABLES = ("AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")


class MiniStack(Target):
    """Starts `python -m ministack` on 127.0.0.1 and stops it (with its Lambda workers)."""

    name = "ministack"
    terraform_command = "tflocal"
    stop_discards_deployments = True
    limitations = (
        "S3 events in EventBridge carry the sequencer but no version-id.",
        (
            "Lambda runs in a local Python worker (the emulator's interpreter), not on the "
            "python3.13/arm64 runtime; the REPORT line's Max Memory Used is not measured."
        ),
        "IAM is not enforced unless AUTH=true.",
    )

    def __init__(
        self,
        *,
        port: int | None = None,
        state_dir: Path,
        python: Path | None = None,
        extra_env: dict[str, str] | None = None,
        enforce_iam: bool = False,
        tls: bool = False,
        patched: bool = True,
    ) -> None:
        """`enforce_iam`: AUTH=true, so IAM, resource and key policies are evaluated and the
        function runs under its role. `tls`: USE_SSL=1, HTTPS only, with a self-signed certificate
        the emulator makes at start (`cert_path`), which its Lambda workers trust by themselves.
        `patched`: with pipesum's fixes (docs/emulator-gaps.md); False runs MiniStack as upstream
        ships it, to reproduce what the fixes are for.
        """
        self.port = port if port is not None else free_port()
        self.state_dir = state_dir
        self.python = python or Path(os.environ.get("MINISTACK_PYTHON", DEFAULT_PYTHON))
        self.extra_env = extra_env or {}
        self.enforce_iam = enforce_iam
        self.tls = tls
        self.patched = patched
        self.pid: int | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.state_dir / "ministack.log"

    @property
    def pid_path(self) -> Path:
        return self.state_dir / "ministack.pid"

    @property
    def description(self) -> str:
        return f"MiniStack on {self.endpoint_url}"

    @property
    def endpoint_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def cert_path(self) -> Path:
        """The self-signed certificate a TLS emulator serves (MiniStack: $TMPDIR/ministack-tls)."""
        return self.state_dir / "ministack-tls" / "server.crt"

    def connection(self) -> Connection:
        terraform_env = {
            # tflocal: path-style S3 on loopback; no nag about its successor.
            "S3_HOSTNAME": "localhost",
            "DISABLE_DEPRECATION_NOTICE": "1",
        }
        if self.tls:
            # The certificate names localhost and 127.0.0.1; S3 stays path-style on localhost.
            terraform_env |= {
                f"{service.upper()}_ENDPOINT": f"https://localhost:{self.port}"
                for service in TLS_TERRAFORM_SERVICES
            }
        return Connection(
            region=REGION,
            endpoint_url=self.endpoint_url,
            # Under AUTH=true "test" is the account's root: every permission, no signature check.
            access_key_id="test",
            secret_access_key="test",  # noqa: S106  (the emulator's fixed test credentials)
            terraform_env=terraform_env,
            ca_bundle=str(self.cert_path) if self.tls else None,
        )

    def start(self) -> Connection:
        if self.running():
            return self.connection()
        if not self.python.exists():
            raise TargetError(
                f"MiniStack's virtualenv is missing ({self.python}). Run `make venv` first."
            )
        if is_listening(self.port):
            raise TargetError(
                f"Port {self.port} is already in use by {port_holder(self.port)}. "
                "Stop that process, or choose another port."
            )
        self.state_dir.mkdir(parents=True, exist_ok=True)
        env = os.environ.copy()
        for leaked in (
            "AWS_ENDPOINT_URL",
            "AWS_PROFILE",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
        ):
            env.pop(leaked, None)
        env |= {
            "GATEWAY_PORT": str(self.port),
            "BIND_HOST": "127.0.0.1",
            "MINISTACK_REGION": REGION,
            "S3_DATA_DIR": str(self.state_dir / "s3"),
            "TMPDIR": str(self.state_dir),
        }
        env.pop("PYTHONPATH", None)
        if self.patched:
            env["PYTHONPATH"] = str(patched_overlay(self.python))
        if self.enforce_iam:
            env["AUTH"] = "true"
        if self.tls:
            env["USE_SSL"] = "1"
            # MiniStack points its Lambda workers at https://127.0.0.1 and gives them a bundle of
            # the system roots plus its certificate, unless these already name another one.
            for variable in CA_VARIABLES:
                env.pop(variable, None)
        env |= self.extra_env
        with self.log_path.open("wb") as log:
            process = subprocess.Popen(
                [str(self.python), "-m", "ministack"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.state_dir,
                start_new_session=True,  # its own process group, so stop() reaps the workers too
            )
        self.pid, self._process = process.pid, process
        self.pid_path.write_text(f"{process.pid} {self.port}\n")
        self._wait_until_healthy(process)
        return self.connection()

    def _wait_until_healthy(self, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        last_seen = "no answer yet"
        while time.monotonic() < deadline:
            exit_code = process.poll()
            if exit_code is not None:
                self.pid, self._process = None, None
                self.pid_path.unlink(missing_ok=True)
                raise TargetError(
                    f"MiniStack exited with code {exit_code} while starting.\n"
                    f"Last lines of its log ({self.log_path}):\n{self.log_tail()}"
                )
            last_seen = self._health()
            if last_seen == "healthy":
                return
            time.sleep(0.1)
        self.stop()
        raise TargetError(
            f"MiniStack did not become healthy on {self.endpoint_url} within "
            f"{START_TIMEOUT_SECONDS:.0f} s (last seen: {last_seen}).\n"
            f"Last lines of its log ({self.log_path}):\n{self.log_tail()}"
        )

    def _health(self) -> str:
        url = f"{self.endpoint_url}/_ministack/health"
        context = None
        if self.tls:
            if not self.cert_path.exists():
                return f"no certificate yet at {self.cert_path}"
            context = ssl.create_default_context(cafile=str(self.cert_path))
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as response:  # noqa: S310  (loopback)
                services = json.load(response).get("services", {})
        except (OSError, ValueError) as error:
            return f"{url}: {error}"
        wanted = ("s3", "lambda", "events", "iam", "logs", "sts")
        missing = [name for name in wanted if services.get(name) not in {"available", "running"}]
        return "healthy" if not missing else f"services not available yet: {missing}"

    def is_healthy(self) -> bool:
        return self._health() == "healthy"

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as error:
            return f"(no log: {error})"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        pid, process = self.pid, self._process
        self.pid, self._process = None, None
        if pid is not None:
            _terminate_group(pid)
        if process is not None:
            process.wait()  # reaped already by _terminate_group; this settles the Popen object
        self.pid_path.unlink(missing_ok=True)

    def running(self) -> bool:
        return self.pid is not None and _alive(self.pid) and self.is_healthy()

    def attach(self) -> Connection:
        if not self.running():
            raise TargetError(
                "No sandbox is running. Start one with `make up` (or `make demo`); no live "
                f"MiniStack is recorded in {self.state_dir}."
            )
        return self.connection()

    @classmethod
    def recorded(cls, state_dir: Path) -> MiniStack | None:
        """The emulator a previous run left in `state_dir`, if it is still alive and healthy."""
        try:
            pid_text, port_text = (state_dir / "ministack.pid").read_text().split()
        except (OSError, ValueError):
            return None
        emulator = cls(port=int(port_text), state_dir=state_dir)
        emulator.pid = int(pid_text)
        return emulator if emulator.running() else None

    @classmethod
    def for_sandbox(cls, state_dir: Path, say: Callable[[str], object]) -> MiniStack:
        """The emulator recorded in `state_dir`, else a new one: on port 4566 when it is free,
        else on a free port (and `say` says which process holds 4566)."""
        recorded = cls.recorded(state_dir)
        if recorded is not None:
            return recorded
        port = DEFAULT_PORT
        if is_listening(port):
            port = free_port()
            say(f"- port {DEFAULT_PORT} is held by {port_holder(DEFAULT_PORT)}; using port {port}")
        return cls(port=port, state_dir=state_dir)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _terminate_group(pid: int) -> None:
    """SIGTERM the process group, then SIGKILL what is left after a grace period."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            reaped, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            reaped = pid if not _alive(pid) else 0  # not our child: started by an earlier run
        if reaped == pid:
            break
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)  # the workers, and the server if it ignored SIGTERM
