#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vtisctl against the real module: attach to a KVM VM fd inherited and
# taken with --pid, list/info in text and JSON, the overlap and --host-tpm
# errors, detach, and the errors for ids that are gone.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"
v=$VTIS_ROOT/tools/vtisctl

ktap_check "load kvm_vtis" vtis_load
"$VMM_DIR/vmfd" sleep 600 &
holder=$!
wait_for 10 sh -c "[ \"\$(readlink /proc/$holder/fd/5)\" = anon_inode:kvm-vm ]"
ktap_check "holder has a VM fd" test "$(readlink /proc/$holder/fd/5)" = anon_inode:kvm-vm

"$v" attach --pid "$holder" --vm-fd 5 --emulator --json >/tmp/a.json 2>/tmp/a.err
ktap_check "attach --pid --json succeeds" test -s /tmp/a.json -a ! -s /tmp/a.err
echo "# $(cat /tmp/a.json /tmp/a.err)"
id=$(python3 -c 'import json; print(json.load(open("/tmp/a.json"))["id"])')
emu=$(python3 -c 'import json; print(json.load(open("/tmp/a.json"))["emulator"])')
ktap_check "attach JSON: emulator $emu is a char device" test -c "$emu"
ktap_check "attach JSON: base and tpm" python3 -c 'import json; d=json.load(open("/tmp/a.json")); assert d["base"]==0xfed40000 and d["tpm"]=="2.0" and d["backend"]=="emulator", d'

"$v" attach --pid "$holder" --vm-fd 5 --emulator >/tmp/o.out 2>/tmp/o.err
rc=$?
echo "# overlap: rc=$rc $(cat /tmp/o.err)"
ktap_check "overlapping attach: exit 1, one line naming the overlap" \
	sh -c "[ $rc -eq 1 ] && [ \$(wc -l </tmp/o.err) -eq 1 ] && grep -q overlaps /tmp/o.err"

"$v" attach --pid "$holder" --vm-fd 5 --base 0xfed50000 --tpm 1.2 --emulator >/tmp/b.out 2>/tmp/b.err
echo "# second: $(cat /tmp/b.out /tmp/b.err | tr '\n' ' ')"
ktap_check "attach 1.2 at 0xfed50000: text output" \
	sh -c "grep -q '^id [0-9]' /tmp/b.out && grep -q '^emulator /dev/vtis-emu' /tmp/b.out && grep -qx 'base 0xfed50000' /tmp/b.out && grep -qx 'tpm 1.2' /tmp/b.out"
id2=$(sed -n 's/^id //p' /tmp/b.out)

"$VMM_DIR/vmfd" "$v" attach --vm-fd 5 --host-tpm >/tmp/h.out 2>/tmp/h.err
rc=$?
echo "# host-tpm: rc=$rc $(cat /tmp/h.out /tmp/h.err)"
ktap_check "attach --host-tpm on an inherited fd: success or one clear line" \
	sh -c "[ $rc -eq 0 ] || { [ $rc -eq 1 ] && [ \$(wc -l </tmp/h.err) -eq 1 ]; }"

"$v" list | sed 's/^/# /'
"$v" list --json >/tmp/l.json
ktap_check "list --json has both devices with owner pid, base, family" python3 - "$id" "$id2" "$holder" <<'PY'
import json, sys
d = {x["id"]: x for x in json.load(open("/tmp/l.json"))}
a, b, pid = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
assert d[a]["owner_pid"] == pid and d[a]["tpm"] == "2.0" and d[a]["base"] == 0xfed40000, d
assert d[b]["tpm"] == "1.2" and d[b]["base"] == 0xfed50000, d
assert d[a]["emulator_connected"] is False and d[a]["commands"] == 0, d
PY
"$v" info "$id" | sed 's/^/# /'
ktap_check "info --json $id" sh -c "'$v' info '$id' --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"id\"]==$id and \"mmio_reads\" in d'"
ktap_check "detach $id" "$v" detach "$id"
ktap_check "detach $id2" "$v" detach "$id2"
"$v" detach "$id" 2>/tmp/d.err
rc=$?
ktap_check "detach of a gone id: exit 1, 'no device with id'" sh -c "[ $rc -eq 1 ] && grep -q 'no device with id $id' /tmp/d.err"
"$v" info "$id" 2>/tmp/i.err
rc=$?
ktap_check "info of a gone id: exit 1" sh -c "[ $rc -eq 1 ] && grep -q 'no device with id' /tmp/i.err"
ktap_check "list --json is empty after detaching" sh -c "'$v' list --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert not [x for x in d if x[\"owner_pid\"]==$holder], d'"
kill "$holder"
wait "$holder" 2>/dev/null
ktap_check "host log clean" no_splat
