"""Builds the place index and the ECB rate table into the wheel: the first command after
``pip install .`` does not build them.

Everything else about the package is declared in pyproject.toml. An editable install skips this:
scripts/bootstrap builds them in the checkout itself.
"""

import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithIndexes(build_py):
    """build_py, then the prebuilt reference indexes written beside the packaged reference data."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        sys.path.insert(0, str(ROOT))
        from registry.normalise import gazetteer, rates

        reference = Path(self.build_lib) / "registry" / "reference"
        places = reference / gazetteer.INDEX_NAME
        if not gazetteer.is_current(places):
            gazetteer.build_index(places)
        if not rates.is_current(reference / rates.INDEX_NAME):
            rates.build_index(reference / rates.INDEX_NAME)


setup(cmdclass={"build_py": BuildWithIndexes})
