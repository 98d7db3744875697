"""Run `moat check FILE` on every file of a corpus; print panics, refusals by cause, and time.

A file is run on its own (`moat check FILE --format json`); exit 0/1 is "checked", exit 2 a
refusal (its first stderr line is the reason), anything else (101: a panic) a crash.
`--peer CMD` also runs `CMD FILE` (e.g. `cfn-lint`, or another moat build's `moat check`) on each
file, interleaved with moat, and prints both total wall times and their ratio.
"""
import collections
import os
import re
import subprocess
import sys
import time

EXTS = (".yaml", ".yml", ".json", ".template")


def cause(line):
    """The reason without its location and the names in it, so alike refusals group."""
    line = re.sub(r"^(error: )?", "", line.strip())
    line = re.sub(r"^\S+?:\d+:\d+: ", "", line)  # file:line:col:
    line = re.sub(r"^\S+?: ", "", line) if re.match(r"^\S+\.(ya?ml|json|template): ", line) else line
    line = re.sub(r"`[^`]*`", "`…`", line)
    line = re.sub(r"\d+", "N", line)
    return line[:160]


def main():
    moat, corpus = sys.argv[1], sys.argv[2]
    rest = sys.argv[3:]
    listing = "--list" in rest
    peer = rest[rest.index("--peer") + 1].split() if "--peer" in rest else None
    peer_secs = 0.0
    files = sorted(
        os.path.join(d, f)
        for d, _, fs in os.walk(corpus)
        for f in fs
        if f.endswith(EXTS)
    )
    checked, refused, crashed = 0, collections.defaultdict(list), []
    secs = 0.0
    for f in files:
        if peer:
            t = time.monotonic()
            subprocess.run(peer + [f], capture_output=True)
            peer_secs += time.monotonic() - t
        t = time.monotonic()
        p = subprocess.run(
            [moat, "check", f, "--format", "json"],
            capture_output=True,
            text=True,
            errors="replace",
        )
        secs += time.monotonic() - t
        if p.returncode in (0, 1):
            checked += 1
        elif p.returncode == 2 and "panicked" not in p.stderr:
            first = next((l for l in p.stderr.splitlines() if l.strip()), "(no message)")
            refused[cause(first)].append((f, first.strip()))
        else:
            crashed.append((f, p.returncode, p.stderr.strip().splitlines()[-3:]))
    n_ref = sum(len(v) for v in refused.values())
    print(f"{len(files)} files: {checked} checked, {n_ref} refused, {len(crashed)} panics/crashes; "
          f"{secs:.1f} s ({1000 * secs / max(len(files), 1):.1f} ms per file)")
    if peer:
        print(f"peer `{' '.join(peer)}`: {peer_secs:.1f} s; the peer takes "
              f"{peer_secs / max(secs, 1e-9):.1f}x moat's time")
    for f, rc, tail in crashed:
        print(f"CRASH (exit {rc}) {f}")
        for l in tail:
            print(f"    {l}")
    print("refusals by cause:")
    for c, items in sorted(refused.items(), key=lambda kv: -len(kv[1])):
        print(f"{len(items):5}  {c}")
        for f, msg in items[: (len(items) if listing else 1)]:
            print(f"         e.g. {msg}" if not listing else f"         {msg}")


if __name__ == "__main__":
    main()
