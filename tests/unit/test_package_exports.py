"""Every package says what it offers with `__all__`, and every name it lists is really there."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

import mailcanary

_SUBPACKAGES = (info.name for info in pkgutil.walk_packages(mailcanary.__path__, "mailcanary.") if info.ispkg)
PACKAGES = ["mailcanary", *sorted(_SUBPACKAGES)]
# The lab is used only by the CLI and tests through its modules. The stage packages (core, config, round, decide,
# report) are folders of one-concern modules imported one by one: an export here would load them all at every
# handler's init.
EXPORTS_NOTHING = frozenset(
    {
        "mailcanary.lab",
        "mailcanary.arrival",
        "mailcanary.core",
        "mailcanary.config",
        "mailcanary.round",
        "mailcanary.decide",
        "mailcanary.report",
        "mailcanary.services",
    }
)


@pytest.mark.parametrize("name", PACKAGES)
def test_given_package_when_imported_then_all_is_declared_and_resolves(name: str) -> None:
    # Given a package of mailcanary; When imported
    package = importlib.import_module(name)
    # Then it declares __all__, without duplicates, and each listed name can be fetched from it
    exported = package.__dict__.get("__all__")
    assert exported is not None, f"{name} has no __all__"
    assert exported or name in EXPORTS_NOTHING, f"{name} declares no public names in __all__"
    assert len(exported) == len(set(exported))
    for each in exported:
        assert getattr(package, each) is not None, f"{name}.{each}"


@pytest.mark.process
def test_given_ses_package_when_a_light_module_is_imported_then_pydantic_is_not() -> None:
    # Given a fresh interpreter; When only the simulator helpers are imported through the package
    code = "import sys, mailcanary.ses.simulator; from mailcanary.ses import simulator_address; "
    code += "print('pydantic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    # Then the lazy exports did not drag in pydantic (events) or the recipients package (api)
    assert out.stdout.strip() == "False"
