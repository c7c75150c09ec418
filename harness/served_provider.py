"""One aws provider process served to many Terraform commands, through TF_REATTACH_PROVIDERS.

Terraform starts its provider afresh for each operation, and `terraform test` for each run block:
about 0.9 s of CPU each for the aws provider (the bucket module's 31 runs: 30 s of CPU with a
provider each, 5 s with one served to all). Started with -debug, the provider prints how to reach
it and serves until it is stopped; Terraform neither starts nor stops a provider named in
TF_REATTACH_PROVIDERS.

Only for commands that never configure the provider (validate, mock-provider suites): one process
configured for several targets at once would mix their settings.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

from harness.terraform import PROVIDER, TerraformError

REATTACH = "TF_REATTACH_PROVIDERS"
#: The provider prints its address within a second or two; far above that, it is not going to.
READY_SECONDS = 60
STOP_SECONDS = 10


def installed_provider(data_dir: Path) -> Path:
    """The aws provider's executable as `terraform init` installed it in `data_dir`."""
    found = sorted((data_dir / "providers" / PROVIDER).glob("*/*/terraform-provider-aws*"))
    if not found:
        raise TerraformError(
            f"No aws provider under {data_dir / 'providers' / PROVIDER}: run `terraform init` "
            "there first."
        )
    return found[-1]


@dataclass(frozen=True)
class ServedProvider:
    """A provider process Terraform reaches: the environment that names it, and its log."""

    env: Mapping[str, str]
    log: Path


@contextmanager
def served_provider(
    executable: Path, log: Path, env: Mapping[str, str] | None = None
) -> Iterator[ServedProvider]:
    """`executable` running with -debug for as long as the block lasts, in `env` (the environment
    Terraform would give it: the target's credentials and CA bundle, TF_LOG), all it prints in
    `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(executable), "-debug"],
            stdout=subprocess.PIPE,
            stderr=output,
            text=True,
            env=None if env is None else dict(env),
        )  # in this process group: a signal that stops the run (Ctrl-C, `timeout`) stops it too
        stdout = cast("IO[str]", process.stdout)  # a pipe: stdout=PIPE
        lines: queue.Queue[str | None] = queue.Queue()
        # Read on a thread, so the provider never blocks on a full pipe and a wait can time out.
        copier = threading.Thread(target=_copy, args=(stdout, output, lines), daemon=True)
        copier.start()
        try:
            setting = _reattach_setting(executable, process, lines, log)
            yield ServedProvider({REATTACH: setting}, log)
        finally:
            process.terminate()
            try:
                process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            copier.join(timeout=STOP_SECONDS)
            stdout.close()


def _copy(stdout: IO[str], output: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stdout:
        output.write(line)
        output.flush()
        lines.put(line)
    lines.put(None)


def _reattach_setting(
    executable: Path, process: subprocess.Popen[str], lines: queue.Queue[str | None], log: Path
) -> str:
    """The provider's TF_REATTACH_PROVIDERS value, from the lines it prints as it starts."""
    deadline = time.monotonic() + READY_SECONDS
    last = ""
    try:
        while (line := lines.get(timeout=max(0.0, deadline - time.monotonic()))) is not None:
            last = line.strip() or last
            _, marker, setting = line.partition(f"{REATTACH}=")
            if marker and _is_json(value := setting.strip().strip("'")):
                return value
    except queue.Empty:
        ended = f"did not print {REATTACH} within {READY_SECONDS} s"
    else:  # its output ended: it is exiting
        try:
            code = process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            code = None
        ended = f"closed its output without printing {REATTACH} (exit code: {code})"
    raise TerraformError(
        f"{executable} -debug {ended}; last said: {last or 'nothing'}; all it said: {log}."
    )


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True
