#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vtisctl reset / save / restore command lines: argument errors give exit 2
# and one "vtisctl: " line; restore checks a blob's envelope (magic,
# version, length, CRC-32, size) before it talks to the kernel and names
# what is wrong (exit 1).
set -u
. "$(dirname "$0")/lib.bash"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; ktap_finish' EXIT
out=$tmp/out
err=$tmp/err

# expect RC DESCRIPTION PATTERN -- ARGS...
expect() {
	local want=$1 desc=$2 pat=$3
	shift 4
	"$VTISCTL" "$@" >"$out" 2>"$err" </dev/null
	local rc=$? lines
	lines=$(wc -l <"$err")
	if [ "$rc" -eq "$want" ] && [ "$lines" -eq 1 ] && [ ! -s "$out" ] &&
	    grep -q '^vtisctl: ' "$err" && grep -Eq -- "$pat" "$err"; then
		ktap_ok "state-cli: $desc: exit $want: $(cat "$err")"
	else
		ktap_fail "state-cli: $desc (vtisctl $*): exit $rc, want $want, $lines stderr lines"
		ktap_diag "$err" "$out"
	fi
}

# reset
expect 2 "reset: no ID" "a device ID is required" -- reset
expect 2 "reset: ID 0" "ID '0' must be a number" -- reset 0
expect 2 "reset: ID not a number" "ID 'x' must be" -- reset x
expect 2 "reset: extra argument" "unexpected argument 'y'" -- reset 1 y
expect 2 "reset: --ctrl without value" "needs a value" -- reset 1 --ctrl
expect 2 "reset: --ctrl empty" "needs a socket path" -- reset 1 --ctrl ''
expect 2 "reset: unknown option" "unknown option '--frob'" -- reset 1 --frob
# save
expect 2 "save: no FILE" "a device ID and a FILE are required" -- save 1
expect 2 "save: nothing" "a device ID and a FILE are required" -- save
expect 2 "save: extra argument" "unexpected argument 'z'" -- save 1 f z
expect 2 "save: ID above u32" "must be a number" -- save 4294967296 f
expect 2 "save: --wait not a number" "--wait 'x'" -- save 1 f --wait x
expect 2 "save: --wait too large" "--wait '3601'" -- save 1 f --wait 3601
expect 2 "save: empty FILE" "FILE must not be empty" -- save 1 ''
# restore
expect 2 "restore: no FILE" "a device ID and a FILE are required" -- restore 1
expect 2 "restore: unknown option" "unknown option '--force'" -- restore 1 f --force
expect 1 "restore: FILE missing" "cannot open .*/nope" -- restore 1 "$tmp/nope"

for c in reset save restore; do
	if "$VTISCTL" "$c" --help >"$out" 2>"$err" && grep -q "^Usage: vtisctl $c ID" "$out" &&
	    [ ! -s "$err" ]; then
		ktap_ok "state-cli: $c --help prints its usage"
	else
		ktap_fail "state-cli: $c --help"
	fi
done
"$VTISCTL" --help >"$out"
ktap_check "state-cli: vtisctl --help lists reset, save and restore" \
	grep -q '^  reset ID' "$out"

# Blobs: a well-formed envelope, and broken ones (see the uapi header).
python3 - "$tmp" <<'PY'
import struct, sys, zlib
d = sys.argv[1]
def blob(magic=0x53495456, ver=1, hdr=32, length=None, payload=b"\0" * 88,
         crc=None):
    n = 32 + len(payload) if length is None else length
    h = struct.pack("<IHHIIIIII", magic, ver, hdr, n, 2, 1, 0, 0, 0)
    b = bytearray(h + payload)
    c = zlib.crc32(bytes(b)) if crc is None else crc
    b[24:28] = struct.pack("<I", c)
    return bytes(b)
good = blob()
files = {
    "good": good,
    "empty": b"",
    "short": good[:20],
    "magic": blob(magic=0x12345678),
    "version": blob(ver=2),
    "truncated": good[:-1],
    "trailing": good + b"\0",
    "crc": good[:-1] + b"\1",
    "big": blob(payload=b"\0" * 9000),
}
for k, v in files.items():
    open(f"{d}/{k}.blob", "wb").write(v)
PY
expect 1 "restore: empty file" "shorter than its header" -- restore 1 "$tmp/empty.blob"
expect 1 "restore: 20 bytes" "shorter than its header" -- restore 1 "$tmp/short.blob"
expect 1 "restore: bad magic" "bad magic" -- restore 1 "$tmp/magic.blob"
expect 1 "restore: unknown version" "unknown blob version" -- restore 1 "$tmp/version.blob"
expect 1 "restore: truncated by one byte" "truncated" -- restore 1 "$tmp/truncated.blob"
expect 1 "restore: a byte too many" "trailing bytes" -- restore 1 "$tmp/trailing.blob"
expect 1 "restore: one byte flipped" "checksum mismatch" -- restore 1 "$tmp/crc.blob"
expect 1 "restore: larger than any blob" "too large" -- restore 1 "$tmp/big.blob"
# A sound envelope passes the tool's checks and reaches the kernel (no
# module here, or no such device there).
expect 1 "restore: a sound envelope goes to the kernel" \
	"kvm_vtis module loaded|no device with id 77|refused" -- restore 77 "$tmp/good.blob"
