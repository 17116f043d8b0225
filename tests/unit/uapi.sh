#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# uapi/linux/kvm_vtis.h stands on its own: it compiles alone as C90
# (pedantic) and C++ against the system's <linux/types.h>, every struct is
# exactly its *_SIZE_VER0 bytes with the same layout on 64-bit and 32-bit
# x86 (no compat ioctl needed), and the ioctl numbers encode those sizes.
set -u
. "$(dirname "$0")/lib.bash"

hdr=$VTIS_ROOT/uapi/linux/kvm_vtis.h
inc=$VTIS_ROOT/uapi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; ktap_finish' EXIT

compiles() {	# LOG COMMAND...
	local log=$1
	shift
	if "$@" >"$log" 2>&1; then
		return 0
	fi
	ktap_diag "$log"
	return 1
}

printf '#include <linux/kvm_vtis.h>\n' >"$tmp/only.c"
cat >"$tmp/use.c" <<'EOF_C'
#include <linux/kvm_vtis.h>
static struct kvm_vtis_attach a;
static struct kvm_vtis_detach d;
static struct kvm_vtis_list l;
static struct kvm_vtis_info i;
static struct kvm_vtis_stats s;
static struct kvm_vtis_irq q;
static struct kvm_vtis_reset r;
static struct kvm_vtis_state st;
static const unsigned long nr[] = {
	KVM_VTIS_GET_API_VERSION, KVM_VTIS_ATTACH, KVM_VTIS_DETACH,
	KVM_VTIS_LIST, KVM_VTIS_INFO, KVM_VTIS_STATS, KVM_VTIS_SET_IRQ,
	KVM_VTIS_RESET, KVM_VTIS_SAVE_STATE, KVM_VTIS_RESTORE_STATE,
};
int main(void)
{
	return (int)(sizeof(a) + sizeof(d) + sizeof(l) + sizeof(i) + sizeof(s) +
		     sizeof(q) + sizeof(r) + sizeof(st) + sizeof(nr));
}
EOF_C
ktap_check "uapi: header alone compiles as C90 (gcc -std=c90 -pedantic -Wall -Wextra -Werror)" \
	compiles "$tmp/c90.log" gcc -std=c90 -pedantic -Wall -Wextra -Werror -fsyntax-only \
	-I"$inc" "$tmp/only.c"
ktap_check "uapi: structs and ioctl numbers usable in C90" \
	compiles "$tmp/c90u.log" gcc -std=c90 -pedantic -Wall -Wextra -Werror -fsyntax-only \
	-I"$inc" "$tmp/use.c"
ktap_check "uapi: header compiles as a header on its own (gcc -x c-header)" \
	compiles "$tmp/hdr.log" gcc -std=c90 -pedantic -Wall -Werror -fsyntax-only -x c-header \
	-I"$inc" "$hdr"
ktap_check "uapi: header compiles as C++ (g++ -Wall -Wextra -Werror -pedantic)" \
	compiles "$tmp/cxx.log" g++ -Wall -Wextra -Werror -pedantic -fsyntax-only -x c++ \
	-I"$inc" "$tmp/use.c"

# Sizes, the offsets of 64-bit fields, and ioctl numbers, for -m64 and -m32.
cat >"$tmp/sizes.c" <<'EOF_C'
#include <stddef.h>
#include <stdio.h>
#include <linux/kvm_vtis.h>
#define SZ(s, v) printf("size %s %u %u\n", #s, (unsigned)sizeof(struct s), (unsigned)(v))
#define OFF(s, f) printf("offset %s.%s %u\n", #s, #f, (unsigned)offsetof(struct s, f))
#define NR(n) printf("ioctl %s 0x%08x\n", #n, (unsigned)(n))
int main(void)
{
	SZ(kvm_vtis_attach, KVM_VTIS_ATTACH_SIZE_VER1);
	SZ(kvm_vtis_detach, KVM_VTIS_DETACH_SIZE_VER0);
	SZ(kvm_vtis_list, KVM_VTIS_LIST_SIZE_VER0);
	SZ(kvm_vtis_info, KVM_VTIS_INFO_SIZE_VER2);
	SZ(kvm_vtis_stats, KVM_VTIS_STATS_SIZE_VER0);
	SZ(kvm_vtis_irq, KVM_VTIS_IRQ_SIZE_VER0);
	SZ(kvm_vtis_reset, KVM_VTIS_RESET_SIZE_VER0);
	SZ(kvm_vtis_state, KVM_VTIS_STATE_SIZE_VER0);
	OFF(kvm_vtis_state, data);
	NR(KVM_VTIS_RESET); NR(KVM_VTIS_SAVE_STATE); NR(KVM_VTIS_RESTORE_STATE);
	OFF(kvm_vtis_stats, commands); OFF(kvm_vtis_stats, service_hist);
	OFF(kvm_vtis_attach, base); OFF(kvm_vtis_attach, id);
	OFF(kvm_vtis_attach, emu_name); OFF(kvm_vtis_attach, log_size);
	OFF(kvm_vtis_attach, interface);
	OFF(kvm_vtis_list, ids); OFF(kvm_vtis_list, count);
	OFF(kvm_vtis_info, base); OFF(kvm_vtis_info, emu_name);
	OFF(kvm_vtis_info, commands); OFF(kvm_vtis_info, bytes_from_tpm);
	OFF(kvm_vtis_info, irq); OFF(kvm_vtis_info, interface);
	NR(KVM_VTIS_GET_API_VERSION); NR(KVM_VTIS_ATTACH); NR(KVM_VTIS_DETACH);
	NR(KVM_VTIS_LIST); NR(KVM_VTIS_INFO); NR(KVM_VTIS_STATS);
	NR(KVM_VTIS_SET_IRQ);
	return 0;
}
EOF_C
if compiles "$tmp/m64.log" gcc -std=gnu11 -Wall -Werror -I"$inc" -o "$tmp/sizes64" "$tmp/sizes.c" &&
    "$tmp/sizes64" >"$tmp/s64"; then
	ktap_ok "uapi: layout probe builds and runs (64-bit)"
	while read -r kind name got want; do
		[ "$kind" = size ] || continue
		ktap_check "uapi: sizeof(struct $name) is its newest size ($want)" test "$got" = "$want"
	done <"$tmp/s64"
	# _IOC(dir, 0xB8, nr, size): dir 0 none, 1 write, 2 read, 3 both
	ioc() { printf '0x%08x' $((($1 << 30) | ($4 << 16) | ($2 << 8) | $3)); }
	for want in "KVM_VTIS_GET_API_VERSION $(ioc 0 0xB8 0 0)" \
		    "KVM_VTIS_ATTACH $(ioc 3 0xB8 1 72)" "KVM_VTIS_DETACH $(ioc 1 0xB8 2 16)" \
		    "KVM_VTIS_LIST $(ioc 3 0xB8 3 24)" "KVM_VTIS_INFO $(ioc 3 0xB8 4 128)" \
		    "KVM_VTIS_STATS $(ioc 3 0xB8 5 520)" "KVM_VTIS_SET_IRQ $(ioc 1 0xB8 6 32)" \
		    "KVM_VTIS_RESET $(ioc 1 0xB8 7 16)" \
		    "KVM_VTIS_SAVE_STATE $(ioc 3 0xB8 8 24)" \
		    "KVM_VTIS_RESTORE_STATE $(ioc 1 0xB8 9 24)"; do
		ktap_check "uapi: ioctl ${want% *} is ${want#* }" grep -qx "ioctl $want" "$tmp/s64"
	done
else
	ktap_fail "uapi: layout probe builds and runs (64-bit)"
fi
# 32-bit x86: run the same probe when 32-bit libraries are there, else
# check at compile time (which needs none).
if gcc -m32 -std=gnu11 -Wall -Werror -I"$inc" -I/usr/include/x86_64-linux-gnu \
	-o "$tmp/sizes32" "$tmp/sizes.c" >"$tmp/m32.log" 2>&1 && "$tmp/sizes32" >"$tmp/s32"; then
	ktap_check "uapi: 32-bit x86 layout and ioctl numbers equal 64-bit ones" diff "$tmp/s64" "$tmp/s32"
elif gcc -m32 -std=gnu11 -Werror -fsyntax-only -I"$inc" -I/usr/include/x86_64-linux-gnu \
	-x c - >/dev/null 2>&1 <<'EOF_C'
#include <stddef.h>
#include <linux/kvm_vtis.h>
_Static_assert(sizeof(struct kvm_vtis_attach) == KVM_VTIS_ATTACH_SIZE_VER1, "attach");
_Static_assert(offsetof(struct kvm_vtis_attach, log_size) == KVM_VTIS_ATTACH_SIZE_VER0, "attach.log_size");
_Static_assert(sizeof(struct kvm_vtis_detach) == KVM_VTIS_DETACH_SIZE_VER0, "detach");
_Static_assert(sizeof(struct kvm_vtis_list) == KVM_VTIS_LIST_SIZE_VER0, "list");
_Static_assert(sizeof(struct kvm_vtis_info) == KVM_VTIS_INFO_SIZE_VER2, "info");
_Static_assert(offsetof(struct kvm_vtis_info, interface) == KVM_VTIS_INFO_SIZE_VER1, "info.interface");
_Static_assert(offsetof(struct kvm_vtis_info, irq) == KVM_VTIS_INFO_SIZE_VER0, "info.irq");
_Static_assert(sizeof(struct kvm_vtis_stats) == KVM_VTIS_STATS_SIZE_VER0, "stats");
_Static_assert(sizeof(struct kvm_vtis_irq) == KVM_VTIS_IRQ_SIZE_VER0, "irq");
_Static_assert(offsetof(struct kvm_vtis_stats, commands) == 16, "stats.commands");
_Static_assert(offsetof(struct kvm_vtis_info, commands) == 64, "info.commands");
_Static_assert(offsetof(struct kvm_vtis_list, ids) == 8, "list.ids");
_Static_assert(offsetof(struct kvm_vtis_attach, base) == 16, "attach.base");
_Static_assert(sizeof(struct kvm_vtis_reset) == KVM_VTIS_RESET_SIZE_VER0, "reset");
_Static_assert(sizeof(struct kvm_vtis_state) == KVM_VTIS_STATE_SIZE_VER0, "state");
_Static_assert(offsetof(struct kvm_vtis_state, data) == 16, "state.data");
EOF_C
then
	ktap_ok "uapi: 32-bit x86 sizes and 64-bit field offsets equal the 64-bit ones (compile-time)"
else
	ktap_fail "uapi: 32-bit x86 layout equals the 64-bit one"
	ktap_diag "$tmp/m32.log"
fi
