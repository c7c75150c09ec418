"""harness.tfdocs: the Terraform READMEs' generated tables, and the check that they are current."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from harness.tfdocs import (
    BEGIN_MARKER,
    END_MARKER,
    REPO_ROOT,
    TERRAFORM_DIR,
    Expression,
    decode_string,
    generate,
    main,
    module_dirs,
    read_module,
    render_markdown,
    render_value,
)

SNIPPET = r"""
terraform {
  required_version = ">= 1.5"

  required_providers {
    random = {
      source  = "hashicorp/random"
      version = ">= 3.0"
    }
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

variable "name" {
  description = "Name of the thing."
  type        = string

  validation {
    condition     = length(var.name) > 0
    error_message = "name must not be empty."
  }
}

variable "mode" {
  description = "Either a | b: the pipe is escaped."
  type        = string
  default     = "a|b"
}

variable "tags" {
  description = "Tags, as \"key\" = value."
  type        = map(string)
  default     = { "z-last" = "2", a_first = "1" }
}

variable "settings" {
  description = <<-EOT
    Settings of the thing,
    over two lines.
  EOT
  type = object({
    size    = number
    label   = optional(string, "x")
    enabled = optional(bool)
  })
  default = null
}

variable "token" {
  description = "A secret with a literal $${not_interpolated}."
  type        = string
  sensitive   = true
  nullable    = false
}

variable "untyped" {
  default = [1e3, 2.5, -1, true, "s"]
}

output "id" {
  description = "Identifier of the thing."
  value       = var.name
}

output "secret" {
  value     = var.token
  sensitive = true
}
"""

README = f"""# thing

Usage first.

{BEGIN_MARKER}
{END_MARKER}

Text after the tables stays.
"""


@pytest.fixture
def module(tmp_path: Path) -> Path:
    """A module directory: one .tf file and a README with empty markers."""
    (tmp_path / "main.tf").write_text(SNIPPET, encoding="utf-8")
    (tmp_path / "README.md").write_text(README, encoding="utf-8")
    return tmp_path


def rows(markdown: str, section: str) -> list[str]:
    """The table rows (header and separator excluded) under `## section`."""
    lines = markdown.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0].splitlines()
    return [line for line in lines if line.startswith("| <a name=")]


def row(markdown: str, section: str, name: str) -> list[str]:
    """The cells of the row of `name` under `## section`."""
    [match] = [r for r in rows(markdown, section) if f' name="{name}"' in r.split("|")[1]]
    return [cell.strip() for cell in match.strip().strip("|").split(" | ")]


# --- the committed READMEs ---------------------------------------------------------------------


def test_every_terraform_directory_with_a_readme_is_documented() -> None:
    found = [path.relative_to(REPO_ROOT).as_posix() for path in module_dirs()]
    assert found == [
        "terraform",
        "terraform/bootstrap",
        "terraform/modules/bucket",
        "terraform/modules/function",
    ]


@pytest.mark.parametrize(
    "directory", module_dirs(), ids=lambda p: p.relative_to(REPO_ROOT).as_posix()
)
def test_committed_readme_tables_are_current(directory: Path) -> None:
    """The README's tables are what the .tf files say; if not, `make docs` rewrites them."""
    result = generate(directory)
    assert not result.stale, f"{result.readme} is stale: run `make docs`"


@pytest.mark.parametrize(
    "directory", module_dirs(), ids=lambda p: p.relative_to(REPO_ROOT).as_posix()
)
def test_every_variable_of_the_repository_renders_as_hcl_text(directory: Path) -> None:
    """No interpolation wrapper, quote or Python repr leaks into a type, default or description."""
    module = read_module(directory)
    assert module.variables
    assert module.outputs
    for variable in module.variables:
        assert "${" not in variable.type
        assert not variable.type.startswith('"')
        assert variable.description
        assert not variable.description.startswith('"')
        assert json.loads(render_value(variable.default)) == variable.default  # literals: JSON
    for output in module.outputs:
        assert output.description
        assert not output.description.startswith('"')
    assert module.requirements[0].name == "terraform"


def test_repository_object_types_and_required_inputs() -> None:
    bucket = {v.name: v for v in read_module(TERRAFORM_DIR / "modules" / "bucket").variables}
    assert (
        bucket["access_logging"].type == "object({target_bucket = string, target_prefix = string})"
    )
    assert bucket["expiration_rules"].type == (
        "list(object({id = string, prefix = string, days = number}))"
    )
    assert bucket["bucket_name"].required
    function = {v.name: v for v in read_module(TERRAFORM_DIR / "modules" / "function").variables}
    assert function["on_failure_destination_arn"].required  # nullable = false, no default
    assert function["environment"].type == "map(string)"
    assert not function["kms_key_arn"].required
    assert function["kms_key_arn"].default is None


# --- rendering ---------------------------------------------------------------------------------


def test_required_input_has_no_default(module: Path) -> None:
    markdown = render_markdown(read_module(module))
    assert row(markdown, "Inputs", "input_name") == [
        '<a name="input_name"></a> [name](#input\\_name)',
        "Name of the thing.",
        "`string`",
        "n/a",
        "yes",
    ]


def test_sensitive_non_nullable_input_without_default_is_required(module: Path) -> None:
    markdown = render_markdown(read_module(module))
    cells = row(markdown, "Inputs", "input_token")
    assert cells[1] == "A secret with a literal ${not_interpolated}."
    assert cells[3:] == ["n/a", "yes"]


def test_pipes_are_escaped_in_descriptions_and_defaults(module: Path) -> None:
    markdown = render_markdown(read_module(module))
    [line] = [r for r in rows(markdown, "Inputs") if 'name="input_mode"' in r]
    assert "Either a \\| b: the pipe is escaped." in line
    assert '`"a\\|b"`' in line
    assert len(re.findall(r"(?<!\\)\|", line)) == 6  # five cells: no unescaped pipe splits one


def test_types_are_hcl_text_and_defaults_json(module: Path) -> None:
    markdown = render_markdown(read_module(module))
    tags = row(markdown, "Inputs", "input_tags")
    assert tags[1] == 'Tags, as "key" = value.'
    assert tags[2:] == ["`map(string)`", '`{"a_first": "1", "z-last": "2"}`', "no"]
    settings = row(markdown, "Inputs", "input_settings")
    assert settings[1] == "Settings of the thing,<br/>over two lines."
    assert settings[2] == (
        '`object({size = number, label = optional(string, "x"), enabled = optional(bool)})`'
    )
    assert settings[3:] == ["`null`", "no"]
    untyped = row(markdown, "Inputs", "input_untyped")
    assert untyped[1:] == ["n/a", "`any`", '`[1000, 2.5, -1, true, "s"]`', "no"]


def test_rows_and_requirements_are_sorted_by_name(module: Path) -> None:
    markdown = render_markdown(read_module(module))
    names = [line.split('"')[1] for line in rows(markdown, "Inputs")]
    assert names == sorted(names)
    assert [line.split('"')[1] for line in rows(markdown, "Requirements")] == [
        "requirement_terraform",
        "requirement_aws",
        "requirement_random",
    ]
    assert row(markdown, "Requirements", "requirement_aws")[1] == "~> 5.0"


def test_outputs_have_name_and_description(module: Path) -> None:
    markdown = render_markdown(read_module(module))
    assert markdown.split("## Outputs\n", 1)[1].splitlines()[1] == "| Name | Description |"
    assert row(markdown, "Outputs", "output_id") == [
        '<a name="output_id"></a> [id](#output\\_id)',
        "Identifier of the thing.",
    ]
    assert row(markdown, "Outputs", "output_secret")[1] == "n/a"


def test_angle_brackets_outside_code_spans_are_not_html() -> None:
    module_doc = read_module(REPO_ROOT / "terraform")
    markdown = render_markdown(module_doc)
    assert (
        "&lt;project>-&lt;environment>-source"
        in row(markdown, "Inputs", "input_source_bucket_name")[1]
    )


def test_empty_module_says_so(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("locals {\n  a = 1\n}\n", encoding="utf-8")
    markdown = render_markdown(read_module(tmp_path))
    assert "No requirements." in markdown
    assert "No inputs." in markdown
    assert "No outputs." in markdown


def test_decode_string_resolves_hcl_escapes() -> None:
    assert decode_string(r'"a\"b\\c\nd\u00e9 $${x} %%{y} ${z}"') == 'a"b\\c\nd\u00e9 ${x} %{y} ${z}'
    with pytest.raises(ValueError, match="not a quoted HCL string"):
        decode_string("string")


def test_render_value_of_an_expression_is_its_text() -> None:
    assert render_value(Expression("local.x")) == "local.x"
    assert render_value({"b": [None], "a": {}}) == '{"a": {}, "b": [null]}'


# --- the command -------------------------------------------------------------------------------


def test_write_fills_the_markers_and_keeps_the_rest(module: Path) -> None:
    assert main([str(module)]) == 0
    text = (module / "README.md").read_text(encoding="utf-8")
    assert text.startswith("# thing\n\nUsage first.\n\n" + BEGIN_MARKER + "\n## Requirements\n")
    assert text.endswith("|\n" + END_MARKER + "\n\nText after the tables stays.\n")


def test_second_run_changes_nothing(module: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(module)]) == 0
    first = (module / "README.md").read_bytes()
    assert main([str(module)]) == 0
    assert (module / "README.md").read_bytes() == first
    assert capsys.readouterr().out.splitlines()[-1] == "tfdocs: 1 READMEs, 0 updated"
    assert main(["--check", str(module)]) == 0


def test_check_names_a_stale_readme_and_writes_nothing(
    module: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(module)]) == 0
    with (module / "main.tf").open("a", encoding="utf-8") as tf:
        tf.write('\nvariable "added" {\n  type = bool\n}\n')
    before = (module / "README.md").read_bytes()
    capsys.readouterr()
    assert main(["--check", str(module)]) == 1
    assert (module / "README.md").read_bytes() == before
    err = capsys.readouterr().err
    assert str(module / "README.md") in err
    assert "run `make docs`" in err


def test_readme_without_markers_is_a_clear_error(
    module: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (module / "README.md").write_text("# thing\n", encoding="utf-8")
    assert main(["--check", str(module)]) == 2
    assert "needs exactly one <!-- BEGIN_TF_DOCS -->" in capsys.readouterr().err


def test_invalid_hcl_is_a_clear_error(module: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (module / "broken.tf").write_text('variable "x" {\n', encoding="utf-8")
    assert main([str(module)]) == 2
    assert f"{module / 'broken.tf'}: not valid HCL" in capsys.readouterr().err
