"""requirements.lock, which the Dockerfile and `make wheel-smoke` install from, against the
dependencies pyproject.toml declares: a dependency added or narrowed without `make lock`
fails here, not in a deployment."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).parent.parent
PIN = re.compile(r"^([A-Za-z0-9._-]+)==(\S+) \\$", re.MULTILINE)


def locked() -> dict[str, str]:
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    return {canonicalize_name(name): version for name, version in PIN.findall(text)}


def test_every_dependency_is_locked_at_a_version_it_allows() -> None:
    pins = locked()
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for requirement in map(Requirement, declared):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock: run `make lock`"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock has {name}=={pins[name]}, pyproject.toml wants "
            f"{requirement.specifier}: run `make lock`"
        )


def test_every_pin_carries_hashes() -> None:
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    blocks = [b for b in re.split(r"\n(?=\S)", text) if PIN.match(b)]
    assert len(blocks) == len(locked()) > 50
    assert all("--hash=sha256:" in block for block in blocks)


def test_the_lock_has_no_torch_and_no_dev_tools() -> None:
    pins = locked()
    assert not {"torch", "sentence-transformers", "pytest", "playwright"} & set(pins)
    assert not [name for name in pins if name.startswith("nvidia-")]
