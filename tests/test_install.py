"""The wheel carries the theme: an installed pubsite builds from any folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                            str(work), str(ROOT)], capture_output=True, text=True)
    if build.returncode != 0:
        pytest.fail("building the wheel failed:\n" + build.stdout + build.stderr)
    wheel = next(work.glob("pubsite-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "pubsite/templates/html/index.html" in names
    assert "pubsite/templates/html/assets/style.css" in names
    assert "pubsite/templates/markdown/index.md" in names
    target = work / "site-packages"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(target), str(wheel)], check=True, capture_output=True)
    return target


def test_installed_pubsite_builds_from_any_folder(installed: Path, tmp_path: Path) -> None:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    for name in ("publications.bib", "profile.toml"):
        shutil.copy(ROOT / name, folder / name)
    env = {**os.environ, "PYTHONPATH": str(installed)}
    where = subprocess.run(
        [sys.executable, "-c",
         "import pubsite.render.templating as t; print(t.builtin_templates())"],
        cwd=folder, env=env, capture_output=True, text=True, check=True)
    assert Path(where.stdout.strip()).is_relative_to(installed)
    result = subprocess.run([sys.executable, "-m", "pubsite", "build"], cwd=folder, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    html = (folder / "_site" / "index.html").read_text()
    assert html.count('class="pub"') == 15
    assert (folder / "_site" / "assets" / "style.css").stat().st_size > 1000
