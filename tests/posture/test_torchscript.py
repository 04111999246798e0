"""TorchScript archives: operators that touch files (AISEC-JIT001) or that torch does not
ship (AISEC-JIT002), in real torch.jit.save archives."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from report_ids import rule_ids
from torch import nn

from aisec_sdk.posture import scan_file

Write = Callable[[str, bytes | str], Path]


def _save(module: nn.Module | torch.jit.ScriptModule, name: str) -> Path:
    scripted = module if isinstance(module, torch.jit.ScriptModule) else torch.jit.script(module)
    torch.jit.save(scripted, name)
    return Path(name)


class _Block(nn.Module):
    """A ResNet basic block, as torchvision writes it."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(out)) + x)


class _TinyResNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.blocks = nn.Sequential(_Block(8), _Block(8))
        self.head = nn.Linear(8, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.blocks(torch.relu(self.stem(x)))
        x = torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)
        if x.shape[0] > 1:
            x = x - x.mean(0, keepdim=True)
        return self.head(x)


class _Stateful(nn.Module):
    """A benign __getstate__/__setstate__ pair: runs at load, touches no file."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = torch.ones(1)

    @torch.jit.export
    def __getstate__(self) -> tuple[torch.Tensor, bool]:
        return (self.scale, self.training)

    @torch.jit.export
    def __setstate__(self, state: tuple[torch.Tensor, bool]) -> None:
        self.scale = state[0] * 1.0
        self.training = state[1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale


def test_benign_archives_are_clean() -> None:
    """Scripted, traced, stateful and dynamically quantized models (packed weights are
    torch.classes.quantized objects, run by ops.quantized.*) give no finding."""
    quantized = torch.ao.quantization.quantize_dynamic(
        nn.Sequential(nn.Linear(4, 4), nn.ReLU()), {nn.Linear}, dtype=torch.qint8
    )
    traced = torch.jit.trace(nn.Sequential(nn.Linear(3, 2), nn.Tanh()), torch.randn(1, 3))
    paths = [
        _save(_TinyResNet().eval(), "resnet.pt"),
        _save(_Stateful(), "stateful.pt"),
        _save(quantized, "quantized.pt"),
        _save(traced, "traced.pt"),
    ]
    for path in paths:
        assert scan_file(path).findings == [], path


class _Writer(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        torch.save(x, "/tmp/aisec-jit-test-never-written.pt")
        return x


class _Reader(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        leaked = torch.from_file("/etc/hostname", size=1, dtype=torch.uint8)
        return x + leaked.sum()


def test_file_operators_in_forward() -> None:
    for module, op in ((_Writer(), "aten::save"), (_Reader(), "aten::from_file")):
        report = scan_file(_save(module, "m.pt"))
        assert rule_ids(report) == [("AISEC-JIT001", "high")], op
        finding = report.findings[0]
        assert op in finding.message and "when forward runs" in finding.message
        assert finding.path.startswith("m.pt!") and finding.path.endswith(".py")
        assert finding.line is not None


class _WritesOnLoad(nn.Module):
    """torch.jit.load runs __setstate__: the write happens before any call."""

    def __init__(self, target: str) -> None:
        super().__init__()
        self.target = target
        self.weight = torch.ones(2)

    @torch.jit.export
    def __getstate__(self) -> tuple[torch.Tensor, str, bool]:
        return (self.weight, self.target, self.training)

    @torch.jit.export
    def __setstate__(self, state: tuple[torch.Tensor, str, bool]) -> None:
        self.weight, self.target, self.training = state
        torch.save(self.weight, self.target)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.weight


def test_file_write_while_loading_is_real_and_found(tmp_path: Path) -> None:
    target = tmp_path / "written-by-the-model.pt"
    path = _save(_WritesOnLoad(str(target)), "onload.pt")
    target.unlink(missing_ok=True)  # scripting may not run __setstate__; loading does
    report = scan_file(path)
    assert rule_ids(report) == [("AISEC-JIT001", "high")]
    assert "while the archive loads (in __setstate__)" in report.findings[0].message
    torch.jit.load(str(path))
    assert target.exists()  # the danger is real: loading alone wrote the file


def _rewritten(base: Path, name: str, statement: str) -> Path:
    """``base`` (a real archive) with one statement put before forward's return."""
    out = Path(name)
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            text = data.decode("latin-1")
            if info.filename.endswith(".py") and "def forward" in text:
                data = text.replace("    return ", f"    {statement}\n    return ", 1).encode()
            target.writestr(info, data)
    return out


class _Plain(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + 1


@pytest.mark.parametrize(
    "statement",
    [
        'ops.aten.save(x, "{p}")',
        'f = torch.save\n    f(x, "{p}")',
        't = torch\n    t.save(x, "{p}")',
        'getattr(torch, "save")(x, "{p}")',
        'getattr(getattr(ops, "aten"), "save")(x, "{p}")',
        'torch.autograd.save(x, "{p}")',
        # read as torch's lexer reads them: continued lines, adjacent literals, escapes,
        # comments
        'torch.\\\n  save(x, "{p}")',
        'torch\\\n    .save(x, "{p}")',
        'getattr(torch, \'sa\' "ve")(x, "{p}")',
        "getattr(ops.aten, 'sa'\n      've')(x, \"{p}\")",
        "getattr(torch, '\\163ave')(x, \"{p}\")",
        '(torch.  # torch.load\n      save)(x, "{p}")',
    ],
)
def test_other_spellings_torch_accepts_are_found(statement: str, tmp_path: Path) -> None:
    """Each spelling is checked to run in torch (it writes the file), then to be found."""
    base = _save(_Plain(), "plain.pt")
    target = tmp_path / "out.pt"
    path = _rewritten(base, "spelled.pt", statement.format(p=target))
    torch.jit.load(str(path))(torch.ones(1))
    assert target.exists()
    report = scan_file(path)
    assert rule_ids(report) == [("AISEC-JIT001", "high")]
    assert "aten::save" in report.findings[0].message


def test_reading_as_torch_does_keeps_comments_out_and_lines_right() -> None:
    """A comment is no code; a continued statement is reported at its first line."""
    base = _save(_Plain(), "plain.pt")
    commented = _rewritten(base, "commented.pt", "# torch.save(x, 'out.pt') \\")
    assert scan_file(commented).findings == []
    statement = 'y = """a\n    b"""\n    torch.\\\n      from_file("/etc/hostname")'
    report = scan_file(_rewritten(base, "read.pt", statement))
    assert rule_ids(report) == [("AISEC-JIT001", "high")]
    finding = report.findings[0]
    assert "aten::from_file" in finding.message and finding.line is not None
    with zipfile.ZipFile("read.pt") as archive:
        source = archive.read(finding.path.split("!", 1)[1]).decode()
    assert source.splitlines()[finding.line - 1].strip() == "torch.\\"


@torch.library.custom_op("aisec_jit_test::scramble", mutates_args=())  # type: ignore[misc]
def _scramble(x: torch.Tensor) -> torch.Tensor:
    return x.flip(0)


class _Custom(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.ops.aisec_jit_test.scramble(x)


def test_operators_and_classes_torch_does_not_ship() -> None:
    report = scan_file(_save(_Custom(), "custom.pt"))
    assert rule_ids(report) == [("AISEC-JIT002", "medium")]
    assert "'aisec_jit_test'" in report.findings[0].message
    assert "'scramble'" in report.findings[0].message
    base = _save(_Plain(), "plain.pt")
    keyring = "__torch__.torch.classes.acme.Keyring"
    annotated = _rewritten(base, "cls.pt", f"k : {keyring} = uninitialized({keyring})")
    report = scan_file(annotated)
    assert rule_ids(report) == [("AISEC-JIT002", "medium")]
    assert "custom classes of namespace 'acme'" in report.findings[0].message


def test_a_python_op_in_saved_code_is_malformed() -> None:
    """torch.jit.save refuses Python calls; written into code/ by hand, prim::PythonOp
    crashed torch.jit.load (segmentation fault) when tried with torch 2.13."""
    base = _save(_Plain(), "plain.pt")
    report = scan_file(_rewritten(base, "pyop.pt", "ops.prim.PythonOp(x)"))
    assert rule_ids(report) == [("AISEC-MOD001", "high")]
    assert "prim::PythonOp" in report.findings[0].message


def test_lite_interpreter_bytecode_is_read(tmp_path: Path) -> None:
    """_load_for_lite_interpreter runs bytecode.pkl, not code/: with code/ removed the
    archive still writes its file, and the bytecode's operator table gives it away."""
    from torch.jit.mobile import _load_for_lite_interpreter

    target = tmp_path / "lite-out.pt"
    scripted = torch.jit.script(_Plain())
    scripted._save_for_lite_interpreter("full.ptl")
    base = _rewritten(Path("full.ptl"), "lite.ptl", f'torch.save(x, "{target}")')
    torch.jit.load(str(base))._save_for_lite_interpreter("with-code.ptl")
    with zipfile.ZipFile("with-code.ptl") as source, zipfile.ZipFile("bare.ptl", "w") as out:
        for info in source.infolist():
            if "/code/" not in info.filename:
                out.writestr(info, source.read(info.filename))
    _load_for_lite_interpreter("bare.ptl")(torch.ones(1))
    assert target.exists()
    report = scan_file("bare.ptl")
    assert rule_ids(report) == [("AISEC-JIT001", "high")]
    assert report.findings[0].path.endswith("bytecode.pkl")
    assert "aten::save" in report.findings[0].message


def test_archive_inside_a_zip_and_a_clean_torch_save() -> None:
    inner = _save(_Reader(), "inner.pt").read_bytes()
    with zipfile.ZipFile("bundle.zip", "w") as bundle:
        bundle.writestr("models/reader.pt", inner)
    report = scan_file("bundle.zip")
    assert rule_ids(report) == [("AISEC-JIT001", "high")]
    assert report.findings[0].path.startswith("bundle.zip!models/reader.pt!")
    torch.save({"w": torch.ones(2)}, "weights.pt")  # data.pkl, no code/: nothing to read
    assert scan_file("weights.pt").findings == []
