"""`make tf-check`: terraform validate and terraform test (mock provider) on terraform/, offline.

fmt runs from the Makefile; this adds what needs the provider: init (from the local mirror when
there is one), validate, and the .tftest.hcl suites, which deploy nothing.
"""

from __future__ import annotations

import sys

from harness.terraform import TERRAFORM_ROOT, Terraform, TerraformError


def main() -> int:
    terraform = Terraform(TERRAFORM_ROOT, env={})
    try:
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
