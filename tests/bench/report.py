#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the data lines of tests/bench/host.sh into results.md, results.csv
and results.png (gnuplot), and check that the run is complete and correct.

Prints its checks as KTAP (tests/lib/ktap.py: "ok N - bench: ...", the plan
at the end); exits 1 if a check failed.  No check looks at a time: the
figures are reported, not judged.
"""
import argparse
import csv
import math
import os
import re
import shlex
import subprocess
import sys

CMDS = ["getrandom", "pcrread", "extend", "createprimary", "max"]
CMD_DESC = {
    "getrandom": "TPM2_GetRandom(32)",
    "pcrread": "TPM2_PCR_Read (sha256 PCR 10)",
    "extend": "TPM2_PCR_Extend (sha256 PCR 10, as IMA)",
    "createprimary": "TPM2_CreatePrimary (ECC P-256 storage key) + untimed FlushContext",
    "max": "3968-byte TPM2_Hash (QEMU CRB's buffer size, near TPM_PT_MAX_COMMAND_SIZE; "
           "the TPM reads it whole and answers TPM_RC_SIZE: no command that succeeds "
           "carries more than ~1 KiB on swtpm)",
}
PATH_DESC = {
    "tis": "QEMU -device tpm-tis (TIS in userspace)",
    "crb": "QEMU -device tpm-crb",
    "vtis-emu": "kvm_vtis, emulator backend (swtpm chardev), polling guest",
    "vtis-host": "kvm_vtis, host TPM backend (the test host's TPM)",
    "vtis-emu-irq": "kvm_vtis, emulator backend (swtpm chardev), the TIS interrupt "
                    "(vtisctl attach --irq, guest tpm_tis.interrupts=1)",
    "vtis-crb": "kvm_vtis' CRB (attach/acpi --interface crb, guest tpm_crb), emulator backend",
    "vtis-crb-host": "kvm_vtis' CRB, host TPM backend (the test host's TPM)",
}
# Published per-exit costs (bare metal), in cycles, and the clock assumed
# to turn them into time.
BM_USER_CYCLES = 8800
BM_KERNEL_CYCLES = 3600
BM_GHZ = 3.0
POLL_SLEEP_US = 1000.0     # Linux tpm_tis: tpm_msleep(TPM_TIMEOUT_POLL)

ktap = None


def check(ok, what):
    return ktap.check("bench: " + what, ok)


def kv(tokens):
    d, pos = {}, []
    for t in tokens:
        if "=" in t:
            k, v = t.split("=", 1)
            d[k] = v
        else:
            pos.append(t)
    return d, pos


def num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def fmt(x, nd=1):
    if x is None:
        return "n/a"
    if abs(x) >= 100:
        return "%.0f" % x
    return ("%." + str(nd) + "f") % x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--wall", type=int, default=0)
    ap.add_argument("--paths", default="tis crb vtis-emu vtis-host")
    ap.add_argument("--label", default="full")
    ap.add_argument("--scale-vms", type=int, default=0)
    ap.add_argument("data")
    a = ap.parse_args()
    paths = a.paths.split()
    # The KTAP header comes on import: after the arguments, not before --help.
    global ktap
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    "..", "lib"))
    import ktap

    conf, machine, access, wall, phases = {}, {}, {}, {}, {}
    snaps, res, info, guest_irqs = {}, {}, {}, {}
    scale, scale_mem, scale_caches = None, None, []
    try:
        lines = open(a.data).read().splitlines()
    except OSError:
        lines = []
    for line in lines:
        try:
            tok = shlex.split(line)
        except ValueError:
            tok = line.split()
        if not tok:
            continue
        kind, rest = tok[0], tok[1:]
        d, pos = kv(rest)
        if kind == "conf":
            conf = d
        elif kind == "machine":
            machine = d
        elif kind == "access":
            access[d.get("mode")] = num(d.get("ns"))
        elif kind == "scale":
            scale = {k: num(v) for k, v in d.items()}
        elif kind == "scale_cache":
            scale_caches.append((d.get("name"), num(d.get("bytes_per_device"))))
        elif kind == "scale_mem":
            scale_mem = scale_mem or {}
            scale_mem.update({k: num(v) for k, v in d.items()})
        elif kind == "wall":
            wall[d.get("path")] = d.get("secs")
        elif kind == "phases":
            phases[d.get("path")] = {k: v for k, v in d.items() if k != "path"}
        elif kind == "snap":
            snaps[(d["path"], int(d["k"]), d["phase"])] = {
                k: num(v) for k, v in d.items() if k.startswith(("kvm_", "vtis_"))}
        elif kind == "result" and pos:
            res[(d.get("path"), pos[0])] = {k: num(v) for k, v in d.items()}
        elif kind == "info":
            p = d.get("path")
            info.setdefault(p, []).append(line)

    ns_kernel = access.get("in-kernel")
    ns_user = access.get("userspace")
    check(bool(ns_kernel) and bool(ns_user),
          "the test VMM measured one guest MMIO read in the kernel (%s ns) and in userspace (%s ns)"
          % (fmt(ns_kernel), fmt(ns_user)))

    rows = []
    for p in paths:
        complete = True
        for k, c in enumerate(CMDS, 1):
            r = res.get((p, c))
            good = r is not None and r.get("n", 0) > 0 and r.get("ok") == r.get("n")
            check(good, "%s: %s answered correctly every time (%s/%s)"
                  % (p, c, fmt(r.get("ok") if r else None, 0), fmt(r.get("n") if r else None, 0)))
            b, e = snaps.get((p, k, "before")), snaps.get((p, k, "after"))
            have = b is not None and e is not None and "kvm_exits" in b and "kvm_exits" in e
            if p.startswith("vtis-"):
                have = have and "vtis_commands" in b and "vtis_commands" in e
            complete = complete and have
            if not r:
                continue
            n = r["n"]
            row = {"path": p, "command": c, "n": int(n),
                   "median_us": r.get("median_us"), "p99_us": r.get("p99_us"),
                   "min_us": r.get("min_us"), "max_us": r.get("max_us")}

            def delta(key):
                if not have or key not in b or key not in e:
                    return None
                return (e[key] - b[key]) / n
            row["exits"] = delta("kvm_exits")
            mm, io = delta("kvm_mmio_exits"), delta("kvm_io_exits")
            row["user_exits"] = None if mm is None or io is None else mm + io
            row["mmio_exits"] = mm
            row["io_exits"] = io
            if p.startswith("vtis-"):
                rd, wr = delta("vtis_mmio_reads"), delta("vtis_mmio_writes")
                row["accesses"] = None if rd is None or wr is None else rd + wr
                row["polls"] = delta("vtis_status_polls")
                row["tpm_cmds"] = delta("vtis_commands")
                sv = delta("vtis_service_total_ns")
                row["service_us"] = None if sv is None else sv / 1000.0
                if row["accesses"] is not None and ns_kernel and row["service_us"] is not None:
                    row["limit_us"] = row["accesses"] * ns_kernel / 1000.0 + row["service_us"]
                    row["median_over_limit"] = (row["median_us"] / row["limit_us"]
                                                if row["limit_us"] else None)
            elif p == "tis":
                # every guest TIS access exits to QEMU: the MMIO exits are
                # the accesses (plus any other MMIO the guest makes)
                row["accesses"] = mm
            # best case against the floor, and how far the slow tail
            # reaches: every path's spread, QEMU's included
            if row["min_us"] and row.get("limit_us"):
                row["min_over_limit"] = row["min_us"] / row["limit_us"]
            if row["median_us"] and row["p99_us"] is not None:
                row["p99_over_median"] = row["p99_us"] / row["median_us"]
            if row["min_us"] and row["p99_us"] is not None:
                row["p99_over_min"] = row["p99_us"] / row["min_us"]
            rows.append(row)
        check(complete, "%s: KVM%s counters read before and after every batch"
              % (p, " and kvm_vtis" if p.startswith("vtis-") else ""))
        chain = any("extend_chain verified" in l for l in info.get(p, []))
        check(chain, "%s: PCR 10 after the extends equals the SHA-256 chain computed in the guest" % p)
        irqs = None
        for l in info.get(p, []):
            m = re.search(r"tpm_interrupts=(\d+)", l)
            if m:
                irqs = int(m.group(1))
        guest_irqs[p] = irqs
        if p.endswith("-irq"):
            check(bool(irqs), "%s: the guest took the TPM's interrupt (%s during the run)"
                  % (p, "n/a" if irqs is None else irqs))
            # the driver kept its interrupt for the whole run (it did not
            # fall back to polling after its probe): at least one
            # interrupt for every command the device served in the batches
            mine = [row for row in rows if row["path"] == p]
            cmds = None
            if len(mine) == len(CMDS) and all(row.get("tpm_cmds") is not None for row in mine):
                cmds = round(sum(row["tpm_cmds"] * row["n"] for row in mine))
            check(irqs is not None and cmds is not None and cmds > 0 and irqs >= cmds,
                  "%s: the guest took an interrupt for every command, polling never took over "
                  "(%s interrupts, %s commands in the batches)"
                  % (p, "n/a" if irqs is None else irqs, "n/a" if cmds is None else fmt(cmds, 0)))

    os.makedirs(a.out, exist_ok=True)
    cols = ["path", "command", "n", "median_us", "p99_us", "min_us", "max_us",
            "exits", "user_exits", "mmio_exits", "io_exits", "accesses",
            "polls", "tpm_cmds", "service_us", "limit_us", "median_over_limit",
            "bm_transport_us", "bm_sleep_us", "min_over_limit",
            "p99_over_median", "p99_over_min"]
    for r in rows:
        acc = r.get("accesses")
        if acc is not None and (r["path"] == "tis" or r["path"].startswith("vtis-")):
            cyc = BM_USER_CYCLES if r["path"] == "tis" else BM_KERNEL_CYCLES
            r["bm_transport_us"] = acc * cyc / (BM_GHZ * 1000.0)
        if r.get("polls") is not None:
            r["bm_sleep_us"] = r["polls"] * POLL_SLEEP_US
    with open(os.path.join(a.out, "results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for r in rows:
            w.writerow(["" if r.get(c) is None else
                        ("%.3f" % r[c] if isinstance(r[c], float) else r[c]) for c in cols])

    md = []
    md.append("# kvm_vtis benchmark (%s run)" % a.label)
    md.append("")
    md.append("**Testbed figures**: measured in a Linux guest (L2) under KVM nested in a "
              "QEMU TCG test host (L1); every guest exit is emulated and costs tens of "
              "microseconds. They are not bare-metal figures.")
    md.append("")
    md.append("- test host kernel %s (slub_debug %s), CPU \"%s\"; %s iterations per small "
              "command, %s for createprimary and max; wall time in the test host %s s"
              % (machine.get("kernel", "?"), machine.get("slub_debug", "?"), machine.get("cpu", "?"),
                 conf.get("iter", "?"),
                 conf.get("iter_long", "?"), a.wall))
    md.append("- one guest MMIO read (DID_VID, test VMM, best of 5 x %s reads): handled by "
              "kvm_vtis in the kernel %s µs, exiting to the VMM %s µs"
              % (conf.get("accesses", "?"), fmt(ns_kernel / 1000.0 if ns_kernel else None, 2),
                 fmt(ns_user / 1000.0 if ns_user else None, 2)))
    md.append("- paths: " + "; ".join("`%s` = %s" % (p, PATH_DESC.get(p, p)) for p in paths))
    md.append("- commands: " + "; ".join("`%s` = %s" % (c, CMD_DESC[c]) for c in CMDS))
    md.append("- TPM interrupts the guest took during its run: " +
              ", ".join("%s %s" % (p, "n/a" if guest_irqs.get(p) is None else guest_irqs[p])
                        for p in paths))
    for p in paths:
        for l in info.get(p, []):
            if "max_command_size" in l:
                md.append("- %s: %s" % (p, l.split(" ", 2)[2]))
                break
    md.append("")
    md.append("## Measured on the testbed (per command)")
    md.append("")
    md.append("| path | command | n | median µs | p99 µs | exits to userspace | all exits | "
              "accesses | status polls | TPM cmds | backend µs | limit µs | median / limit |")
    md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        md.append("| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["path"], r["command"], r["n"], fmt(r["median_us"]), fmt(r["p99_us"]),
            fmt(r.get("user_exits")), fmt(r.get("exits")), fmt(r.get("accesses")),
            fmt(r.get("polls")), fmt(r.get("tpm_cmds"), 2), fmt(r.get("service_us")),
            fmt(r.get("limit_us")), fmt(r.get("median_over_limit"), 2)))
    md.append("")
    md.append("Counts are per timed command: the KVM (debugfs of QEMU's VM) and kvm_vtis "
              "(`vtisctl stats`) counter deltas over a batch divided by its iterations. The "
              "window also holds what the guest does untimed in the batch (createprimary: "
              "the FlushContext; the guest's resource manager (/dev/tpmrm0) adds its own "
              "commands, see TPM cmds) and a few exits of the hand-over. Accesses are the "
              "guest's register (and CRB buffer) accesses kvm_vtis counted; for tis, QEMU's "
              "MMIO exits. Limit = accesses × in-kernel access cost + backend time "
              "(kvm_vtis' emulator read → write), the floor for one exit per access on this "
              "testbed; a CRB's buffer moves are string moves that KVM emulates many "
              "accesses to an exit (compare all exits), so a CRB path can beat it.")
    md.append("")
    md.append("## Spread (testbed)")
    md.append("")
    md.append("The fastest command against the limit, and how far the slow tail "
              "reaches, for every path: the same test host schedules them all, so a "
              "spread common to QEMU's paths and kvm_vtis' is the testbed's.")
    md.append("")
    md.append("| path | command | min µs | min / limit | median µs | p99 µs | p99 / median | p99 / min |")
    md.append("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        md.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["path"], r["command"], fmt(r["min_us"]), fmt(r.get("min_over_limit"), 2),
            fmt(r["median_us"]), fmt(r["p99_us"]), fmt(r.get("p99_over_median"), 2),
            fmt(r.get("p99_over_min"), 2)))
    md.append("")
    md.append("## Bare-metal projection (not measured)")
    md.append("")
    md.append("From the same counts, with published per-exit costs: %d cycles for an exit "
              "to a userspace VMM, %d cycles for one handled in the kernel, at an assumed "
              "%.1f GHz; each status poll that found the command still at the backend "
              "followed by Linux's %d µs polling sleep. Backend time is not included "
              "(the testbed's is emulated)." % (BM_USER_CYCLES, BM_KERNEL_CYCLES, BM_GHZ,
                                              POLL_SLEEP_US))
    md.append("")
    md.append("| path | command | accesses | cycles per access | transport µs | polling sleeps | sleep µs |")
    md.append("|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        if r.get("bm_transport_us") is None:
            continue
        md.append("| %s | %s | %s | %d | %s | %s | %s |" % (
            r["path"], r["command"], fmt(r.get("accesses")),
            BM_USER_CYCLES if r["path"] == "tis" else BM_KERNEL_CYCLES,
            fmt(r["bm_transport_us"]), fmt(r.get("polls")), fmt(r.get("bm_sleep_us"))))
    md.append("")
    md.append("crb: QEMU's CRB moves the command through a RAM buffer, so it has no "
              "per-byte accesses to project; tis: its polls are not counted (QEMU has no "
              "counter), so no sleep figure.")
    md.append("")
    if a.scale_vms > 1:
        check(scale is not None and scale.get("all_per_s", 0) > 0,
              "scale: %d test-VMM VMs ran their extends and reported throughput" % a.scale_vms)
        md.append("## Scale (testbed, test-VMM guests)")
        md.append("")
        if scale:
            md.append("%d VMs attached at once, each with its own device and swtpm, %d PCR 16 "
                      "extends each with VM-specific values, every VM's final PCR checked "
                      "against its own SHA-256 chain (the scale line of the run log says "
                      "whether all matched). One thread drives all vCPUs in turn; each round "
                      "sends one extend per VM, then collects the answers, so up to %d commands "
                      "are at the backends together."
                      % (scale["vms"], scale["extends"], scale["vms"]))
            md.append("")
            md.append("| measure | value |")
            md.append("|---|---:|")
            md.append("| one VM alone, extends/s | %s |" % fmt(scale.get("alone_per_s")))
            md.append("| all %d VMs, aggregate extends/s | %s |" % (scale["vms"], fmt(scale.get("all_per_s"))))
            md.append("| fairness: max/min per-VM mean backend service time | %s |"
                      % fmt(scale.get("service_fairness"), 3))
            mem = scale_mem or {}
            md.append("| kernel memory per attached device, kB (Slab+VmallocUsed+Percpu delta over %d attaches) | %s |"
                      % (scale["vms"] - 1, fmt(mem.get("kb_per_device"))))
            md.append("| ... added by an emulator's connection to it (the open file and its buffer), kB | %s |"
                      % fmt(mem.get("kb_per_emulator")))
            if scale_caches:
                md.append("")
                md.append("Where the attaches' memory went: slab caches that grew, bytes per device "
                          "(active objects x object size in /proc/slabinfo, before and after; "
                          "kmalloc-N caches round a request up to N).")
                md.append("")
                md.append("| slab cache | bytes per device |")
                md.append("|---|---:|")
                for name, b in scale_caches:
                    md.append("| %s | %s |" % (name, fmt(b, 0)))
        else:
            md.append("No scale figures: the scale run did not finish (see run.log).")
        md.append("")
    md.append("Wall time per path in the test host (boot included): " +
              ", ".join("%s %s s" % (p, wall.get(p, "?")) for p in paths))
    if phases:
        md.append("")
        md.append("Where it went, seconds: QEMU started paused (qemu), attach and emulator "
                  "until cont (setup), cont until the guest's first batch (boot), the "
                  "batches, the guest's end until QEMU exited (exit), the teardown after.")
        md.append("")
        names = ["qemu", "setup", "boot", "batches", "exit", "teardown"]
        md.append("| path | " + " | ".join(names) + " |")
        md.append("|---|" + "---:|" * len(names))
        for p in paths:
            ph = phases.get(p, {})
            md.append("| %s | %s |" % (p, " | ".join(ph.get(n, "n/a") for n in names)))
    with open(os.path.join(a.out, "results.md"), "w") as f:
        f.write("\n".join(md) + "\n")

    # Chart: median latency per command, one bar per path.
    dat = os.path.join(a.out, "chart.dat")
    with open(dat, "w") as f:
        f.write("command " + " ".join(paths) + "\n")
        for c in CMDS:
            vals = []
            for p in paths:
                r = next((x for x in rows if x["path"] == p and x["command"] == c), None)
                vals.append("%.1f" % r["median_us"] if r and r.get("median_us") else "NaN")
            f.write(c + " " + " ".join(vals) + "\n")
    png = os.path.join(a.out, "results.png")
    meds = [r["median_us"] for r in rows if r.get("median_us")]
    ymin = 10 ** math.floor(math.log10(min(meds) / 2)) if meds else 1
    gp = """set terminal pngcairo size 1000,560 noenhanced
set output '%s'
set title 'Median latency per TPM command (testbed: KVM nested under QEMU TCG, %s run)'
set ylabel 'median latency, microseconds (log scale)'
set logscale y
set yrange [%g:*]
set format y '%%.0f'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set key outside right top
set grid ytics
plot '%s' using 2:xtic(1) title columnheader(2)%s
""" % (png, a.label, ymin, dat, "".join(", '' using %d title columnheader(%d)" % (i, i)
                                      for i in range(3, len(paths) + 2)))
    try:
        subprocess.run(["gnuplot"], input=gp.encode(), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except (OSError, subprocess.CalledProcessError) as e:
        ktap.diag("gnuplot: %s" % e)
    for f in ("results.md", "results.csv", "results.png"):
        pth = os.path.join(a.out, f)
        check(os.path.isfile(pth) and os.path.getsize(pth) > 0, "%s written" % f)
    ktap.finish()


if __name__ == "__main__":
    main()
