#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Observability: the kvm_vtis tracepoints show a known sequence of guest
# commands (from the test VMM's "obs" scenario) in order, with their
# ordinals and return codes; the statistics match that sequence exactly
# (KVM_VTIS_STATS in the VMM, sysfs, debugfs and vtisctl here) and
# "vtisctl stats --json" parses and agrees with sysfs; after a storm of
# random guest accesses and an emulator that answers with malformed
# responses, the counters agree with the trace and the host log holds at
# most a handful of lines per device.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"

vmm=$VMM_DIR/vtis-vmm
v=$VTIS_ROOT/tools/vtisctl
ktap_check "load kvm_vtis" vtis_load || exit 1

events="mmio cmd_submit cmd_complete locality emu_connect emu_disconnect reject"
has_events() {
	local e
	for e in $events; do
		test -d "$T/events/kvm_vtis/kvm_vtis_$e" || { echo "no $T/events/kvm_vtis/kvm_vtis_$e"; return 1; }
	done
}
ktap_check "trace: tracefs lists the kvm_vtis events ($events)" has_events


# hold_run NAME HOLDFILE VMM-ARGS...: run the VMM in the background until it
# holds its device (HOLDFILE has the id); sets VMM_PID, DEV_ID.
hold_run() {
	local name=$1 holdf=$2
	shift 2
	rm -f "$holdf"
	"$vmm" --hold "$holdf" "$@" >"/tmp/$name.out" 2>"/tmp/$name.err" &
	VMM_PID=$!
	DEV_ID=
	if wait_for 240 test -s "$holdf"; then
		DEV_ID=$(cat "$holdf")
		return 0
	fi
	echo "# $name: the VMM did not reach its hold point"
	tail -n 30 "/tmp/$name.out" "/tmp/$name.err" | ktap_diag
	return 1
}
# hold_end NAME HOLDFILE: let the VMM detach and finish; relay its results.
hold_end() {
	local rc
	rm -f "$2"
	wait "$VMM_PID"
	rc=$?
	ktap_replay "$1: " "/tmp/$1.out" "$rc"
}

# --- 1. a known sequence: trace, statistics, vtisctl ---------------------
trace_on $events
if ! hold_run obs /tmp/obs.hold --spawn-swtpm --timeout 400 obs; then
	ktap_fail "obs: the VMM runs the known command sequence"
	exit 1
fi
id=$DEV_ID
S=/sys/class/vtis/vtis$id/stats
ktap_check "stats: /sys/class/vtis/vtis$id/stats exists" test -d "$S"

# sysfs: exactly the sequence (3 commands reach swtpm, 3 are refused).
cat >/tmp/expect.py <<'PY'
import os, sys
S = sys.argv[1]
want = dict(a.split("=") for a in sys.argv[2:])
got = {f: int(open(os.path.join(S, f)).read()) for f in os.listdir(S)}
bad = ["%s=%d (want %s)" % (k, got.get(k, -1), w) for k, w in sorted(want.items())
       if str(got.get(k, -1)) != w]
print(" ".join("%s=%d" % kv for kv in sorted(got.items())))
sys.exit("mismatch: " + ", ".join(bad) if bad else 0)
PY
ktap_check "stats: sysfs holds exactly the sequence (3 commands of 44 bytes, 118 bytes back, 3 refused, 12 locality changes, no failure)" \
	python3 /tmp/expect.py "$S" commands=3 responses=3 errors=0 bytes_to_tpm=44 \
	bytes_from_tpm=118 rejected_commands=3 bad_responses=0 timeouts=0 \
	backend_failures=0 cancelled=0 locality_changes=12 service_count=3
sed 's/^/# sysfs: /' "$KTAP_OUT"

"$v" stats "$id" --json >/tmp/stats.json 2>/tmp/stats.err
cat >/tmp/agree.py <<'PY'
import json, os, sys
S, path = sys.argv[1], sys.argv[2]
d = json.load(open(path))
files = sorted(os.listdir(S))
bad = [f for f in files if d.get(f) != int(open(os.path.join(S, f)).read())]
assert not bad, "differ from sysfs: " + ", ".join(
    "%s json %s sysfs %s" % (f, d.get(f), open(os.path.join(S, f)).read().strip()) for f in bad)
assert d["id"] == int(sys.argv[3]), d["id"]
h = d["service_hist"]
assert len(h) == 32 and sum(h) == d["service_count"], h
assert d["mmio_reads"] == sum(d["mmio_reads_" + c] for c in ("access", "int", "sts", "fifo", "id", "other", "log"))
assert d["service_max_ns"] > 0 and d["service_total_ns"] >= d["service_max_ns"]
print("%d keys agree with %d sysfs files; histogram %s" % (len(d), len(files), h))
PY
ktap_check "stats: vtisctl stats --json parses (python json) and agrees with every sysfs file" \
	python3 /tmp/agree.py "$S" /tmp/stats.json "$id"
ktap_diag "$KTAP_OUT"
"$v" stats "$id" >/tmp/stats.txt 2>&1
ktap_check "stats: vtisctl stats text agrees with --json" python3 -c '
import json, sys
d = json.load(open("/tmp/stats.json"))
t = dict(l.split(" ", 1) for l in open("/tmp/stats.txt").read().splitlines())
for k, val in d.items():
    want = " ".join(map(str, val)) if isinstance(val, list) else str(val)
    assert t[k] == want, (k, t[k], want)
'
ktap_check "stats: debugfs service_time counts the 3 commands" \
	sh -c "grep -q '^count 3 ' /sys/kernel/debug/kvm_vtis/$id/service_time && \
	       [ \"\$(awk '/ us /{s+=\$NF} END{print s}' /sys/kernel/debug/kvm_vtis/$id/service_time)\" = 3 ]"
ktap_check "stats: debugfs tis shows a TPM 2.0 core at rest (no command in flight, 5 localities)" \
	sh -c "f=/sys/kernel/debug/kvm_vtis/$id/tis; grep -q '^family 2 .* busy 0 ' \$f && \
	       grep -q '^len [0-9]* rw_offset [0-9]*\$' \$f && [ \"\$(grep -c '^loc [0-4] state ' \$f)\" = 5 ]"
ktap_check "stats: vtisctl stats --watch --count 2 shows the device twice" \
	sh -c "'$v' stats --watch --count 2 --interval 1 >/tmp/watch.out && [ \"\$(grep -c '^$id ' /tmp/watch.out)\" = 2 ]"
ktap_check "stats: vtisctl stats --watch $id --count 1" \
	sh -c "'$v' stats --watch $id --count 1 | grep -q '^$id  *3 '"
mmio_total=$(( $(cat "$S/mmio_reads") + $(cat "$S/mmio_writes") ))
hold_end obs /tmp/obs.hold
wait_for 20 grep -q "kvm_vtis_emu_disconnect: dev $id " "$T/trace"
trace_off
cp "$T/trace" /tmp/trace-obs.txt

# The sequence in the trace, mmio left out: ordinals, return codes, order.
cat >/tmp/order.py <<'PY'
import re, sys
dev, mmio_total = sys.argv[1], int(sys.argv[2])
ev = []
mmio = 0
for line in open("/tmp/trace-obs.txt"):
    m = re.search(r"kvm_vtis_(\w+): dev (\d+) (.*)$", line)
    if not m or m.group(2) != dev:
        continue
    if m.group(1) == "mmio":
        mmio += 1
        continue
    ev.append("%s: %s" % (m.group(1), m.group(3)))
loc = lambda a, b: r"locality: from %s to %s" % (a, b)
sub = lambda l, o, n: r"cmd_submit: loc %d ordinal %s len %d" % (l, o, n)
ok = lambda l: r"cmd_complete: loc %d rc 0x0 len \d+ service_ns [1-9]\d* result ok" % l
rej = lambda why, o, rc, n: r"reject: loc 0 reason %s ordinal %s rc %s len %d" % (why, o, rc, n)
want = [r"emu_connect: pid \d+",
        loc(-1, 0), sub(0, "0x17b", 12), ok(0), loc(0, -1),
        loc(-1, 0), rej("vendor", "0x20001000", "0x143", 11), loc(0, -1),
        loc(-1, 0), rej("prefix", "0x5a5a5a5a", "0x143", 4096), loc(0, -1),
        loc(-1, 0), rej("size", "0x17b", "0x142", 4096), loc(0, -1),
        loc(-1, 2), sub(2, "0x17b", 12), ok(2), loc(2, -1),
        loc(-1, 0), sub(0, "0x17e", 20), ok(0), loc(0, -1),
        r"emu_disconnect: mid_command 0"]
for i, w in enumerate(want):
    if i >= len(ev) or not re.fullmatch(w, ev[i]):
        print("event %d: got %r, want %r" % (i, ev[i] if i < len(ev) else None, w))
        print("\n".join(ev))
        sys.exit(1)
if len(ev) != len(want):
    sys.exit("extra events: %r" % ev[len(want):])
print("%d events in order; %d mmio events" % (len(ev), mmio))
if mmio != mmio_total:
    sys.exit("%d mmio events, the device counted %d accesses" % (mmio, mmio_total))
PY
ktap_check "trace: the sequence in order (connect, locality, submit/complete with ordinals and rc, 3 rejects, disconnect), one mmio event per counted access" \
	python3 /tmp/order.py "$id" "$mmio_total"
sed 's/^/# trace: /' "$KTAP_OUT" | head -n 5
ktap_check "trace: the first access is the guest reading ACCESS of locality 0" \
	sh -c "grep -m1 'kvm_vtis_mmio: dev $id ' /tmp/trace-obs.txt | grep -q 'loc 0 read off 0x000 len 1 val 0x81$'"
ktap_check "trace: six GO writes (every command, refused ones too)" \
	sh -c "[ \"\$(grep -c 'kvm_vtis_mmio: dev $id loc [0-4] write off 0x018 len 1 val 0x20$' /tmp/trace-obs.txt)\" = 6 ]"

# --- 2. storm and a malformed emulator: counters, trace, a quiet log ----
dmesg >/tmp/dmesg.before
ktap_run "storm: " logged /tmp/storm.out \
	"$vmm" --spawn-swtpm --timeout 400 --storm 30000 storm
storm_id=$(sed -n 's/^# vtis-device-id \([0-9]*\)$/\1/p' /tmp/storm.out)

old_timeout=$(cat /sys/module/kvm_vtis/parameters/emu_timeout_ms)
echo 100 >/sys/module/kvm_vtis/parameters/emu_timeout_ms
trace_on reject cmd_complete emu_connect emu_disconnect
rm -f /tmp/bad.emu /tmp/bad.hold
"$vmm" --hold /tmp/bad.hold --emu-file /tmp/bad.emu --wait-emu 60 --expect-errors \
	--timeout 400 --loop-secs 8 loop >/tmp/bad.out 2>/tmp/bad.err &
VMM_PID=$!
emu_pid=
if wait_for 120 test -s /tmp/bad.emu; then
	"$VMM_DIR/bad_emu" "/dev/$(cat /tmp/bad.emu)" 300 >/tmp/bad_emu.out 2>&1 &
	emu_pid=$!
fi
bad_id=
wait_for 240 test -s /tmp/bad.hold && bad_id=$(cat /tmp/bad.hold)
B=/sys/class/vtis/vtis$bad_id/stats
if [ -n "$bad_id" ]; then
	trace_off
	cat >/tmp/bad.py <<'PY'
import collections, os, re, sys
dev, S = sys.argv[1], sys.argv[2]
st = {f: int(open(os.path.join(S, f)).read()) for f in os.listdir(S)}
n = collections.Counter()
for line in open("/sys/kernel/tracing/trace"):
    m = re.search(r"kvm_vtis_(\w+): dev (\d+) .*?(?:reason|result) (\w+)", line)
    if m and m.group(2) == dev:
        n[m.group(1) + ":" + m.group(3)] += 1
print("sysfs:", {k: st[k] for k in ("commands", "responses", "errors", "bad_responses",
      "timeouts", "backend_failures", "service_count")}, "trace:", dict(n))
assert st["bad_responses"] > 0 and st["timeouts"] > 0 and st["backend_failures"] > 0, st
assert st["bad_responses"] == n["reject:bad_response"] + n["reject:emu_protocol"]
assert n["reject:bad_response"] > 0 and n["reject:emu_protocol"] > 0
assert st["timeouts"] == n["reject:timeout"]
assert st["backend_failures"] == n["reject:locality_refused"] + n["reject:no_emulator"] + n["reject:emu_gone"]
assert st["service_count"] == sum(v for k, v in n.items() if k.startswith("cmd_complete:"))
assert n["cmd_complete:bad_response"] == n["reject:bad_response"]
PY
	ktap_check "malformed: bad responses, refused writes, timeouts and a refused locality are counted in sysfs, once each in the trace" \
		python3 /tmp/bad.py "$bad_id" "$B"
	ktap_diag "$KTAP_OUT"
	"$v" stats "$bad_id" --json >/tmp/bad.json 2>&1
	ktap_check "malformed: vtisctl stats --json agrees with sysfs" python3 /tmp/agree.py "$B" /tmp/bad.json "$bad_id"
else
	ktap_fail "malformed: the VMM runs its loop against the malformed emulator"
fi
hold_end bad /tmp/bad.hold
trace_off
echo "$old_timeout" >/sys/module/kvm_vtis/parameters/emu_timeout_ms
[ -n "$emu_pid" ] && wait_for 20 sh -c "! kill -0 $emu_pid 2>/dev/null"
[ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null
sed 's/^/# /' /tmp/bad_emu.out 2>/dev/null

dmesg >/tmp/dmesg.after
tail -n +"$(($(wc -l </tmp/dmesg.before) + 1))" /tmp/dmesg.after >/tmp/dmesg.new
sed 's/^/# new host log line: /' /tmp/dmesg.new
cat >/tmp/quiet.py <<'PY'
import collections, re, sys
lines = open("/tmp/dmesg.new").read().splitlines()
ours = [l for l in lines if "kvm_vtis" in l]
per = collections.Counter()
for l in ours:
    m = re.search(r"kvm_vtis: device (\d+): ", l)
    assert m, "a kvm_vtis line without its device id: " + l
    per[m.group(1)] += 1
assert all(n <= 5 for n in per.values()), per
assert len(lines) <= 12, "%d new host log lines" % len(lines)
print("%d new lines, kvm_vtis lines per device: %s" % (len(lines), dict(per)))
PY
ktap_check "quiet: after the storm (device ${storm_id:-?}) and the malformed emulator (device ${bad_id:-?}) the host log grew by a handful of lines, at most 5 per device, each with its device id" \
	python3 /tmp/quiet.py
ktap_diag "$KTAP_OUT"
ktap_check "the runs left no warning in the kernel log" no_splat
