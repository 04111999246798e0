"""Configuration files: credentials, trust_remote_code and plaintext LLM endpoints."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from aisec_sdk.cli import main
from aisec_sdk.posture import scan_paths
from aisec_sdk.posture.config_scan import MAX_CONFIG_SIZE, config_format, is_config, scan_config

Write = Callable[[str, bytes | str], Path]
KEY = "sk-proj-" + "Q7x2Lm9Pa4Rt8Vb1Nc6Kd3Hf5Jg0Ws2Ye7Ui4Oz9"


def _found(path: Path) -> list[tuple[str, int | None]]:
    return [(f.rule_id, f.line) for f in scan_paths([path]).findings]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (".env", f"# keys\nOPENAI_API_KEY={KEY}\n", [("AISEC-CODE009", 2)]),
        (".env.local", f"export OPENAI_API_KEY='{KEY}'\n", [("AISEC-CODE009", 1)]),
        ("app.yaml", f"llm:\n  model: gpt-4o\n  api_key: {KEY}\n", [("AISEC-CODE009", 3)]),
        ("serve.yml", "model:\n  trust_remote_code: true\n", [("AISEC-CODE001", 2)]),
        # PyYAML object tags: code under yaml.load / unsafe_load (only YAML has them)
        ("hydra.yaml", "cb: !!python/object/apply:os.system [id]\n", [("AISEC-CODE011", 1)]),
        ("run!1/hydra.yaml", "cb: !!python/name:os.system\n", [("AISEC-CODE011", 1)]),
        (
            "x.yml",
            "a: 1\nf: !<tag:yaml.org,2002:python/name:builtins.eval>\n",
            [("AISEC-CODE011", 2)],
        ),
        ("notes.yaml", "text: the python/object docs\n", []),
        ("Dockerfile", f"FROM python:3.12\nENV OPENAI_API_KEY={KEY}\n", [("AISEC-CODE009", 2)]),
        ("Dockerfile.prod", f"FROM x\nARG KEY={KEY}\n", [("AISEC-CODE009", 2)]),
        ("Containerfile", f"FROM x\n\nENV K={KEY}\n", [("AISEC-CODE009", 3)]),
        ("deploy.sh", f"#!/bin/sh\nexport OPENAI_API_KEY={KEY}\n", [("AISEC-CODE009", 2)]),
        ("Dockerfile", "FROM x\nARG HF_TOKEN\nENV OPENAI_API_KEY=${OPENAI_API_KEY}\n", []),
        ("tags.json", '{"t": "!!python/object/apply:os.system"}', []),
        ("settings.json", json.dumps({"trust_remote_code": True}), [("AISEC-CODE001", 1)]),
        # the Hugging Face config names get the text checks as well as the model checks
        ("config.json", json.dumps({"openai_api_key": KEY}), [("AISEC-CODE009", 1)]),
        ("config.json", json.dumps({"trust_remote_code": True}), [("AISEC-CODE001", 1)]),
        ("tokenizer_config.json", '{\n "api_base": "http://10.0.0.5/v1"}', [("AISEC-CODE008", 2)]),
        ("x.toml", "[llm]\napi_base = 'http://10.0.0.5:8000/v1'\n", [("AISEC-CODE008", 2)]),
        ("svc.ini", "[a]\nOPENAI_BASE_URL=http://gateway.corp:80\n", [("AISEC-CODE008", 2)]),
        # what is not a finding
        ("off.yaml", "trust_remote_code: false\nname: trust_remote_code\n", []),
        ("local.env", "OPENAI_BASE_URL=http://localhost:8000/v1\n", []),
        ("tls.yaml", "base_url: https://api.openai.com/v1\n", []),
        ("placeholder.env", "OPENAI_API_KEY=${OPENAI_API_KEY}\n", []),
        ("docs.yaml", "homepage: http://example.com/docs\n", []),
    ],
)
def test_config_checks(write: Write, name: str, text: str, expected: list[tuple[str, int]]) -> None:
    assert _found(write(name, text)) == expected


def test_the_credential_itself_is_never_reported(write: Write) -> None:
    report = scan_paths([write(".env", f"OPENAI_API_KEY={KEY}\n")])
    assert "openai key" in report.findings[0].message
    assert KEY not in json.dumps(report.to_dict())


def test_config_files_by_name_and_big_files_are_not_settings(write: Write) -> None:
    assert is_config(".env") and is_config(".ENV.production") and is_config("a/b.YAML")
    assert not is_config("environment.py") and not is_config("data.jsonl")
    assert is_config("Dockerfile") and is_config("api.Dockerfile") and is_config(".npmrc")
    assert [config_format(n) for n in ("Dockerfile.gpu", ".env.local", "prod.env", "a.yml")] == [
        "dockerfile",
        "env",
        "env",
        "yml",
    ]
    big = write("huge.json", f'{{"k": "{KEY}", "pad": "{"x" * MAX_CONFIG_SIZE}"}}')
    report = scan_paths([big])
    assert report.findings == [] and report.files[0].kind != "config"


def test_a_leaked_key_in_a_config_fails_the_scan(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write("proj/.env", f"OPENAI_API_KEY={KEY}\n").parent
    assert main(["scan", str(folder), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [(f["rule_id"], f["path"], f["line"]) for f in report["findings"]] == [
        ("AISEC-CODE009", "proj/.env", 1)
    ]


def test_mcp_servers_launched_from_unpinned_packages(write: Write) -> None:
    def server(command: str, *args: str) -> dict[str, object]:
        return {"command": command, "args": list(args)}

    unpinned = {
        "fs": server("npx", "-y", "@modelcontextprotocol/server-filesystem", "/data"),
        "latest": server("npx", "-y", "mcp-server-everything@latest"),
        "fetch": server("uvx", "mcp-server-fetch"),
        "gh": server("docker", "run", "-i", "--rm", "-e", "TOKEN", "ghcr.io/x/github-mcp"),
        "pipx": server("pipx", "run", "--spec", "mcp-git", "mcp-server-git"),
        # -p publishes a port for docker and picks a Python for uvx: not the package
        "web": server("docker", "run", "-p", "8080:80", "--rm", "mcp/web"),
        "py": server("uvx", "-p", "3.12", "mcp-server-time"),
    }
    pinned = {
        "fs": server("npx", "-y", "@modelcontextprotocol/server-filesystem@2025.1.14", "/d"),
        "fetch": server("uvx", "mcp-server-fetch==0.6.2"),
        "from": server("uvx", "--from", "mcp-git@1.0.0", "mcp-server-git"),
        "gh": server("docker", "run", "-i", "--rm", "ghcr.io/x/gh@sha256:" + "a" * 64),
        "local": server("node", "build/index.js"),
        "script": server("npx", "-y", "./tools/server"),
        "blank": server(" "),  # no command to run: nothing fetched, and no crash
    }
    write(".cursor/mcp.json", json.dumps({"mcpServers": unpinned}))
    write("claude_desktop_config.json", json.dumps({"mcpServers": pinned}))
    write(".vscode/settings.json", json.dumps({"mcp": {"servers": {"f": server("uvx", "x")}}}))
    report = scan_paths(["."])
    found = {(f.rule_id, f.severity, f.path, f.details.get("server")) for f in report.findings}
    packages = {f.details.get("package") for f in report.findings}
    assert {"mcp/web", "mcp-server-time"} <= packages
    assert found == {
        *(("AISEC-MCP001", "medium", ".cursor/mcp.json", name) for name in unpinned),
        ("AISEC-MCP001", "medium", ".vscode/settings.json", "f"),
    }


def test_model_output_run_as_shell_code_in_ci_and_scripts(write: Write) -> None:
    workflow = """\
on: pull_request
jobs:
  fix:
    runs-on: ubuntu-latest
    steps:
      - id: ai
        uses: actions/ai-inference@v1
        with:
          prompt: Suggest a command that fixes ${{ github.event.pull_request.title }}
      - id: version
        run: echo "tag=$(git describe)" >> "$GITHUB_OUTPUT"
      - run: echo "${{ steps.version.outputs.tag }}"
      - name: apply
        env:
          ANSWER: ${{ steps.ai.outputs.response }}
        run: |
          echo "$ANSWER" > suggestion.txt
          ${{ steps.ai.outputs.response }}
      - run: llm -m gpt-4o "write a cleanup script" | sudo bash
"""
    script = 'eval "$(sgpt --shell "free the disk")"\nllm "summarise" > notes.md\n'
    write(".github/workflows/ai.yml", workflow)
    write("tools/fix.sh", script)
    write("not-ci/ai.yml", workflow.replace("| sudo bash", ""))
    found = {(f.path, f.line) for f in scan_paths(["."]).findings if f.rule_id == "AISEC-CODE012"}
    assert found == {
        (".github/workflows/ai.yml", 18),
        (".github/workflows/ai.yml", 19),
        ("tools/fix.sh", 1),
    }


def test_step_outputs_checked_in_linear_time() -> None:
    """Each step's text is found from one index of step ids, not a scan of the whole file
    per step referenced (4,000 AI steps took 46 s)."""

    def workflow(steps: int) -> bytes:
        lines = ["jobs:\n  a:\n    steps:\n"]
        for i in range(steps):
            lines.append(
                f"      - id: s{i}\n        uses: actions/ai-inference@v1\n"
                f"      - run: echo ${{{{ steps.s{i}.outputs.x }}}}\n"
            )
        return "".join(lines).encode()

    def best(data: bytes) -> float:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            found = scan_config(data, ".github/workflows/ai.yml")
            times.append(time.perf_counter() - start)
        assert len(found) == data.count(b"run:")
        return min(times)

    small, large = best(workflow(300)), best(workflow(2400))
    assert large < 24 * small  # 8 times the steps; a scan per step would be 64 times slower


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("# Never use !!python/object/apply:os.system tags in this file\n", []),
        ('docs: "the tag !!python/name:os.system is rejected by safe_load"\n', []),
        ("docs: 'a tag like !!python/name:os.system'\n", []),
        ("docs: the tag !!python/name:os.system is text\n", []),
        ("a: |\n  !!python/name:os.system\n  more\nb: 1\n", []),
        ("a: b#c !!python/name:os.system\n", []),
        ('a: "x #"\nb: !!python/name:os.system\n', [2]),
        ('a: ["x #", !!python/name:os.system]\n', [1]),
        ("doc: it's fine\nb: !!python/name:os.system\n", [2]),
        ("- !!python/object/new:os.system [id]\n", [1]),
        ("a: &x !!python/name:os.system\n", [1]),
        ("--- !!python/object/apply:os.system [id]\n", [1]),
        ("a: |\n  text\nb: !!python/name:os.system\n", [3]),
    ],
)
def test_yaml_tags_count_only_where_yaml_reads_a_tag(
    write: Write, text: str, lines: list[int]
) -> None:
    """A tag in a comment, a quoted or block scalar or mid-text builds nothing; the lines
    are checked against PyYAML's own scanner where it is installed."""
    report = scan_paths([write("settings.yaml", text)])
    assert [(f.rule_id, f.line) for f in report.findings] == [("AISEC-CODE011", n) for n in lines]
    yaml = pytest.importorskip("yaml")
    tokens = yaml.scan(text, Loader=yaml.SafeLoader)
    assert [t.start_mark.line + 1 for t in tokens if isinstance(t, yaml.TagToken)] == lines


_RESOLVED_PYTHON = re.compile(r"tag:yaml\.org,2002:python/(?:object(?:/apply|/new)?|name|module)")


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("%TAG !p! tag:yaml.org,2002:python/\n---\na: !p!object/apply:os.system [id]\n", [3]),
        ("%TAG ! tag:yaml.org,2002:python/\n--- !object/apply:os.system [id]\n", [2]),
        ("%TAG !! tag:yaml.org,2002:python/\n---\nb: !!name:os.system\n", [3]),
        ("%TAG !p! tag:yaml.org,2002:\n---\nb: !p!python/name:os.system\n", [3]),
        ("%TAG !e! tag:yaml.org,2002:%70ython/ # c\n---\nb: !e!name:os.system\n", [3]),
        ("a: !!%70ython/name:os.system\n", [1]),
        ("a: !<tag:yaml.org,2002:%70ython/name:os.system>\n", [1]),
        # the directives of a document hold from its --- to the next document
        (
            "%TAG !p! tag:yaml.org,2002:python/\n--- !p!name:os.system\n...\n"
            "%TAG !p! tag:example.com,2000:\n--- !p!name:os.system\n",
            [2],
        ),
        # a redeclared !! no longer leads to Python; a comment or a quote is no tag
        ("%TAG !! tag:example.com,2000:\n---\nb: !!python/name:os.system\n", []),
        ("%TAG !p! tag:yaml.org,2002:python/\n---\n# !p!name:os.system\nb: '!p!name:x'\n", []),
        ("a: !python/name:os.system\nb: !Ref x\nc: 100%\n", []),
    ],
)
def test_yaml_tags_resolve_declared_handles_and_escapes(
    write: Write, text: str, lines: list[int]
) -> None:
    """%TAG !p! tag:yaml.org,2002:python/ makes !p!object/apply:... a Python tag, ! and !!
    can be redeclared, and a tag is a URI whose %-escapes YAML decodes: tags are resolved
    as YAML resolves them, checked against the tags of PyYAML's own parser."""
    report = scan_paths([write("settings.yaml", text)])
    assert [(f.rule_id, f.line) for f in report.findings] == [("AISEC-CODE011", n) for n in lines]
    yaml = pytest.importorskip("yaml")
    events = yaml.parse(text, Loader=yaml.SafeLoader)
    tags = [(e.start_mark.line + 1, getattr(e, "tag", None) or "") for e in events]
    assert [line for line, tag in tags if _RESOLVED_PYTHON.match(tag)] == lines


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        # prose that mentions the setting: a comment, help text, a quoted description
        ("serve.yaml", "# never set trust_remote_code=True here\ntrust_remote_code: false\n", []),
        ("serve.yaml", 'model: bert\ndescription: "Loads without trust_remote_code=True"\n', []),
        ("pyproject.toml", "[tool.app]\n# trust_remote_code = true is forbidden\n", []),
        (
            "cli.json",
            json.dumps({"help": "Do not pass trust_remote_code=True", "trust_remote_code": False}),
            [],
        ),
        # what switches it on, quoted or not, after a comment or before one
        ("serve.yaml", "trust_remote_code: true  # reviewed\n", [("AISEC-CODE001", 1)]),
        ("job.yaml", 'args: ["--trust_remote_code=true"]\n', [("AISEC-CODE001", 1)]),
        ("job.yaml", 'cmd: "python serve.py --trust_remote_code=1 -p 8"\n', [("AISEC-CODE001", 1)]),
        ("hydra.yaml", 'overrides: ["model.trust_remote_code=true"]\n', [("AISEC-CODE001", 1)]),
        ("settings.json", '{"trust_remote_code": "true"}', [("AISEC-CODE001", 1)]),
        (".env", "export TRUST_REMOTE_CODE=1\n", [("AISEC-CODE001", 1)]),
    ],
)
def test_trust_remote_code_mentioned_in_prose_is_not_a_setting(
    write: Write, name: str, text: str, expected: list[tuple[str, int]]
) -> None:
    assert _found(write(name, text)) == expected


@pytest.mark.parametrize("output", ["aisec.sarif.json", "aisec-report.json"])
def test_aisec_reports_saved_in_the_scanned_tree_give_no_findings(
    write: Write, capsys: pytest.CaptureFixture[str], output: str
) -> None:
    """The rule help text in aisec's own SARIF (and JSON) names trust_remote_code=True."""
    write("app/load.py", "m = AutoModel.from_pretrained('x', trust_remote_code=True)\n")
    fmt = "sarif" if "sarif" in output else "json"
    assert main(["scan", "app", "--format", fmt, "--output", f"app/{output}"]) == 1
    assert "trust_remote_code" in Path("app", output).read_text()
    capsys.readouterr()
    assert [(f.rule_id, f.path) for f in scan_paths(["app"]).findings] == [
        ("AISEC-CODE001", "app/load.py")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('# Never do this: llm "clean my disk" | bash\n', []),
        ("echo 'Anti-pattern: eval \"$(sgpt --shell list files)\"'\n", []),
        ('printf "%s\\n" "never pipe llm x | sh"\n', []),
        ('llm "clean my disk" | bash  # the pipe runs\n', [("AISEC-CODE012", 1)]),
        ('eval "$(sgpt --shell list files)"\n', [("AISEC-CODE012", 1)]),
        ('echo start; llm "fix it" | sh\n', [("AISEC-CODE012", 1)]),
        ("echo 'never: llm x | sh'; llm y | bash\n", [("AISEC-CODE012", 1)]),
    ],
)
def test_llm_to_shell_pipes_in_comments_or_echoed_text_are_not_run(
    write: Write, text: str, expected: list[tuple[str, int]]
) -> None:
    assert _found(write("notes.sh", text)) == expected


GROQ = "gsk_" + "Xk3bP9qLm2Vw7Rt5Ny8Jc4Hd6Fg1Ks0Zq3Wx9Eb2Tu7Yi5Oa8Pl4"
MISTRAL = "Xk3bP9qLm2Vw7Rt5Ny8Jc4Hd6Fg1Ks0Z"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        # a key under an API-key name, in the files that usually hold it (as in code)
        (".env", f"GROQ_API_KEY={GROQ}\n", [("AISEC-CODE009", 1)]),
        ("m.env", f"MISTRAL_API_KEY={MISTRAL}\n", [("AISEC-CODE009", 1)]),
        ("cfg.yaml", f"groq:\n  api_key: {GROQ}\n", [("AISEC-CODE009", 2)]),
        ("s.toml", f'[llm]\napi_key = "{MISTRAL}"\n', [("AISEC-CODE009", 2)]),
        # references and placeholders are not keys
        ("litellm.yaml", "api_key: os.environ/OPENAI_API_KEY\n", []),
        (".env", "API_KEY=your-api-key-here\nANTHROPIC_API_KEY=${ANTHROPIC_API_KEY}\n", []),
        ("cfg.yaml", 'api_key: "{{ secrets.API_KEY }}"\napi_key_env: OPENAI_API_KEY\n', []),
    ],
)
def test_keys_set_under_api_key_names_in_config_files(
    write: Write, name: str, text: str, expected: list[tuple[str, int]]
) -> None:
    assert _found(write(name, text)) == expected
