"""`make tf-check`: terraform fmt, validate and test (mock provider) on terraform/, offline.

init takes the provider from the local mirror when there is one; the .tftest.hcl suites use a
mock provider and deploy nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

from harness.terraform import TERRAFORM_ROOT, Terraform, TerraformError
from kit.paths import REPO_ROOT

# The roots checked: the deployable one and the one that creates its remote state.
ROOTS = (TERRAFORM_ROOT, TERRAFORM_ROOT / "bootstrap")


def check_root(root: Path) -> str:
    """validate and test one root; its summary line. Its own data dir keeps a real backend's
    record (left by `make deploy-init`) out of the way, so no credentials are needed."""
    data_dir = (
        REPO_ROOT / "build" / "tf-check" / root.relative_to(REPO_ROOT).as_posix().replace("/", "-")
    )
    terraform = Terraform(root, env={"TF_DATA_DIR": str(data_dir)})
    terraform.run("init", "-backend=false", "-input=false", "-no-color")
    terraform.run("validate", "-no-color")
    result = terraform.run("test", "-no-color")
    return f"{root.relative_to(REPO_ROOT)}: {result.stdout.strip().splitlines()[-1]}"


def main() -> int:
    try:
        Terraform(TERRAFORM_ROOT, env={}).run("fmt", "-check", "-recursive", "-diff", "-no-color")
        for root in ROOTS:
            print(check_root(root))
    except TerraformError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
