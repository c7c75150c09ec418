"""`make tf-check`: terraform fmt, validate and test (mock provider) on terraform/, offline.

init takes the provider from the local mirror when there is one; the .tftest.hcl suites use a
mock provider and deploy nothing.
"""

from __future__ import annotations

import sys

from harness.terraform import TERRAFORM_ROOT, Terraform, TerraformError


def main() -> int:
    terraform = Terraform(TERRAFORM_ROOT, env={})
    try:
        terraform.run("fmt", "-check", "-recursive", "-diff", "-no-color")
        terraform.run("init", "-backend=false", "-input=false", "-no-color")
        terraform.run("validate", "-no-color")
        result = terraform.run("test", "-no-color")
    except TerraformError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(result.stdout.strip().splitlines()[-1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
