"""MiniStack, the embedded default target: an AWS emulator run as a child process on loopback.

MiniStack pins botocore exactly, so it runs from its own virtualenv (.venv-emulator, made by
`make venv` from requirements/emulator.txt). Its Python Lambdas run in worker processes of that
same interpreter, which is why boto3 is pinned there too: it plays the Lambda runtime's boto3.
It runs with the fixes in providers/patches/ministack/ applied (providers/package_patches.py).
"""

from __future__ import annotations

import json
import os
import ssl
import urllib.error
import urllib.request
from pathlib import Path

from kit.paths import REPO_ROOT
from providers.base import Connection, TargetError
from providers.emulator_process import EmulatorProcess
from providers.package_patches import patched_overlay
from providers.terraform_services import SERVICES

DEFAULT_PYTHON = REPO_ROOT / ".venv-emulator" / "bin" / "python"
REGION = "us-east-1"

# tflocal writes every endpoint as http://, except a service whose <SERVICE>_ENDPOINT variable is
# set: for a TLS emulator, the services the Terraform root calls (tflocal's names are the same).
TLS_TERRAFORM_SERVICES = SERVICES
# Trust settings of the caller that would hide the emulator's certificate from its Lambda workers.
CA_VARIABLES = ("AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")


class MiniStack(EmulatorProcess):
    """Starts `python -m ministack` on 127.0.0.1 and stops it (with its Lambda workers)."""

    name = "ministack"
    label = "MiniStack"
    terraform_command = "tflocal"
    runs_functions_on_this_machine = True
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
        `patched`: with pipesum's fixes (providers/patches/ministack/README.md); False runs
        MiniStack as upstream ships it, to reproduce what the fixes are for.
        """
        super().__init__(port=port, state_dir=state_dir)
        self.python = python or Path(os.environ.get("MINISTACK_PYTHON", DEFAULT_PYTHON))
        self.extra_env = extra_env or {}
        self.enforce_iam = enforce_iam
        self.tls = tls
        self.patched = patched

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

    def command(self) -> list[str]:
        if not self.python.exists():
            raise TargetError(
                f"MiniStack's virtualenv is missing ({self.python}). Run `make venv` first."
            )
        return [str(self.python), "-m", "ministack"]

    def process_environment(self, inherited: dict[str, str]) -> dict[str, str]:
        env = inherited | {
            "GATEWAY_PORT": str(self.port),
            "BIND_HOST": "127.0.0.1",
            "MINISTACK_REGION": REGION,
            "S3_DATA_DIR": str(self.state_dir / "s3"),
            "TMPDIR": str(self.state_dir),
        }
        env.pop("PYTHONPATH", None)
        if self.patched:
            env["PYTHONPATH"] = str(patched_overlay(self.python, "ministack"))
        if self.enforce_iam:
            env["AUTH"] = "true"
        if self.tls:
            env["USE_SSL"] = "1"
            # MiniStack points its Lambda workers at https://127.0.0.1 and gives them a bundle of
            # the system roots plus its certificate, unless these already name another one.
            for variable in CA_VARIABLES:
                env.pop(variable, None)
        return env | self.extra_env

    def health(self) -> str:
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
