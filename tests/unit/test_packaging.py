"""pyproject.toml's packaging metadata: an SPDX license expression, and a setuptools that reads it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.licenses import canonicalize_license_expression
from packaging.requirements import Requirement
from packaging.version import Version

pytestmark = pytest.mark.unit
PYPROJECT = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())


def test_given_the_project_license_when_read_then_it_is_a_canonical_spdx_expression() -> None:
    # Given setuptools deprecates the `license = {text = ...}` table (PEP 639), Then it is a plain SPDX string
    license_ = PYPROJECT["project"]["license"]
    assert isinstance(license_, str)
    assert canonicalize_license_expression(license_) == license_
    assert not any(re.search(r"License ::", each) for each in PYPROJECT["project"].get("classifiers", []))


def test_given_the_build_system_when_read_then_it_requires_a_setuptools_that_takes_spdx_strings() -> None:
    (setuptools,) = [Requirement(each) for each in PYPROJECT["build-system"]["requires"] if each.startswith("setup")]
    minimum = next(spec.version for spec in setuptools.specifier if spec.operator == ">=")
    assert Version(minimum) >= Version("77")  # the first setuptools with PEP 639 license expressions
