"""Model output run as shell code in CI and scripts: a GitHub Actions ``run:`` script
that pastes an AI step's output (``${{ steps.ai.outputs.cmd }}``), and an LLM command
line piped into a shell or ``eval`` (``llm "fix it" | bash``, ``eval "$(sgpt ...)"``).

Read line by line like the other configuration checks (nothing is parsed): a step is the
list item around its ``id:``, and a line belongs to a ``run:`` script when its own key,
or the nearest less-indented one above it, is ``run``.
"""

from __future__ import annotations

import re
from bisect import bisect_right

__all__ = ["line_strings", "model_output_in_shell", "string_at"]

_CLIS = r"(?:llm|sgpt|aichat|mods|fabric|ollama\s+run|claude\s+-p|gemini\s+-p|codex\s+exec)"
_CLI = re.compile(rf"(?:^|[\s;&|(`$])({_CLIS})\b")
_TO_SHELL = re.compile(r"\|\s*(?:sudo\s+)?(?:ba|z|da|k|fi)?sh\b")
_EVAL = re.compile(rf"\beval\s+[\"']?\$\(\s*({_CLIS})\b")
_PIPED_WITHIN = 512  # characters from the command's name to the pipe, none of them |, # or \n
_STEP_OUTPUT = re.compile(r"\$\{\{\s*steps\.([\w-]+)\.outputs(?:\.([\w-]+)|\[)")
# an AI step: an action or a command that calls a model
_AI_STEP = re.compile(
    r"uses:\s*\S*(?:ai-inference|claude|openai|gpt|llm|gemini|anthropic|ollama|copilot)"
    r"|api\.openai\.com|api\.anthropic\.com|generativelanguage\.googleapis\.com|"
    rf"chat/completions|(?:^|[\s;&|(`$\"']){_CLIS}\b",
    re.I,
)
_KEY = re.compile(r"^(\s*)(?:-\s+)?([\w-]+):")
_ITEM = re.compile(r"^(\s*)-\s")
_STEP_ID = re.compile(r"\s*(?:-\s+)?id:\s*['\"]?([\w-]+)['\"]?\s*$")
# an echo or printf whose arguments run on to the end of the text searched
_ECHO = re.compile(r"(?:^|[;&|(`]|\s)(?:echo|printf)\s[^;&|`]*$")


def line_strings(line: str) -> tuple[int, list[tuple[int, int]]]:
    """Where a comment starts on a configuration or shell ``line`` (a ``#`` that starts a
    word, outside quotes; ``len(line)`` when none does), and the text span (start, end) of
    each quoted string before it (one that never ends runs to the comment or the end)."""
    spans: list[tuple[int, int]] = []
    i, quote, opened, size = 0, "", 0, len(line)
    while i < size:
        char = line[i]
        if quote:
            if char == "\\" and quote == '"':
                i += 1  # an escaped character
            elif char == quote:
                spans.append((opened, i))
                quote = ""
        elif char in "\"'":
            quote, opened = char, i + 1
        elif char == "#" and (i == 0 or line[i - 1] in " \t"):
            return i, spans
        i += 1
    if quote:
        spans.append((opened, size))
    return size, spans


def string_at(spans: list[tuple[int, int]], at: int) -> tuple[int, int] | None:
    """The span of `line_strings` that holds offset ``at``, or None."""
    index = bisect_right(spans, at, key=lambda span: span[0]) - 1
    return spans[index] if index >= 0 and at < spans[index][1] else None


class _Printed:
    """Whether an offset of ``line`` is text, not a command: in a comment, or in a quoted
    argument of ``echo`` or ``printf`` (``echo 'never: llm x | bash'``); the line is lexed
    (`line_strings`) once, on the first question."""

    def __init__(self, line: str) -> None:
        self._line = line
        self._lexed: tuple[int, list[tuple[int, int]]] | None = None

    def __call__(self, at: int) -> bool:
        self._lexed = self._lexed or line_strings(self._line)
        comment, spans = self._lexed
        span = string_at(spans, at)
        return at >= comment or (
            span is not None and _ECHO.search(self._line, 0, span[0] - 1) is not None
        )


def _cli_run_by_shell(line: str) -> str | None:
    """The LLM command whose output ``line`` runs as shell code: piped into a shell
    (``llm "..." | bash``) or evaluated (``eval "$(sgpt ...)"``), else None; not when the
    pipe or ``eval`` is printed text (`_Printed`). Each pipe looks back only as far as the
    previous ``|`` or ``#`` (and `_PIPED_WITHIN`), so a long line full of command names is
    read about once."""
    printed = _Printed(line)
    for pipe in _TO_SHELL.finditer(line) if "|" in line else ():
        end = pipe.start()
        start = max(line.rfind("|", 0, end), line.rfind("#", 0, end), end - _PIPED_WITHIN - 16)
        for cli in _CLI.finditer(line, max(0, start), end):
            if cli.end() >= end - _PIPED_WITHIN and not printed(end):
                return cli.group(1)
    for evaluated in _EVAL.finditer(line) if "eval" in line else ():
        if not printed(evaluated.start()):
            return evaluated.group(1)
    return None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _run_lines(lines: list[str]) -> list[bool]:
    """For each line, whether it is (part of) the value of a ``run:`` key: one pass with a
    stack of the keys that enclose it, by indentation."""
    stack: list[tuple[int, str]] = []
    out: list[bool] = []
    for line in lines:
        if not line.strip():
            out.append(bool(stack) and stack[-1][1] == "run")
            continue
        key = _KEY.match(line)
        depth = len(key.group(1)) if key is not None else _indent(line)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if key is not None:
            stack.append((depth, key.group(2)))
        out.append(bool(stack) and stack[-1][1] == "run")
    return out


def _step_starts(lines: list[str]) -> dict[str, int]:
    """For each step ``id:`` in the file, the line index where its step starts: the list
    item around it (the first, for an id given twice). One pass."""
    starts: dict[str, int] = {}
    item: int | None = None
    for i, line in enumerate(lines):
        if _ITEM.match(line):
            item = i
        if "id:" in line and (match := _STEP_ID.match(line)) is not None:
            starts.setdefault(match.group(1), i if item is None else item)
    return starts


def _step(lines: list[str], start: int) -> str:
    """The text of the step starting on line index ``start``: up to the next line that is
    not indented deeper."""
    depth = _indent(lines[start])
    end = next(
        (
            i
            for i in range(start + 1, len(lines))
            if lines[i].strip() and _indent(lines[i]) <= depth
        ),
        len(lines),
    )
    return "".join(lines[start:end])


def model_output_in_shell(lines: list[str], workflow: bool) -> list[tuple[int, str]]:
    """(line number, message) for each line that runs model output as shell code;
    ``workflow`` turns on the GitHub Actions step-output check."""
    found: list[tuple[int, str]] = []
    ai_steps: dict[int, bool] = {}  # by the line a step starts on
    # where steps start and which lines are run: scripts, read on the first step output
    starts: dict[str, int] | None = None
    in_run: list[bool] = []
    for number, line in enumerate(lines, start=1):
        cli = _cli_run_by_shell(line)
        if cli is not None:
            found.append((number, f"model output ({' '.join(cli.split())}) is run by a shell"))
        if not workflow or "steps." not in line:
            continue
        for match in _STEP_OUTPUT.finditer(line):
            if starts is None:
                starts, in_run = _step_starts(lines), _run_lines(lines)
            step = match.group(1)
            start = starts.get(step)
            if start is None or not in_run[number - 1]:
                continue
            if start not in ai_steps:
                ai_steps[start] = _AI_STEP.search(_step(lines, start)) is not None
            if ai_steps[start]:
                output = f"steps.{step}.outputs.{match.group(2) or '...'}"
                found.append((number, f"model output ({output}) is pasted into a run: script"))
    return found
