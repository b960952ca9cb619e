"""kernels/ lives at the top level but must import as pyrpudl.kernels from a wheel and an editable install."""

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

import pyrpudl.kernels
from tests.conftest import ROOT, clean_env


def test_the_editable_install_maps_pyrpudl_kernels_to_the_kernels_folder():
    assert Path(pyrpudl.kernels.__file__).resolve() == ROOT / "kernels" / "__init__.py"


@pytest.mark.slow
def test_a_built_wheel_carries_the_kernels_and_imports_them(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", tmp_path]
        + [ROOT],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("pyrpudl-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "pyrpudl/kernels/cpu/transform.py" in names
    assert "pyrpudl/proto/rpudl_model.proto" in names
    # every package of the checkout is in the wheel (pyproject.toml lists them by hand)
    for init in [*(ROOT / "pyrpudl").rglob("__init__.py"), *(ROOT / "kernels").rglob("__init__.py")]:
        relative = init.relative_to(ROOT).as_posix()
        packaged = "pyrpudl/" + relative if relative.startswith("kernels/") else relative
        assert packaged in names, f"{relative} is missing from pyproject.toml's packages"
    assert not any(name.startswith(("tests/", "kernels/")) for name in names)

    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    install = [python, "-m", "pip", "install", "-q", "--no-deps", wheel]
    subprocess.run(install, check=True, capture_output=True)
    # run from tmp_path so that the checkout cannot be imported instead of the wheel
    imported = subprocess.run(
        [python, "-c", "import pyrpudl.kernels.cpu, pyrpudl.kernels.cuda; print(pyrpudl.kernels.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=clean_env(),
        check=True,
    )
    assert imported.stdout.strip().startswith(str(env_dir))
