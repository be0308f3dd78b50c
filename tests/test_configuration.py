"""Every environment variable Avisos reads is documented: in README.md's "Environment" table and in
.env.example (app/config.py says so; docs/CONFIGURATION.md is not a third copy)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from app.channels.settings import CHANNEL_SETTINGS

ROOT = Path(__file__).resolve().parent.parent
READERS = ("get", "env_bool", "env_int", "env_float", "env_list_int", "env_typed")


def variables_read(path: Path) -> set[str]:
    """The names passed as first argument to os.environ.get / env_* helpers in a module."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in READERS and isinstance(node.args[0].value, str) and node.args[0].value.isupper():
            names.add(node.args[0].value)
    return names


VARIABLES = sorted(variables_read(ROOT / "app" / "config.py") | variables_read(ROOT / "gunicorn.conf.py")
                   | set(CHANNEL_SETTINGS))


def readme_variables() -> set[str]:
    table = (ROOT / "README.md").read_text().split("### Environment", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))


def env_example_variables() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, flags=re.M))


def test_the_settings_read_some_variables():
    assert {"DATABASE_URL", "REDIS_URL", "EMAIL_HOST", "WEB_THREADS"} <= set(VARIABLES)


def test_every_variable_is_in_the_readme_table():
    assert sorted(set(VARIABLES) - readme_variables()) == []


def test_every_variable_is_in_env_example():
    assert sorted(set(VARIABLES) - env_example_variables()) == []


def test_config_points_at_docs_that_exist():
    for ref in re.findall(r"docs/[A-Z_]+\.md", (ROOT / "app" / "config.py").read_text()):
        assert (ROOT / ref).exists(), ref
