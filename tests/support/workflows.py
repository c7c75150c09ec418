"""Reading a GitHub Actions workflow as GitHub would: its expressions, evaluated against the
contexts of an event, and the programs each `run:` script starts.

Both are deliberately small and strict: an expression or a script outside what they understand
raises ValueError, so a test built on them fails rather than passing over what it cannot read.

- Expressions follow GitHub's "Evaluate expressions in workflows and actions": `==` compares
  strings case-insensitively and otherwise converts both sides to numbers (null and '' are 0),
  `&&` and `||` return an operand, a missing property is null, and a job's `if:` without a status
  function is `success() && (...)`.
- Scripts are bash: words, quotes, `$(...)` (whose commands count too), pipelines, lists,
  redirections, `{ }`, `if`, `case`; no backquotes, here-documents or loops.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# --- expressions --------------------------------------------------------------------------------

_EXPRESSION_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)"
    r"|(?P<op>==|!=|<=|>=|&&|\|\||[!<>()\[\].,])|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))"
)
_STATUS_FUNCTIONS = {"success", "always", "cancelled", "failure"}


def _tokens(expression: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = expression.strip()
    while position < len(text):
        match = _EXPRESSION_TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ValueError(f"cannot read expression at {text[position:]!r}")
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        position = match.end()
        while position < len(text) and text[position].isspace():
            position += 1
    return tokens


def _number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip()) if value.strip() else 0.0
        except ValueError:
            return math.nan
    return math.nan


def truthy(value: Any) -> bool:
    """GitHub's falsy values: false, 0, -0, NaN, '' and null."""
    if isinstance(value, float) and math.isnan(value):
        return False
    return value not in (None, False, 0, "")


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()
    if isinstance(left, dict | list) or isinstance(right, dict | list):
        return left is right
    return _number(left) == _number(right)


def _member(value: Any, name: str) -> Any:
    if not isinstance(value, Mapping):
        return None
    folded = name.casefold()
    return next((item for key, item in value.items() if str(key).casefold() == folded), None)


@dataclass
class _Parser:
    tokens: list[tuple[str, str]]
    contexts: Mapping[str, Any]
    status: str
    position: int = 0

    def peek(self) -> str | None:
        return self.tokens[self.position][1] if self.position < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.position >= len(self.tokens):
            raise ValueError("expression ends early")
        token = self.tokens[self.position]
        if expected is not None and token[1] != expected:
            raise ValueError(f"expected {expected!r}, found {token[1]!r}")
        self.position += 1
        return token

    def expression(self) -> Any:
        left = self.conjunction()
        while self.peek() == "||":
            self.take()
            right = self.conjunction()
            left = left if truthy(left) else right
        return left

    def conjunction(self) -> Any:
        left = self.equality()
        while self.peek() == "&&":
            self.take()
            right = self.equality()
            left = right if truthy(left) else left
        return left

    def equality(self) -> Any:
        left = self.comparison()
        while self.peek() in ("==", "!="):
            operator = self.take()[1]
            right = self.comparison()
            left = _equal(left, right) == (operator == "==")
        return left

    def comparison(self) -> Any:
        left = self.unary()
        while self.peek() in ("<", "<=", ">", ">="):
            operator = self.take()[1]
            a, b = _number(left), _number(self.unary())
            left = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[operator]
        return left

    def unary(self) -> Any:
        if self.peek() == "!":
            self.take()
            return not truthy(self.unary())
        return self.primary()

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind == "number":
            return float(text)
        if text == "(":
            value = self.expression()
            self.take(")")
            return value
        if kind != "name":
            raise ValueError(f"unexpected {text!r}")
        if text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text]
        if self.peek() == "(":
            return self.call(text)
        value = _member(self.contexts, text)
        while self.peek() in (".", "["):
            if self.take()[1] == ".":
                value = _member(value, self.take()[1])
            else:
                index = self.expression()
                self.take("]")
                value = _member(value, str(index))
        return value

    def call(self, function: str) -> Any:
        self.take("(")
        arguments: list[Any] = []
        while self.peek() != ")":
            arguments.append(self.expression())
            if self.peek() == ",":
                self.take()
        self.take(")")
        if function in _STATUS_FUNCTIONS:
            return {
                "success": self.status == "success",
                "failure": self.status == "failure",
                "cancelled": self.status == "cancelled",
                "always": True,
            }[function]
        folded = [str(argument).casefold() for argument in arguments]
        if function == "contains" and len(folded) == 2:
            return folded[1] in folded[0]
        if function == "startsWith" and len(folded) == 2:
            return folded[0].startswith(folded[1])
        if function == "endsWith" and len(folded) == 2:
            return folded[0].endswith(folded[1])
        raise ValueError(f"function {function}() is not understood here")


def _unwrapped(expression: str) -> str:
    text = expression.strip()
    if text.startswith("${{") and text.endswith("}}") and text.count("${{") == 1:
        return text[3:-2]
    return text


def evaluate(expression: str, contexts: Mapping[str, Any], status: str = "success") -> Any:
    """The value of an expression (with or without `${{ }}`) against `contexts` (github, needs,
    steps, vars, ...); `status` is what the status functions see: success, failure, cancelled."""
    parser = _Parser(_tokens(_unwrapped(expression)), contexts, status)
    value = parser.expression()
    if parser.position != len(parser.tokens):
        raise ValueError(f"cannot read expression past {parser.tokens[parser.position][1]!r}")
    return value


def condition_holds(condition: Any, contexts: Mapping[str, Any], status: str = "success") -> bool:
    """Whether a job or step with this `if:` runs: absent is true; without a status function,
    GitHub applies `success() && (...)`."""
    if condition is None:
        return status == "success"
    if isinstance(condition, bool):
        return condition and status == "success"
    text = str(condition)
    uses_status = any(
        kind == "name" and name in _STATUS_FUNCTIONS for kind, name in _tokens(_unwrapped(text))
    )
    value = truthy(evaluate(text, contexts, status))
    return value if uses_status else value and status == "success"


def substitute(template: str, contexts: Mapping[str, Any]) -> str:
    """A string with its `${{ }}` expressions replaced by their values, as GitHub renders them."""

    def render(match: re.Match[str]) -> str:
        value = evaluate(match.group(1), contexts)
        if value is None:
            return ""
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    return re.sub(r"\$\{\{(.*?)\}\}", render, template)


# --- run scripts --------------------------------------------------------------------------------

# Longest first: the lexer takes the first that matches.
_OPERATORS = (";;", "&&", "||", ">>", ">&", "<&", "&>", ">|", "(", ")", ";", "&", "|", "<", ">")
_SUBSTITUTION = "$(...)"
_BEFORE_A_COMMAND = {"if", "then", "else", "elif", "do", "while", "until", "{", "!", "time"}
_AFTER_A_COMMAND = {"fi", "done", "}"}
_UNSUPPORTED = {"for", "select", "function", "coproc"}
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=")


def _closing_parenthesis(script: str, start: int) -> int:
    """The index of the `)` closing the substitution whose text starts at `start`."""
    depth, position, quote = 1, start, ""
    while position < len(script):
        char = script[position]
        if quote == "'":
            quote = "" if char == "'" else quote
        elif char == "\\":
            position += 1
        elif quote == '"' and char == '"':
            quote = ""
        elif not quote and char in "'\"":
            quote = char
        elif not quote and char == "(":
            depth += 1
        elif quote == '"' and script.startswith("$(", position):
            position = _closing_parenthesis(script, position + 2)
        elif not quote and char == ")":
            depth -= 1
            if depth == 0:
                return position
        position += 1
    raise ValueError(f"unclosed $( in {script[start:]!r}")


@dataclass
class _Lexer:
    script: str
    position: int = 0
    tokens: list[tuple[str, str]] = field(default_factory=list)
    substitutions: list[str] = field(default_factory=list)
    word: list[str] | None = None

    def flush(self) -> None:
        if self.word is not None:
            self.tokens.append(("word", "".join(self.word)))
            self.word = None

    def append(self, text: str) -> None:
        self.word = [*(self.word or []), text]

    def substitution(self) -> None:
        end = _closing_parenthesis(self.script, self.position + 2)
        self.substitutions.append(self.script[self.position + 2 : end])
        self.append(_SUBSTITUTION)
        self.position = end + 1

    def double_quoted(self) -> None:
        self.position += 1
        self.append("")  # "" is a word too
        while self.script[self.position] != '"':
            char = self.script[self.position]
            if char == "`":
                raise ValueError("backquote substitution: use $(...)")
            if self.script.startswith("$(", self.position):
                self.substitution()
                continue
            if char == "\\" and self.script[self.position + 1] in '\\$"`\n':
                self.position += 1
                char = self.script[self.position]
            self.append(char)
            self.position += 1
        self.position += 1

    def step(self) -> None:
        script, position = self.script, self.position
        char = script[position]
        if script.startswith("\\\n", position):
            self.position += 2
        elif char in " \t\r":
            self.flush()
            self.position += 1
        elif char == "\n":
            self.flush()
            self.tokens.append(("op", ";"))
            self.position += 1
        elif char == "#" and self.word is None:
            newline = script.find("\n", position)
            self.position = len(script) if newline < 0 else newline
        elif char == "'":
            end = script.index("'", position + 1)
            self.append(script[position + 1 : end])
            self.position = end + 1
        elif char == '"':
            self.double_quoted()
        elif char == "\\":
            self.append(script[position + 1])
            self.position += 2
        elif char == "`":
            raise ValueError("backquote substitution: use $(...)")
        elif script.startswith(("$(", "<(", ">("), position):
            self.substitution()
        elif script.startswith("<<", position):
            raise ValueError("here-documents are not understood here")
        else:
            self.operator_or_char()

    def operator_or_char(self) -> None:
        operator = next(
            (op for op in _OPERATORS if self.script.startswith(op, self.position)), None
        )
        if operator is None:
            self.append(self.script[self.position])
            self.position += 1
            return
        self.position += len(operator)
        if operator[0] in "<>&" and self.word is not None and "".join(self.word).isdigit():
            operator = "".join(self.word) + operator  # 2>&1: the descriptor is the operator's
            self.word = None
        self.flush()
        self.tokens.append(("op", operator))

    def run(self) -> None:
        while self.position < len(self.script):
            self.step()
        self.flush()


@dataclass
class _Commands:
    """Reads a lexed script's tokens: where a command starts, its words after."""

    found: list[list[str]] = field(default_factory=list)
    argv: list[str] | None = None
    expect_command: bool = True
    skip_word: bool = False
    case: str = ""  # "subject", "pattern", "body" inside a case statement

    def operator(self, text: str) -> None:
        if any(char in text for char in "<>"):
            self.skip_word = True  # the redirection's target follows
            return
        self.argv = None
        if self.case == "pattern":
            if text == ")":
                self.case, self.expect_command = "body", True
        elif text == ";;":
            self.case = "pattern"
        else:
            self.expect_command = text != ")"

    def word(self, text: str) -> None:
        if self.skip_word:
            self.skip_word = False
        elif self.case == "subject":
            self.case = "pattern" if text == "in" else self.case
        elif self.case == "pattern":
            self.case = "" if text == "esac" else self.case
            self.expect_command = False
        elif self.argv is not None:
            self.argv.append(text)
        elif text == "esac" and self.case == "body":
            self.case, self.expect_command = "", False
        else:
            self.command_word(text)

    def command_word(self, text: str) -> None:
        if not self.expect_command:
            raise ValueError(f"{text!r} where no command starts")
        if text in _UNSUPPORTED:
            raise ValueError(f"{text!r} is not understood here")
        if text in _AFTER_A_COMMAND:
            self.expect_command = False
        elif text == "case":
            self.case = "subject"
        elif text not in _BEFORE_A_COMMAND and not _ASSIGNMENT.match(text):
            self.argv = [text]
            self.found.append(self.argv)


def commands(script: str) -> list[list[str]]:
    """Every simple command the script can start, as its words (quotes removed; a command
    substitution reads `$(...)`), including those inside command substitutions."""
    lexer = _Lexer(script)
    lexer.run()
    reader = _Commands()
    for kind, text in lexer.tokens:
        if kind == "op":
            reader.operator(text)
        else:
            reader.word(text)
    found = reader.found
    for inner in lexer.substitutions:
        found.extend(commands(inner))
    return found
