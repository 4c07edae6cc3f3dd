"""The layers of the apps (.importlinter): `lint-imports`, run by `make quality`, keeps the real
tree and fails a copy of it where the core imports an app above it."""

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APPS = ("mediation", "accompaniments", "partners", "reporting")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree):
    return subprocess.run(  # noqa: S603
        [str(LINT_IMPORTS), "--no-cache"], cwd=tree, capture_output=True, text=True, timeout=120, check=False
    )


def copy_of_the_tree(target):
    for app in APPS:
        shutil.copytree(ROOT / app, target / app, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", target / ".importlinter")
    return target


def test_the_real_tree_keeps_its_layers():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_no_upward_import_is_tolerated():
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    for name, section in config.items():
        assert "ignore_imports" not in section, f"{name} tolerates upward imports: {section['ignore_imports']}"


def test_an_upward_import_breaks_the_layers(tmp_path):
    tree = copy_of_the_tree(tmp_path)
    assert lint_imports(tree).returncode == 0  # the copy itself keeps them
    models = tree / "mediation" / "models.py"
    models.write_text(models.read_text() + "\nimport reporting  # noqa: E402, F401\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert "mediation is not allowed to import reporting" in result.stdout
    assert "mediation.models -> reporting" in result.stdout
