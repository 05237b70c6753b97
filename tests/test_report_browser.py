"""report.html reads well in a real browser: headless Chromium renders it to a non-blank
screenshot of the asked size, the DOM it builds holds every section, its filters really hide
rows (the DOM and the screenshot say so), and a 300-service report opens on the grouped
summary of what needs a human.

CI installs Chromium (.ci/run); elsewhere the test is skipped when no Chromium is installed.
Costs about 30 s (a dozen browser starts, and a 300-service translation of 2 s).
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from tests.helpers import deployment, docs
from tests.paths import EXAMPLE
from translator.api import translate, translate_manifests
from translator.context import Options
from translator.load import parse_text

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


def screenshot(tmp_path: Path, page: Path, query: str = "", height: int = HEIGHT) -> bytes:
    png = tmp_path / f"{page.stem}-{len(list(tmp_path.iterdir()))}.png"
    run_browser(tmp_path, f"--window-size={WIDTH},{height}", f"--screenshot={png}",
                page.as_uri() + query)
    return png.read_bytes()


def dom(tmp_path: Path, page: Path, query: str = "") -> str:
    return run_browser(tmp_path, "--dump-dom", page.as_uri() + query).stdout.decode()


def body_rows(html: str) -> list[tuple[str, bool]]:
    """(the <tr> tag, whether it is hidden) of every table body row the browser built."""
    bodies = "".join(re.findall(r"<tbody>(.*?)</tbody>", html, re.S))
    return [(tag, " hidden" in tag) for tag in re.findall(r"<tr\b[^>]*>", bodies)]


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


def test_a_filter_hides_every_row_it_does_not_select(page: Path, tmp_path: Path) -> None:
    """?kind=...&ns=... sets the filters when the page opens (a filtered view can be linked);
    the script hides the other rows, in the DOM and on the screen."""
    everything = body_rows(dom(tmp_path, page))
    assert everything and not any(hidden for _, hidden in everything)
    services = body_rows(dom(tmp_path, page, "?kind=Service&ns=angel-backend"))
    assert len(services) == len(everything)
    shown = [tag for tag, hidden in services if not hidden]
    assert shown and all('data-kind="Service"' in tag for tag in shown)
    assert all(hidden for tag, hidden in services if 'data-kind="Service"' not in tag)
    lossy = body_rows(dom(tmp_path, page, "?status=lossy"))
    assert {tag for tag, hidden in lossy if not hidden} == {
        tag for tag, _ in lossy if 'data-status="lossy"' in tag}
    found = dom(tmp_path, page, "?q=weaviate-data")
    assert re.search(r'<span id="shown">(\d+) of (\d+) rows</span>', found)
    visible = [tag for tag, hidden in body_rows(found) if not hidden]
    assert 0 < len(visible) < len(everything) / 4
    nothing = screenshot(tmp_path, page, "?q=no-row-says-this")
    assert len(nothing) * 2 < len(screenshot(tmp_path, page)), "the rows still show"


def big_report(services: int) -> str:
    """The report of `services` Deployments, each with a Service, in four namespaces: each has
    the same three items to review (a probe no load balancer checks, a CPU limit, a port)."""
    def one(i: int) -> str:
        name, ns = f"svc-{i:03d}", f"team-{i % 4}"
        return docs(deployment(name, namespace=ns, container="""\
ports: [{containerPort: 8080}]
resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {cpu: 500m, memory: 256Mi}}
livenessProbe: {httpGet: {path: /healthz, port: 8080}}
securityContext: {}
"""), f"""apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: {ns}}}
spec:
  selector: {{app: {name}}}
  ports: [{{port: 80, targetPort: 8080}}]
""")
    manifests = list(parse_text(docs(*[one(i) for i in range(services)]), "apps.yaml"))
    # Cloud Map discovery: each Service port is one more lossy item (no port in A records)
    return translate_manifests(manifests, Options(validate=False, app_name="big",
                                                  discovery="cloudmap")).files["report.html"]


MEASURE = """<script>
const box = (el) => { const r = el.getBoundingClientRect(); return [r.top, r.bottom]; };
document.body.dataset.layout = JSON.stringify({
  width: window.innerWidth,
  grouped: box(document.getElementById("needs-a-human-by-rule")),
  firstHeading: document.querySelector("main h3").id || document.querySelector("main h3")
    .parentElement.id,
  items: box(document.getElementById("attention"))});
</script>"""


def test_a_300_service_report_opens_on_what_needs_a_human_grouped(tmp_path: Path) -> None:
    """900 items, but the first screen is their summary: 3 rules with counts and objects."""
    html = big_report(300)
    assert html.count('<tr data-kind="Deployment"') > 300
    page = tmp_path / "big.html"
    page.write_text(html, encoding="utf-8")
    height = 900
    shot = screenshot(tmp_path, page, height=height)
    assert png_size(shot) == (WIDTH, height)
    assert len(set(pixels(shot))) > 100
    # Where things land, measured by the browser: a copy of the page with a script that
    # writes the layout into the DOM (the page's own policy would refuse that script).
    measured = tmp_path / "measured.html"
    measured.write_text(re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
                        .replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    out = subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--no-first-run", f"--user-data-dir={tmp_path / 'measure-profile'}",
         f"--window-size={WIDTH},{height}", "--dump-dom", measured.as_uri()],
        capture_output=True, timeout=120, check=True).stdout.decode()
    found = re.search(r'data-layout="([^"]*)"', out)
    assert found, "the layout was not measured"
    import html as html_module
    import json

    layout = json.loads(html_module.unescape(found.group(1)))
    assert layout["firstHeading"] == "needs-a-human-by-rule"
    top, bottom = layout["grouped"]
    assert layout["width"] == WIDTH, layout  # laid out as the screenshot was
    assert 0 < top < bottom <= height, layout  # whole, on the first screen
    assert layout["items"][0] > height * 50, layout  # the 900 rows come far below
    grouped = re.search(r'<section id="needs-a-human-by-rule">.*?</section>', html, re.S)
    assert grouped is not None
    assert re.findall(r"<td>(\d+)</td>", grouped.group(0)) == ["300", "300", "300"]
