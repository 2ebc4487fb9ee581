"""The Gradescope and Coursera bundles install on the platforms' own images.

* What ``setup.sh`` and the ``Dockerfile`` run, read out of the generated files:
  torch alone, its CPU-only build from PyTorch's CPU index, then the grading pins.
  That index cannot be reached from here, so its command is checked, not run.
* pip's resolver on the pins, run by each platform's Python: 3.10 and 3.12
  (Gradescope's Ubuntu 22.04 and 24.04) and 3.11 (Coursera's ``python:3.11-slim``).
  torch is left out: offline from the CPU index it cannot be resolved, and PyPI's
  torch is the CUDA build, so a constraint forbids any torch.
* At the real ``/autograder`` paths (root only), ``run_autograder`` grades a right and
  a wrong upload. ``make test`` grades them with the project's .venv;
  ``make bundles`` (``AUTOGRADER_BUNDLES=1``) first runs ``setup.sh`` itself, which
  installs torch into a fresh venv (60 to 85 s here) and so is kept out of ``make test``.

With ``AUTOGRADER_BUNDLES=1`` nothing here is skipped: what cannot run fails.
"""

import fcntl
import importlib.metadata
import json
import os
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from autograder import platforms
from tests import support

A = "training_slope"
EXAMPLES = support.ROOT / "examples" / A
RIGHT, WRONG = "ada_perfect", "chloe_sum_not_mean"
TORCH = "torch==2.13.0"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
GRADESCOPE = Path("/autograder")
FULL = os.environ.get("AUTOGRADER_BUNDLES") == "1"
#: Wheels that install with glibc 2.35, Ubuntu 22.04's (24.04 has 2.39; python:3.11-slim, Debian's, 2.36 or newer).
GLIBC_2_35 = [f"manylinux_2_{minor}_x86_64" for minor in range(35, 4, -1)] + [
    "manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64"]


def cannot(reason: str):
    """Skip, or under ``make bundles`` fail: there a skipped test must not pass for a proof."""
    (pytest.fail if FULL else pytest.skip)(reason)


# ------------------------------------------------------------- the bundles' commands


def build(tmp: Path) -> tuple[Path, Path]:
    """Both bundles of ``A``, as the command line builds them: (the zip, the Coursera folder)."""
    for command in (["gradescope", A, "-o", str(tmp / "gradescope.zip")],
                    ["coursera", A, "-o", str(tmp / "coursera")]):
        done = subprocess.run([sys.executable, "-m", "autograder", *command], cwd=support.ROOT,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    return tmp / "gradescope.zip", tmp / "coursera"


@pytest.fixture(scope="module")
def bundles(tmp_path_factory):
    return build(tmp_path_factory.mktemp("bundles"))


def setup_sh_commands(text: str) -> list[list[str]]:
    """Each command line of a shell script, split as bash splits it (comments dropped)."""
    return [shlex.split(line) for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def dockerfile_commands(text: str) -> tuple[str, list[list[str]]]:
    """The image a Dockerfile starts ``FROM``, and each command of its ``RUN`` lines."""
    joined = text.replace("\\\n", " ")
    base = next(line.split()[1] for line in joined.splitlines() if line.startswith("FROM "))
    commands = [shlex.split(part) for line in joined.splitlines() if line.startswith("RUN ")
                for part in line[len("RUN "):].split("&&")]
    return base, commands


def pip_installs(commands: list[list[str]], venv: str) -> list[list[str]]:
    """The arguments after ``pip install`` of every install into ``venv``."""
    prefix = [f"{venv}/bin/python", "-m", "pip", "install"]
    return [c[len(prefix):] for c in commands if c[:len(prefix)] == prefix]


def bundle_installs(platform: str, bundles) -> tuple[list[list[str]], Path]:
    """(``pip install`` arguments in order, the requirements file it names as shipped) for one platform."""
    zip_path, coursera = bundles
    if platform == "gradescope":
        with zipfile.ZipFile(zip_path) as z:
            installs = pip_installs(setup_sh_commands(z.read("setup.sh").decode()), "/autograder/venv")
            prefix, unpacked = "/autograder/source/", zip_path.parent / "unzipped"
            z.extractall(unpacked)
    else:
        installs = pip_installs(dockerfile_commands((coursera / "Dockerfile").read_text())[1], "/grader/venv")
        prefix, unpacked = "/grader/", coursera / "project"
    named = [args[args.index("-r") + 1] for args in installs if "-r" in args]
    assert len(named) == 1 and named[0].startswith(prefix), installs
    return installs, unpacked / named[0][len(prefix):]


def test_torch_pin_is_read_from_the_grading_requirements():
    assert platforms.torch_requirement(support.ROOT / platforms.GRADER_REQUIREMENTS) == TORCH
    assert "-r requirements-grader.txt" in (support.ROOT / "requirements.txt").read_text().splitlines()


@pytest.mark.parametrize("platform", ["gradescope", "coursera"])
def test_bundle_installs_torch_alone_from_the_cpu_index_then_the_grading_pins(bundles, platform):
    installs, requirements = bundle_installs(platform, bundles)
    # pip itself, pinned; torch alone (CPU build; what it needs is pinned in the file); the file
    assert installs[0] == ["--quiet", platforms.PIP]
    assert installs[1] == ["--quiet", "--no-deps", "--index-url", TORCH_CPU_INDEX, TORCH]
    assert installs[2] == ["--quiet", "--only-binary", ":all:", "-r", installs[2][-1]] and len(installs) == 3
    # no other install names torch or another index, so PyPI's CUDA build is never asked for
    for args in (installs[0], installs[2]):
        assert not any(a.startswith(("torch", "--index-url", "--extra-index-url", "--find-links")) for a in args)
    assert requirements.read_bytes() == (support.ROOT / platforms.GRADER_REQUIREMENTS).read_bytes()


def test_setup_sh_uses_the_ubuntu_python_and_checks_what_it_installed(bundles):
    with zipfile.ZipFile(bundles[0]) as z:
        commands = setup_sh_commands(z.read("setup.sh").decode())
    apt = next(c for c in commands if c[:2] == ["apt-get", "install"])
    assert {"python3", "python3-venv", "libseccomp2"} <= set(apt)
    assert ["/usr/bin/python3", "-m", "venv", "/autograder/venv"] in commands
    assert commands[-1] == ["/autograder/venv/bin/python", "-m", "pip", "check"]
    assert ["set", "-euo", "pipefail"] in commands  # a failed install fails the image build


def test_dockerfile_builds_on_python_3_11_slim_and_checks_what_it_installed(bundles):
    base, commands = dockerfile_commands((bundles[1] / "Dockerfile").read_text())
    assert base == "python:3.11-slim"
    assert ["python", "-m", "venv", "/grader/venv"] in commands
    assert ["/grader/venv/bin/python", "-m", "pip", "check"] in commands
    assert any(c[:2] == ["apt-get", "install"] and "libseccomp2" in c for c in commands)


# ------------------------------------------------------------------- pins resolve


@pytest.fixture(scope="module")
def pypi():
    """pip's default index answers (asked through pip, with this machine's mirrors switched off)."""
    done = subprocess.run([sys.executable, "-m", "pip", "--isolated", "index", "versions", "pip",
                           "--timeout", "15", "--retries", "1"], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        cannot(f"PyPI cannot be reached, so the pins cannot be resolved: {done.stderr.strip()[-300:]}")


@pytest.fixture(scope="module")
def resolver(tmp_path_factory):
    """A Python whose pip is the release the bundles install first."""
    if importlib.metadata.version("pip") == platforms.PIP.split("==")[1]:
        return sys.executable
    venv = tmp_path_factory.mktemp("resolver") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", platforms.PIP],
                   check=True, timeout=600)
    return str(venv / "bin" / "python")


def interpreter(version: str) -> str:
    """An interpreter of ``version`` on this machine (pyenv's, or on PATH)."""
    pyenv = sorted(Path.home().glob(f".pyenv/versions/{version}.*/bin/python"))
    found = str(pyenv[-1]) if pyenv else shutil.which(f"python{version}")
    if not found:
        cannot(f"no Python {version} on this machine to resolve the pins with")
    return found


def pins_for(requirements: Path, version: str) -> dict[str, str]:
    """The ``name==version`` pins of a requirements file whose markers hold on Python ``version``."""
    environment = {"python_version": version, "python_full_version": f"{version}.0"}
    pins = {}
    for line in requirements.read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate(environment):
            (spec,) = req.specifier
            assert spec.operator == "==", line
            assert canonicalize_name(req.name) not in pins, f"{req.name} pinned twice for Python {version}"
            pins[canonicalize_name(req.name)] = spec.version
    return pins


@pytest.mark.parametrize("platform, version", [("gradescope", "3.10"), ("coursera", "3.11"), ("gradescope", "3.12")])
def test_grading_pins_resolve_on_the_platform_python(bundles, pypi, resolver, tmp_path, platform, version):
    """pip, running on that Python (so that markers are read for it: ``--python-version``
    alone reads them for the Python running pip), resolves every pin but torch's to
    wheels for the oldest glibc among the images, and needs nothing that is not pinned."""
    _, requirements = bundle_installs(platform, bundles)
    without_torch = tmp_path / "requirements-without-torch.txt"
    without_torch.write_text("".join(line + "\n" for line in requirements.read_text().splitlines()
                                     if not line.startswith("torch==")))
    no_torch = tmp_path / "no-torch.txt"
    no_torch.write_text("torch<0\n")  # whatever asks for torch fails here, before any download
    done = subprocess.run(
        [resolver, "-m", "pip", "--python", interpreter(version), "install", "--dry-run", "--ignore-installed",
         "--python-version", version, *(f"--platform={tag}" for tag in GLIBC_2_35), "--only-binary", ":all:",
         "--quiet", "--report", "-",
         "-r", str(without_torch), "-c", str(no_torch)],
        capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["environment"]["python_version"] == version
    resolved = {canonicalize_name(i["metadata"]["name"]): i["metadata"]["version"] for i in report["install"]}
    pins = pins_for(requirements, version)
    assert "torch" not in resolved
    assert resolved == {name: v for name, v in pins.items() if name != "torch"}, (
        f"unpinned: {sorted(set(resolved) - set(pins))}")
    # torch is installed with --no-deps: its own requirements (read from the CPU build
    # installed here) must be met by the pins
    environment = {"python_version": version, "python_full_version": f"{version}.0", "extra": ""}
    for line in importlib.metadata.requires("torch"):
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate(environment):
            name = canonicalize_name(req.name)
            assert name in pins and req.specifier.contains(pins[name]), f"torch needs {line}; pinned {pins.get(name)}"


# ------------------------------------------------------------- at the real paths


@pytest.fixture
def real_paths(bundles):
    """``/autograder`` as Gradescope lays it out: the zip unpacked into ``source/``,
    ``run_autograder`` beside it. Removed before and after; one test at a time on
    this machine holds it (a lock file), whichever worktree it runs from."""
    if os.geteuid() != 0:
        cannot("the real /autograder paths need root")
    with open("/tmp/autograder-real-paths.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        shutil.rmtree(GRADESCOPE, ignore_errors=True)
        try:
            source = GRADESCOPE / "source"
            with zipfile.ZipFile(bundles[0]) as z:
                z.extractall(source)
                for info in z.infolist():
                    (source / info.filename).chmod(info.external_attr >> 16 or 0o644)
            shutil.copy2(source / "run_autograder", GRADESCOPE / "run_autograder")
            yield GRADESCOPE
        finally:
            shutil.rmtree(GRADESCOPE, ignore_errors=True)


def platform_env(**extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("AUTOGRADER_ROOT", "AUTOGRADER_PYTHON")}
    return dict(env, **extra)


def grade_upload(root: Path, student: str, env: dict[str, str]) -> dict:
    submission = root / "submission"
    shutil.rmtree(submission, ignore_errors=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    submission.mkdir()
    shutil.copy(EXAMPLES / student / A / f"{A}.ipynb", submission / f"{A}.ipynb")
    done = subprocess.run(["bash", str(root / "run_autograder")], cwd=root, capture_output=True, text=True,
                          env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((root / "results" / "results.json").read_text())


def assert_right_and_wrong_graded(root: Path, env: dict[str, str]) -> None:
    full = sum(support.cell_max(A).values())
    right = grade_upload(root, RIGHT, env)
    assert right["score"] == full == support.EXAMPLE_SCORES[RIGHT], right["output"]
    assert all(t["status"] == "passed" for t in right["tests"])
    wrong = grade_upload(root, WRONG, env)
    assert wrong["score"] == support.EXAMPLE_SCORES[WRONG] < full
    failed = {t["extra_data"]["grade_id"] for t in wrong["tests"] if t["status"] == "failed"}
    assert "test_criterion" in failed
    assert any("sum instead of mean" in t["output"] for t in wrong["tests"] if t["status"] == "failed")


def test_run_autograder_grades_at_the_real_paths_with_the_project_venv(real_paths):
    assert_right_and_wrong_graded(real_paths, platform_env(AUTOGRADER_PYTHON=sys.executable))


def test_setup_sh_then_run_autograder_grade_at_the_real_paths(real_paths, pypi, tmp_path):
    """``setup.sh`` exactly as Gradescope runs it. Here its torch comes from this
    machine's CPU wheel: the CPU index is unreachable, and this machine's pip
    configuration also looks in the folder holding that wheel (a constraint on
    ``+cpu`` makes sure no other build could be taken)."""
    if not FULL:
        pytest.skip("installs torch into a fresh venv (60 to 85 s): run by `make bundles`")
    cpu_only = tmp_path / "cpu-only.txt"
    cpu_only.write_text("torch==2.13.0+cpu\n")
    done = subprocess.run(["bash", str(real_paths / "source" / "setup.sh")], cwd=real_paths / "source",
                          capture_output=True, text=True, timeout=1800,
                          env=platform_env(PIP_CONSTRAINT=str(cpu_only)))
    assert done.returncode == 0, done.stderr[-3000:]
    venv_python = str(real_paths / "venv" / "bin" / "python")
    listed = subprocess.run([venv_python, "-m", "pip", "list", "--format", "json"], capture_output=True,
                            text=True, check=True).stdout
    installed = {canonicalize_name(p["name"]): p["version"] for p in json.loads(listed)}
    assert installed["torch"] == "2.13.0+cpu"
    assert not [name for name in installed if name.startswith("nvidia")]
    size = subprocess.run(["du", "-sh", str(real_paths / "venv")], capture_output=True, text=True).stdout.split()[0]
    print(f"setup.sh's venv: {size}")
    assert_right_and_wrong_graded(real_paths, platform_env())
