"""The developer sandbox: `python -m harness.cli demo|up|drop|logs|down` (the Makefile calls these).

The sandbox is an emulator on 127.0.0.1 (port 4566 when free) with the Terraform root applied to
it: MiniStack by default, LocalStack with `--target localstack`; its process id, log, data and
Terraform state live under .sandbox/<target>/. With LOCALSTACK_ENDPOINT set, `--target localstack`
runs the same commands against the LocalStack you started (`docker compose up -d`).
`--target aws` drops files into, and reads the logs of, an environment deployed from terraform/
(`make deploy-apply ENV=...`); deploying and destroying it stay with the deploy targets.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from harness.expected import check
from harness.pipeline import OutcomeTimeout, Pipeline
from harness.reach import AWS_DEPLOY_HINT, Reached, add_target_arguments, reach, sandbox_dir
from harness.stack import StackOutputs
from harness.terraform import TerraformError
from kit.console import say, step
from kit.paths import REPO_ROOT
from providers import DEFAULT_TARGET, TARGET_NAMES, Connection, TargetError, sandbox_target

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

SAMPLE = REPO_ROOT / "triggerFile.txt"
WAIT_SECONDS = 60.0
COLD_START_WAIT_SECONDS = 15.0


def up(target_name: str, var_file: Path | None) -> Reached:
    """Start the target if need be, and apply this checkout to the sandbox's stack on it."""
    reached = reach(target_name, var_file, start=True)
    step("building the function package and initialising Terraform", reached.stack.prepare)
    step(
        f"applying terraform/ to {reached.target.description} (plan, apply)",
        lambda: reached.stack.apply(say),
    )
    outputs = reached.stack.outputs()
    say(f"  source bucket: {outputs.source_bucket}")
    say(f"  destination bucket: {outputs.destination_bucket}")
    say(f"  function: {outputs.function_name}")
    return reached


def drop(outputs: StackOutputs, connection: Connection, path: Path, key: str) -> int:
    pipeline = Pipeline(outputs, connection)
    pipeline.forget(key)
    body = path.read_bytes()
    dropped_at = time.time()
    pipeline.drop(key, body)
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
    verdict = check(body, outcome, max_bytes=deployed_max_input_bytes(connection, outputs))
    if not verdict.matches:
        say("- NOT what the input contract gives for this file:")
    for line in verdict.lines:
        say(line)
    return 0 if verdict.matches else 1


def deployed_max_input_bytes(connection: Connection, outputs: StackOutputs) -> int:
    """The size limit the deployed function was given (its MAX_INPUT_BYTES)."""
    functions: LambdaClient = connection.session().client(
        "lambda", endpoint_url=connection.endpoint_url
    )
    configuration = functions.get_function_configuration(FunctionName=outputs.function_name)
    variables = configuration.get("Environment", {}).get("Variables", {})
    return int(variables["MAX_INPUT_BYTES"])


def demo(args: argparse.Namespace) -> int:
    reached = up(args.target, args.var_file)
    outputs, connection = reached.outputs(), reached.connection
    status = drop(outputs, connection, SAMPLE, SAMPLE.name)
    if status == 0:
        say(runtime_report(Pipeline(outputs, connection)))
    say(f"The sandbox is still running; `{make('down', args.target)}` stops it.")
    return status


def make(command: str, target: str) -> str:
    """The make command that runs `command` on the sandbox of `target`."""
    return f"make {command}" + (f" TARGET={target}" if target != DEFAULT_TARGET else "")


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
    up(args.target, args.var_file)
    say(
        f"The sandbox is running; `{make('drop', args.target)} FILE=...` sends a file, "
        f"`{make('down', args.target)}` stops it."
    )
    return 0


def drop_command(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        say(f"{args.file} is not a file.")
        return 2
    reached = reach(args.target, args.var_file)
    return drop(reached.outputs(), reached.connection, args.file, args.key or args.file.name)


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
    reached = reach(args.target, args.var_file)
    for line in Pipeline(reached.outputs(), reached.connection).function_log_lines(since=0):
        say(readable(line))
    return 0


def down_command(args: argparse.Namespace) -> int:
    """Stop the sandbox's emulator, or destroy the stack on a target you run; then remove what
    the sandbox wrote under .sandbox/."""
    target = sandbox_target(args.target, state_dir=sandbox_dir(args.target), say=lambda _: None)
    if not target.harness_deploys:
        raise TargetError(AWS_DEPLOY_HINT)
    if target.stop_discards_deployments:
        if target.running():
            target.stop()
            say(f"- stopped {target.description}")
        else:
            say(f"- no emulator recorded in {sandbox_dir(args.target)} was running")
    else:
        stack = reach(args.target, args.var_file).stack
        step(f"destroying the stack on {target.description} (which keeps running)", stack.destroy)
    shutil.rmtree(sandbox_dir(args.target), ignore_errors=True)
    say(f"- removed {sandbox_dir(args.target)} (emulator data and local Terraform state)")
    return 0


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
    commands.add_parser(
        "down", help="stop the emulator and remove its .sandbox/ folder"
    ).set_defaults(run=down_command)
    add_target_arguments(parser, TARGET_NAMES)
    args = parser.parse_args(argv)
    try:
        status: int = args.run(args)
    except (TargetError, TerraformError) as error:
        say(f"\nerror: {error}")
        return 1
    return status


if __name__ == "__main__":
    sys.exit(main())
