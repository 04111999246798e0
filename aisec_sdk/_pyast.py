"""Python syntax trees of any depth for recursive visitors (posture code checks, AI-BOM).

The parser accepts unbounded chains: ``"a" + "a" + ...`` (a left-deep ``BinOp``),
``- - - 1``, ``a.b.c...``, ``f()()()...``. An ``ast.NodeVisitor`` recurses once per level
and hits the recursion limit after a few hundred: one such line would stop every check of
its file. `pieces` cuts a tree into parts of bounded depth that are visited one by one.
"""

from __future__ import annotations

import ast

__all__ = ["MAX_DEPTH", "pieces"]

MAX_DEPTH = 100
"""Levels of a chain kept in one piece (a visitor spends two or three frames per level)."""

# the fields through which a chain grows without brackets (brackets stop at 200 levels)
_CHAINS: dict[type[ast.AST], tuple[str, ...]] = {
    ast.BinOp: ("left", "right"),
    ast.UnaryOp: ("operand",),
    ast.Attribute: ("value",),
    ast.Subscript: ("value",),
    ast.Call: ("func",),
    ast.Await: ("value",),
    ast.Starred: ("value",),
}


def pieces(tree: ast.AST, depth: int = MAX_DEPTH) -> list[ast.AST]:
    """``tree`` first, then each subtree cut off a chain deeper than ``depth`` (its place
    holds a ``None`` constant), in source order. Visiting every piece visits every node.

    Only a link with a long chain still below it is cut, so short units such as
    ``torch.load(path)`` stay whole wherever they sit.
    """
    found = [tree]
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, level = stack.pop()
        if level >= depth:
            for name in _CHAINS.get(type(node), ()):
                child = getattr(node, name)
                if _chain_longer_than(child, depth // 2):
                    setattr(node, name, ast.copy_location(ast.Constant(value=None), child))
                    found.append(child)
                    stack.append((child, 0))
        stack.extend((child, level + 1) for child in ast.iter_child_nodes(node))
    found[1:] = sorted(
        found[1:], key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0))
    )
    return found


def _chain_longer_than(node: ast.AST, limit: int) -> bool:
    """Whether more than ``limit`` chain links follow ``node``."""
    for _ in range(limit + 1):
        links = [getattr(node, name) for name in _CHAINS.get(type(node), ())]
        deeper = [link for link in links if type(link) in _CHAINS]
        if not deeper:
            return False
        node = deeper[0]
    return True
