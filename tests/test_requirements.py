"""The runtime lock (requirements.txt) is what the production image installs: every package the
application imports is in it with its dependencies, each pinned with hashes, and no test tool
is. The tests and tools live in requirements-dev.txt, on top of it."""

import ast
import re
import sys
from importlib import metadata
from pathlib import Path

from django.conf import settings
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(settings.BASE_DIR)
APPLICATION = ("mediation", "accompaniments", "partners", "reporting")
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s\\;]+)")


def locked(path):
    """{name: version} of a pip-compile lock, checking that each entry is pinned with hashes."""
    text = (ROOT / path).read_text()
    entries = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        first = block.splitlines()[0]
        if first.startswith(("#", "-r ", "-c ")) or not first.strip():
            continue
        match = PIN.match(first)
        assert match, f"{path}: {first!r} is not pinned with =="
        assert "--hash=sha256:" in block, f"{path}: {match[1]} has no hash"
        entries[canonicalize_name(match[1])] = match[2]
    return entries


def distributions_of_module(module):
    return metadata.packages_distributions().get(module, [])


def imported_top_level_modules():
    modules = set()
    for package in APPLICATION:
        for source in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(source.read_text(), str(source))):
                if isinstance(node, ast.Import):
                    modules.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules.add(node.module.split(".")[0])
    # Apps, middleware and backends named in the settings are imported too.
    named = [*settings.INSTALLED_APPS, *settings.MIDDLEWARE, settings.EMAIL_BACKEND]
    modules.update(name.split(".")[0] for name in named)
    return modules - set(sys.stdlib_module_names) - set(APPLICATION)


def test_every_package_the_application_imports_is_in_the_runtime_lock():
    runtime = locked("requirements.txt")
    missing = {
        module: distributions_of_module(module)
        for module in imported_top_level_modules()
        if not any(canonicalize_name(name) in runtime for name in distributions_of_module(module))
    }
    assert not missing, f"imported but not locked in requirements.txt: {missing}"


def requirements_of(name, extras=()):
    """The dependencies a locked distribution declares for this interpreter."""
    found = []
    for line in metadata.requires(name) or []:
        requirement = Requirement(line)
        environments = [{"extra": extra} for extra in extras or [""]]
        if requirement.marker is None or any(requirement.marker.evaluate(env) for env in environments):
            found.append(requirement)
    return found


def test_the_runtime_lock_holds_the_dependencies_of_its_packages_at_versions_they_accept():
    runtime = locked("requirements.txt")
    source = [
        Requirement(line) for line in (ROOT / "requirements.in").read_text().splitlines() if _is_requirement(line)
    ]
    extras = {canonicalize_name(r.name): r.extras for r in source}
    for name in runtime:
        for requirement in requirements_of(name, extras.get(name, ())):
            dependency = canonicalize_name(requirement.name)
            assert dependency in runtime, f"{name} needs {requirement}, missing from requirements.txt"
            assert requirement.specifier.contains(runtime[dependency], prereleases=True), (
                f"{name} needs {requirement}, requirements.txt has {runtime[dependency]}"
            )
            for extra in requirement.extras:
                for extra_dependency in requirements_of(requirement.name, [extra]):
                    assert canonicalize_name(extra_dependency.name) in runtime, (
                        f"{requirement} needs {extra_dependency}"
                    )


def _is_requirement(line):
    line = line.strip()
    return bool(line) and not line.startswith(("#", "-"))


def test_no_test_tool_reaches_the_production_image():
    runtime = locked("requirements.txt")
    tools = {
        canonicalize_name(Requirement(line).name)
        for line in (ROOT / "requirements-dev.in").read_text().splitlines()
        if _is_requirement(line)
    }
    assert tools, "requirements-dev.in lists no tool"
    assert not tools & set(runtime), f"test tools in the runtime lock: {tools & set(runtime)}"


def test_the_development_lock_builds_on_the_runtime_lock_at_the_same_versions():
    assert (ROOT / "requirements-dev.txt").read_text().startswith("-r requirements.txt\n")
    runtime, development = locked("requirements.txt"), locked("requirements-dev.txt")
    differing = {
        name: (runtime[name], development[name])
        for name in set(runtime) & set(development)
        if runtime[name] != development[name]
    }
    assert not differing, f"versions differ between the locks: {differing}"


def test_the_installed_environment_matches_the_locks():
    """What the tests run on is what the image ships (make venv installs the locks)."""
    expected = locked("requirements.txt") | locked("requirements-dev.txt")
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    stale = {
        name: (version, installed.get(name)) for name, version in expected.items() if installed.get(name) != version
    }
    assert not stale, f"locked and installed versions differ (run make venv): {stale}"
