"""Checks of a built site: files on disk (links, machine paths, outside resources) and every page in a real browser.

``static_problems(site)`` needs nothing but the files. ``browser_problems(site, driver)`` serves the site on
127.0.0.1 and opens every page in the given Selenium driver (headless Chromium): no SEVERE console message, every
image loaded (``naturalWidth > 0``), every resource from the site itself, the Korean font loaded and Hangul drawn
with real glyphs (not the missing-glyph box). Both return human-readable problems (empty = fine).
"""
from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ftkit import executed, site

# Example folders the README itself uses in commands (``--out /tmp/ftkit-run``): documentation, not this machine.
DOCUMENTED_PATHS = re.compile(r"/tmp/ftkit-[\w-]+|/content(?:/[\w.-]+)*")
_ATTRS = re.compile(r"""<(a|link|script|img|iframe|source|video|audio)\b([^>]*)>""", re.I | re.S)
_URL_ATTR = re.compile(r"""\b(href|src)\s*=\s*(["'])(.*?)\2""", re.I | re.S)
_REL = re.compile(r"""\brel\s*=\s*(["'])(.*?)\1""", re.I)

CHROMIUM = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
CHROMEDRIVER = ("chromedriver",)
INSTALL_HINT = ("headless Chromium and its driver are needed: `apt-get install chromium chromium-driver` "
                "(Debian/Ubuntu; .ci/run installs them when it can) and `pip install -r requirements-docs.txt`")


def pages(out: Path) -> list[Path]:
    """The site's HTML pages (theme templates under _static are not pages)."""
    out = Path(out)
    return sorted(p for p in out.rglob("*.html") if "_static" not in p.relative_to(out).parts)


def machine_paths(text: str) -> list[str]:
    """Paths of this (or the building) machine in ``text``."""
    found = []
    values = [str(executed.REPO_ROOT), str(Path.home()) if str(Path.home()) not in ("/", "") else "",
              os.environ.get("FTKIT_DATA_DIR", ""), os.environ.get("FTKIT_CACHE_DIR", "")]
    for value in filter(None, (v.strip() for v in values)):
        if value in text:
            found.append(value)
    cleaned = DOCUMENTED_PATHS.sub("", text)
    found += [m.group(0)[:80] for m in executed.MACHINE_PATH.finditer(cleaned)]
    return found


def static_problems(out: Path) -> list[str]:
    """Broken internal links, missing images/scripts/styles, resources from the internet, machine paths."""
    out = Path(out).resolve()
    problems = []
    for page in pages(out):
        rel = page.relative_to(out).as_posix()
        text = page.read_text(encoding="utf-8")
        for path in machine_paths(text):
            problems.append(f"{rel}: machine path {path!r}")
        for tag, attrs in _ATTRS.findall(text):
            for attr, _, url in _URL_ATTR.findall(attrs):
                url = html_unescape(url.strip())
                parts = urlsplit(url)
                rel_attr = " ".join(m[1] for m in _REL.findall(attrs)).lower()
                is_resource = tag.lower() != "a" and not (tag.lower() == "link" and not
                                                          ({"stylesheet", "icon", "preload", "modulepreload"}
                                                           & set(rel_attr.split())))
                if parts.scheme in ("http", "https") or url.startswith("//"):
                    if is_resource:
                        problems.append(f"{rel}: <{tag}> loads {url} from the internet")
                    continue
                if parts.scheme in ("mailto", "data", "javascript", "tel") or not parts.path:
                    continue
                target = (page.parent / unquote(parts.path)).resolve()
                if target.is_dir():
                    target = target / "index.html"
                if out not in (target, *target.parents) or not target.is_file():
                    kind = "link" if tag.lower() == "a" else f"<{tag}>"
                    problems.append(f"{rel}: broken {kind} {url!r} (no file {target.relative_to(out) if out in target.parents else target})")
    return problems


def html_unescape(text: str) -> str:
    import html

    return html.unescape(text)


def find_browser() -> tuple[str | None, str | None]:
    """(chromium binary, chromedriver) found on PATH or in the usual places, else None."""
    browser = next((shutil.which(n) for n in CHROMIUM if shutil.which(n)), None)
    driver = next((shutil.which(n) for n in CHROMEDRIVER if shutil.which(n)), None)
    if driver is None and os.environ.get("CHROMEWEBDRIVER"):  # GitHub's ubuntu runners
        candidate = Path(os.environ["CHROMEWEBDRIVER"]) / "chromedriver"
        driver = str(candidate) if candidate.is_file() else None
    return browser, driver


def chromium(width: int = 1280, height: int = 900):
    """A headless Chromium driver that keeps the browser console log."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver = find_browser()
    if not browser or not driver:
        raise FileNotFoundError(INSTALL_HINT)
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={width},{height}", "--lang=ko-KR", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(driver))


class Server:
    """The site served on 127.0.0.1 (a random free port) in a thread, as GitHub Pages would serve it."""

    def __init__(self, root: Path):
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # no request log in the test output
        pass


# Runs in the page: images forced to load (lazy ones too), fonts settled, then one report.
_PAGE_REPORT = """
const done = arguments[arguments.length - 1];
const family = arguments[0];
(async () => {
  const imgs = Array.from(document.images);
  imgs.forEach(i => { i.loading = 'eager'; });
  await Promise.all(imgs.map(i => i.decode().catch(() => null)));
  await document.fonts.ready;
  const text = document.body.innerText || '';
  const hangul = /[\\uac00-\\ud7a3]/.test(text);
  let fontLoaded = null, glyphs = null, widths = null;
  if (hangul) {
    await document.fonts.load(`16px "${family}"`, '한글');
    fontLoaded = Array.from(document.fonts).some(f => f.family.replace(/"/g, '') === family && f.status === 'loaded');
    const c = document.createElement('canvas'); c.width = 200; c.height = 40;
    const g = c.getContext('2d');
    const draw = s => { g.clearRect(0, 0, 200, 40); g.font = `24px "${family}"`; g.fillText(s, 2, 30);
                        return Array.from(g.getImageData(0, 0, 200, 40).data).join(','); };
    const han = draw('한'), gul = draw('글'), box = draw('\\uE000');
    glyphs = {distinct: han !== gul, notBox: han !== box && gul !== box};
    g.font = `24px "${family}"`; const w1 = g.measureText('한글한글').width;
    g.font = '24px monospace'; const w2 = g.measureText('\\uE000\\uE000\\uE000\\uE000').width;
    widths = [w1, w2];
  }
  const bodyFont = getComputedStyle(document.body).fontFamily;
  let math = null;
  const mathNodes = document.querySelectorAll('.math').length;
  if (mathNodes) {
    for (let i = 0; i < 100 && !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++)
      await new Promise(r => setTimeout(r, 50));
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
    math = {nodes: mathNodes, rendered: document.querySelectorAll('mjx-container').length,
            errors: document.querySelectorAll('mjx-merror, [data-mml-node="merror"]').length,
            mathjax: (window.MathJax && MathJax.version) || null};
  }
  done({
    broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src')),
    images: imgs.length,
    resources: performance.getEntriesByType('resource').map(e => e.name),
    hangul, fontLoaded, glyphs, widths, bodyFont, math,
    text: document.documentElement.outerHTML,
  });
})();
"""


def browser_problems(out: Path, driver, shots: dict[str, Path] | None = None,
                     only: list[str] | None = None) -> tuple[list[str], dict]:
    """Open every page of the site (or ``only`` these) in ``driver``; returns (problems, per-page facts).

    ``shots`` maps a page (``index.html``) to the PNG its screenshot is saved as."""
    out = Path(out).resolve()
    problems, facts = [], {}
    driver.set_script_timeout(30)
    with Server(out) as server:
        for page in pages(out):
            rel = page.relative_to(out).as_posix()
            if only is not None and rel not in only:
                continue
            driver.get(server.url + rel)
            report = driver.execute_async_script(_PAGE_REPORT, site.FONT_FAMILY)
            logs = driver.get_log("browser")
            facts[rel] = {k: report[k] for k in ("images", "hangul", "fontLoaded", "glyphs", "widths", "bodyFont", "math")}
            for entry in logs:
                if entry.get("level") == "SEVERE":
                    problems.append(f"{rel}: console error: {entry.get('message')}")
            for src in report["broken"]:
                problems.append(f"{rel}: image not loaded (naturalWidth 0): {src}")
            for url in report["resources"]:
                if not url.startswith(server.url) and not url.startswith("data:"):
                    problems.append(f"{rel}: loads {url} from outside the site")
            for path in machine_paths(report["text"]):
                problems.append(f"{rel}: machine path {path!r} in the rendered page")
            if report["hangul"]:
                if not report["fontLoaded"]:
                    problems.append(f"{rel}: Korean font {site.FONT_FAMILY!r} did not load")
                if not (report["glyphs"]["distinct"] and report["glyphs"]["notBox"]):
                    problems.append(f"{rel}: Hangul drawn as missing-glyph boxes ({report['glyphs']})")
                if site.FONT_FAMILY not in report["bodyFont"]:
                    problems.append(f"{rel}: body font is {report['bodyFont']!r}, not {site.FONT_FAMILY!r}")
            math = report["math"]
            if math and (not math["mathjax"] or math["rendered"] < math["nodes"] or math["errors"]):
                problems.append(f"{rel}: math not rendered by the site's MathJax ({math})")
            if shots and rel in shots:
                height = driver.execute_script("return Math.min(document.body.scrollHeight, 2400)")
                size = driver.get_window_size()
                driver.set_window_size(size["width"], max(900, height))
                driver.save_screenshot(str(shots[rel]))
                driver.set_window_size(size["width"], size["height"])
    return problems, facts
