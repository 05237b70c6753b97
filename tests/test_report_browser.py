"""report.html reads well in a real browser: headless Chromium renders it to a non-blank
screenshot of the asked size, and the DOM it builds holds every section.

CI installs Chromium (.ci/run); elsewhere the test is skipped when no Chromium is installed.
Costs about 5 s (three browser starts).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from tests.paths import EXAMPLE
from translator.api import translate
from translator.context import Options

WIDTH, HEIGHT = 1280, 1600
SECTIONS = ("summary", "objects-by-status", "resources-by-type", "workloads",
            "template-workload-backend.yaml", "no-resource", "environment", "dns", "secrets",
            "attention", "sizing")


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI"):
        pytest.fail("Chromium is not installed; .ci/run installs it with apt-get")
    pytest.skip("Chromium is not installed (apt-get install chromium)")


def run_browser(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    done = subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--no-first-run", f"--user-data-dir={profile}", *args],
        capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    return done


def screenshot(tmp_path: Path, page: Path) -> bytes:
    png = tmp_path / f"{page.stem}.png"
    run_browser(tmp_path, f"--window-size={WIDTH},{HEIGHT}", f"--screenshot={png}", page.as_uri())
    return png.read_bytes()


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def pixels(data: bytes) -> bytes:
    """The decompressed image data (filtered scanlines) of a PNG."""
    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind = data[at + 4:at + 8]
        if kind == b"IDAT":
            chunks.append(data[at + 8:at + 8 + length])
        at += 12 + length
    return zlib.decompress(b"".join(chunks))


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    html = translate([str(EXAMPLE)], Options(validate=False)).files["report.html"]
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(html, encoding="utf-8")
    return path


def test_the_report_renders_to_a_full_non_blank_screenshot(page: Path, tmp_path: Path) -> None:
    blank = page.with_name("blank.html")
    blank.write_text("<!DOCTYPE html><html><body></body></html>", encoding="utf-8")
    shot, empty = screenshot(tmp_path, page), screenshot(tmp_path, blank)
    assert png_size(shot) == png_size(empty) == (WIDTH, HEIGHT)
    # An empty page compresses to almost nothing; text, tables and badges do not.
    assert len(shot) > 10 * len(empty), (len(shot), len(empty))
    assert len(set(pixels(shot))) > 100 > len(set(pixels(empty)))


def test_the_browser_builds_every_section(page: Path, tmp_path: Path) -> None:
    dom = run_browser(tmp_path, "--dump-dom", page.as_uri()).stdout.decode()
    for section in SECTIONS:
        assert f'id="{section}"' in dom, section
    assert "<title>eks2ecs report: angel-backend</title>" in dom
    assert "<code>DB_PASSWORD</code>" in dom
    assert dom.count("<tr>") > 40
