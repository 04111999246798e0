"""AST code checks on Python files and notebooks: each rule, aliasing, and clean code."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from aisec_sdk.posture import ScanFinding, scan_file, scan_paths
from aisec_sdk.posture.code_scan import scan_python

Write = Callable[[str, bytes | str], Path]

RISKY = """\
import torch as t
import pickle as pk
from transformers import AutoModelForCausalLM
from langchain_community.vectorstores import FAISS
from langchain_experimental.tools import PythonREPLTool
from langchain_community.agent_toolkits.load_tools import load_tools
from openai import OpenAI

model = AutoModelForCausalLM.from_pretrained("org/model", trust_remote_code=True)
state = t.load("checkpoint.pt")
legacy = t.load(path, weights_only=False)
clf = pk.loads(open("model.pkl", "rb").read())
blob = pk.load(handle)
store = FAISS.load_local("index", emb, allow_dangerous_deserialization=True)
agent = create_pandas_dataframe_agent(llm, df, allow_dangerous_code=True)
chain = APIChain.from_llm_and_api_docs(llm, docs, allow_dangerous_requests=True)
repl = PythonREPLTool()
tools = load_tools(["python_repl", "terminal", "llm-math"], llm=llm)
client = OpenAI(base_url="http://gpu-box.corp.example:8000/v1")
kwargs = {"trust_remote_code": True}
OPENAI_API_BASE = "http://api.example.net/openai"
key = "sk-proj-Q8r2LmZx0pT5vW9yB3nC7kD1fG4hJ6sA2eR8tU0iO"
# old key: sk-proj-Z7x2LmQr0pT5vW9yB3nC7kD1fG4hJ6sA2eR8tU0iP
"""


def _by_line(findings: list[ScanFinding]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for f in findings:
        out.setdefault(f.line or 0, set()).add(f.rule_id)
    return out


def test_every_code_rule_fires_on_the_right_line() -> None:
    findings = scan_python(RISKY, "app.py")
    lines = _by_line(findings)
    assert lines[9] == {"AISEC-CODE001"}
    assert lines[10] == {"AISEC-CODE002"}
    assert lines[11] == {"AISEC-CODE002"}
    assert lines[12] == {"AISEC-CODE003"}
    assert lines[13] == {"AISEC-CODE003"}
    assert lines[14] == {"AISEC-CODE004"}
    assert lines[15] == {"AISEC-CODE005", "AISEC-CODE007"}
    assert lines[16] == {"AISEC-CODE006"}
    assert lines[17] == {"AISEC-CODE007"}
    assert lines[18] == {"AISEC-CODE007"}
    assert lines[19] == {"AISEC-CODE008"}
    assert lines[20] == {"AISEC-CODE001"}
    assert lines[21] == {"AISEC-CODE008"}
    assert lines[22] == {"AISEC-CODE009"}
    assert lines[23] == {"AISEC-CODE009"}
    severity = {(f.line, f.rule_id): f.severity for f in findings}
    assert severity[(12, "AISEC-CODE003")] == "high"  # a model file
    assert severity[(13, "AISEC-CODE003")] == "medium"  # unknown data
    assert severity[(19, "AISEC-CODE008")] == "medium"
    secret = next(f for f in findings if f.rule_id == "AISEC-CODE009")
    assert "sk-proj" not in secret.message and "Q8r2" not in secret.message
    assert all(f.column and f.column >= 1 for f in findings)


def test_safe_code_is_clean() -> None:
    safe = """\
import torch
from transformers import AutoModel

Write = Callable[[str, bytes | str], Path]
model = AutoModel.from_pretrained("org/model", trust_remote_code=False, revision="abc123")
state = torch.load("model.pt", weights_only=True)
client = OpenAI(base_url="https://api.openai.com/v1")
local = OpenAI(base_url="http://localhost:11434/v1")
docs = "see http://example.com/about for details"
load = lambda x: x
"""
    assert scan_python(safe, "safe.py") == []


def test_alias_resolution_is_by_import_not_by_spelling() -> None:
    code = (
        "from torch import load as fetch\nfetch('m.bin')\nimport mylib as torch\ntorch.load('x')\n"
    )
    findings = scan_python(code, "a.py")
    assert [(f.rule_id, f.line) for f in findings] == [("AISEC-CODE002", 2)]


def _long_chains(n: int) -> str:
    """Valid Python whose expressions nest ``n`` levels deep, around real findings."""
    concat = " + ".join(['"a"'] * n)
    return (
        "import torch\n"
        f'x = {concat} + str(torch.load("m.pt")) + {concat}\n'
        'm = AutoModel.from_pretrained("x", trust_remote_code=True)\n'
        f"y = {'-' * n}1\n"
        f"z = a{'.b' * n}\n"
        f"w = f{'()' * n}\n"
        f"v = s{'.strip()' * (n // 2)}\n"
    )


def test_long_expression_chains_hide_no_finding() -> None:
    # A visitor recursing once per level failed past ~300 levels, and the whole file went
    # unchecked: a long string concatenation hid torch.load and trust_remote_code.
    for n in (50, 600, 1200):
        found = sorted((f.line, f.rule_id) for f in scan_python(_long_chains(n), "x.py"))
        assert found == [(2, "AISEC-CODE002"), (3, "AISEC-CODE001")], n


def test_syntax_error_is_low_finding() -> None:
    findings = scan_python("def broken(:\n", "bad.py")
    assert [(f.rule_id, f.severity, f.line) for f in findings] == [("AISEC-CODE010", "low", 1)]


NEWER_SYNTAX = """\
import torch
from transformers import AutoModel


def first[T](xs: list[T]) -> T:
    return torch.load(xs[0])


if ready:
    pass
else:
    model = AutoModel.from_pretrained("org/model", trust_remote_code=True)
print(f"{", ".join(names)}")
state = torch.load("model.pt")
"""


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the syntax is valid from Python 3.12")
def test_newer_python_syntax_hides_no_risky_call(write: Write) -> None:
    """PEP 695 generics and PEP 701 f-strings do not parse on 3.11: the statements around
    them (and a function body under such a header) are still checked."""
    found = [(f.rule_id, f.line) for f in scan_python(NEWER_SYNTAX, "new.py")]
    assert found == [
        ("AISEC-CODE010", 5),
        ("AISEC-CODE002", 6),
        ("AISEC-CODE001", 12),
        ("AISEC-CODE002", 14),
    ]
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "source": NEWER_SYNTAX}
    notebook = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    rules = [f.rule_id for f in scan_file(write("new.ipynb", json.dumps(notebook))).findings]
    assert rules.count("AISEC-CODE002") == 2 and "AISEC-CODE001" in rules


def test_notebook_code_cells_with_magics(write: Write) -> None:
    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": ["trust_remote_code=True in prose is fine"]},
            {"cell_type": "code", "source": ["%pip install transformers\n", "!ls\n", "x = 1\n"]},
            {
                "cell_type": "code",
                "source": [
                    "from transformers import pipeline\n",
                    "p = pipeline('text-generation', model='m', trust_remote_code=True)\n",
                ],
            },
            {"cell_type": "code", "source": "%%bash\nrm -rf /\n"},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    report = scan_file(write("analysis.ipynb", json.dumps(notebook)))
    assert [(f.rule_id, f.line, f.details.get("cell")) for f in report.findings] == [
        ("AISEC-CODE001", 2, 3)
    ]
    assert "cell 3" in report.findings[0].message
    broken = scan_file(write("broken.ipynb", "{not json"))
    assert [f.rule_id for f in broken.findings] == ["AISEC-CODE010"]


def test_fingerprints_are_stable_when_lines_move() -> None:
    base = scan_python("import torch\ntorch.load('a.pt')\n", "f.py")
    moved = scan_python("import torch\n\n\n# comment\ntorch.load('a.pt')\n", "f.py")
    assert base[0].line != moved[0].line
    assert base[0].fingerprint == moved[0].fingerprint


def test_absurdly_nested_code_is_a_finding_not_a_crash(write: Write) -> None:
    deep = "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n"
    report = scan_file(write("deep.py", deep))
    assert [(f.rule_id, f.severity) for f in report.findings] == [("AISEC-CODE010", "low")]


def test_prose_only_reports_token_formats_and_metadata_hosts_are_exempt() -> None:
    code = '''\
def connect():
    """Example: password = "Tr0ub4dor&3xyz!!" or token ghp_Q8r2LmZx0pT5vW9yB3nC7kD1fG4hJ6sA2eR8"""
    url = "http://metadata.google.internal/computeMetadata/v1/instance/id"
    base = "http://10.1.2.3:8000/v1"
    docs = "http://example.com/v1/api-reference"
    # password: Tr0ub4dor&3xyz!!
    tokenizer = "BertTokenizer.from_pretrained(PRETRAINED_MODEL_NAME)"
    db_password = "Tr0ub4dor&3xyz!!"
    connect(api_key="Zq81vLx0Pm4Tn7Rw2Ys9Ub3")
'''
    findings = scan_python(code, "c.py")
    assert [(f.rule_id, f.line) for f in findings] == [
        ("AISEC-CODE009", 2),
        ("AISEC-CODE008", 4),
        ("AISEC-CODE009", 8),
        ("AISEC-CODE009", 9),
    ]
    assert "github token" in findings[0].message


def test_yaml_loaders_that_build_python_objects() -> None:
    source = """\
import yaml
from yaml import load, Loader, SafeLoader
a = yaml.load(open("c.yaml"))
b = yaml.load(text, Loader=yaml.Loader)
c = yaml.load(text, yaml.FullLoader)
d = load(text, Loader=Loader)
e = yaml.unsafe_load(text)
f = yaml.full_load_all(text)
g = yaml.load_all(text, Loader=yaml.CUnsafeLoader)
ok1 = yaml.safe_load(text)
ok2 = yaml.load(text, Loader=yaml.SafeLoader)
ok3 = load(text, Loader=SafeLoader)
ok4 = yaml.load_all(text, yaml.CSafeLoader)
"""
    lines = _by_line(scan_python(source, "cfg.py"))
    assert lines == {n: {"AISEC-CODE011"} for n in range(3, 10)}


def test_model_output_reaching_eval_exec_or_a_shell() -> None:
    source = """\
import os
import subprocess as sp
from openai import OpenAI
from litellm import completion

client = OpenAI()

def answer(question):
    reply = client.chat.completions.create(model="m", messages=[question])
    text = reply.choices[0].message.content
    value = eval(text)
    sp.run(f"echo {text}", shell=True)
    sp.run(["echo", text])
    exec(compile(text, "<llm>", "exec"))
    return value

async def agent(chain, prompt):
    command = (await chain.ainvoke(prompt)).content.strip()
    os.system(command)
    for line in completion(model="m", messages=[]).choices:
        os.popen(line.message.content)
    eval("1 + 1")
    eval(prompt)
    subprocess_free = "echo hi"
    os.system(subprocess_free)
"""
    lines = _by_line(scan_python(source, "agent.py"))
    assert {n for n, rules in lines.items() if "AISEC-CODE012" in rules} == {11, 12, 14, 19, 21}
    assert "model output (text) reaches eval()" in next(
        f.message for f in scan_python(source, "agent.py") if f.line == 11
    )


def test_keras_safe_mode_switched_off() -> None:
    source = """\
import keras
from tensorflow import keras as tfk
from keras.config import enable_unsafe_deserialization
m1 = keras.models.load_model("m.keras", safe_mode=False)
m2 = tfk.models.load_model("m.keras", custom_objects={}, safe_mode=False)
keras.config.enable_unsafe_deserialization()
enable_unsafe_deserialization()
m3 = keras.saving.load_model("m.keras")
m4 = keras.models.load_model("m.keras", safe_mode=True)
"""
    lines = _by_line(scan_python(source, "serve.py"))
    assert lines == {n: {"AISEC-CODE013"} for n in (4, 5, 6, 7)}


def test_source_that_parses_as_a_pickle_by_chance_is_still_code(tmp_path: Path) -> None:
    # 'i' is INST: "import os, openai\n<line>\n" reads as an import of 'mport os, openai',
    # and a later '.' is STOP, so this file once went to the pickle scanner.
    source = (
        "import os, openai\n"
        "c = openai.chat.completions.create(model='m', messages=[])\n"
        "os.system(c.choices[0].message.content)\n"
    )
    (tmp_path / "app.py").write_text(source)
    report = scan_paths([tmp_path / "app.py"])
    assert [f.rule_id for f in report.findings] == ["AISEC-CODE012"]
    assert report.files[0].kind == "code"


def test_flags_given_through_names_items_and_truthy_literals() -> None:
    source = """\
import torch
from transformers import AutoModel, pipeline
TRUST = True
UNSAFE = False
SAFE = True
m = AutoModel.from_pretrained("a/b", trust_remote_code=TRUST)
p = pipeline("text-generation", model="a/b", trust_remote_code=1)
kw = {}
kw["trust_remote_code"] = True
config.trust_remote_code = "yes"
w = torch.load("m.pt", weights_only=UNSAFE)
ok = torch.load("m.pt", weights_only=SAFE)
off = AutoModel.from_pretrained("a/b", trust_remote_code=UNTRUSTED)
UNTRUSTED = False
maybe = AutoModel.from_pretrained("a/b", trust_remote_code=args.trust)
"""
    lines = _by_line(scan_python(source, "app.py"))
    assert lines == {
        6: {"AISEC-CODE001"},
        7: {"AISEC-CODE001"},
        9: {"AISEC-CODE001"},
        10: {"AISEC-CODE001"},
        11: {"AISEC-CODE002"},
    }


def test_unpickling_a_download_is_high_and_local_data_medium() -> None:
    source = """\
import pickle, requests
from huggingface_hub import hf_hub_download
from urllib.request import urlopen
path = hf_hub_download("a/b", "clf.pkl")
with open(path, "rb") as fh:
    clf = pickle.load(fh)
obj = pickle.loads(requests.get("https://example.com/o").content)
resp = urlopen("https://example.com/o")
other = pickle.load(resp)
cache = pickle.load(open("records.dat", "rb"))
"""
    found = {f.line: (f.severity, f.message) for f in scan_python(source, "app.py")}
    for line in (6, 7, 9):
        assert found[line][0] == "high" and "downloaded file" in found[line][1]
    assert found[10][0] == "medium"


def test_model_output_run_by_an_interpreter_argv() -> None:
    source = """\
import subprocess
from openai import OpenAI
r = OpenAI().chat.completions.create(model="m", messages=[])
cmd = r.choices[0].message.content
subprocess.run(["bash", "-c", cmd])
subprocess.Popen(args=("/usr/bin/python3", "-c", cmd))
subprocess.run(["cmd.exe", "/C", cmd])
subprocess.run(["grep", "-c", cmd, "log.txt"])
subprocess.run(["bash", "script.sh", cmd])
"""
    lines = _by_line(scan_python(source, "app.py"))
    assert lines == {5: {"AISEC-CODE012"}, 6: {"AISEC-CODE012"}, 7: {"AISEC-CODE012"}}


def test_notebook_credentials_in_outputs_and_markdown(write: Write) -> None:
    key = "sk-proj-" + "Q8r2LmZx0pT5vW9yB3nC7kD1fG4hJ6sA2eR8tU0iO"
    token = "hf_" + "aBcDeFgHiJkLmNoPqRsTuVwXyZ01234567"
    printed = {"output_type": "stream", "name": "stdout", "text": [key + "\n"]}
    shown = {"output_type": "execute_result", "data": {"text/plain": [repr(token)]}}
    notebook = {
        "cells": [
            {"cell_type": "code", "source": "print(os.environ['K'])", "outputs": [printed]},
            {"cell_type": "code", "source": "os.environ['T']", "outputs": [shown]},
            {"cell_type": "markdown", "source": [f"clone with {token}"]},
            {"cell_type": "code", "source": "print(1)", "outputs": [{"text": "1\n"}]},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    report = scan_file(write("keys.ipynb", json.dumps(notebook)))
    found = [(f.rule_id, f.details["cell"]) for f in report.findings]
    assert found == [("AISEC-CODE009", 1), ("AISEC-CODE009", 2), ("AISEC-CODE009", 3)]
    assert all(key not in f.message and token not in f.message for f in report.findings)
    assert "output of cell 1" in report.findings[0].message


def test_torch_hub_runs_repository_code_and_loads_pickles() -> None:
    source = """\
import torch
from torch.hub import load_state_dict_from_url
m = torch.hub.load("user/repo", "model", trust_repo=True)
local = torch.hub.load("./repo", "model", source="local")
sd = load_state_dict_from_url("https://example.com/w.pth")
ok = load_state_dict_from_url("https://example.com/w.pth", weights_only=True)
"""
    lines = _by_line(scan_python(source, "app.py"))
    assert lines == {3: {"AISEC-CODE001"}, 5: {"AISEC-CODE002"}}


def test_agents_and_chains_that_run_generated_code_on_the_host() -> None:
    source = """\
from langchain_experimental.pal_chain import PALChain
from langchain_experimental.llm_bash.base import LLMBashChain
from llama_index.experimental.query_engine import PandasQueryEngine
from crewai import Agent
from smolagents import CodeAgent
pal = PALChain.from_math_prompt(llm)
bash = LLMBashChain.from_llm(llm)
engine = PandasQueryEngine(df=df)
coder = Agent(role="r", goal="g", allow_code_execution=True, code_execution_mode="unsafe")
agent = CodeAgent(tools=[], model=model, additional_authorized_imports=["numpy", "*"])
sandboxed = Agent(role="r", goal="g", allow_code_execution=True, code_execution_mode="safe")
careful = CodeAgent(tools=[], model=model, additional_authorized_imports=["numpy", "pandas"])
"""
    lines = _by_line(scan_python(source, "agents.py"))
    assert lines == {n: {"AISEC-CODE007"} for n in range(6, 11)}


def test_output_of_model_objects_called_directly_reaches_a_sink() -> None:
    source = """\
import os, subprocess
from transformers import pipeline
from langchain.agents import initialize_agent
pipe = pipeline("text-generation", model="gpt2")
agent = initialize_agent(tools, llm)
typed: AgentExecutor = initialize_agent(tools, llm)
def fix():
    code = pipe("write python")[0]["generated_text"]
    exec(code)
    os.system(agent.run("a shell command"))
    out = subprocess.run(["ls"], capture_output=True, text=True).stdout
    os.system(out)
    exec(typed.run("more python"))
"""
    lines = _by_line(scan_python(source, "app.py"))
    assert lines == {9: {"AISEC-CODE012"}, 10: {"AISEC-CODE012"}, 13: {"AISEC-CODE012"}}


def test_model_output_built_into_sql() -> None:
    source = """\
import sqlite3
import pandas as pd
from sqlalchemy import select, text
from openai import OpenAI
from langchain.agents import initialize_agent
client = OpenAI()
db = sqlite3.connect("x.db")
agent = initialize_agent(tools, llm)
def answer(question, session, users):
    name = client.chat.completions.create(model="m", messages=[]).choices[0].message.content
    db.execute(f"SELECT * FROM users WHERE name = '{name}'")
    db.execute("DELETE FROM t WHERE id = " + name)
    pd.read_sql("SELECT * FROM t WHERE a = '{}'".format(name), db)
    session.execute(text(f"SELECT {name}"))
    db.executescript(name)
    db.execute(agent.run(question))
    db.execute("DELETE FROM t WHERE id = " + str(name))
    db.execute(" ".join(["SELECT * FROM", name]))
    db.execute(name.strip().rstrip(";"))
    db.execute("SELECT * FROM users WHERE name = ?", (name,))
    session.execute(select(users).where(users.c.name == name))
    db.execute("SELECT count(*) FROM users")
"""
    lines = _by_line(scan_python(source, "app.py"))
    assert lines == {n: {"AISEC-CODE014"} for n in range(11, 20)}


def _code_rules(source: str) -> list[tuple[str, int | None]]:
    return [(f.rule_id, f.line) for f in scan_python(source, "s.py")]


def test_an_import_binds_in_its_own_scope() -> None:
    """A function's own import says nothing about the module-level name, and back."""
    local_torch = (
        "import torch\ndef helper():\n    import mylib as torch\n    return torch\n"
        'model = torch.load("downloaded.pt")\n'
    )
    assert _code_rules(local_torch) == [("AISEC-CODE002", 5)]
    local_pickle = (
        "import pickle\ndef f():\n    import json as pickle\n    return pickle\n"
        'obj = pickle.load(open("model.pkl", "rb"))\n'
    )
    assert _code_rules(local_pickle) == [("AISEC-CODE003", 5)]
    shadowing = (
        "import torch\ndef g():\n    import pickle as torch\n    return 1\n"
        'torch.load("x", weights_only=True)\n'
    )
    assert _code_rules(shadowing) == []
    inside = "import json as pickle\ndef f(p):\n    import pickle\n    return pickle.load(p)\n"
    assert _code_rules(inside) == [("AISEC-CODE003", 4)]
    # an inner scope sees an outer import made later in the file, or declared global
    later = 'def load():\n    return torch.load("m.pt")\nimport torch\n'
    assert _code_rules(later) == [("AISEC-CODE002", 2)]
    declared = "def setup():\n    global t\n    import torch as t\ndef f():\n    t.load('m.pt')\n"
    assert _code_rules(declared) == [("AISEC-CODE002", 5)]
    # a class body's names are not visible in its methods
    body = "import torch\nclass A:\n    import mylib as torch\n    def f(self):\n"
    assert _code_rules(body + "        torch.load('m.pt')\n") == [("AISEC-CODE002", 5)]
    # within one scope, the binding before the use counts
    rebound = "import torch as t\nt.load('a')\nimport mylib as t\nt.load('b')\n"
    assert _code_rules(rebound) == [("AISEC-CODE002", 2)]


def test_a_name_bound_to_something_else_is_not_the_module() -> None:
    for source in (
        'class torch:\n    @staticmethod\n    def load(p):\n        return p\ntorch.load("x")\n',
        'def f(torch):\n    return torch.load("x")\n',
        'torch = object()\ntorch.load("x")\n',
        "import torch\ndef f(torch=None):\n    return torch.load('x')\n",
        "for pickle in codecs:\n    pickle.load(fh)\n",
        "with open('c.yaml') as yaml:\n    yaml.load(text)\n",
        "import torch\nmodels = [torch.load(p) for torch in loaders]\n",
        "from .torch import load\nload('x')\n",  # the package's own torch module
    ):
        assert _code_rules(source) == [], source
    # a name nothing binds is taken as spelt: a builtin, or one a star import brings
    assert _code_rules("from helpers import *\ntorch.load('x')\n") == [("AISEC-CODE002", 2)]


def test_notebook_cells_share_their_imports(write: Write) -> None:
    notebook = {
        "cells": [
            {"cell_type": "code", "source": "import torch as t\nimport pickle as pk\n"},
            {"cell_type": "code", "source": "state = t.load('model.pt')\n"},
            {"cell_type": "code", "source": "def f(pk):\n    return pk.load(fh)\n"},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    report = scan_file(write("nb.ipynb", json.dumps(notebook)))
    assert [(f.rule_id, f.details.get("cell")) for f in report.findings] == [("AISEC-CODE002", 2)]


def test_aws_documented_example_key_ids_are_placeholders(write: Write) -> None:
    """AWS's docs use AKIAIOSFODNN7EXAMPLE and AKIAI44QH8DHBEXAMPLE; a real-looking id is
    still reported, in code and in configuration."""
    code = (
        'ID = "AKIAIOSFODNN7EXAMPLE"\nOTHER = "AKIAI44QH8DHBEXAMPLE"\n'
        'REAL = "AKIAQWERTYUIOPASDFGH"\n'
    )
    assert [(f.rule_id, f.line) for f in scan_python(code, "aws.py")] == [("AISEC-CODE009", 3)]
    env = write(".env", "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n")
    assert scan_paths([env]).findings == []


HELPER = """\
from openai import OpenAI

client = OpenAI()


def ask(p):
    reply = client.chat.completions.create(model="m", messages=[{"role": "user", "content": p}])
    return reply.choices[0].message.content


def word_count(text):
    return len(text.split())


class Agent:
    def think(self, task):
        return ask(task)

    def act(self, task):
        exec(self.plan(task))

    def plan(self, task):
        return client.responses.create(model="m", input=task).output_text


def run():
    exec(ask("write code"))
    exec(word_count("a b"))
"""


def test_model_output_returned_by_a_helper_function_reaches_exec() -> None:
    """One level of helpers: a function or method of the file that returns model output."""
    found = {(f.rule_id, f.line, f.message) for f in scan_python(HELPER, "helper.py")}
    assert found == {
        ("AISEC-CODE012", 20, "model output (self.plan()) reaches exec() (line 20)"),
        ("AISEC-CODE012", 27, "model output (ask()) reaches exec() (line 27)"),
    }
