"""Peak memory on hostile inputs: a zip bomb (a 2 GiB member in a small zip) given to verify and diff, a 50 MB
sources.yaml given to build, /dev/zero given to add-source. Each is refused with a clear problem, and the
process never holds more than 200 MB (the child's own high-water mark, VmHWM, read as it exits: wait4's
ru_maxrss would also count the test process's memory copied at fork)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import NOTE, PROJECT_ROOT, tiny_corpus

pytestmark = pytest.mark.slow

PEAK_LIMIT_MB = 200
ADDRESS_SPACE_CAP = 3 * 1024**3  # a run that tries to read the bomb dies here instead of taking the machine
BOMB_MEMBER = 2 * 1024**3


# The child writes its resident high-water mark (kB) to PEAK_FILE as it exits, however the CLI ends.
CHILD = """
import atexit, os

def write_peak():
    with open("/proc/self/status", encoding="ascii") as status:
        kilobytes = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(os.environ["PEAK_FILE"], "w", encoding="ascii") as target:
        target.write(kilobytes)

atexit.register(write_peak)
from pipeline.cli import main
main()
"""


def peak_run(*args: object, peak_file: Path) -> tuple[int, str, float]:
    """Run the CLI in a child process -> (exit code, stdout and stderr, peak resident memory in MB)."""
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_CAP, ADDRESS_SPACE_CAP))

    process = subprocess.run(
        [sys.executable, "-c", CHILD, "--project", str(PROJECT_ROOT), *map(str, args)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, preexec_fn=cap,
        env={**os.environ, "PEAK_FILE": str(peak_file)}, check=False)
    output = process.stdout.decode("utf-8", errors="replace")
    assert peak_file.exists(), f"the child left no peak reading: {output}"
    return process.returncode, output, int(peak_file.read_text(encoding="ascii")) / 1024


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A zip of about 2 MB whose one member inflates to 2 GiB of zeros, in a release's folder layout."""
    path = tmp_path_factory.mktemp("bomb") / "ketamine-therapy-claims-9.9.9.zip"
    chunk = bytes(16 * 1024 * 1024)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        info = zipfile.ZipInfo("ketamine-therapy-claims-9.9.9/data/claims.csv", date_time=(2026, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as member:
            for _ in range(BOMB_MEMBER // len(chunk)):
                member.write(chunk)
    assert path.stat().st_size < 3 * 1024 * 1024  # the bomb: 2.2 MB
    return path


@pytest.mark.parametrize("command", ["verify", "diff"])
def test_a_zip_bomb_is_refused_in_bounded_memory(command: str, bomb: Path, tmp_path: Path) -> None:
    args = ["verify", bomb] if command == "verify" else ["diff", bomb, bomb]
    code, stderr, peak = peak_run(*args, peak_file=tmp_path / "peak")
    assert code == 1, stderr
    assert "[file-too-large]" in stderr and "Traceback" not in stderr, stderr
    assert peak < PEAK_LIMIT_MB, f"{command} peaked at {peak:.0f} MB"
    print(f"{command} of a 2 GiB zip bomb: exit {code}, peak {peak:.0f} MB")


def test_a_50_mb_sources_yaml_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    inputs = tiny_corpus(tmp_path / "inputs", {"tiny-note": NOTE})
    entry = ("  - source_id: note-{n}\n    title: A note about ketamine therapy and depression, number {n}\n"
             "    publisher: Example Clinic\n    url: https://example.org/notes/{n}\n    kind: blog\n"
             "    published: \"2024-04-16\"\n    language: en\n    sha256: " + "ab" * 32 + "\n")
    with open(inputs / "sources.yaml", "w", encoding="utf-8") as handle:
        handle.write("sources:\n")
        n = 0
        while handle.tell() < 50_000_000:
            handle.write("".join(entry.format(n=n + i) for i in range(1000)))
            n += 1000
    code, stderr, peak = peak_run("build", "--input", inputs, "--output", tmp_path / "out",
                                   peak_file=tmp_path / "peak")
    assert code == 1
    assert "sources.yaml: [yaml-too-large]" in stderr, stderr
    assert peak < PEAK_LIMIT_MB, f"build peaked at {peak:.0f} MB"
    print(f"build with a 50 MB sources.yaml: exit {code}, peak {peak:.0f} MB")


def test_add_source_of_dev_zero_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    inputs = tiny_corpus(tmp_path / "inputs", {"tiny-note": NOTE})
    code, stderr, peak = peak_run("add-source", "/dev/zero", "--title", "Zero", "--kind", "blog", "--input", inputs,
                                   peak_file=tmp_path / "peak")
    assert code == 1
    assert "/dev/zero: [text-too-large]" in stderr, stderr
    assert peak < PEAK_LIMIT_MB, f"add-source peaked at {peak:.0f} MB"
    print(f"add-source /dev/zero: exit {code}, peak {peak:.0f} MB")
