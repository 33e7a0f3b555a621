"""End-to-end tests of `dataopt reproduce` / `report` / `bench`: smoke runs into temp folders."""
import json, os, shutil, subprocess, sys
from pathlib import Path
import pytest
from dataopt import reproduce as rp
from dataopt.cli import main

ROOT = Path(__file__).resolve().parents[1]
_SCRIPT = Path(sys.executable).with_name("dataopt")   # the console script of the interpreter running the tests
DATAOPT = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-c", "import sys; from dataopt.cli import main; sys.exit(main())"]


def run_cli(*args, env=None, cwd=ROOT):
    e = dict(os.environ, **(env or {}))
    return subprocess.run([*DATAOPT, *args], capture_output=True, text=True, env=e, cwd=cwd, timeout=900)


def test_smoke_reproduce_then_resume_skips(tmp_path):
    out = tmp_path / "figs"
    r = run_cli("reproduce", "--scale", "smoke", "--chapters", "core", "--out", str(out), "--quiet")
    assert r.returncode == 0, r.stderr
    core = out / "core"
    for f in ["vanilla.ipynb", "vanilla_training_curve.png", "vanilla_accuracy.csv", "vanilla_accuracy.md",
              "vanilla.manifest.json", "vanilla.stamp.json"]:
        assert (core / f).stat().st_size > 0, f
    report = (out / "REPORT.md").read_text()
    assert "34 numbered tables" in report and "![vanilla classifier: training curve](core/vanilla_training_curve.png)" in report
    assert not [p for p in core.iterdir() if p.name.startswith(".")], "no temporary files left behind"
    png_mtime = (core / "vanilla_training_curve.png").stat().st_mtime_ns

    again = run_cli("reproduce", "--scale", "smoke", "--chapters", "core", "--out", str(out), "--quiet")
    assert again.returncode == 0 and "skipped 1" in again.stdout, again.stdout + again.stderr
    assert (core / "vanilla_training_curve.png").stat().st_mtime_ns == png_mtime   # finished work not redone

    other_seed = run_cli("reproduce", "--scale", "smoke", "--chapters", "core", "--out", str(out), "--seed", "1", "--quiet")
    assert other_seed.returncode == 0 and "done 1" in other_seed.stdout       # different parameters: rerun
    assert json.loads((core / "vanilla.stamp.json").read_text())["seed"] == 1


def _write_nb(path, code):
    cells = [{"cell_type": "code", "metadata": {"tags": ["parameters"]}, "execution_count": None, "outputs": [], "id": "p",
              "source": 'scale = "smoke"\nout_dir = ""\nseed = 0\ndevice = "auto"\ndry_run = False'},
             {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "id": "c", "source": code}]
    nb = {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "python3", "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb))


def test_failing_notebook_loses_no_other_output_and_resumes(tmp_path, monkeypatch, capsys):
    nbs = tmp_path / "nbs"; (nbs / "experiments").mkdir(parents=True)
    shutil.copy(ROOT / "nbs/experiments/00_vanilla_classifier.ipynb", nbs / "experiments")
    _write_nb(nbs / "experiments/bad.ipynb", 'raise RuntimeError("planted failure")')
    bad = rp.Experiment("bad", "core", "experiments/bad.ipynb", description="fails on purpose")
    good = rp.EXPERIMENTS[0]
    monkeypatch.setattr(rp, "EXPERIMENTS", [bad, good])
    out = tmp_path / "figs"
    rc = main(["reproduce", "--scale", "smoke", "--out", str(out), "--nbs", str(nbs), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 1 and "FAILED core/bad: RuntimeError: planted failure" in err
    assert (out / "core/bad.failed.ipynb").exists() and not (out / "core/bad.stamp.json").exists()
    assert (out / "core/vanilla_training_curve.png").exists() and (out / "REPORT.md").exists()   # the other ran

    _write_nb(nbs / "experiments/bad.ipynb", 'from dataopt.core import Outputs\nOutputs(out_dir, "bad", scale).finish()')
    results = rp.reproduce("smoke", None, out, nbs_dir=nbs, progress=False, log=lambda *a: None)
    assert [r.status for r in results] == ["done", "skipped"]        # fixed one reruns, finished one is kept
    assert not (out / "core/bad.failed.ipynb").exists()


def test_paper_scale_dry_run_writes_nothing(tmp_path):
    out = tmp_path / "figs"
    r = run_cli("reproduce", "--scale", "paper", "--chapters", "core", "--dry-run", "--out", str(out), "--quiet")
    assert r.returncode == 0, r.stderr
    assert "dry-run" in r.stdout and not out.exists()


@pytest.mark.parametrize("args,needle", [
    (["reproduce", "--chapters", "12"], "unknown chapter '12'"),
    (["reproduce", "--scale", "huge"], "--scale 'huge'"),
    (["reproduce", "--device", "tpu"], "--device"),
    (["reproduce", "--seed", "-1"], "--seed"),
    (["bench", "nope"], "unknown benchmark 'nope'"),
    (["reproduce", "--bogus"], "unrecognized arguments: --bogus"),
])
def test_bad_arguments_one_line_no_traceback(args, needle):
    r = run_cli(*args)
    assert r.returncode == 2
    assert needle in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_missing_data_one_line_error(tmp_path):
    r = run_cli("reproduce", "--scale", "smoke", "--out", str(tmp_path / "f"), env={"DATAOPT_DATA": str(tmp_path / "nodata")})
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "cifar10_subset.npz" in r.stderr and "DATAOPT_DATA" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path / "f").exists()


def test_bad_outputs_and_seed_one_line_no_traceback(tmp_path):
    f = tmp_path / "a_file"; f.write_text("keep me")
    for args, needle in [(["reproduce", "--out", str(f)], f"--out {f}: {f} is a file, not a folder"),
                         (["reproduce", "--scale", "smoke", "--out", str(f / "sub")], f"{f} is a file, not a folder"),
                         (["report", "--out", str(f)], f"--out {f}: {f} is a file, not a folder"),
                         (["reproduce", "--seed", str(2**64)], "--seed must be in [0, 2**64)")]:
        r = run_cli(*args)
        assert r.returncode == 2 and needle in r.stderr and "Traceback" not in r.stderr, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert f.read_text() == "keep me"
    r = run_cli("reproduce", "--seed", str(2**64 - 1), "--list", "--out", str(tmp_path / "figs"))
    assert r.returncode == 0, r.stderr                               # the largest seed is accepted


def test_corrupt_data_one_line_error(tmp_path):
    data = tmp_path / "data"; data.mkdir()
    (data / "cifar10_subset.npz").write_bytes(b"PK\x03\x04 truncated")
    r = run_cli("reproduce", "--scale", "smoke", "--chapters", "core", "--out", str(tmp_path / "f"),
                env={"DATAOPT_DATA": str(data)})
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"{data / 'cifar10_subset.npz'} is corrupt" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path / "f").exists()                             # refused before any notebook ran


def test_forked_children_do_not_inherit_the_sigterm_handler(capsys):
    "A forked pool worker must die quietly on SIGTERM, not raise KeyboardInterrupt from main's handler."
    import signal
    from dataopt import cli
    before = signal.getsignal(signal.SIGTERM)
    try:
        assert main(["bench", "--list"]) == 0
        assert signal.getsignal(signal.SIGTERM) is cli._terminate           # the parent keeps its handler
        pid = os.fork()
        if pid == 0:
            os._exit(0 if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL else 1)
        assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    finally:
        signal.signal(signal.SIGTERM, before)


def test_list_shows_every_table_and_figure():
    r = run_cli("reproduce", "--list", "--out", str(ROOT / "figures"))
    assert r.returncode == 0
    ids = [l.split("  ")[0].strip() for l in r.stdout.splitlines()]
    assert sum(i.startswith("table") for i in ids) == 38 and sum(i.startswith("figure") for i in ids) == 48
    from dataopt.findings import VERDICTS
    from dataopt.claims import FINDINGS
    found = {l.split()[0]: l for l in r.stdout.splitlines() if l[:2] in {f"{c}." for c in range(3, 9)}}
    assert set(found) == {f.id for f in FINDINGS}                          # every finding listed, with a verdict
    assert all(any(f" {v} " in l or l.rstrip().endswith(v) for v in VERDICTS) for l in found.values())


def test_reproduce_sweeps_stale_temporaries(tmp_path):
    "A temp file of an atomic write a killed run left behind (e.g. `.REPORT.md.*.tmp`) is removed at the next start."
    out = tmp_path / "figs"; out.mkdir()
    stale = out / ".REPORT.md.abcd_123.tmp"; stale.write_text("half a report")
    old = 1_000_000_000; os.utime(stale, (old, old))
    r = run_cli("reproduce", "--scale", "smoke", "--chapters", "core", "--out", str(out), "--quiet")
    assert r.returncode == 0, r.stderr
    assert not stale.exists() and (out / "REPORT.md").exists() and (out / "findings.csv").exists()


def test_reproduce_under_torchrun(tmp_path):
    "`torchrun --no-python dataopt reproduce`: every rank's kernel joins the job, rank 0 alone writes; a rerun skips."
    out = tmp_path / "figs"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node=2", "--no-python", *DATAOPT,
           "reproduce", "--scale", "smoke", "--chapters", "core", "--out", str(out), "--quiet"]
    env = dict(os.environ, OMP_NUM_THREADS="1", TMPDIR=str(tmp_path))
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    assert r.stdout.count("report: ") == 1 and r.stdout.count("done 1") == 2          # both ranks ran it, one reported
    core = out / "core"
    assert json.loads((core / "vanilla.stamp.json").read_text())["scale"] == "smoke"
    assert (core / "vanilla_accuracy.csv").stat().st_size > 0 and not [p for p in core.iterdir() if p.name.startswith(".")]
    assert not list(tmp_path.glob("dataopt-rank*")), "rank 1's scratch outputs are removed"
    again = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    assert again.returncode == 0 and again.stdout.count("skipped 1") == 2, again.stdout + again.stderr
