#!/usr/bin/env python3
"""Helper for scripts/bench.sh: time commands and render the results table.

  bench-report.py run --results FILE --case C --tool T --input-bytes N --runs R
                      [--stdout PATH] [--stderr PATH] [--baseline TOOL] [--target SPEC] -- CMD ARGS...
      Runs CMD R times (stdout to PATH, default /dev/null), measuring wall-clock time
      and peak RSS of each run (GNU /usr/bin/time %M, else wait4(2)). Fails (exit 1) if any run exits non-zero.
      Appends one tab-separated row to FILE: case, tool, best s, median s, peak RSS KiB,
      input bytes, baseline tool, target.

  bench-report.py report --results FILE --markdown PATH [--title TEXT] [--note TEXT]...
      Prints the table to stdout and writes it as Markdown to PATH.

Target SPEC is "ratio<=X" (this row's best time / the baseline row's best time in the same
case) or "mbps>=X" (input MB per second). MB = 10^6 bytes; RSS is shown in MB too.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

FIELDS = ["case", "tool", "best_s", "median_s", "rss_kib", "input_bytes", "baseline", "target"]


GNU_TIME = "/usr/bin/time"


def run_once(command, stdout, stderr):
    """Runs command once; returns (exit code, wall seconds, peak RSS KiB).

    Peak RSS comes from GNU time when it is installed: a child forked from python inherits
    python's own high-water mark (~15 MB) in ru_maxrss, so wait4() alone overstates small
    tools. Without /usr/bin/time, wait4() is used and small values are only an upper bound.
    """
    use_time = os.access(GNU_TIME, os.X_OK)
    with tempfile.NamedTemporaryFile("r", prefix="bench-rss-") as rss, \
            open(stdout, "wb") as out, open(stderr, "ab") as err:
        argv = [GNU_TIME, "-q", "-f", "%M", "-o", rss.name, *command] if use_time else command
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        peak = usage.ru_maxrss  # KiB on Linux
        if use_time:
            lines = [l for l in rss.read().splitlines() if l.strip()]
            if lines and lines[-1].strip().isdigit():
                peak = int(lines[-1])
    return code, elapsed, peak


def cmd_run(a):
    if not a.command:
        sys.exit("bench-report.py run: no command given")
    if not os.access(GNU_TIME, os.X_OK):
        sys.stderr.write(f"bench: {GNU_TIME} not found (apt-get install time); peak RSS falls back to wait4()\n")
    times, peak_kib = [], 0
    for i in range(a.runs):
        code, elapsed, peak = run_once(a.command, a.stdout, a.stderr)
        if code != 0:
            sys.stderr.write(
                f"bench: FAILED ({a.case} / {a.tool}, run {i + 1}): exit {code}: {' '.join(a.command)}\n"
                f"bench: stderr is in {a.stderr}\n")
            sys.exit(1)
        times.append(elapsed)
        peak_kib = max(peak_kib, peak)
        sys.stderr.write(f"    run {i + 1}/{a.runs}: {elapsed:7.3f} s  {peak / 1024:8.1f} MiB\n")
    row = [a.case, a.tool, f"{min(times):.4f}", f"{statistics.median(times):.4f}", str(peak_kib),
           str(a.input_bytes), a.baseline or "", a.target or ""]
    with open(a.results, "a") as f:
        f.write("\t".join(row) + "\n")


def check_target(spec, ratio, mbps):
    """Returns (target text, verdict) for a SPEC like 'ratio<=0.25' or 'mbps>=300'."""
    if not spec:
        return "", ""
    for op in ("<=", ">="):
        if op in spec:
            key, limit = spec.split(op, 1)
            limit_text, limit = limit.strip(), float(limit)
            break
    else:
        raise SystemExit(f"bench-report.py: bad target {spec!r}")
    value = {"ratio": ratio, "mbps": mbps}[key]
    text = f"{'ratio' if key == 'ratio' else 'MB/s'} {'≤' if op == '<=' else '≥'} {limit_text}"
    if value is None:
        return text, "?"
    ok = value <= limit if op == "<=" else value >= limit
    return text, "PASS" if ok else "MISS"


def cmd_report(a):
    rows = []
    with open(a.results) as f:
        for line in f:
            if line.strip():
                rows.append(dict(zip(FIELDS, line.rstrip("\n").split("\t"))))
    best = {(r["case"], r["tool"]): float(r["best_s"]) for r in rows}
    header = ["case", "tool", "seconds", "median", "MB/s", "peak RSS MB", "ratio", "target", "result"]
    table = []
    for r in rows:
        secs = float(r["best_s"])
        mbps = int(r["input_bytes"]) / 1e6 / secs if secs > 0 else None
        ratio = None
        if r["baseline"]:
            base = best.get((r["case"], r["baseline"]))
            if base:
                ratio = secs / base
        target, verdict = check_target(r["target"], ratio, mbps)
        table.append([
            r["case"], r["tool"], f"{secs:.2f}", f"{float(r['median_s']):.2f}",
            f"{mbps:.0f}" if mbps else "", f"{int(r['rss_kib']) * 1024 / 1e6:.0f}",
            f"{ratio:.3f}" if ratio is not None else "", target, verdict,
        ])

    widths = [max(len(h), *(len(row[i]) for row in table)) for i, h in enumerate(header)]
    numeric = {2, 3, 4, 5, 6}

    def fmt(row):
        return "  ".join(c.rjust(widths[i]) if i in numeric else c.ljust(widths[i]) for i, c in enumerate(row)).rstrip()

    print(fmt(header))
    print("  ".join("-" * w for w in widths))
    for row in table:
        print(fmt(row))
    for note in a.note:
        print(note)

    with open(a.markdown, "w") as md:
        if a.title:
            md.write(f"# {a.title}\n\n")
        for note in a.note:
            md.write(f"- {note}\n")
        if a.note:
            md.write("\n")
        md.write("| " + " | ".join(header) + " |\n")
        md.write("|" + "|".join("---:" if i in numeric else "---" for i in range(len(header))) + "|\n")
        for row in table:
            md.write("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |\n")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--results", required=True)
    r.add_argument("--case", required=True)
    r.add_argument("--tool", required=True)
    r.add_argument("--input-bytes", type=int, required=True)
    r.add_argument("--runs", type=int, default=3)
    r.add_argument("--stdout", default=os.devnull)
    r.add_argument("--stderr", default=os.devnull)
    r.add_argument("--baseline")
    r.add_argument("--target")
    r.add_argument("command", nargs=argparse.REMAINDER)
    s = sub.add_parser("report")
    s.add_argument("--results", required=True)
    s.add_argument("--markdown", required=True)
    s.add_argument("--title", default="")
    s.add_argument("--note", action="append", default=[])
    a = p.parse_args()
    if a.cmd == "run":
        if a.command and a.command[0] == "--":
            a.command = a.command[1:]
        cmd_run(a)
    else:
        cmd_report(a)


if __name__ == "__main__":
    main()
