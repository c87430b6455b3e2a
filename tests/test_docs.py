"""Docs that cannot drift: every environment variable the code reads has its row in README.md's
configuration table, and every top-level URL prefix is on the map in docs/architecture.md."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SRC = REPO / "src" / "cocity"
ENV_HELPERS = {"env", "env_bool", "env_list"}  # settings.py's readers


def _is_os_environ(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def _first_str(call: ast.Call) -> str | None:
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


def env_names_read(source: str) -> set[str]:
    """Names a module reads from the environment: ``env("X")``, ``env_bool``, ``env_list``,
    ``os.environ.get("X")``, ``os.getenv("X")``, ``os.environ["X"]`` (read) and
    ``"X" in os.environ``. ``os.environ.setdefault`` and assignments are writes, not settings."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            reads = (
                (isinstance(func, ast.Name) and func.id in ENV_HELPERS)
                or (
                    isinstance(func, ast.Attribute)
                    and func.attr == "get"
                    and _is_os_environ(func.value)
                )
                or (
                    isinstance(func, ast.Attribute)
                    and func.attr == "getenv"
                    and isinstance(func.value, ast.Name)
                    and func.value.id == "os"
                )
            )
            name = _first_str(node) if reads else None
            if name:
                names.add(name)
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.ctx, ast.Load)
            and _is_os_environ(node.value)
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
        ):
            names.add(node.slice.value)
        elif (
            isinstance(node, ast.Compare)
            and isinstance(node.left, ast.Constant)
            and isinstance(node.left.value, str)
            and any(isinstance(op, ast.In | ast.NotIn) for op in node.ops)
            and any(_is_os_environ(c) for c in node.comparators)
        ):
            names.add(node.left.value)
    return names


def code_env_names() -> dict[str, list[str]]:
    """Every environment variable read under src/cocity → the files that read it."""
    found: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for name in env_names_read(path.read_text(encoding="utf-8")):
            found.setdefault(name, []).append(str(path.relative_to(REPO)))
    return found


def readme_config_names() -> set[str]:
    """The variables named in the first column of README.md's configuration tables (the
    "Configuration" section and its subsections)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Configuration\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, "README.md has no '## Configuration' section"
    names: set[str] = set()
    for line in match.group(1).splitlines():
        if line.startswith("|"):
            first_cell = line.split("|")[1]
            names.update(re.findall(r"`([A-Z][A-Z0-9_]*)`", first_cell))
    return names


def test_the_scanner_sees_every_way_of_reading_the_environment() -> None:
    source = """
import os
A = env("A_NAME", "x")
B = env_bool("B_NAME")
C = env_list("C_NAME", "a,b")
D = os.environ.get("D_NAME")
E = os.getenv("E_NAME", "1")
F = os.environ["F_NAME"]
G = "G_NAME" in os.environ
os.environ.setdefault("NOT_READ", "cocity.settings")
os.environ["NOT_READ_EITHER"] = "1"
"""
    assert env_names_read(source) == {f"{c}_NAME" for c in "ABCDEFG"}


def test_every_environment_variable_the_code_reads_is_in_the_readme_table() -> None:
    code = code_env_names()
    assert {"DATABASE_URL", "SECRET_KEY", "COCITY_ENV"} <= set(code)  # the scan found settings
    documented = readme_config_names()
    missing = {name: files for name, files in code.items() if name not in documented}
    assert not missing, (
        "environment variables read by the code but missing from README.md's configuration "
        f"table: {missing}"
    )


def test_the_readme_table_documents_no_variable_the_code_does_not_read() -> None:
    stale = readme_config_names() - set(code_env_names())
    assert not stale, f"README.md documents variables nothing reads any more: {sorted(stale)}"


def mentions(text: str, prefix: str) -> bool:
    """``prefix`` appears on its own: "/api/" does not count as said because "/api/needs/" is."""
    return re.search(rf"(?<![\w/]){re.escape(prefix)}(?![\w/])", text) is not None


def _top_level_prefixes() -> set[str]:
    from django.urls import URLPattern, URLResolver

    from cocity import urls

    prefixes = set()
    for entry in urls.urlpatterns:
        assert isinstance(entry, URLPattern | URLResolver)
        route = str(entry.pattern)
        # a regex route such as ^media/(?P<path>.*)$ is documented by its literal start
        literal = re.match(r"\^?([\w/.-]*)", route)
        assert literal is not None
        prefixes.add("/" + literal.group(1))
    return prefixes


def test_every_top_level_url_prefix_is_on_the_architecture_map() -> None:
    prefixes = _top_level_prefixes()
    assert {"/", "/api/", "/open311/v2/", "/admin/", "/media/"} <= prefixes
    architecture = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = sorted(p for p in prefixes if not mentions(architecture, p))
    assert not missing, f"URL prefixes missing from docs/architecture.md: {missing}"


@pytest.mark.parametrize(
    ("prefix", "text", "found"),
    [
        ("/api/", "the REST API under /api/ and more", True),
        ("/api/", "only /api/needs/ here", False),
        ("/", "`/` the home page", True),
        ("/", "only /api/ here", False),
    ],
)
def test_the_prefix_match_is_whole_word(prefix: str, text: str, found: bool) -> None:
    assert mentions(text, prefix) is found
