"""The three tiers of pickle imports: allow-list, known-dangerous, and everything else.

A pickle can only run code through the callables it imports (GLOBAL, INST, STACK_GLOBAL),
so the scanner judges each import's full dotted name. Names are normalised (Python 2
aliases, ``module`` + qualified ``name``) before lookup, so ``("torch", "serialization.load")``
is judged as ``torch.serialization.load``.
"""

from __future__ import annotations

import re
from _compat_pickle import IMPORT_MAPPING, NAME_MAPPING
from typing import Literal

from aisec_sdk.posture.models import Severity

__all__ = ["Tier", "classify_global"]

Tier = Literal["safe", "dangerous", "unknown"]

_ALIASES = {
    "__builtin__": "builtins",
    "__builtins__": "builtins",
    "copy_reg": "copyreg",
    "_operator": "operator",
    "cPickle": "pickle",
    "_pickle": "pickle",
    "_functools": "functools",
    "_socket": "socket",
    "_io": "io",
    "numpy._core": "numpy.core",
}

# Runs code or commands, imports modules or loads nested pickles: critical.
_CRITICAL = frozenset(
    {
        "os",
        "posix",
        "nt",
        "subprocess",
        "_posixsubprocess",
        "runpy",
        "pip",
        "ensurepip",
        "importlib",
        "imp",
        "marshal",
        "pty",
        "code",
        "codeop",
        "ctypes",
        "_ctypes",
        "sys",
        "commands",
        "popen2",
        "pickle",
        "dill",
        "cloudpickle",
        "multiprocessing",
        "pdb",
        "bdb",
        "pydoc",
        "timeit",
        "trace",
        "profile",
        "cProfile",
        "asyncio",
        "pkgutil",
        "doctest",
        "idlelib",
        "_pyrepl",
        "_osx_support",
        "_aix_support",
        "distutils",
        "setuptools",
        "venv",
        "zipimport",
        "types.CodeType",
        "types.FunctionType",
        "types.LambdaType",
        "builtins.eval",
        "builtins.exec",
        "builtins.execfile",
        "builtins.compile",
        "builtins.__import__",
        "builtins.getattr",
        "builtins.globals",
        "builtins.locals",
        "builtins.vars",
        "builtins.breakpoint",
        "builtins.input",
        "builtins.apply",
        "operator.attrgetter",
        "operator.methodcaller",
        "uuid._get_command_stdout",
        "imaplib.IMAP4_stream",  # runs its argument as a shell command
        "torch.load",
        "torch.serialization",  # load, _load, _legacy_load (its _get_layout is allow-listed)
        "torch.hub",
        "torch.utils.cpp_extension",
        "torch._inductor",
        "torch.utils.collect_env",
        "torch.jit",
        "torch.package",
        "torch.fx.graph_module",  # reduce_graph_module execs the pickled import block
        "numpy.load",
        "numpy.lib.npyio.load",
        "numpy.lib._npyio_impl.load",
        "numpy.lib.format.read_array",
        "numpy.ctypeslib",
        "numpy.f2py",
        "numpy.distutils",
        "numpy.testing",
        "pandas.read_pickle",
        "pandas.io.pickle",
        "joblib.load",
        "joblib.numpy_pickle.load",
        "shelve",
        "jsonpickle",
        "yaml.load",
        "yaml.load_all",
        "yaml.unsafe_load",
        "yaml.unsafe_load_all",
        "yaml.full_load",
        "yaml.full_load_all",
        "logging.config",  # dictConfig builds any class, fileConfig and listen eval
        "site",  # addsitedir/addpackage exec the import lines of .pth files
        "test.support",
        "transformers.dynamic_module_utils",  # downloads and imports a repository's code
        # eval string annotations: a Namespace whose __annotations__ hold code is enough
        "typing.get_type_hints",
        "typing._eval_type",
        "typing.evaluate_forward_ref",
        "annotationlib",
        "jinja2",
        "mlflow.projects",
    }
)

# Network, files, native handles, attribute writes and call helpers: high.
_HIGH = frozenset(
    {
        "builtins.open",
        "builtins.setattr",
        "builtins.delattr",
        "builtins.memoryview",
        "io.open",
        "io.FileIO",
        "codecs.open",
        "functools.partial",
        "functools.reduce",
        "operator.itemgetter",
        "operator.call",
        "webbrowser",
        "socket",
        "ssl",
        "http",
        "httplib",
        "urllib",
        "urllib2",
        "requests",
        "huggingface_hub",
        "aiohttp",
        "httpx",
        "ftplib",
        "smtplib",
        "telnetlib",
        "imaplib",
        "poplib",
        "nntplib",
        "xmlrpc",
        "shutil",
        "tempfile",
        "tarfile",
        "zipfile",
        "signal",
        "gc",
        "inspect",
        "glob",
        "sqlite3",
        "logging.FileHandler",
        "linecache",
        "dbm",
        "fileinput",
        "numpy.save",
        "numpy.savez",
        "numpy.savez_compressed",
        "numpy.savetxt",
        "numpy.fromfile",
        "numpy.memmap",
        "numpy.loadtxt",
        "numpy.genfromtxt",
        "numpy.fromregex",
        "numpy.lib.format.open_memmap",
        "numpy.lib.npyio",
        "numpy.lib._npyio_impl",
        "torch.save",
        "torch.from_file",
        "mmap",
        "fcntl",
        "resource",
        "pathlib",
        "smtpd",
        "socketserver",
        "threading",
        "_thread",
    }
)

# Attributes that act on a path whatever object they are reached on (torch.ops and
# torch.classes both have load_library; every typed storage class has from_file).
_CRITICAL_ATTRIBUTES = frozenset({"load_library"})
# The C++ loaders under torch.jit.load, torch.jit.load_mobile and torch.package
# (import_ir_module, _load_for_lite_interpreter, _load_jit_module_from_file, ...): any
# torch._C name that loads or imports runs an archive's TorchScript or pickles as they do.
_TORCH_C_LOADER = re.compile(r"torch\._C\.\w*(?:load|import_ir)\w*(?:\.|$)")
_HIGH_ATTRIBUTES = frozenset({"from_file", "tofile"})

_SAFE = frozenset(
    {
        "collections.OrderedDict",
        "collections.defaultdict",
        "collections.deque",
        "collections.Counter",
        "copyreg._reconstructor",
        "copyreg.__newobj__",
        "builtins.set",
        "builtins.frozenset",
        "builtins.complex",
        "builtins.slice",
        "builtins.range",
        "builtins.bytearray",
        "builtins.bytes",
        "builtins.int",
        "builtins.float",
        "builtins.str",
        "builtins.bool",
        "builtins.list",
        "builtins.tuple",
        "builtins.dict",
        "builtins.object",
        "_codecs.encode",
        "codecs.encode",
        "datetime.datetime",
        "datetime.date",
        "datetime.time",
        "datetime.timedelta",
        "datetime.timezone",
        "decimal.Decimal",
        "fractions.Fraction",
        "uuid.UUID",
        "argparse.Namespace",
        "enum.Enum",
        "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_tensor_v3",
        "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state",
        "torch._utils._rebuild_sparse_tensor",
        "torch._utils._rebuild_qtensor",
        "torch._utils._rebuild_meta_tensor_no_storage",
        "torch._utils._rebuild_device_tensor_from_numpy",
        "torch._utils._rebuild_nested_tensor",
        "torch._utils._rebuild_wrapper_subclass",
        "torch._utils._rebuild_device_tensor_from_cpu_tensor",
        "torch._tensor._rebuild_from_type_v2",
        "torch.nn.parameter.Parameter",
        "torch.nn.parameter.Buffer",
        "torch.storage.UntypedStorage",
        "torch.storage.TypedStorage",
        "torch.serialization._get_layout",
        "torch.Size",
        "torch.device",
        "torch.dtype",
        "torch.Tensor",
        "torch.strided",
        "torch.sparse_coo",
        "torch.sparse_csr",
        "torch.channels_last",
        "torch.contiguous_format",
        "torch.preserve_format",
        "torch.per_tensor_affine",
        "torch.per_channel_affine",
        "numpy.dtype",
        "numpy.ndarray",
        "numpy.core.multiarray._reconstruct",
        "numpy.core.multiarray.scalar",
        "numpy.core.numeric._frombuffer",
        "numpy.random._pickle.__randomstate_ctor",
        "numpy.random._pickle.__bit_generator_ctor",
        # dill.dumps of an ndarray: f(*args), then a BUILD, as plain pickles do; dill's
        # code, function and import builders stay critical
        "dill._dill._create_array",
        "joblib.numpy_pickle.NumpyArrayWrapper",
        "joblib.numpy_pickle_compat.NDArrayWrapper",
        # NumPy random generators (sklearn/joblib artefacts, training checkpoints)
        "numpy.random._pickle.__generator_ctor",
        "numpy.random._mt19937.MT19937",
        "numpy.random._pcg64.PCG64",
        "numpy.random._pcg64.PCG64DXSM",
        "numpy.random._philox.Philox",
        "numpy.random._sfc64.SFC64",
        "numpy.random.bit_generator.SeedSequence",
        "numpy.random.bit_generator.__pyx_unpickle_SeedSequence",
        # NumPy array subclasses
        "numpy.ma.MaskedArray",
        "numpy.ma.core.MaskedArray",
        "numpy.ma.core._mareconstruct",
        "numpy.matrix",
        "numpy.matrixlib.defmatrix.matrix",
        "numpy.rec.recarray",
        "numpy.record",
        "numpy.core.records.recarray",
        "numpy.core.records.record",
        # paths as values (Lightning hyper-parameters); their methods stay under pathlib
        "pathlib.Path",
        "pathlib.PurePath",
        "pathlib.PosixPath",
        "pathlib.WindowsPath",
        "pathlib.PurePosixPath",
        "pathlib.PureWindowsPath",
        # torch.jit.save's data.pkl: the identity helpers of torch/jit/_pickle.py
        "torch.jit._pickle.build_intlist",
        "torch.jit._pickle.build_tensorlist",
        "torch.jit._pickle.build_doublelist",
        "torch.jit._pickle.build_boollist",
        "torch.jit._pickle.build_tensor_from_id",
        "torch.jit._pickle.restore_type_tag",
    }
)

# torch.jit.save's data.pkl also names classes compiled from the archive's own TorchScript
# code (no Python module is called __torch__, so pickle.load cannot import them).
# TorchScript code itself is not inspected.
_TORCHSCRIPT = "__torch__."
# Storage classes (BFloat16Storage, QUInt4x2Storage, ...) and dtypes (bfloat16, uint4,
# float8_e4m3fn, float4_e2m1fn_x2, bits8, ...): torch.save writes them for typed tensors.
_TORCH_DTYPE = re.compile(
    r"torch\.(?:[A-Z][A-Za-z0-9]*Storage|u?int\d*|float(?:\d+(?:_[a-z0-9_]+)?)?|bfloat16|bits?\d*"
    r"(?:x\d+)?|half|chalf|double|long|short|bool|complex\d+|cfloat|cdouble|qu?int\d+(?:x\d+)?)"
)
_NUMPY_TYPE = re.compile(
    r"numpy\.(?:dtypes\.\w+DType|(?:u?int|float|complex)\d+|bool_|str_|bytes_)"
)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


def full_name(module: str, name: str) -> str:
    """The dotted path a loader resolves for ``module`` + ``name``, Python 2 names mapped
    as the unpickler maps them (``__builtin__.reduce`` is ``functools.reduce``, ``thread``
    is ``_thread``), then the private and old aliases of modules."""
    if (module, name) in NAME_MAPPING:
        module, name = NAME_MAPPING[(module, name)]
    elif module in IMPORT_MAPPING:
        module = IMPORT_MAPPING[module]
    for old, new in _ALIASES.items():
        if module == old or module.startswith(old + "."):
            module = new + module[len(old) :]
            break
    return f"{module}.{name}" if name else module


def is_identifier_path(text: str) -> bool:
    """True for ``a.b.c`` made of Python identifiers."""
    return _IDENTIFIER.fullmatch(text) is not None


def _prefixes(dotted: str) -> list[str]:
    parts = dotted.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def classify_global(module: str, name: str) -> tuple[Tier, Severity | None, str]:
    """Judge one import: its tier, its severity (None when safe) and a short reason.

    A dotted ``name`` is resolved attribute by attribute from the module (pickle protocol
    4, Keras configs), so each step can land in a module the first one imported:
    ``torch.serialization`` + ``os.system`` is `os.system`. Such a name is judged by the
    worst of its tails; a chain that does not start at a class (a nested class or a
    method is all a pickler writes) is high even when no tail is known.
    """
    verdict = _judge(full_name(module, name))
    if verdict[0] != "unknown" or "." not in name:
        return verdict
    parts = name.split(".")
    for i in range(len(parts) - 1):
        tier, severity, reason = _judge(full_name(".".join(parts[i:]), ""))
        if tier == "dangerous":
            return tier, severity, f"reaches {'.'.join(parts[i:])} through attributes: {reason}"
    if not parts[0].lstrip("_")[:1].isupper():
        return "dangerous", "high", f"walks the attributes of {module}.{parts[0]}, not a class"
    return verdict


def _judge(dotted: str) -> tuple[Tier, Severity | None, str]:
    """The tier of one full dotted name."""
    if dotted in _SAFE:  # exact names only: pathlib.Path is safe, pathlib.Path.unlink is not
        return "safe", None, "allow-listed"
    if dotted.startswith(_TORCHSCRIPT):
        return "safe", None, "TorchScript archive type"
    prefixes = _prefixes(dotted)
    if any(p in _CRITICAL for p in prefixes) or _TORCH_C_LOADER.match(dotted):
        return "dangerous", "critical", "executes code, commands or imports"
    # ``__main__`` is the module of classes defined in a script (torch.save of a model
    # written in train.py); a dunder attribute reached from any module is an escape.
    parts = dotted.split(".")
    if parts[0] == "__main__":
        parts = parts[1:]
    dunder = any(part.startswith("__") and part.endswith("__") for part in parts)
    if dunder:
        return "dangerous", "critical", "reaches dunder attributes (sandbox escape)"
    if len(parts) > 1 and parts[-1] in _CRITICAL_ATTRIBUTES:
        return "dangerous", "critical", "loads native code from a path"
    if any(p in _HIGH for p in prefixes) or (len(parts) > 1 and parts[-1] in _HIGH_ATTRIBUTES):
        return "dangerous", "high", "reaches the network, files or call helpers"
    if _TORCH_DTYPE.fullmatch(dotted) or _NUMPY_TYPE.fullmatch(dotted):
        return "safe", None, "allow-listed"
    return "unknown", "medium", "not on the allow-list"
