#!/usr/bin/env python
"""Build the documentation site `_docs/` from the notebooks: `python tools/docs.py` (or `make docs`).

nbdev's own `nbdev_docs` renders with Quarto, and the `quarto-cli` package on PyPI is a source distribution whose
`setup.py` downloads the Quarto binary from github.com at install time: where only the package registries are
reachable it cannot install. This builder keeps nbdev's half of that pipeline (its notebook processors: `show_doc`
signatures, `#|` directives, the title/description front matter) and renders the processed notebooks with
nbconvert, Jupyter's own HTML exporter, adding a sidebar of every page. It runs offline and executes nothing but
nbdev's `show_doc` cells:

- each library notebook of `nbs/` becomes an API page (prose, signatures, tests as examples);
- each experiment notebook becomes a chapter page from its committed executed copy in `figures/<chapter>/`
  (never re-executed) followed by every table and figure its manifest lists;
- `figures/REPORT.md` (with its Findings table) becomes `report.html`; `nbs/index.ipynb` the home page.
"""

from __future__ import annotations

import argparse
import ast
import html
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
STAGE = ROOT / "_docs_src"  # the notebooks as they will be rendered (experiments replaced by their executed copies)
PROC = ROOT / "_proc"  # nbdev's processed notebooks (nbdev.serve.proc_nbs writes here)
OUT = ROOT / "_docs"
FIGURE_SUFFIXES = {".png", ".svg", ".md", ".csv", ".json", ".npz"}  # copied beside the pages, so links and images resolve
EXTERNAL_SCRIPT = re.compile(r'<script[^>]*src="https?://[^"]*"[^>]*>\s*</script>')  # CDN scripts: the site is offline
QUARTO_ATTRS = re.compile(r"\)\{[^}\n]*\}")  # `[source](url){target="_blank" ...}`: a Quarto attribute block
DIRECTIVE = re.compile(r"^#\|\s*([\w-]+)\s*:?\s*(.*)$")


def experiments():
    "`[(name, chapter, notebook path relative to nbs/)]` from `dataopt reproduce`'s registry."
    from dataopt.reproduce import EXPERIMENTS

    return [(e.name, e.chapter, e.notebook) for e in EXPERIMENTS]


def _md_cell(text: str):
    return nbformat.v4.new_markdown_cell(text)


def gallery_cells(chapter: str, name: str) -> list:
    "Markdown cells showing every artefact of `figures/<chapter>/<name>.manifest.json`: figures inline, tables as text."
    manifest = ROOT / "figures" / chapter / f"{name}.manifest.json"
    if not manifest.exists():
        return [_md_cell(f"## Committed outputs\nThis experiment has no committed outputs in `figures/{chapter}/`.")]
    m = json.loads(manifest.read_text())
    cells = [
        _md_cell(
            f"## Committed outputs\nWhat `dataopt reproduce` wrote to `figures/{chapter}/` at **{m.get('scale', '?')}**"
            f" scale (setting: {m.get('setting', '')}); the notebook above is the executed copy that wrote them."
        )
    ]
    for a in m.get("artefacts", []):
        parts = [f"### {a['id']}"]
        if a.get("note"):
            parts.append(a["note"])
        for f in a.get("files", []):
            rel = f"../figures/{chapter}/{f}"
            if f.endswith(".png"):
                parts.append(f"![{a['id']}]({rel})")
            elif f.endswith(".md"):
                body = (ROOT / "figures" / chapter / f).read_text()
                parts.append("\n".join(ln for ln in body.splitlines() if not ln.startswith("# ")))
            else:
                parts.append(f"[{f}]({rel})")
        cells.append(_md_cell("\n\n".join(parts)))
    return cells


EVALUATED = {"export", "exports", "exporti", "exec_doc"}  # nbdev runs these for `show_doc`; they only define things


def _evaluates(source: str) -> bool:
    "Whether nbdev may run this cell while building: definitions, pure imports and `show_doc` calls, nothing else."
    lines = source.splitlines()
    directives = {DIRECTIVE.match(ln)[1] for ln in lines if DIRECTIVE.match(ln)}
    if directives & EVALUATED:
        return True
    try:
        body = ast.parse("\n".join(ln for ln in lines if not ln.lstrip().startswith(("%", "!")))).body
    except SyntaxError:
        return False
    imports = all(isinstance(t, (ast.Import, ast.ImportFrom)) for t in body)
    show_doc = all(
        isinstance(t, ast.Expr) and isinstance(t.value, ast.Call) and getattr(t.value.func, "id", "") == "show_doc"
        for t in body
    )
    return bool(body) and (imports or show_doc)


def without_execution(nb):
    """Mark every cell nbdev would otherwise execute (tests that load data, experiment cells that train) `eval: false`.

    nbdev's `exec_show_docs` also runs any cell containing an import; the site must build without the data,
    the checkpoints or minutes of compute, and shows the committed outputs instead."""
    for c in nb.cells:
        if c.cell_type == "code" and c.source.strip() and not _evaluates(c.source):
            c.source = "#| eval: false\n" + c.source
    return nb


DEFAULT_EXP = re.compile(r"^#\|\s*default_exp\s+(\S+)", re.M)


def constants_cell(nb):
    """A markdown cell listing the module's exported constants, or None.

    nbdev documents functions and classes with `show_doc` and hides the exported cells that define constants, so
    a reader of the page would never see `PRESSES` or `VERDICTS`: this shows each with its value (shortened)."""
    import importlib

    module = next((m[1] for c in nb.cells if c.cell_type == "code" for m in [DEFAULT_EXP.search(c.source)] if m), None)
    if module is None:
        return None
    mod = importlib.import_module(f"dataopt.{module}")
    rows = []
    for name in getattr(mod, "__all__", []):
        obj = getattr(mod, name)
        if callable(obj) or isinstance(obj, type):
            continue
        value = repr(obj)
        value = value if len(value) <= 300 else value[:300] + " ..."
        rows.append(f"`{name}` ({type(obj).__name__})\n\n```python\n{name} = {value}\n```")
    if not rows:
        return None
    return _md_cell(f"## Constants\nThe values `dataopt.{module}` exports besides its functions and classes.\n\n" + "\n\n".join(rows))


def stage() -> dict:
    "Write `_docs_src/`: the library notebooks, the experiment pages, the report page; returns page -> source."
    shutil.rmtree(STAGE, ignore_errors=True)
    (STAGE / "experiments").mkdir(parents=True)
    sources = {}
    for nb in sorted((ROOT / "nbs").glob("*.ipynb")):
        staged = without_execution(nbformat.read(nb, as_version=4))
        extra = constants_cell(staged)
        if extra is not None:
            staged.cells.append(extra)
        nbformat.write(staged, STAGE / nb.name)
        sources[nb.name] = str(nb.relative_to(ROOT))
    for name, chapter, notebook in experiments():
        executed = ROOT / "figures" / chapter / f"{name}.ipynb"
        src = executed if executed.exists() else ROOT / "nbs" / notebook
        nb = nbformat.read(src, as_version=4)
        nb = without_execution(nb)
        nb.cells += gallery_cells(chapter, name)
        dst = STAGE / "experiments" / Path(notebook).name
        nbformat.write(nb, dst)
        sources[f"experiments/{dst.name}"] = str(src.relative_to(ROOT))
    report = (ROOT / "figures" / "REPORT.md").read_text()
    # REPORT.md's links are relative to figures/; the page sits at the site's root
    report = re.sub(r"\]\((?!https?:|#|/)([^)]+)\)", r"](figures/\1)", report)
    body = "\n".join(ln for ln in report.splitlines() if not ln.startswith("# "))
    nb = nbformat.v4.new_notebook(
        cells=[
            _md_cell(
                "# Reproduction report\n> Every thesis artefact and finding: verdicts with 95 % intervals, from"
                " `figures/REPORT.md`"
            ),
            _md_cell(body),
        ]
    )
    nbformat.write(nb, STAGE / "report.ipynb")
    sources["report.ipynb"] = "figures/REPORT.md"
    return sources


def process(n_workers: int) -> None:
    "nbdev's processors over `_docs_src/` into `_proc/` (show_doc cells executed, directives applied)."
    from nbdev.serve import proc_nbs

    shutil.rmtree(PROC, ignore_errors=True)
    proc_nbs(str(STAGE), n_workers=n_workers, force=True)


def _front_matter(nb) -> tuple[dict, list]:
    "nbdev's raw YAML front-matter cell parsed (title, description, output-file) and the remaining cells."
    meta, cells = {}, []
    for c in nb.cells:
        if c.cell_type == "raw" and c.source.lstrip().startswith("---") and not meta:
            meta = yaml.safe_load(c.source.strip().strip("-")) or {}
            continue
        if c.cell_type == "markdown" and "AUTOGENERATED! DO NOT EDIT" in c.source:
            continue
        cells.append(c)
    return meta, cells


def _clean_markdown(text: str, links: dict) -> str:
    "Quarto-only syntax out (attribute blocks, ::: fences), links to notebooks pointed at their pages."
    text = QUARTO_ATTRS.sub(")", text)
    text = "\n".join(ln for ln in text.splitlines() if not ln.strip().startswith(":::"))
    def page(m):
        return f"]({links.get(Path(m[1]).name, m[1])}{m[2] or ''})"

    return re.sub(r"\]\(([^)#\s]+\.ipynb)(#[^)]*)?\)", page, text)


def page_cells(nb, links: dict) -> tuple[dict, list]:
    "The cells of a processed notebook ready for nbconvert: title cell first, `#|` directives applied and stripped."
    meta, cells = _front_matter(nb)
    out = []
    if meta.get("title"):
        head = f"# {meta['title']}" + (f"\n\n> {meta['description']}" if meta.get("description") else "")
        out.append(_md_cell(head))
    for c in cells:
        if c.cell_type == "markdown":
            c.source = _clean_markdown(c.source, links)
        elif c.cell_type == "code":
            lines, opts = c.source.splitlines(), {}
            while lines and DIRECTIVE.match(lines[0]):
                k, v = DIRECTIVE.match(lines.pop(0)).groups()
                opts[k] = v.strip().lower()
            c.source = "\n".join(lines).strip("\n")
            tags = set(c.metadata.get("tags", []))
            if opts.get("echo") == "false" or not c.source:
                tags.add("hide-input")
            if opts.get("include") == "false" or opts.get("output") == "false":
                tags.add("remove-output")
            if c.metadata.get("tags") and "injected-parameters" in c.metadata["tags"]:
                c.source = "# parameters papermill injected for this run\n" + c.source
            c.metadata["tags"] = sorted(tags)
            for o in c.get("outputs", []):
                if "text/markdown" in o.get("data", {}):
                    o["data"]["text/markdown"] = _clean_markdown(o["data"]["text/markdown"], links)
        out.append(c)
    return meta, out


NAV_CSS = """
<style>
  body { margin-left: 17rem !important; }
  nav.dataopt-nav { position: fixed; top: 0; left: 0; bottom: 0; width: 16rem; overflow-y: auto; padding: 1rem;
    background: #f6f7f9; border-right: 1px solid #ddd; font: 14px/1.45 system-ui, sans-serif; z-index: 10; }
  nav.dataopt-nav h2 { font-size: 13px; text-transform: uppercase; color: #666; margin: 1rem 0 .3rem; }
  nav.dataopt-nav a { display: block; color: #24518f; text-decoration: none; padding: 1px 0; }
  nav.dataopt-nav a.current { font-weight: 600; color: #000; }
  nav.dataopt-nav .brand { font-size: 18px; font-weight: 700; color: #000; }
</style>
"""


def nav_html(pages: list, current: str) -> str:
    "The sidebar: home, chapters, report, then the library's API pages; links relative to `current`."
    depth = current.count("/")
    up = "../" * depth
    groups = {}
    for p in pages:
        groups.setdefault(p["group"], []).append(p)
    parts = [f'<nav class="dataopt-nav"><a class="brand" href="{up}index.html">dataopt</a>']
    for g in ("Chapters", "Findings", "Library"):
        if g not in groups:
            continue
        parts.append(f"<h2>{g}</h2>")
        for p in groups[g]:
            cls = ' class="current"' if p["href"] == current else ""
            parts.append(f'<a{cls} href="{up}{p["href"]}">{html.escape(p["label"])}</a>')
    parts.append("</nav>")
    return "\n".join(parts)


def render(pages_src: dict) -> list:
    "Every processed notebook to `_docs/<page>.html` through nbconvert's lab template; returns the page list."
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    cfg = Config()
    cfg.TagRemovePreprocessor.remove_input_tags = {"hide-input"}
    cfg.TagRemovePreprocessor.remove_all_outputs_tags = {"remove-output"}
    cfg.TagRemovePreprocessor.enabled = True
    exporter = HTMLExporter(config=cfg, template_name="lab")
    exporter.register_preprocessor(TagRemovePreprocessor(config=cfg), enabled=True)
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir()
    chapter_of = {f"experiments/{Path(nb).name}": ch for _, ch, nb in experiments()}
    parsed, links = [], {}
    for src in sorted(PROC.rglob("*.ipynb")):
        rel = str(src.relative_to(PROC))
        nb = nbformat.read(src, as_version=4)
        meta, _ = _front_matter(nb)
        if rel == "index.ipynb":
            href, group = "index.html", "Home"
        elif rel == "report.ipynb":
            href, group = "report.html", "Findings"
        elif rel.startswith("experiments/"):
            href, group = f"experiments/{Path(rel).stem}.html", "Chapters"
        else:
            href, group = meta.get("output-file") or f"{Path(rel).stem}.html", "Library"
        label = meta.get("title") or Path(rel).stem
        if group == "Chapters":
            label = f"{chapter_of.get(rel, '')}: {label}".replace("core: ", "Foundation: ")
        parsed.append(dict(src=rel, nb=nb, href=href, group=group, label=label))
        links[Path(rel).name] = href
    pages = [p for p in parsed if p["group"] != "Home"]
    for p in parsed:
        meta, cells = page_cells(p["nb"], _relative_links(links, p["href"]))
        p["nb"].cells = cells
        body, _ = exporter.from_notebook_node(p["nb"], resources={"metadata": {"name": p["label"]}})
        body = EXTERNAL_SCRIPT.sub("", body)
        title = html.escape(meta.get("title") or p["label"])
        body = re.sub(r"<title>.*?</title>", f"<title>{title} – dataopt</title>", body, count=1, flags=re.S)
        body = body.replace("</head>", NAV_CSS + "</head>", 1)
        body = re.sub(r"(<body[^>]*>)", lambda m: m[1] + nav_html(pages, p["href"]), body, count=1)
        dst = OUT / p["href"]
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_text(body)
    for f in (ROOT / "figures").rglob("*"):
        if f.is_file() and f.suffix in FIGURE_SUFFIXES:
            d = OUT / "figures" / f.relative_to(ROOT / "figures")
            d.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, d)
    (OUT / ".nojekyll").write_text("")
    return [dict(href=p["href"], group=p["group"], label=p["label"], source=pages_src.get(p["src"])) for p in parsed]


def _relative_links(links: dict, href: str) -> dict:
    "Notebook-name -> page links as seen from the page at `href`."
    up = "../" * href.count("/")
    return {k: up + v for k, v in links.items()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1), help="nbdev processing workers")
    args = ap.parse_args(argv)
    t0 = time.time()
    sources = stage()
    process(args.workers)
    pages = render(sources)
    (OUT / "pages.json").write_text(json.dumps(pages, indent=1))
    shutil.rmtree(STAGE, ignore_errors=True)
    print(f"_docs/: {len(pages)} pages in {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
