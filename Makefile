# SPDX-License-Identifier: GPL-2.0
# kvm_vtis: top-level build and test entry points.
#
#   make            module (kvm_vtis.ko) and tools (vtisctl)
#   make C=2        the same with sparse on every module source
#   make check      install what is missing, run every test layer,
#                   end with "N passed, N failed"
#   make demo       boot the test host and show kvm_vtis at work
#   make build | unit | kunit | fuzz | dkms | vm | vm-6.12 | vm-debug
#                   one test layer (VTIS_JOBS test hosts at once)
#   make check-debug   the vm-debug layer alone: the VM tests without a
#                   Linux guest and the KUnit suites on a KASAN, lockdep,
#                   kmemleak and UBSAN kernel (built once, cached)
#   make soak       the long loops (swtpm killed 100 times, 1000 teardown
#                   races) on each kernel, and the vm layer twice at once
#   make fuzz       fuzz the TIS core for FUZZ_TIME seconds (default 600)
#   make bench      benchmark kvm_vtis against QEMU's tpm-tis and tpm-crb
#                   in the test host (BENCH_ITER, BENCH_ITER_LONG,
#                   BENCH_PATHS, BENCH_OUT); results in bench-results/
#   make install    module, vtisctl, man page, uapi header, udev rule
#                   (DESTDIR, PREFIX=/usr/local); make uninstall undoes it;
#                   make install-tools: all of it but the module

# The newest installed Debian 6.1 kernel's headers, unless told otherwise.
KVER ?= $(shell ls -d /lib/modules/6.1.*/build 2>/dev/null | sort -V | tail -n 1 | cut -d/ -f4)
KDIR ?= /lib/modules/$(KVER)/build

# BTF for modules needs the kernel's vmlinux, which headers don't carry.
KBUILD_ARGS := -C $(KDIR) M=$(CURDIR) CONFIG_DEBUG_INFO_BTF_MODULES=

PREFIX ?= /usr/local
DESTDIR ?=
MODDIR := $(DESTDIR)/lib/modules/$(KVER)/extra
UDEVDIR := $(DESTDIR)/etc/udev/rules.d
INSTALLED := $(MODDIR)/kvm_vtis.ko $(DESTDIR)$(PREFIX)/sbin/vtisctl \
	$(DESTDIR)$(PREFIX)/sbin/vtis-qemu-reset \
	$(DESTDIR)$(PREFIX)/share/man/man8/vtisctl.8 \
	$(DESTDIR)$(PREFIX)/include/linux/kvm_vtis.h \
	$(UDEVDIR)/60-kvm-vtis.rules

.PHONY: all module tools check demo build unit kunit vm dkms vm-6.12 vm-debug check-debug soak \
	deps clean help install install-tools uninstall fuzz bench

all: module tools

module:
	@test -d "$(KDIR)" || { echo "kvm_vtis: no kernel build tree at $(KDIR) (install linux-headers-amd64, or set KVER/KDIR)" >&2; exit 1; }
	$(MAKE) $(KBUILD_ARGS) modules

tools:
	@if [ -f tools/Makefile ]; then $(MAKE) -C tools; fi

deps:
	scripts/install-deps.sh test

check: deps
	tests/check.sh

demo: deps
	tests/demo.sh

build unit kunit vm dkms vm-6.12 vm-debug soak: deps
	tests/check.sh $@

check-debug: deps
	tests/check.sh vm-debug

FUZZ_TIME ?= 600
fuzz: deps
	FUZZ_TIME=$(FUZZ_TIME) tests/fuzz/fuzz.sh

# Not part of make check's pass/fail (its smoke run, tests/bench/run, is).
bench: deps
	tests/bench/run --full

# depmod only for the running system: a staging root (DESTDIR) gets the
# files, and whoever installs them from there runs depmod.
install: all install-tools
	install -D -m 644 kvm_vtis.ko $(MODDIR)/kvm_vtis.ko
	@if [ -z "$(DESTDIR)" ]; then depmod -a $(KVER); fi

# Everything but the module (which DKMS installs).
install-tools: tools
	install -D -m 755 tools/vtisctl $(DESTDIR)$(PREFIX)/sbin/vtisctl
	install -D -m 755 tools/vtis-qemu-reset $(DESTDIR)$(PREFIX)/sbin/vtis-qemu-reset
	install -D -m 644 tools/vtisctl.8 $(DESTDIR)$(PREFIX)/share/man/man8/vtisctl.8
	install -D -m 644 uapi/linux/kvm_vtis.h $(DESTDIR)$(PREFIX)/include/linux/kvm_vtis.h
	install -D -m 644 udev/60-kvm-vtis.rules $(UDEVDIR)/60-kvm-vtis.rules
	@if [ -z "$(DESTDIR)" ]; then udevadm control --reload 2>/dev/null || true; fi

uninstall:
	rm -f $(INSTALLED)
	@if [ -z "$(DESTDIR)" ]; then depmod -a $(KVER); \
		udevadm control --reload 2>/dev/null || true; fi

clean:
	$(MAKE) $(KBUILD_ARGS) clean
	@if [ -f tools/Makefile ]; then $(MAKE) -C tools clean; fi
	rm -f kmod/compat_probed.h

help:
	@sed -n '3,21p' Makefile
