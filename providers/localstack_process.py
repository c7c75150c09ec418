"""LocalStack as a local process: the localstack target where no LocalStack of yours is named.

`python -m localstack.runtime.main` from its own virtualenv (.venv-localstack, requirements/
localstack-core.txt), on 127.0.0.1, with every file under the sandbox's folder (FILESYSTEM_ROOT;
OVERRIDE_IN_DOCKER=0, since these machines carry a /.dockerenv that would send it to
/var/lib/localstack). Its Lambda runs each function in a process of the runtime's Python
(.venv-lambda, with AWS's runtime interface client) through pipesum's `process` runtime executor
(providers/lambda_process/), which the overlay of providers/localstack_overlay.py registers.
"""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

from kit.paths import REPO_ROOT
from providers.base import Connection, TargetError
from providers.emulator_process import EmulatorProcess
from providers.localstack import LIMITATIONS, VERSION, connection_to
from providers.localstack_overlay import overlay
from providers.terraform_services import SERVICES

DEFAULT_PYTHON = REPO_ROOT / ".venv-localstack" / "bin" / "python"
DEFAULT_LAMBDA_PYTHON = REPO_ROOT / ".venv-lambda" / "bin" / "python"


class LocalStackProcess(EmulatorProcess):
    """Starts LocalStack on 127.0.0.1 and stops it (with the functions' runtimes)."""

    name = "localstack"
    label = f"LocalStack {VERSION}"
    terraform_command = "tflocal"
    runs_functions_on_this_machine = True
    enforces_minimum_part_size = True
    limitations = (
        *LIMITATIONS,
        (
            "Lambda runs each function in a local process of the runtime's Python (pipesum's "
            "process executor), on this machine's architecture whatever the function's; its "
            "memory size is reported, not enforced."
        ),
    )

    def __init__(
        self,
        *,
        port: int | None = None,
        state_dir: Path,
        python: Path | None = None,
        lambda_python: Path | None = None,
        patched: bool = True,
    ) -> None:
        """`patched`: with pipesum's fixes (providers/patches/localstack/README.md); False runs
        LocalStack as upstream ships it (with the process executor still), to reproduce what the
        fixes are for.
        """
        super().__init__(port=port, state_dir=state_dir)
        self.patched = patched
        self.python = python or Path(os.environ.get("LOCALSTACK_PYTHON", DEFAULT_PYTHON))
        self.lambda_python = lambda_python or Path(
            os.environ.get("LAMBDA_PROCESS_PYTHON", DEFAULT_LAMBDA_PYTHON)
        )

    @property
    def filesystem_root(self) -> Path:
        return self.state_dir / "localstack"

    def command(self) -> list[str]:
        for python, what in ((self.python, "LocalStack's"), (self.lambda_python, "The functions'")):
            if not python.exists():
                raise TargetError(
                    f"{what} virtualenv is missing ({python}). Run `make venv` first."
                )
        return [str(self.python), "-m", "localstack.runtime.main"]

    def process_environment(self, inherited: dict[str, str]) -> dict[str, str]:
        env = inherited | {
            "OVERRIDE_IN_DOCKER": "0",
            "FILESYSTEM_ROOT": str(self.filesystem_root),
            "GATEWAY_LISTEN": f"127.0.0.1:{self.port}",
            "SERVICES": ",".join(SERVICES),
            "LAMBDA_RUNTIME_EXECUTOR": "process",
            "LAMBDA_PROCESS_PYTHON": str(self.lambda_python),
            # An asynchronous invocation that failed is retried after 1 s, then 2 s, not AWS's
            # 1 and 2 minutes: the same retries in the same order, spaced for a sandbox.
            "LAMBDA_RETRY_BASE_DELAY": "1",
            # Offline and local: no analytics, no DNS server, no certificate download.
            "DISABLE_EVENTS": "1",
            "DNS_ADDRESS": "0",
            "SKIP_SSL_CERT_DOWNLOAD": "1",
            "HOME": str(self.state_dir / "home"),
            # Python's temporary files (LocalStack's TMP_FOLDER among them); it warns that the
            # variable is deprecated, meaning its own settings of the name.
            "TMPDIR": str(self.filesystem_root / "tmp"),
            "PYTHONPATH": overlay(self.python, patched=self.patched),
        }
        for folder in ("HOME", "TMPDIR"):
            Path(env[folder]).mkdir(parents=True, exist_ok=True)
        return env

    def health(self) -> str:
        url = f"{self.endpoint_url}/_localstack/health"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310  (loopback)
                services = json.load(response).get("services", {})
        except (OSError, ValueError) as error:
            return f"{url}: {error}"
        missing = [name for name in SERVICES if services.get(name) not in {"available", "running"}]
        return "healthy" if not missing else f"services not available yet: {missing}"

    def connection(self) -> Connection:
        return connection_to(self.endpoint_url)
