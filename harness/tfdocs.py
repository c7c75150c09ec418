"""`make docs`: the Requirements, Inputs and Outputs tables of the Terraform READMEs.

terraform-docs cannot be installed here, so this writes the same tables from the `.tf` files
with python-hcl2: in every directory under terraform/ whose README.md holds the markers
`<!-- BEGIN_TF_DOCS -->` and `<!-- END_TF_DOCS -->`, what lies between them is replaced; the rest
of the README is left byte for byte. Rows are sorted by name, as terraform-docs sorts them, and
nothing depends on file order or time, so a second run changes nothing.

`python -m harness.tfdocs --check` writes nothing and exits 1 naming each README whose tables
are stale.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2
from lark.exceptions import LarkError

from kit.paths import REPO_ROOT

TERRAFORM_DIR = REPO_ROOT / "terraform"
BEGIN_MARKER = "<!-- BEGIN_TF_DOCS -->"
END_MARKER = "<!-- END_TF_DOCS -->"

# The source form of every value: quoted strings keep their quotes and escapes ('"a\\"b"'), so a
# string is told apart from an expression ("${map(string)}") and from a bare keyword ("string").
# Heredocs come as quoted strings, scientific notation as numbers.
_OPTIONS = hcl2.SerializationOptions(
    with_comments=False,
    explicit_blocks=False,
    preserve_heredocs=False,
    preserve_scientific_notation=False,
    strip_string_quotes=False,
)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_UNICODE_ESCAPE = re.compile(r"u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})")


class TfDocsError(RuntimeError):
    """A README or a .tf file cannot be documented; the message names the file and the fix."""


@dataclass(frozen=True)
class Expression:
    """An HCL expression or keyword that is not a literal value, kept as its source text."""

    text: str


@dataclass(frozen=True)
class Requirement:
    name: str
    version: str | None


@dataclass(frozen=True)
class Variable:
    name: str
    description: str | None
    type: str
    required: bool
    default: object = None


@dataclass(frozen=True)
class Output:
    name: str
    description: str | None


@dataclass(frozen=True)
class ModuleDoc:
    requirements: tuple[Requirement, ...]
    variables: tuple[Variable, ...]
    outputs: tuple[Output, ...]


# --- HCL source forms -> values ----------------------------------------------------------------


def is_expression(raw: str) -> bool:
    """python-hcl2 wraps every expression that is not a literal in `${...}`."""
    return raw.startswith("${") and raw.endswith("}")


def unwrap_expression(raw: str) -> str:
    """The HCL text of an expression: `${map(string)}` -> `map(string)`; a keyword as it is."""
    return raw[2:-1] if is_expression(raw) else raw


def decode_string(raw: str) -> str:
    """The value of a quoted HCL string in source form: quotes removed, escapes resolved.

    HCL's escapes are `\\n \\r \\t \\" \\\\ \\uNNNN \\UNNNNNNNN`, plus `$${` and `%%{` for a
    literal `${` and `%{`. Anything else (a template's interpolation) is kept as written.
    """
    if len(raw) < 2 or raw[0] != '"' or raw[-1] != '"':
        raise ValueError(f"not a quoted HCL string: {raw!r}")
    body, out, index = raw[1:-1], [], 0
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body):
            marker = body[index + 1]
            if marker in _ESCAPES:
                out.append(_ESCAPES[marker])
                index += 2
                continue
            match = _UNICODE_ESCAPE.match(body, index + 1)
            if match:
                out.append(chr(int(match.group(1) or match.group(2), 16)))
                index = match.end()
                continue
        elif body.startswith(("$${", "%%{"), index):
            out.append(char + "{")  # the doubled sign stands for one
            index += 3
            continue
        out.append(char)
        index += 1
    return "".join(out)


def label(raw: str) -> str:
    """A block label or object key, quoted (`"name"`) or bare (`name`)."""
    return decode_string(raw) if raw.startswith('"') else raw


def hcl_value(raw: object) -> object:
    """A python-hcl2 value as a plain value: strings decoded, expressions kept as Expression."""
    if isinstance(raw, str):
        if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
            return decode_string(raw)
        return Expression(unwrap_expression(raw))
    if isinstance(raw, list):
        return [hcl_value(item) for item in raw]
    if isinstance(raw, dict):
        return {label(key): hcl_value(value) for key, value in raw.items()}
    return raw  # None, bool, int, float


def text_attribute(body: dict[str, Any], name: str) -> str | None:
    """A string attribute (a description, a version constraint), or None when it is absent."""
    if name not in body:
        return None
    value = hcl_value(body[name])
    if isinstance(value, Expression):
        return value.text
    return str(value)


# --- reading a module ---------------------------------------------------------------------------


def _blocks(document: dict[str, Any], block_type: str) -> list[dict[str, Any]]:
    blocks = document.get(block_type, [])
    return blocks if isinstance(blocks, list) else [blocks]


def _labelled(document: dict[str, Any], block_type: str) -> Iterable[tuple[str, dict[str, Any]]]:
    for block in _blocks(document, block_type):
        for raw_name, body in block.items():
            yield label(raw_name), body


def parse_file(path: Path) -> dict[str, Any]:
    try:
        document: dict[str, Any] = hcl2.loads(
            path.read_text(encoding="utf-8"), serialization_options=_OPTIONS
        )
    except LarkError as error:
        raise TfDocsError(f"{path}: not valid HCL ({error})") from error
    return document


def read_module(directory: Path) -> ModuleDoc:
    """The variables, outputs and version requirements declared by the .tf files of `directory`."""
    files = sorted(directory.glob("*.tf"))
    if not files:
        raise TfDocsError(f"{directory}: no .tf files to document")
    required_version: str | None = None
    providers: dict[str, str | None] = {}
    variables: dict[str, Variable] = {}
    outputs: dict[str, Output] = {}
    for path in files:
        document = parse_file(path)
        for terraform in _blocks(document, "terraform"):
            required_version = text_attribute(terraform, "required_version") or required_version
            for block in _blocks(terraform, "required_providers"):
                for name, spec in block.items():
                    providers[label(name)] = _provider_version(spec)
        for name, body in _labelled(document, "variable"):
            if name in variables:
                raise TfDocsError(f"{path}: variable {name!r} is declared twice")
            variables[name] = Variable(
                name=name,
                description=text_attribute(body, "description"),
                type=_type_text(body),
                required="default" not in body,
                default=hcl_value(body.get("default")),
            )
        for name, body in _labelled(document, "output"):
            if name in outputs:
                raise TfDocsError(f"{path}: output {name!r} is declared twice")
            outputs[name] = Output(name=name, description=text_attribute(body, "description"))
    requirements = [Requirement("terraform", required_version)] if required_version else []
    requirements += [Requirement(name, providers[name]) for name in sorted(providers)]
    return ModuleDoc(
        requirements=tuple(requirements),
        variables=tuple(variables[name] for name in sorted(variables)),
        outputs=tuple(outputs[name] for name in sorted(outputs)),
    )


def _type_text(body: dict[str, Any]) -> str:
    """A variable's type constraint as HCL text (`object({a = string})`); `any` when it has none."""
    raw = body.get("type")
    return unwrap_expression(raw) if isinstance(raw, str) else "any"


def _provider_version(spec: object) -> str | None:
    """`aws = { source = ..., version = "~> 5" }`, or the legacy `aws = "~> 5"`."""
    if isinstance(spec, dict):
        return text_attribute(spec, "version")
    value = hcl_value(spec)
    return value.text if isinstance(value, Expression) else str(value)


# --- rendering ----------------------------------------------------------------------------------


def render_value(value: object) -> str:
    """A default as terraform-docs shows it: JSON on one line, map keys sorted (as Go sorts them);
    an expression as its HCL text."""
    if isinstance(value, Expression):
        return value.text
    if isinstance(value, list):
        return "[" + ", ".join(render_value(item) for item in value) + "]"
    if isinstance(value, dict):
        items = (
            f"{json.dumps(key, ensure_ascii=False)}: {render_value(value[key])}"
            for key in sorted(value)
        )
        return "{" + ", ".join(items) + "}"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)  # 1e3 is 1000, as Terraform shows it
    if value is None or isinstance(value, bool | str | int | float):
        return json.dumps(value, ensure_ascii=False)
    raise TypeError(f"cannot render {value!r}")


def code(text: str) -> str:
    """`text` as a Markdown code span, with a fence longer than any backtick run inside it."""
    text = " ".join(text.split("\n"))
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"


_CODE_SPAN = re.compile(r"(`+)(?:.*?[^`])?\1(?!`)")


def escape_html(text: str) -> str:
    """`<` outside code spans as `&lt;`: `<project>` is text, not a tag for GitHub to drop."""
    parts, position = [], 0
    for span in _CODE_SPAN.finditer(text):
        parts += [text[position : span.start()].replace("<", "&lt;"), span.group()]
        position = span.end()
    parts.append(text[position:].replace("<", "&lt;"))
    return "".join(parts)


def cell(text: str) -> str:
    """A table cell: pipes escaped (also inside code spans, as GFM tables need), lines joined."""
    lines = text.strip().replace("\r\n", "\n").split("\n")
    return "<br/>".join(line.strip() for line in lines).replace("|", "\\|")


def anchor(kind: str, name: str) -> str:
    """terraform-docs' anchor and self link: `<a name="input_a_b"></a> [a\\_b](#input\\_a\\_b)`."""
    escaped = name.replace("_", "\\_")
    return f'<a name="{kind}_{name}"></a> [{escaped}](#{kind}\\_{escaped})'


def render_markdown(module: ModuleDoc) -> str:
    """What goes between the markers: Requirements, Inputs and Outputs, as terraform-docs writes."""
    parts = ["## Requirements\n"]
    if module.requirements:
        parts.append("| Name | Version |\n|------|---------|")
        parts += [
            f"| {anchor('requirement', req.name)} | {cell(req.version or 'n/a')} |"
            for req in module.requirements
        ]
    else:
        parts.append("No requirements.")
    parts.append("\n## Inputs\n")
    if module.variables:
        parts.append(
            "| Name | Description | Type | Default | Required |\n"
            "|------|-------------|------|---------|:--------:|"
        )
        for var in module.variables:
            default = "n/a" if var.required else cell(code(render_value(var.default)))
            parts.append(
                f"| {anchor('input', var.name)} | {cell(escape_html(var.description or 'n/a'))} "
                f"| {cell(code(var.type))} | {default} | {'yes' if var.required else 'no'} |"
            )
    else:
        parts.append("No inputs.")
    parts.append("\n## Outputs\n")
    if module.outputs:
        parts.append("| Name | Description |\n|------|-------------|")
        parts += [
            f"| {anchor('output', out.name)} | {cell(escape_html(out.description or 'n/a'))} |"
            for out in module.outputs
        ]
    else:
        parts.append("No outputs.")
    return "\n".join(parts) + "\n"


# --- READMEs ------------------------------------------------------------------------------------


def replace_section(readme: str, body: str, *, path: Path) -> str:
    """`readme` with what lies between the markers replaced by `body`; the rest untouched."""
    for marker in (BEGIN_MARKER, END_MARKER):
        if readme.count(marker) != 1:
            raise TfDocsError(
                f"{path}: needs exactly one {BEGIN_MARKER} and one {END_MARKER} line "
                f"(found {readme.count(marker)} of {marker}); put them after the usage section"
            )
    start = readme.index(BEGIN_MARKER) + len(BEGIN_MARKER)
    end = readme.index(END_MARKER)
    if end < start:
        raise TfDocsError(f"{path}: {END_MARKER} comes before {BEGIN_MARKER}")
    return readme[:start] + "\n" + body + readme[end:]


def has_markers(readme: Path) -> bool:
    return readme.is_file() and BEGIN_MARKER in readme.read_text(encoding="utf-8")


def module_dirs(root: Path = TERRAFORM_DIR) -> list[Path]:
    """Directories under `root` (itself included) with .tf files and a README.md with markers.

    Working directories (`.terraform/`, anything hidden) are skipped.
    """
    dirs = {
        path.parent
        for path in root.rglob("*.tf")
        if not any(part.startswith(".") for part in path.relative_to(root).parts)
    }
    return sorted(d for d in dirs if has_markers(d / "README.md"))


def discover() -> list[Path]:
    """module_dirs() of the repository, which must find some."""
    directories = module_dirs()
    if not directories:
        raise TfDocsError(f"no README.md with {BEGIN_MARKER} under {TERRAFORM_DIR}")
    return directories


@dataclass(frozen=True)
class Result:
    readme: Path
    current: str
    generated: str

    @property
    def stale(self) -> bool:
        return self.current != self.generated


def generate(directory: Path) -> Result:
    """The README of `directory` as it is, and as it should be."""
    readme = directory / "README.md"
    if not readme.is_file():
        raise TfDocsError(f"{directory}: has no README.md")
    with readme.open(encoding="utf-8", newline="") as file:  # keep its line endings as they are
        current = file.read()
    body = render_markdown(read_module(directory))
    if "\r\n" in current:
        body = body.replace("\n", "\r\n")
    return Result(readme, current, replace_section(current, body, path=readme))


def _display(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if a README's tables are not what the .tf files say",
    )
    parser.add_argument(
        "directories",
        nargs="*",
        type=Path,
        help="module directories (default: every one under terraform/ with the markers)",
    )
    args = parser.parse_args(argv)
    try:
        directories = args.directories or discover()
        results = [generate(directory) for directory in directories]
    except TfDocsError as error:
        print(f"tfdocs: {error}", file=sys.stderr)
        return 2
    stale = [result for result in results if result.stale]
    if args.check:
        for result in stale:
            print(
                f"{_display(result.readme)}: the Terraform docs tables are stale: run `make docs`",
                file=sys.stderr,
            )
        if not stale:
            print(f"tfdocs: {len(results)} READMEs are current")
        return 1 if stale else 0
    for result in stale:
        with result.readme.open("w", encoding="utf-8", newline="") as file:
            file.write(result.generated)
        print(f"updated {_display(result.readme)}")
    print(f"tfdocs: {len(results)} READMEs, {len(stale)} updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
