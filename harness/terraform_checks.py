"""`make tf-check`: terraform fmt, validate and test (mock provider) on terraform/, offline.

The roots (terraform/ and terraform/bootstrap) and each reusable module under terraform/modules/
are initialised, validated and tested in their own folder; each module's examples/ are
initialised and validated too (its own suite plans them). init takes the provider from the local
mirror when there is one; the .tftest.hcl suites use a mock provider and deploy nothing.

validate and test reach one provider process that serves them all (harness/served_provider.py):
the suites' 191 runs would otherwise start the provider 191 times, most of these checks' CPU.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from harness.package import DEFAULT_OUTPUT as FUNCTION_PACKAGE
from harness.served_provider import installed_provider, served_provider
from harness.terraform import TERRAFORM_ROOT, Terraform, TerraformError
from kit.paths import REPO_ROOT

# The roots checked: the deployable one and the one that creates its remote state.
ROOTS = (TERRAFORM_ROOT, TERRAFORM_ROOT / "bootstrap")
MODULES_DIR = TERRAFORM_ROOT / "modules"
CHECK_DIR = REPO_ROOT / "build" / "tf-check"
LOCK_FILE = ".terraform.lock.hcl"
#: Folders checked at once (each mostly Terraform itself: the provider is served).
PARALLEL_CHECKS = 4


def modules() -> list[Path]:
    """The reusable modules: each folder of terraform/modules/ with a versions.tf."""
    return sorted(path.parent for path in MODULES_DIR.glob("*/versions.tf"))


def examples(module: Path) -> list[Path]:
    """The module's uses under examples/, each a folder with a main.tf."""
    return sorted(path.parent for path in (module / "examples").glob("*/main.tf"))


def _name(directory: Path) -> str:
    return directory.relative_to(REPO_ROOT).as_posix()


def data_dir(directory: Path) -> Path:
    """Where `directory`'s .terraform/ is kept: under build/tf-check/, so that a real backend's
    record (left by `make deploy-init`) stays out of the way, no credentials are needed, and the
    source tree gets no working directory."""
    return CHECK_DIR / _name(directory).replace("/", "-")


def terraform_in(directory: Path, provider: Mapping[str, str] | None = None) -> Terraform:
    """Terraform in `directory`; with `provider`, reaching the served provider it names."""
    return Terraform(directory, env={"TF_DATA_DIR": str(data_dir(directory)), **(provider or {})})


@contextmanager
def lock_file_left_as_found(directory: Path) -> Iterator[None]:
    """Remove the lock file init writes where none was: a root pins its provider and commits its
    lock file; modules and examples set minimum versions and commit none."""
    lock_file = directory / LOCK_FILE
    existed = lock_file.exists()
    try:
        yield
    finally:
        if not existed:
            lock_file.unlink(missing_ok=True)


def last_line(output: str) -> str:
    return output.strip().splitlines()[-1]


def init(directory: Path) -> None:
    terraform_in(directory).run("init", "-backend=false", "-input=false", "-no-color")


def check_root(root: Path, provider: Mapping[str, str]) -> str:
    """validate and test one initialised root; its summary line."""
    terraform = terraform_in(root, provider)
    terraform.run("validate", "-no-color")
    result = terraform.run("test", "-no-color")
    return f"{_name(root)}: terraform test: {last_line(result.stdout)}"


def check_module(module: Path, provider: Mapping[str, str]) -> list[str]:
    """init, validate and test one module in its own folder, then init and validate each of its
    examples; a summary line for each."""
    terraform = terraform_in(module, provider)
    with lock_file_left_as_found(module):
        init(module)
        terraform.run("validate", "-no-color")
        result = terraform.run("test", "-no-color")
    lines = [f"{_name(module)}: terraform test: {last_line(result.stdout)}"]
    for example in examples(module):
        with lock_file_left_as_found(example):
            init(example)
            validated = terraform_in(example, provider).run("validate", "-no-color")
        lines.append(f"{_name(example)}: terraform validate: {last_line(validated.stdout)}")
    return lines


def require_package() -> None:
    """The suites plan the function from the built package: it must be there."""
    if not FUNCTION_PACKAGE.is_file():
        raise TerraformError(
            f"{FUNCTION_PACKAGE} is missing: the suites plan the function from it. "
            "Run `make build` first (or `make tf-check`, which builds it)."
        )


def main() -> int:
    try:
        require_package()
        Terraform(TERRAFORM_ROOT, env={}).run("fmt", "-check", "-recursive", "-diff", "-no-color")
        print(f"{_name(TERRAFORM_ROOT)}: terraform fmt -check -recursive: formatted")
        # Each folder has its own data directory: they are checked side by side, and said in order.
        with ThreadPoolExecutor(max_workers=PARALLEL_CHECKS) as pool:
            list(pool.map(init, ROOTS))
        with (
            served_provider(
                installed_provider(data_dir(ROOTS[0])), CHECK_DIR / "served-provider.log"
            ) as served,
            ThreadPoolExecutor(max_workers=PARALLEL_CHECKS) as pool,
        ):
            roots = [pool.submit(check_root, root, served.env) for root in ROOTS]
            checked = [pool.submit(check_module, module, served.env) for module in modules()]
            for root_line in roots:
                print(root_line.result())
            for module_lines in checked:
                for line in module_lines.result():
                    print(line)
    except TerraformError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
