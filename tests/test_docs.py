"""The documentation builder's rules (tools/docs.py): what nbdev may execute, what Quarto-only syntax is rewritten."""
import importlib.util
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("docs_builder", ROOT / "tools" / "docs.py")
docs = importlib.util.module_from_spec(_spec)
sys.modules["docs_builder"] = docs
_spec.loader.exec_module(docs)


def test_only_definitions_imports_and_show_doc_are_evaluated():
    assert docs._evaluates("#| export\ndef f(): pass")
    assert docs._evaluates("#| hide\nfrom nbdev.showdoc import *\nimport torch")
    assert docs._evaluates("show_doc(f)")
    # a test cell that imports and then loads data, and an experiment cell that trains, must not run at build time
    assert not docs._evaluates("from fastcore.test import test_eq\ntr = load_cifar10('train')")
    assert not docs._evaluates("clf = fit(cfg, train_ds, test_ds)")
    assert not docs._evaluates("%time x = 1")


def test_without_execution_marks_cells_eval_false():
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("#| export\ndef f(): return 1"),
            nbformat.v4.new_code_cell("import os\nprint(os.getcwd())"),
            nbformat.v4.new_markdown_cell("prose"),
        ]
    )
    out = docs.without_execution(nb)
    assert out.cells[0].source.startswith("#| export")
    assert out.cells[1].source.startswith("#| eval: false\n")
    assert out.cells[2].source == "prose"


def test_markdown_links_and_quarto_syntax():
    text = "See [the tables](31_puzzlemix_tables.ipynb#top){target=\"_blank\"}\n::: {.callout-note}\nNote\n:::"
    out = docs._clean_markdown(text, {"31_puzzlemix_tables.ipynb": "experiments/31_puzzlemix_tables.html"})
    assert "](experiments/31_puzzlemix_tables.html#top)" in out
    assert "{target" not in out and ":::" not in out and "Note" in out
