"""Executed copies (docs/executed) are current, clean and real; the site built from them works in a real browser."""
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from ftkit import course, executed, lint
from ftkit.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
EXECUTED = ROOT / "docs" / "executed"
STEMS = [stem for stem, _ in course.LESSONS]


# ------------------------------------------------------------------ executed copies

def test_every_lesson_has_an_executed_copy_from_a_real_data_run():
    provenance = executed.load_provenance()
    assert list(provenance["lessons"]) == STEMS
    assert sorted(p.stem for p in EXECUTED.glob("*.ipynb")) == sorted(STEMS)
    for stem, entry in provenance["lessons"].items():
        assert set(executed.PROVENANCE_FIELDS) <= set(entry), stem
        assert entry["profile"] in ("cpu", "t4", "full") and entry["data_source"] not in ("sample", None), stem
        assert entry["datasets"] and all(d["source"] != "sample" for d in entry["datasets"].values()), stem
        assert re.fullmatch(r"[0-9a-f]{40}", entry["ftkit_commit"]), stem
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", entry["date"]) and entry["run_id"], stem
        assert entry["sha256"] == executed.sha256(EXECUTED / f"{stem}.ipynb"), f"{stem} was edited by hand"
        assert entry["wall_seconds"] > 0 and entry["peak_memory_mb"] > 0


@pytest.mark.parametrize("stem", STEMS)
def test_executed_copy_matches_its_lesson(stem):
    """A changed lesson cannot ship old results: code cells and parameter values must be the lesson's."""
    problems = executed.stale(stem)
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("stem", STEMS)
def test_executed_copy_is_clean_small_and_has_inline_figures(stem):
    path = EXECUTED / f"{stem}.ipynb"
    assert path.stat().st_size <= executed.MAX_BYTES
    assert lint.lint_executed(path) == []
    nb = json.loads(path.read_text(encoding="utf-8"))
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    assert outputs, "an executed copy without outputs"
    figures = sum("image/png" in o.get("data", {}) for o in outputs)
    shows = sum("plt.show()" in executed._source(c) for c in nb["cells"] if c["cell_type"] == "code")
    assert figures >= shows, f"{shows} plt.show() calls, {figures} inline figures"
    assert not any("<Figure size" in "".join(o.get("data", {}).get("text/plain", [])) and "image/png" not in
                   o.get("data", {}) for o in outputs), "a figure that was not drawn"


def test_the_staleness_check_fails_with_the_refresh_command_when_a_lesson_changes(tmp_path):
    stem = STEMS[2]
    lesson = json.loads(executed.lesson_path(stem).read_text(encoding="utf-8"))
    code = [c for c in lesson["cells"] if c["cell_type"] == "code"]
    code[3]["source"] = executed._source(code[3]) + "\nprint('changed')\n"
    changed = tmp_path / f"{stem}.ipynb"
    changed.write_text(json.dumps(lesson, ensure_ascii=False), encoding="utf-8")
    problems = executed.stale(stem, lesson=changed)
    print("\n".join(problems))
    assert problems and all(p.endswith(f"`python -m ftkit site --refresh {stem[:2]}`") for p in problems)
    assert any("code cell 3 differs" in p for p in problems)
    params = next(c for c in lesson["cells"] if "parameters" in c["metadata"].get("tags", []))
    code[3]["source"] = executed._source(code[3]).replace("\nprint('changed')\n", "")
    params["source"] = executed._source(params).replace("SEED = 42", "SEED = 7")
    changed.write_text(json.dumps(lesson, ensure_ascii=False), encoding="utf-8")
    problems = executed.stale(stem, lesson=changed)
    assert any("parameters differ: SEED lesson=7 copy=42" in p for p in problems), problems


def test_scrub_replaces_machine_paths_and_tokens(monkeypatch):
    monkeypatch.setenv("FTKIT_DATA_DIR", "/srv/data/ftkit")
    roots = executed._roots([("/tmp/run-x", "$FTKIT_OUTPUT_DIR")])
    text = ("/tmp/ipykernel_4133/2848123489.py:1: DroppedRowsWarning\n/srv/data/ftkit/nsmc/ratings_train.txt\n"
            f"{executed.REPO_ROOT}/ftkit/llm.py:80\n/tmp/run-x/figures/a.png\n/root/.cache/x/y.bin\n"
            "login hf_" + "Ab3" * 12 + "\n")
    out = executed.scrub_text(text, roots)
    assert "[cell]:1: DroppedRowsWarning" in out and "$FTKIT_DATA_DIR/nsmc/ratings_train.txt" in out
    assert "ftkit-repo/ftkit/llm.py:80" in out and "$FTKIT_OUTPUT_DIR/figures/a.png" in out
    assert "[token]" in out and not executed.MACHINE_PATH.search(out), out


def _fake_run(tmp_path, profile="cpu", source="local"):
    """A run folder holding lesson 01: its executed copy with run metadata, a widget and paths put back."""
    stem = STEMS[0]
    nb = json.loads((EXECUTED / f"{stem}.ipynb").read_text(encoding="utf-8"))
    nb["metadata"]["papermill"] = {"input_path": f"/work/elsewhere/notebooks/{stem}.ipynb",
                                   "output_path": f"/tmp/cpu-run/notebooks/{stem}.ipynb",
                                   "end_time": "2026-12-05T16:33:53+00:00", "exception": None}
    nb["metadata"]["widgets"] = {"state": {}}
    code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    code["metadata"]["execution"] = {"iopub.execute_input": "2026-12-05T16:27:30Z"}
    code["outputs"] = [
        {"output_type": "display_data", "metadata": {},
         "data": {"application/vnd.jupyter.widget-view+json": {"model_id": "x"}, "text/plain": ["0%|"]}},
        {"output_type": "stream", "name": "stderr",
         "text": ["/tmp/ipykernel_1/2.py:1: Warning at /work/elsewhere/ftkit/data.py\n",
                  f"{os.environ.get('FTKIT_DATA_DIR', '/srv/d')}/nsmc/x.txt\n"]}]
    (tmp_path / "run" / "notebooks").mkdir(parents=True)
    (tmp_path / "run" / "results").mkdir()
    (tmp_path / "run" / "notebooks" / f"{stem}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    result = {"notebook": stem, "run_id": "20261205-000000-abcdef", "profile": profile, "data_source": source,
              "device": "cpu:2 cores", "wall_seconds": 1.0, "peak_memory_mb": 1.0, "metrics": {"a": 1.0},
              "datasets": {"nsmc": {"source": source}}, "params": {}}
    (tmp_path / "run" / "results" / f"{stem}.json").write_text(json.dumps(result), encoding="utf-8")
    return stem, tmp_path / "run", nb


def test_import_scrubs_a_real_run_and_records_provenance(tmp_path):
    stem, run, _ = _fake_run(tmp_path)
    dest = tmp_path / "executed"
    provenance = executed.import_run(run, [stem], executed.git("rev-parse", "HEAD"), dest, profile="cpu")
    entry = provenance["lessons"][stem]
    assert entry["date"] == "2026-12-05" and entry["sha256"] == executed.sha256(dest / f"{stem}.ipynb")
    copy = json.loads((dest / f"{stem}.ipynb").read_text(encoding="utf-8"))
    text = json.dumps(copy)
    assert set(copy["metadata"]) <= {"kernelspec", "language_info"} and "widget-view" not in text
    assert "/tmp/" not in text and "/work/" not in text and "iopub" not in text
    assert lint.lint_executed(dest / f"{stem}.ipynb") == []


@pytest.mark.parametrize("profile, source, fragment", [("smoke", "sample", "TOY"), ("cpu", "sample", "TOY"),
                                                       ("t4", "local", "not --profile cpu")])
def test_import_refuses_toy_results_and_other_profiles(tmp_path, profile, source, fragment):
    stem, run, _ = _fake_run(tmp_path, profile, source)
    with pytest.raises(ConfigError, match=fragment):
        executed.import_run(run, [stem], "HEAD", tmp_path / "executed", profile="cpu")
    assert not (tmp_path / "executed").exists()


def test_import_refuses_a_run_of_other_code(tmp_path):
    stem, run, nb = _fake_run(tmp_path)
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    code[-1]["source"] = executed._source(code[-1]) + "\nx = 1\n"
    (run / "notebooks" / f"{stem}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    with pytest.raises(ConfigError, match="not the lesson.s.*code cell .* differs"):
        executed.import_run(run, [stem], "HEAD", tmp_path / "executed", profile="cpu")


def test_site_command_refuses_smoke_and_asks_for_the_commit(tmp_path):
    with pytest.raises(ConfigError, match="not smoke"):
        executed.refresh(["01"], "smoke")
    with pytest.raises(ConfigError, match="--commit"):
        executed.refresh(["01"], "cpu", from_run=str(tmp_path))


# ------------------------------------------------------------------ the site

@pytest.fixture(scope="module")
def site(tmp_path_factory):
    pytest.importorskip("sphinx", reason="pip install -r requirements-docs.txt")
    pytest.importorskip("myst_nb", reason="pip install -r requirements-docs.txt")
    from ftkit import site as site_mod

    info = site_mod.build(tmp_path_factory.mktemp("site") / "html")
    print(f"site: {info['pages']} pages, {info['bytes'] / 1e6:.1f} MB, built in {info['seconds']} s")
    return info


@pytest.fixture(scope="module")
def browser():
    from ftkit import sitecheck

    found = sitecheck.find_browser()
    try:
        import selenium  # noqa: F401
    except ImportError:
        found = (None, None)
    if not all(found):
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but no browser: {sitecheck.INSTALL_HINT}")
        pytest.skip(sitecheck.INSTALL_HINT)
    driver = sitecheck.chromium()
    yield driver
    driver.quit()


def test_site_builds_offline_from_the_executed_copies_in_seconds(site):
    out = site["out"]
    assert site["seconds"] < 120, site
    names = {p.relative_to(out).as_posix() for p in out.rglob("*.html") if "_static" not in p.parts}
    assert {"index.html", "setup.html", "results.html", "glossary.html"} <= names
    assert {f"lessons/{s}.html" for s in STEMS} <= names
    assert not (out / "_sources").exists() or not any((out / "_sources").rglob("*.ipynb"))


def test_site_pages_say_where_each_result_comes_from(site):
    from ftkit import site as site_mod

    out = site["out"]
    provenance = executed.load_provenance()
    results = (out / "results.html").read_text(encoding="utf-8")
    for stem in STEMS:
        entry = provenance["lessons"][stem]
        page = (out / "lessons" / f"{stem}.html").read_text(encoding="utf-8")
        assert "ftkit-banner" in page and entry["run_id"] in page and entry["device"] in page
        assert course.colab_url(stem) in page and site_mod.COLAB_BADGE_URL not in page
        assert f"--refresh {stem[:2]}" in page and entry["run_id"] in results
        assert ("TOY" in page) == (site_mod._toy(entry) != "real")
    glossary = (out / "glossary.html").read_text(encoding="utf-8")
    assert all(term in glossary and english in glossary for term, english in lint.FIRST_USE.items())
    assert all(bad in glossary for bad in lint.AVOID)
    setup = (out / "setup.html").read_text(encoding="utf-8")
    assert "FTKIT_DATA_DIR" in setup and "HF_HUB_OFFLINE" in setup
    assert 'src="_static/mathjax/tex-svg.js' in results  # served with the site, no CDN


def test_site_files_have_no_broken_links_machine_paths_or_outside_resources(site):
    from ftkit import sitecheck

    assert sitecheck.static_problems(site["out"]) == []


@pytest.mark.browser
def test_every_page_in_headless_chromium(site, browser, tmp_path_factory, capsys):
    """No console errors, images loaded, only the site's own files, Korean font with real glyphs, math drawn."""
    from ftkit import sitecheck

    shots_dir = tmp_path_factory.mktemp("screenshots")
    shots = {"index.html": shots_dir / "index.png", f"lessons/{STEMS[3]}.html": shots_dir / f"{STEMS[3]}.png"}
    problems, facts = sitecheck.browser_problems(site["out"], browser, shots)
    with capsys.disabled():
        print(f"\nscreenshots: {', '.join(str(p) for p in shots.values())}")
    assert problems == [], "\n".join(problems)
    assert len(facts) == len(sitecheck.pages(site["out"]))
    assert all(f["fontLoaded"] for f in facts.values() if f["hangul"])
    assert facts["results.html"]["math"]["rendered"] >= 2
    assert sum(f["images"] for p, f in facts.items() if p.startswith("lessons/")) >= 20
    assert all(p.stat().st_size > 10_000 for p in shots.values())


@pytest.fixture
def site_copy(site, tmp_path):
    copy = tmp_path / "site"
    shutil.copytree(site["out"], copy)
    return copy


@pytest.mark.browser
def test_the_check_reports_a_removed_image(site_copy, browser, capsys):
    from ftkit import sitecheck

    page = f"lessons/{STEMS[0]}.html"
    image = re.search(r'<img[^>]+src="(\.\./_images/[^"]+)"', (site_copy / page).read_text(encoding="utf-8"))[1]
    (site_copy / "lessons" / image).unlink()
    static = sitecheck.static_problems(site_copy)
    problems, _ = sitecheck.browser_problems(site_copy, browser, only=[page])
    with capsys.disabled():
        print("\n" + "\n".join(static + problems))
    assert any(f"{page}: broken <img> '{image}'" in p for p in static), static
    assert any(f"{page}: image not loaded (naturalWidth 0): {image}" in p for p in problems), problems


def test_the_check_reports_a_broken_link(site_copy, capsys):
    from ftkit import sitecheck

    index = site_copy / "index.html"
    target = f"lessons/{STEMS[1]}.html"
    text = index.read_text(encoding="utf-8")
    assert f'href="{target}"' in text
    index.write_text(text.replace(f'href="{target}"', 'href="lessons/02_renamed.html"', 1), encoding="utf-8")
    problems = sitecheck.static_problems(site_copy)
    with capsys.disabled():
        print("\n" + "\n".join(problems))
    assert problems == ["index.html: broken link 'lessons/02_renamed.html' (no file lessons/02_renamed.html)"]
