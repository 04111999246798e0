"""Python name binding: which import, if any, a name means where the code uses it.

Python binds a name in the scope of the statement that binds it (the module, a function,
a lambda, a comprehension, a class body) and looks it up there first, then in the
enclosing function scopes (never in an enclosing class body), then at module level, then
among the builtins. An import binds like any other statement: ``import mylib as torch``
inside a function says nothing about ``torch`` at module level, and a ``torch`` that is
a parameter, a class or an assigned object is not the module. Within one scope the binding
that comes last before the use counts (module code runs top to bottom); from an inner
scope, which runs later, the scope's last import of the name.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Names"]

_Position = tuple[int, int]
_START: _Position = (0, 0)  # bound on entry: parameters, comprehension targets
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
# statements that bind their targets only once their value is computed
_BOUND_AFTER = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr)


@dataclass(slots=True)
class _Scope:
    """One scope: what its statements bind, by name: (where, import path or None)."""

    parent: _Scope | None
    kind: str  # "module", "function", "class" or "comprehension"
    bindings: dict[str, list[tuple[_Position, str | None]]] = field(default_factory=dict)
    globals: set[str] = field(default_factory=set)
    nonlocals: set[str] = field(default_factory=set)

    def bind(self, name: str, at: _Position, target: str | None) -> None:
        self.bindings.setdefault(name, []).append((at, target))


def _end(node: ast.AST) -> _Position:
    return (getattr(node, "end_lineno", 0) or 0, getattr(node, "end_col_offset", 0) or 0)


def _where(node: ast.AST) -> _Position:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def _parameters(args: ast.arguments) -> list[ast.arg]:
    extra = [a for a in (args.vararg, args.kwarg) if a is not None]
    return [*args.posonlyargs, *args.args, *args.kwonlyargs, *extra]


def _last(entries: list[tuple[_Position, str | None]]) -> str | None:
    """The target of the binding that comes last in the source (None if there is none)."""
    return max(entries, key=lambda entry: entry[0])[1] if entries else None


class Names:
    """Where each name a syntax tree uses comes from (built once, without recursion)."""

    def __init__(self, tree: ast.AST, outer: Mapping[str, str] | None = None) -> None:
        """``outer``: imports bound outside this tree (a notebook's other cells), read
        when a name is resolved, not copied."""
        self._module = _Scope(None, "module")
        self._outer: Mapping[str, str] = {} if outer is None else outer
        self._used_in: dict[int, _Scope] = {}
        scopes = [self._module]
        # (node, its scope, where a name it stores is bound: None for the name's own end)
        stack: list[tuple[ast.AST, _Scope, _Position | None]] = [
            (child, self._module, None) for child in ast.iter_child_nodes(tree)
        ]
        while stack:
            node, scope, at = stack.pop()
            inner = self._enter(node, scope, stack)
            if inner is not None:
                scopes.append(inner)
                continue
            self._bind(node, scope, at)
            if isinstance(node, _BOUND_AFTER):
                at = _end(node)
            stack.extend((child, scope, at) for child in ast.iter_child_nodes(node))
        for scope in scopes:  # `global x` / `nonlocal x` move the scope's bindings of x
            for name in scope.globals | scope.nonlocals:
                moved = scope.bindings.pop(name, [])
                home = self._module if name in scope.globals else self._enclosing(scope)
                if home is not None:
                    home.bindings.setdefault(name, []).extend(moved)

    def _enter(
        self, node: ast.AST, scope: _Scope, stack: list[tuple[ast.AST, _Scope, _Position | None]]
    ) -> _Scope | None:
        """For a node that opens a scope: bind its name, queue its parts (those evaluated
        outside it too) and return the new scope; else None."""
        outside: list[ast.AST] = []
        inside: list[ast.AST] = []
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            inner = _Scope(scope, "function")
            args = node.args
            outside += [*args.defaults, *(d for d in args.kw_defaults if d is not None)]
            for parameter in _parameters(args):
                inner.bind(parameter.arg, _START, None)
                outside += [parameter.annotation] if parameter.annotation else []
            if isinstance(node, ast.Lambda):
                inside.append(node.body)
            else:
                scope.bind(node.name, _end(node), None)
                outside += [*node.decorator_list, *([node.returns] if node.returns else [])]
                inside += node.body
        elif isinstance(node, ast.ClassDef):
            inner = _Scope(scope, "class")
            scope.bind(node.name, _end(node), None)
            outside += [*node.decorator_list, *node.bases, *node.keywords]
            inside += node.body
        elif isinstance(node, _COMPREHENSIONS):
            inner = _Scope(scope, "comprehension")
            for index, generator in enumerate(node.generators):
                (outside if index == 0 else inside).append(generator.iter)
                inside += [generator.target, *generator.ifs]
            elements = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
            inside += elements
        else:
            return None
        stack.extend((child, scope, None) for child in outside)
        stack.extend((child, inner, _START if inner.kind == "comprehension" else None)
                     for child in inside)  # fmt: skip
        return inner

    def _bind(self, node: ast.AST, scope: _Scope, at: _Position | None) -> None:
        """Record what ``node`` binds in ``scope``, or the scope a name is used in."""
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                self._used_in[id(node)] = scope
                return
            home = scope
            if at is not None and at != _START:  # a walrus binds outside comprehensions
                while home.kind == "comprehension" and home.parent is not None:
                    home = home.parent
            home.bind(node.id, at or _end(node), None)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                scope.bind(alias.asname or top, _end(node), alias.name if alias.asname else top)
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (f"{node.module}." if node.module else "")
            for alias in node.names:
                if alias.name != "*":
                    scope.bind(alias.asname or alias.name, _end(node), base + alias.name)
        elif isinstance(node, ast.Global):
            scope.globals.update(node.names)
        elif isinstance(node, ast.Nonlocal):
            scope.nonlocals.update(node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            scope.bind(node.name, _where(node), None)
        elif isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
            scope.bind(node.name, _end(node), None)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            scope.bind(node.rest, _end(node), None)

    @staticmethod
    def _enclosing(scope: _Scope) -> _Scope | None:
        """The nearest enclosing function scope (what ``nonlocal`` names)."""
        outer = scope.parent
        while outer is not None and outer.kind != "function":
            outer = outer.parent
        return outer

    def module_imports(self) -> dict[str, str]:
        """Module-level names whose last binding is an import, and its dotted path."""
        found: dict[str, str] = {}
        for name, entries in self._module.bindings.items():
            target = _last(entries)
            if target is not None:
                found[name] = target
        return found

    def resolve(self, node: ast.Name) -> str | None:
        """The dotted path of the import ``node`` names (``t`` -> ``torch`` after ``import
        torch as t``); the name itself when nothing binds it (a builtin such as ``eval``,
        or a name a star import brings); None when it is bound to something else."""
        name, used = node.id, _where(node)
        scope: _Scope | None = self._used_in.get(id(node), self._module)
        first = True
        while scope is not None:
            if name in scope.globals:
                scope, first = self._module, False
            skip = name in scope.nonlocals or (scope.kind == "class" and not first)
            entries = [] if skip else scope.bindings.get(name, [])
            if entries:
                before = [entry for entry in entries if entry[0] <= used] if first else []
                if before:
                    return _last(before)
                return _last([entry for entry in entries if entry[1] is not None])
            scope, first = scope.parent, False
        return self._outer.get(name, name)
