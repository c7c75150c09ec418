"""`[TARGET=localstack] ./tflocal.sh ARGS`: terraform in the working copy of terraform/ of the
sandbox of TARGET (providers.DEFAULT_TARGET by default), pointed at it by tflocal's override."""

from __future__ import annotations

import os
import sys

from harness.reach import reach
from harness.terraform import TerraformError
from kit.console import say
from providers import DEFAULT_TARGET, TargetError


def main(args: list[str]) -> int:  # noqa: RET503  (the success path is execve, which does not return)
    try:
        stack = reach(os.environ.get("TARGET") or DEFAULT_TARGET).stack
        stack.prepare()  # the working copy follows terraform/ and this checkout's package
        command = stack.terraform.executable()
    except (TargetError, TerraformError) as error:
        say(f"error: {error}")
        return 1
    os.chdir(stack.workdir)
    os.execve(command[0], [*command, *args], stack.terraform.process_env())  # noqa: S606


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
