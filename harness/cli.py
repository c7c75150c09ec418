"""The developer sandbox: `python -m harness.cli demo|up|drop|logs|down` (the Makefile calls these).

The sandbox is a MiniStack emulator on 127.0.0.1 (port 4566 when free) with the Terraform root
applied to it; its process id, log, data and Terraform state live under .sandbox/.

`--target localstack` runs the same commands against a LocalStack you started (`docker compose
up -d`, then LOCALSTACK_ENDPOINT), with its Terraform state under .sandbox/localstack/.
`--target aws` drops files into, and reads the logs of, an environment deployed from terraform/
(`make deploy-apply ENV=...`); deploying and destroying it stay with the deploy targets.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

from harness.pipeline import OutcomeTimeout, Pipeline
from harness.stack import AWS_DEFAULT_VAR_FILE, SANDBOX_VAR_FILE, Stack, StackOutputs
from harness.terraform import REPO_ROOT, TerraformError
from providers.aws import RealAWS
from providers.base import Connection, TargetError
from providers.localstack import LocalStack
from providers.ministack import DEFAULT_PORT, MiniStack
from providers.ports import free_port, is_listening, port_holder

SANDBOX = REPO_ROOT / ".sandbox"
WORKDIR = SANDBOX / "terraform"
LOCALSTACK_WORKDIR = SANDBOX / "localstack" / "terraform"
SAMPLE = REPO_ROOT / "triggerFile.txt"
AWS_DEPLOY_HINT = (
    "On a real account the stack is deployed and destroyed from terraform/ with its S3 backend: "
    "make deploy-init / deploy-plan / deploy-apply ENV=dev (docs/deploy.md)."
)
WAIT_SECONDS = 60.0
COLD_START_WAIT_SECONDS = 15.0


def say(message: str) -> None:
    print(message, flush=True)


def step(description: str, action: Callable[[], object]) -> None:
    started = time.monotonic()
    say(f"- {description} ...")
    action()
    say(f"  done in {time.monotonic() - started:.1f} s")


def ensure_emulator() -> MiniStack:
    """The sandbox's running emulator, or a new one (on 4566 if free, else on a free port)."""
    running = MiniStack.attach(SANDBOX)
    if running is not None:
        say(f"- emulator: reusing MiniStack on {running.endpoint_url} (pid {running.pid})")
        return running
    port = DEFAULT_PORT
    if is_listening(port):
        port = free_port()
        say(f"- port {DEFAULT_PORT} is held by {port_holder(DEFAULT_PORT)}; using port {port}")
    emulator = MiniStack(port=port, state_dir=SANDBOX)
    # A new emulator starts empty: state recorded against an earlier one describes nothing.
    for stale in WORKDIR.glob("terraform.tfstate*"):
        stale.unlink()
    step(f"starting MiniStack on {emulator.endpoint_url}", emulator.start)
    return emulator


def sandbox_stack(
    emulator: MiniStack, var_file: Path = SANDBOX_VAR_FILE
) -> tuple[Stack, Connection]:
    connection = emulator.connection()
    stack = Stack(
        connection,
        workdir=WORKDIR,
        terraform_command=emulator.terraform_command,
        environment="dev",
        local_backend=True,
        throwaway=True,
        var_file=var_file,
    )
    return stack, connection


def up(var_file: Path = SANDBOX_VAR_FILE) -> tuple[StackOutputs, Connection]:
    emulator = ensure_emulator()
    stack, connection = sandbox_stack(emulator, var_file)
    step("building the function package and initialising Terraform", stack.prepare)
    step("applying terraform/ to the emulator (tflocal plan, apply)", lambda: stack.apply(say))
    outputs = stack.outputs()
    say(f"  source bucket: {outputs.source_bucket}")
    say(f"  destination bucket: {outputs.destination_bucket}")
    say(f"  function: {outputs.function_name}")
    return outputs, connection


def drop(outputs: StackOutputs, connection: Connection, path: Path, key: str) -> int:
    pipeline = Pipeline(outputs, connection)
    pipeline.forget(key)
    dropped_at = time.time()
    pipeline.drop(key, path.read_bytes())
    say(f"- dropped {path.name} as s3://{outputs.source_bucket}/{key}")
    interactive = sys.stdout.isatty()

    def progress(elapsed: float) -> None:
        if interactive:
            print(f"\r  waiting for the output ... {elapsed:4.1f} s", end="", flush=True)

    try:
        outcome = pipeline.wait_for_outcome(
            key, timeout=WAIT_SECONDS, since=dropped_at, on_progress=progress
        )
    except OutcomeTimeout as timeout:
        say(f"\n{timeout}")
        return 1
    if interactive:
        print("\r", end="")
    waited = time.time() - dropped_at
    if outcome.kind == "rejected":
        say(
            f"- rejected after {waited:.1f} s; report at s3://{outputs.destination_bucket}/{outcome.key}:"
        )
    else:
        say(f"- output after {waited:.1f} s at s3://{outputs.destination_bucket}/{outcome.key}:")
    sys.stdout.buffer.write(outcome.body)
    sys.stdout.flush()
    return 0


def current_sandbox() -> tuple[StackOutputs, Connection]:
    emulator = MiniStack.attach(SANDBOX)
    if emulator is None:
        raise TargetError("No sandbox is running. Start one with `make up` (or `make demo`).")
    stack, connection = sandbox_stack(emulator)
    try:
        return stack.outputs(), connection
    except TerraformError as error:
        raise TargetError("The sandbox has no deployed stack. Run `make up` first.") from error


def down() -> None:
    emulator = MiniStack.attach(SANDBOX)
    if emulator is not None:
        emulator.stop()
        say(f"- stopped MiniStack on {emulator.endpoint_url}")
    elif (SANDBOX / "ministack.pid").exists():
        say("- the emulator recorded in .sandbox/ was not running")
    shutil.rmtree(SANDBOX, ignore_errors=True)
    say("- removed .sandbox/ (emulator data and local Terraform state)")


def localstack_stack(var_file: Path = SANDBOX_VAR_FILE) -> tuple[Stack, Connection]:
    """The stack applied to the LocalStack at LOCALSTACK_ENDPOINT (which the user runs)."""
    if not os.environ.get("LOCALSTACK_ENDPOINT"):
        raise TargetError(
            "TARGET=localstack uses a LocalStack you run: `docker compose up -d`, then "
            "`LOCALSTACK_ENDPOINT=http://localhost:4566 make up TARGET=localstack`."
        )
    connection = LocalStack().start()
    stack = Stack(
        connection,
        workdir=LOCALSTACK_WORKDIR,
        terraform_command=LocalStack.terraform_command,
        environment="dev",
        local_backend=True,
        throwaway=True,
        var_file=var_file,
    )
    return stack, connection


def deployed(args: argparse.Namespace) -> tuple[StackOutputs, Connection]:
    """The outputs of the stack the commands work on, and how to reach its target."""
    if args.target == "ministack":
        return current_sandbox()
    if args.target == "localstack":
        stack, connection = localstack_stack()
        hint = "Run `make up TARGET=localstack` first."
    else:
        connection = RealAWS().start()
        stack = Stack.deployed_from_root(connection, var_file=environment_file(args))
        hint = AWS_DEPLOY_HINT
    try:
        return stack.outputs(), connection
    except TerraformError as error:
        raise TargetError(f"No stack is deployed on {args.target}. {hint}") from error


def up_on(target: str, var_file: Path) -> tuple[StackOutputs, Connection]:
    if target == "ministack":
        return up(var_file)
    if target == "aws":
        raise TargetError(AWS_DEPLOY_HINT)
    stack, connection = localstack_stack(var_file)
    step("building the function package and initialising Terraform", stack.prepare)
    step(
        f"applying terraform/ to LocalStack at {connection.endpoint_url}",
        lambda: stack.apply(say),
    )
    return stack.outputs(), connection


def demo(args: argparse.Namespace) -> int:
    outputs, connection = up_on(args.target, environment_file(args))
    status = drop(outputs, connection, SAMPLE, SAMPLE.name)
    if status == 0:
        say(runtime_report(Pipeline(outputs, connection)))
    say("The sandbox is still running; `make down` stops it.")
    return status


def cold_start_python(lines: list[str]) -> str | None:
    """The Python version in the latest `cold_start` line the function logged, if any."""
    versions = [
        record["python"]
        for record in (json_record(line) for line in lines)
        if record.get("message") == "cold_start" and "python" in record
    ]
    return str(versions[-1]) if versions else None


def json_record(line: str) -> dict[str, object]:
    try:
        record = json.loads(line)
    except ValueError:
        return {}
    return record if isinstance(record, dict) else {}


def runtime_report(pipeline: Pipeline) -> str:
    """Which Python the function ran on, from its latest cold start's log line."""
    deadline = time.monotonic() + COLD_START_WAIT_SECONDS
    while True:
        lines = pipeline.function_log_lines(since=0)
        version = cold_start_python(lines)
        if version is not None:
            return f"- the function ran on Python {version}"
        if time.monotonic() >= deadline:
            last = lines[-1] if lines else "(no log lines)"
            return (
                f"- no cold_start line in the function's log after {COLD_START_WAIT_SECONDS:.0f} "
                f"s, so its Python is unknown; last line seen: {last}"
            )
        time.sleep(0.5)


def up_command(args: argparse.Namespace) -> int:
    up_on(args.target, environment_file(args))
    say("The sandbox is running; `make drop FILE=...` sends a file, `make down` stops it.")
    return 0


def drop_command(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        say(f"{args.file} is not a file.")
        return 2
    outputs, connection = deployed(args)
    return drop(outputs, connection, args.file, args.key or args.file.name)


def readable(line: str) -> str:
    """One log line for a person: a JSON record as `LEVEL message key=value ...`, an embedded
    metric as `METRIC name=value ...`; the platform's START/END/REPORT lines as they are."""
    try:
        record = json.loads(line)
    except ValueError:
        return line
    if not isinstance(record, dict):
        return line
    if "_aws" in record:
        fields = {name: value for name, value in record.items() if name != "_aws"}
        return "METRIC  " + " ".join(f"{name}={value}" for name, value in fields.items())
    level, message = record.pop("level", "?"), record.pop("message", "")
    details = " ".join(
        f"{name}={json.dumps(value, ensure_ascii=False)}" for name, value in record.items()
    )
    return f"{level:<7} {message}  {details}".rstrip()


def logs_command(args: argparse.Namespace) -> int:
    outputs, connection = deployed(args)
    for line in Pipeline(outputs, connection).function_log_lines(since=0):
        say(readable(line))
    return 0


def down_command(args: argparse.Namespace) -> int:
    if args.target == "aws":
        raise TargetError(AWS_DEPLOY_HINT)
    if args.target == "localstack":
        stack, _ = localstack_stack()
        step("destroying the stack on LocalStack (LocalStack itself keeps running)", stack.destroy)
        shutil.rmtree(LOCALSTACK_WORKDIR.parent, ignore_errors=True)
        return 0
    down()
    return 0


def add_target_arguments(parser: argparse.ArgumentParser, targets: tuple[str, ...]) -> None:
    """--target (one of `targets`, the sandbox's emulator by default) and --var-file."""
    parser.add_argument(
        "--target",
        choices=targets,
        default="ministack",
        help="where to work: the sandbox's emulator (default), "
        + ", ".join(target for target in targets if target != "ministack"),
    )
    parser.add_argument(
        "--var-file",
        type=Path,
        help="the environment's variables, relative to terraform/ (default: envs/sandbox.tfvars "
        "on an emulator, envs/dev.tfvars with --target aws)",
    )


def environment_file(args: argparse.Namespace) -> Path:
    """--var-file, else the environment the target stands for: the sandbox's, or dev on AWS."""
    if args.var_file is not None:
        return Path(args.var_file)
    return AWS_DEFAULT_VAR_FILE if args.target == "aws" else SANDBOX_VAR_FILE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="harness", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "demo", help="start the sandbox, deploy, drop triggerFile.txt, print the output"
    ).set_defaults(run=demo)
    commands.add_parser("up", help="start the emulator and apply terraform/ to it").set_defaults(
        run=up_command
    )
    drop_parser = commands.add_parser("drop", help="upload a file and print its outcome")
    drop_parser.add_argument("file", type=Path)
    drop_parser.add_argument("--key", help="object key (default: the file's name)")
    drop_parser.set_defaults(run=drop_command)
    commands.add_parser("logs", help="print the function's log lines").set_defaults(
        run=logs_command
    )
    commands.add_parser("down", help="stop the emulator and remove .sandbox/").set_defaults(
        run=down_command
    )
    add_target_arguments(parser, ("ministack", "localstack", "aws"))
    args = parser.parse_args(argv)
    try:
        status: int = args.run(args)
    except (TargetError, TerraformError) as error:
        say(f"\nerror: {error}")
        return 1
    return status


if __name__ == "__main__":
    sys.exit(main())
