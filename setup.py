"""Builds the place index into the wheel, so the first command after ``pip install .`` is fast.

Everything else about the package is declared in pyproject.toml. An editable install skips this:
scripts/bootstrap builds the index in the checkout itself.
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
        from registry.normalise import gazetteer

        target = Path(self.build_lib) / "registry" / "reference" / gazetteer.INDEX_NAME
        if not gazetteer._current(target, gazetteer.inputs_signature()):
            gazetteer.build_index(target)


setup(cmdclass={"build_py": BuildWithIndexes})
