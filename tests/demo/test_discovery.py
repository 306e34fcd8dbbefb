"""seed_demo finds each app's demo seed through the app registry: no app imports demo."""

import ast
import pathlib

import pytest

from demo.discovery import seed_functions

pytestmark = pytest.mark.no_db

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_each_apps_seed_is_found_in_installed_apps_order():
    found = [f"{f.__module__}.{f.__name__}" for f in seed_functions()]
    order = [
        "projects.demo.seed",
        "investment.demo.seed",
        "attraction.demo.seed",
        "assistance.demo.seed",
        "dispatch.demo.seed",
    ]
    assert [name for name in found if name in order] == order
    assert len(found) == len(set(found))
    assert all(name.endswith(".demo.seed") for name in found)


def test_no_app_imports_demo():
    for app in ("accounts", "projects", "investment", "insights", "attraction", "notifications", "supervision",
                "dispatch", "portal", "ops"):  # fmt: skip
        for path in (ROOT / app).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    assert node.module.split(".")[0] != "demo", path
                if isinstance(node, ast.Import):
                    assert all(alias.name.split(".")[0] != "demo" for alias in node.names), path
