"""What a killed build leaves in the report temp dir is swept by the next build, and a live build's
files are not (each build writes into a directory of its own, named after the report and the claim)."""

import os
import time

from anshan_projects import documents


def test_the_sweep_takes_earlier_builds_of_the_report_and_stale_ones_only(tmp_path, settings):
    settings.DOCUMENT_RUN_STALE_SECONDS = 600
    old = time.time() - 3600
    earlier = tmp_path / "7-dead0001"  # a killed build of the same report, written to a moment ago
    (earlier / "report.xlsx.part").parent.mkdir()
    (earlier / "report.xlsx.part").write_bytes(b"half")
    live = tmp_path / "8-live0001"  # another report's build: its directory is old, its file fresh
    live.mkdir()
    (live / "report.xlsx.part").write_bytes(b"growing")
    os.utime(live, (old, old))
    stale = tmp_path / "9-gone0001"  # another report's build, untouched for an hour
    stale.mkdir()
    (stale / "report.pdf.part").write_bytes(b"old")
    os.utime(stale / "report.pdf.part", (old, old))
    os.utime(stale, (old, old))
    loose = tmp_path / "tmpabc.xlsx.part"  # a file left by a build of the old layout
    loose.write_bytes(b"old")
    os.utime(loose, (old, old))

    documents.sweep(tmp_path, 7)  # what REPORT_RUNS.execute does on each claim of report 7

    assert sorted(p.name for p in tmp_path.iterdir()) == ["8-live0001"]
    assert (live / "report.xlsx.part").read_bytes() == b"growing"
