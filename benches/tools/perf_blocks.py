#!/usr/bin/env python3
"""Splits the samples of `perf record` taken during an interleaved e2e run by the block they
fall in, and compares the SDK's blocks with the floor's: CPU per call of each, then the symbols
whose cost differs most.

    target/release/e2e --endpoint URL ... --only OP --marks marks.tsv   # under:
    perf record -k CLOCK_REALTIME -e cpu-clock -F 10000 -g -o perf.data -- <that command>
    perf script -i perf.data -F tid,time,period,ip,sym,dso > perf.txt
    benches/tools/perf_blocks.py marks.tsv perf.txt --mode concurrent [--view self|incl]
        [--callees SYMBOL | --callers SYMBOL] [--thread main|workers] [--top 40]

`self` counts a sample for its innermost frame; `incl` for every function on its stack (needs
`-g`, and frame pointers for Rust frames: `RUSTFLAGS="-C force-frame-pointers=yes"`);
`--callees SYMBOL` counts the frame directly below the first frame containing SYMBOL,
`--callers SYMBOL` the frame directly above it. Costs are
µs of CPU per call: the samples' periods (ns for `cpu-clock`) over the calls of the blocks.
The main thread is the one running `main` (the sequential calls run there, in `block_on`).
"""
import argparse
import bisect
import collections
import re
import sys


def read_marks(path):
    """[(start, end, op, mode, impl, calls)], sorted by start."""
    blocks = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            op, mode, imp, calls, start, end = line.rstrip("\n").split("\t")
            blocks.append((float(start), float(end), op, mode, imp, int(calls)))
    blocks.sort()
    return blocks


HEADER = re.compile(r"^\s*(\d+)\s+([\d.]+):\s+(\d+)\s*(.*)$")


def frame(text):
    """`ip symbol+0x.. (dso)` -> `symbol (dso)`, without offsets and Rust hashes."""
    parts = text.strip().split(None, 1)
    if len(parts) < 2:
        return None
    name = re.sub(r"\+0x[0-9a-f]+", "", parts[1])
    return re.sub(r"::h[0-9a-f]{16}", "", name)


def samples(path):
    """Yields (tid, time, period, [frames, innermost first]) from `perf script` output, with
    call chains (`-g`: indented frame lines after each sample's line) or without."""
    current = None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = HEADER.match(line)
            if m:
                if current and current[3]:
                    yield current
                current = (int(m[1]), float(m[2]), int(m[3]), [])
                if m[4].strip() and (fr := frame(m[4])):
                    current[3].append(fr)
            elif current and line.strip() and (fr := frame(line)):
                current[3].append(fr)
    if current and current[3]:
        yield current


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("marks")
    ap.add_argument("perf_script")
    ap.add_argument("--op", help="only this operation's blocks (default: all)")
    ap.add_argument("--mode", choices=["sequential", "concurrent"], default="sequential")
    ap.add_argument("--view", choices=["self", "incl"], default="self")
    ap.add_argument("--callees", metavar="SYMBOL")
    ap.add_argument("--callers", metavar="SYMBOL")
    ap.add_argument("--thread", choices=["main", "workers"])
    ap.add_argument("--top", type=int, default=40)
    a = ap.parse_args()

    blocks = [b for b in read_marks(a.marks) if b[3] == a.mode and (a.op is None or b[2] == a.op)]
    if not blocks:
        sys.exit("no blocks of that operation and mode in the marks file")
    starts = [b[0] for b in blocks]
    calls = collections.Counter()
    for b in blocks:
        calls[b[4]] += b[5]

    main_tids = set()
    cost = {"sdk": collections.Counter(), "floor": collections.Counter()}
    total = collections.Counter()
    for tid, t, period, frames in samples(a.perf_script):
        if any("lang_start" in f for f in frames):
            main_tids.add(tid)
        i = bisect.bisect_right(starts, t) - 1
        if i < 0 or t > blocks[i][1]:
            continue
        if a.thread and (a.thread == "main") != (tid in main_tids):
            continue
        imp = blocks[i][4]
        total[imp] += period
        if a.callees or a.callers:
            hit = next((k for k, f in enumerate(frames) if (a.callees or a.callers) in f), None)
            near = None if hit is None else hit - 1 if a.callees else hit + 1
            if near is not None and 0 <= near < len(frames):
                cost[imp][frames[near]] += period
        elif a.view == "self":
            cost[imp][frames[0]] += period
        else:
            for f in set(frames):
                cost[imp][f] += period

    def per_call(imp, ns):
        return ns / 1e3 / calls[imp] if calls[imp] else 0.0

    print(f"{a.mode}, {calls['sdk']} SDK calls and {calls['floor']} floor calls")
    print(f"CPU µs/call: SDK {per_call('sdk', total['sdk']):.2f}  floor {per_call('floor', total['floor']):.2f}")
    keys = set(cost["sdk"]) | set(cost["floor"])
    rows = sorted(keys, key=lambda k: per_call("floor", cost["floor"][k]) - per_call("sdk", cost["sdk"][k]))
    print(f"{'SDK':>8} {'floor':>8} {'diff':>8}  µs/call")
    for k in rows[: a.top]:
        s, f = per_call("sdk", cost["sdk"][k]), per_call("floor", cost["floor"][k])
        print(f"{s:8.3f} {f:8.3f} {s - f:+8.3f}  {k[:150]}")


if __name__ == "__main__":
    main()
