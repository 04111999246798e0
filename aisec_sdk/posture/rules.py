"""The rule catalogue of the posture scanner: stable ids, severities, OWASP LLM 2025 and ATLAS.

Rule ids never change meaning once released; new checks get new ids. ``severity`` is the
rule's default; a finding may carry another one (for example an unknown pickle import is
``medium``, and ``high`` under ``--strict``).
"""

from __future__ import annotations

from dataclasses import dataclass

from aisec_sdk.posture.models import Severity

__all__ = ["OWASP_NAMES", "RULES", "SECURITY_SEVERITY", "Rule"]

OWASP_NAMES: dict[str, str] = {
    "LLM01": "Prompt Injection",
    "LLM02": "Sensitive Information Disclosure",
    "LLM03": "Supply Chain",
    "LLM04": "Data and Model Poisoning",
    "LLM05": "Improper Output Handling",
    "LLM06": "Excessive Agency",
    "LLM07": "System Prompt Leakage",
    "LLM08": "Vector and Embedding Weaknesses",
    "LLM09": "Misinformation",
    "LLM10": "Unbounded Consumption",
}

# GitHub code scanning bands: >= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, < 4.0 low.
SECURITY_SEVERITY: dict[Severity, str] = {
    "critical": "9.5",
    "high": "8.0",
    "medium": "5.5",
    "low": "3.0",
}

_SUPPLY = ("AML.T0010.003", "AML.T0011.000")


@dataclass(frozen=True, slots=True)
class Rule:
    """One check: what it finds, how bad by default, and where it sits in OWASP and ATLAS."""

    id: str
    name: str
    severity: Severity
    title: str
    description: str
    remedy: str
    owasp: tuple[str, ...]
    atlas: tuple[str, ...]
    precision: str = "high"


_CATALOGUE: tuple[Rule, ...] = (
    Rule(
        "AISEC-PKL001",
        "PickleCodeExecution",
        "critical",
        "Pickle imports a callable that runs code or commands",
        "The pickle stream imports a function that executes Python code or operating-system "
        "commands (os.system, subprocess, builtins.eval/exec, runpy, pip, importlib, ...). "
        "Loading the file runs it.",
        "Do not load the file. Get the model in safetensors format, or from a source you trust.",
        ("LLM03", "LLM04"),
        _SUPPLY,
        "very-high",
    ),
    Rule(
        "AISEC-PKL002",
        "PickleDangerousImport",
        "high",
        "Pickle imports a dangerous callable",
        "The pickle stream imports a callable that reaches the network, the file system, "
        "native code or attribute lookups (socket, webbrowser, shutil, ctypes, getattr, "
        "operator.attrgetter, functools.partial, ...), a known gadget for code execution.",
        "Do not load the file; prefer safetensors, or torch.load(..., weights_only=True).",
        ("LLM03", "LLM04"),
        _SUPPLY,
        "high",
    ),
    Rule(
        "AISEC-PKL003",
        "PickleUnknownImport",
        "medium",
        "Pickle imports a callable outside the allow-list",
        "The pickle stream imports a global that is neither on the allow-list of tensor and "
        "array rebuild helpers nor a known-dangerous callable. Unknown imports are how "
        "deny-list scanners are bypassed; --strict makes them high.",
        "Review the import; load only with weights_only=True or convert to safetensors.",
        ("LLM03",),
        _SUPPLY,
        "medium",
    ),
    Rule(
        "AISEC-PKL004",
        "PickleDynamicImport",
        "high",
        "Pickle builds an import the scanner cannot resolve",
        "A STACK_GLOBAL or extension-registry opcode takes its module or name from values "
        "that are not plain strings, which hides what is imported.",
        "Treat the file as malicious unless its origin is known.",
        ("LLM03",),
        _SUPPLY,
        "high",
    ),
    Rule(
        "AISEC-PKL005",
        "PickleMalformed",
        "medium",
        "Pickle stream is malformed or truncated",
        "The opcode stream could not be parsed to the end; the scan reports what it read "
        "before the error. Loaders may still execute the part before the error.",
        "Re-export the model from a trusted source; do not load partial files.",
        ("LLM03",),
        ("AML.T0011.000",),
        "medium",
    ),
    Rule(
        "AISEC-NPY001",
        "NumpyObjectArray",
        "medium",
        "NumPy file holds an object array (pickled data)",
        "An .npy array with object dtype stores its items as a pickle; numpy.load refuses it "
        "unless called with allow_pickle=True, which then runs any code inside it. The "
        "pickle's imports are judged on their own (os.system is a critical PKL001); strings "
        "and ragged lists import nothing dangerous.",
        "Store numeric arrays only, or load with allow_pickle=False.",
        ("LLM03",),
        _SUPPLY,
        "high",
    ),
    Rule(
        "AISEC-KER001",
        "KerasLambdaLayer",
        "high",
        "Keras model contains a Lambda layer (serialized Python code)",
        "Lambda layers carry Python bytecode or source that runs when the model is loaded "
        "with safe_mode off.",
        "Replace Lambda layers with registered custom layers; keep safe_mode=True.",
        ("LLM03",),
        _SUPPLY,
        "high",
    ),
    Rule(
        "AISEC-KER002",
        "KerasForeignCallable",
        "high",
        "Keras config imports a callable from outside Keras",
        "Keras deserialization imports the module and name a config object gives; a name "
        "such as os.system runs when the model loads, even with safe_mode on older Keras.",
        "Load only configs whose objects come from Keras or your own registered code; "
        "upgrade Keras and keep safe_mode=True.",
        ("LLM03",),
        _SUPPLY,
        "high",
    ),
    Rule(
        "AISEC-KER003",
        "KerasGadget",
        "high",
        "Keras config calls a Keras function that fetches files, runs code or turns safe mode off",
        "Keras resolves the functions and classes a config names inside its own packages "
        "even with safe_mode on; some of them download or read files (keras.utils.get_file), "
        "load other models or unpickle data (load_model, TorchModuleWrapper) or switch safe "
        "mode off (keras.config.enable_unsafe_deserialization): known safe_mode bypasses.",
        "Do not load the model; upgrade Keras (3.11 or later blocks the loaders it knows) and "
        "load only models from sources you trust.",
        ("LLM03",),
        _SUPPLY,
        "high",
    ),
    Rule(
        "AISEC-ST001",
        "SafetensorsInvalidHeader",
        "high",
        "safetensors header is invalid or lies about the data",
        "The header is too large, not JSON, or its dtypes, shapes and offsets do not match "
        "the bytes in the file (overlaps, gaps, out-of-bounds spans): a parser-confusion or "
        "denial-of-service attempt, or a corrupt file.",
        "Re-download or re-export the file with the safetensors library.",
        ("LLM03", "LLM10"),
        ("AML.T0010.003",),
        "very-high",
    ),
    Rule(
        "AISEC-ST002",
        "SafetensorsSuspiciousMetadata",
        "medium",
        "safetensors metadata is oversized or looks like code",
        "The __metadata__ map holds values that are not strings, are very large, or contain "
        "code or markup that a downstream tool could execute or render.",
        "Strip the metadata or re-export the file.",
        ("LLM03",),
        ("AML.T0010.003",),
        "medium",
    ),
    Rule(
        "AISEC-ARC001",
        "ArchiveAnomaly",
        "medium",
        "Model archive is malformed or inconsistent",
        "The zip archive has mismatched names between headers, bad CRCs, encryption flags, "
        "unsafe member paths or a broken directory; torch and other loaders may accept what "
        "strict zip readers reject, which is a known way to hide a payload from scanners.",
        "Re-save the model with the framework's own writer; reject archives with anomalies.",
        ("LLM03",),
        _SUPPLY,
        "high",
    ),
    Rule(
        "AISEC-TPL001",
        "ChatTemplateInjection",
        "critical",
        "Chat template can escape its sandbox",
        "A chat template (GGUF tokenizer.chat_template, tokenizer_config.json chat_template) "
        "uses Jinja features that reach Python internals (__class__, __globals__, "
        "__subclasses__, ...): server-side template injection when the template is rendered.",
        "Do not serve the model; replace the chat template with a reviewed one.",
        ("LLM03", "LLM05"),
        _SUPPLY,
        "high",
    ),
    Rule(
        "AISEC-MOD001",
        "ModelFileMalformed",
        "medium",
        "Model file is malformed",
        "The file starts like a known model format but its header or structure is broken.",
        "Re-download or re-export the file from a trusted source.",
        ("LLM03",),
        ("AML.T0010.003",),
        "medium",
    ),
    Rule(
        "AISEC-MOD002",
        "ModelCustomCode",
        "medium",
        "Model ships its own Python code (auto_map)",
        "The model's config.json maps its classes to Python files in the repository; "
        "transformers runs them when the model is loaded with trust_remote_code=True.",
        "Review the code and pin the repository revision, or use a model without custom code.",
        ("LLM03",),
        _SUPPLY,
        "high",
    ),
    Rule(
        "AISEC-ONNX001",
        "OnnxExternalDataPath",
        "high",
        "ONNX model points its external data outside the model folder",
        "A tensor's external_data location is absolute or climbs with '..', so loading the "
        "model reads (or with some tools writes) arbitrary files.",
        "Keep external data next to the model with plain relative names.",
        ("LLM03",),
        _SUPPLY,
        "high",
    ),
    Rule(
        "AISEC-ONNX002",
        "OnnxCustomOperator",
        "medium",
        "ONNX model needs custom operators from a native library",
        "Nodes of the graph, its subgraphs or its functions use an operator domain that is "
        "neither ONNX's nor built into onnxruntime (and no local function of the model). "
        "onnxruntime refuses the model until a custom-op library is loaded "
        "(register_custom_ops_library): native code from whoever supplies it, running with "
        "the serving process's rights. onnxruntime-extensions domains are named as such; a "
        "custom operator set that is only imported is a low note.",
        "Load only custom-op libraries you build or trust, pinned by hash, or re-export the "
        "model with standard operators.",
        ("LLM03",),
        _SUPPLY,
        "high",
    ),
    Rule(
        "AISEC-ONNX003",
        "OnnxOperatorReachesOut",
        "high",
        "ONNX operator imports Python code or calls a URL the model names",
        "A custom node names a Python module to import (onnxruntime's language-interop PyOp: "
        "module, class_name) or a remote endpoint that receives its inputs "
        "(onnxruntime-extensions' cloud operators: model_uri). Whoever wrote the model chooses "
        "the code run or where the data goes.",
        "Remove the node, or serve the model only where the named module or endpoint is one "
        "you control.",
        ("LLM03", "LLM02"),
        _SUPPLY,
        "high",
    ),
    Rule(
        "AISEC-TF001",
        "TensorflowUnsafeOp",
        "high",
        "TensorFlow graph runs Python or touches files",
        "The graph (saved_model.pb, a frozen .pb, .pbtxt) has PyFunc, EagerPyFunc or "
        "PyFuncStateless ops, which call Python functions, or ReadFile/WriteFile ops, which "
        "read and write files wherever the model is served.",
        "Serve only graphs built from reviewed code; strip the ops or re-export the model.",
        ("LLM03",),
        _SUPPLY,
        "high",
    ),
    Rule(
        "AISEC-JIT001",
        "TorchScriptFileAccess",
        "high",
        "TorchScript code reads or writes files",
        "The code/ of a torch.jit.save archive calls torch.save (aten::save) or "
        "torch.from_file (aten::from_file), or torchvision's image::read_file/write_file: "
        "files at paths the model's author chose are written or read into its outputs when "
        "the model runs, or while torch.jit.load runs a class's __setstate__.",
        "Do not load the archive; re-export the model from reviewed code, or load its "
        "weights alone (state_dict in safetensors).",
        ("LLM03",),
        _SUPPLY,
        "high",
    ),
    Rule(
        "AISEC-JIT002",
        "TorchScriptCustomOperator",
        "medium",
        "TorchScript code needs operators or classes torch does not ship",
        "The archive's code calls ops.NS.op or uses __torch__.torch.classes.NS.C for a "
        "namespace that torch does not register; torch.jit.load fails until a library "
        "registering it is loaded (torch.ops.load_library: native code) or a package "
        "imported, code chosen by whoever ships the model.",
        "Load only extension libraries you build or trust, or re-export the model with "
        "standard operators.",
        ("LLM03",),
        _SUPPLY,
        "high",
    ),
    Rule(
        "AISEC-CODE001",
        "TrustRemoteCode",
        "high",
        "trust_remote_code=True runs code downloaded with the model",
        "Hugging Face loaders import and run Python files from the model repository when "
        "trust_remote_code is true; torch.hub.load runs the repository's hubconf.py.",
        "Remove trust_remote_code=True or pin a reviewed revision (revision=<commit sha>).",
        ("LLM03",),
        _SUPPLY,
        "high",
    ),
    Rule(
        "AISEC-RT001",
        "PickleWeightsLoaded",
        "medium",
        "Pickle-format weights were loaded at run time",
        "The transformers integration saw a model load its weights from a pickle-based file "
        "(PyTorch .bin/.pt or a legacy checkpoint); unpickling can run code.",
        "Convert the weights to safetensors (use_safetensors=True) and scan the files with "
        "aisec scan.",
        ("LLM03",),
        _SUPPLY,
        "high",
    ),
    Rule(
        "AISEC-CODE002",
        "TorchLoadUnsafe",
        "high",
        "torch.load without weights_only=True",
        "torch.load unpickles the file; without weights_only=True (the default before torch "
        "2.6) a malicious checkpoint runs code.",
        "Pass weights_only=True, or use safetensors.",
        ("LLM03",),
        _SUPPLY,
        "high",
    ),
    Rule(
        "AISEC-CODE003",
        "UnsafeDeserialization",
        "high",
        "Pickle-based loader used on data",
        "pickle, dill, cloudpickle, joblib, pandas.read_pickle and numpy.load with "
        "allow_pickle=True execute code embedded in the file.",
        "Load models with safetensors and data with JSON/Parquet; never unpickle untrusted files.",
        ("LLM03",),
        _SUPPLY,
        "high",
    ),
    Rule(
        "AISEC-CODE004",
        "LangchainDangerousDeserialization",
        "high",
        "allow_dangerous_deserialization=True",
        "The LangChain loader (for example FAISS.load_local) unpickles files from disk.",
        "Only load indexes you built yourself; remove the flag otherwise.",
        ("LLM03", "LLM08"),
        _SUPPLY,
        "high",
    ),
    Rule(
        "AISEC-CODE005",
        "LangchainDangerousCode",
        "high",
        "allow_dangerous_code=True lets the model run Python",
        "The agent or chain executes code written by the model; a prompt injection becomes "
        "code execution.",
        "Run generated code in a sandbox, or remove the flag.",
        ("LLM06", "LLM05"),
        ("AML.T0053", "AML.T0051.001"),
        "high",
    ),
    Rule(
        "AISEC-CODE006",
        "LangchainDangerousRequests",
        "medium",
        "allow_dangerous_requests=True lets the model send HTTP requests",
        "The chain or toolkit sends requests the model chooses (SSRF, data exfiltration).",
        "Restrict the allowed hosts, or remove the flag.",
        ("LLM06",),
        ("AML.T0053",),
        "high",
    ),
    Rule(
        "AISEC-CODE007",
        "ShellOrReplTool",
        "high",
        "Agent is given a shell or Python REPL tool",
        "A tool that runs shell commands or Python code is handed to a model.",
        "Remove the tool or run it in an isolated sandbox with an allow-list of commands.",
        ("LLM06",),
        ("AML.T0053",),
        "high",
    ),
    Rule(
        "AISEC-CODE008",
        "PlaintextLlmEndpoint",
        "medium",
        "LLM endpoint over plain http://",
        "Prompts, answers and API keys travel unencrypted to a non-local host.",
        "Use https:// for every remote model endpoint.",
        ("LLM02",),
        ("AML.T0057",),
        "medium",
    ),
    Rule(
        "AISEC-CODE009",
        "HardcodedSecret",
        "high",
        "Hard-coded API key or credential",
        "A credential (LLM provider key, cloud token, private key) is written in the code.",
        "Revoke the key and read it from the environment or a secret manager.",
        ("LLM02",),
        ("AML.T0055",),
        "high",
    ),
    Rule(
        "AISEC-CODE010",
        "CodeUnparsable",
        "low",
        "Source file could not be parsed",
        "The file (or a notebook cell) is not valid Python, so code checks did not run on it.",
        "Fix the syntax error.",
        ("LLM03",),
        (),
        "low",
    ),
    Rule(
        "AISEC-CODE011",
        "UnsafeYamlLoad",
        "high",
        "YAML loaded with a loader that builds Python objects",
        "yaml.load with Loader/UnsafeLoader/FullLoader (or no Loader on old PyYAML), "
        "unsafe_load and full_load construct objects such as !!python/object/apply:os.system.",
        "Use yaml.safe_load (or Loader=yaml.SafeLoader).",
        ("LLM03", "LLM05"),
        ("AML.T0010.003", "AML.T0011.000"),
        "high",
    ),
    Rule(
        "AISEC-CODE012",
        "ModelOutputExecuted",
        "high",
        "Model output reaches eval/exec or a shell",
        "Text generated by an LLM call is passed to eval, exec, compile, os.system or a "
        "subprocess with shell=True; a prompt injection becomes code execution.",
        "Never execute model output; parse it into data you validate, or run it in a sandbox.",
        ("LLM05", "LLM06"),
        ("AML.T0053", "AML.T0051.001"),
        "medium",
    ),
    Rule(
        "AISEC-CODE013",
        "KerasUnsafeDeserialization",
        "high",
        "Keras safe mode switched off",
        "load_model(..., safe_mode=False) or keras.config.enable_unsafe_deserialization() "
        "lets a .keras file's Lambda layers run their serialized Python code on load.",
        "Keep safe_mode=True; replace Lambda layers with registered custom layers.",
        ("LLM03",),
        _SUPPLY,
        "high",
    ),
    Rule(
        "AISEC-CODE014",
        "ModelOutputSql",
        "high",
        "Model output is run as SQL",
        "Text from an LLM call is built into a SQL statement (an f-string, concatenation, "
        "format() or the query itself), so a prompt injection becomes SQL injection.",
        "Pass model output as query parameters (cursor.execute(sql, params)), allow-list "
        "generated queries, and give the model's connection a read-only role.",
        ("LLM05",),
        ("AML.T0053",),
        "high",
    ),
    Rule(
        "AISEC-MCP001",
        "McpUnpinnedServer",
        "medium",
        "MCP server runs a package or image without a pinned version",
        "An MCP client starts the server with npx, uvx or docker from a name alone, so it runs "
        "whatever the registry serves at each start (a takeover or typosquat of that name) "
        "with the user's files and keys.",
        "Pin an exact version (npx -y pkg@1.2.3, uvx pkg==1.2.3) or an image digest, and "
        "review updates before moving the pin.",
        ("LLM03",),
        ("AML.T0010.001",),
        "high",
    ),
    Rule(
        "AISEC-DATA001",
        "DatasetPii",
        "medium",
        "Dataset records contain personal data",
        "PII found in training, evaluation or RAG records can be memorised or leaked.",
        "Remove or pseudonymise the records before training or indexing.",
        ("LLM02",),
        ("AML.T0057",),
        "medium",
    ),
    Rule(
        "AISEC-DATA002",
        "DatasetSecret",
        "high",
        "Dataset records contain credentials",
        "API keys, tokens or private keys sit in dataset records.",
        "Revoke the keys and remove them from the data.",
        ("LLM02",),
        ("AML.T0055", "AML.T0057"),
        "high",
    ),
    Rule(
        "AISEC-DATA003",
        "DatasetPromptInjection",
        "high",
        "Dataset records contain prompt-injection payloads",
        "Instructions planted in training or retrieval data hijack the model (indirect "
        "prompt injection, data poisoning).",
        "Remove the records; filter retrieved content with the context guards.",
        ("LLM01", "LLM04"),
        ("AML.T0051.001", "AML.T0020"),
        "medium",
    ),
    Rule(
        "AISEC-DATA004",
        "DatasetHiddenText",
        "medium",
        "Dataset records contain invisible or smuggled characters",
        "Zero-width, tag or bidirectional characters hide instructions from reviewers.",
        "Normalise the text and drop the records that carried hidden characters.",
        ("LLM01", "LLM04"),
        ("AML.T0068", "AML.T0020"),
        "medium",
    ),
    Rule(
        "AISEC-DATA005",
        "DatasetGuardFinding",
        "medium",
        "Dataset records flagged by a guard",
        "A configured guard (custom or third-party) flagged dataset records.",
        "Review the flagged records.",
        ("LLM04",),
        ("AML.T0020",),
        "medium",
    ),
    Rule(
        "AISEC-DATA006",
        "DatasetMalformed",
        "low",
        "Dataset file has unreadable records",
        "Some records could not be decoded or parsed; they were not scanned.",
        "Fix the file's encoding or format.",
        ("LLM04",),
        (),
        "medium",
    ),
)

RULES: dict[str, Rule] = {rule.id: rule for rule in _CATALOGUE}
