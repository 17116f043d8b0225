# SPDX-License-Identifier: GPL-2.0
# kvm_vtis: top-level build and test entry points.
#
#   make            module (kvm_vtis.ko, for the running kernel or KVER)
#                   and tools (vtisctl)
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
#   make install    the module for KVER, vtisctl, vtis-qemu, vtis-qemu-reset,
#                   their man pages, bash completion, the uapi header, the
#                   udev rule and the modules-load.d file (DESTDIR,
#                   PREFIX=/usr/local); make uninstall undoes it;
#                   make install-tools: all of it but the module (which
#                   DKMS or the Debian package kvm-vtis-dkms installs)

# The version is written in VERSION alone: Kbuild (MODULE_VERSION),
# tools/Makefile (vtisctl --version), dkms.conf and debian/rules read it.

# The running kernel, unless told otherwise (KVER=6.1.0-NN-amd64).
KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build

# BTF for modules needs the kernel's vmlinux, which headers don't carry.
KBUILD_ARGS := -C $(KDIR) M=$(CURDIR) CONFIG_DEBUG_INFO_BTF_MODULES=

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR := $(DESTDIR)$(PREFIX)/bin
MAN8DIR := $(DESTDIR)$(PREFIX)/share/man/man8
INCDIR := $(DESTDIR)$(PREFIX)/include/linux
COMPLDIR := $(DESTDIR)$(PREFIX)/share/bash-completion/completions
MODDIR := $(DESTDIR)/lib/modules/$(KVER)/extra
# The administrator's directories by default; the Debian package puts
# these two files in the system's (/usr/lib/udev/rules.d and
# /usr/lib/modules-load.d, see debian/rules).
UDEVRULESDIR ?= /etc/udev/rules.d
MODULESLOADDIR ?= /etc/modules-load.d
# The module is loaded at boot (systemd-modules-load reads this file), so
# /dev/kvm-vtis exists without a modprobe.  Unloaded, it comes back on the
# first open of /dev/kvm-vtis: a fixed misc minor and a devname alias
# (kmod/ctl.h) make kmod create the node at boot.
TOOLS_INSTALLED := $(BINDIR)/vtisctl $(BINDIR)/vtis-qemu $(BINDIR)/vtis-qemu-reset \
	$(MAN8DIR)/vtisctl.8 $(MAN8DIR)/vtis-qemu.8 $(MAN8DIR)/vtis-qemu-reset.8 \
	$(COMPLDIR)/vtisctl $(INCDIR)/kvm_vtis.h \
	$(DESTDIR)$(UDEVRULESDIR)/60-kvm-vtis.rules \
	$(DESTDIR)$(MODULESLOADDIR)/kvm-vtis.conf
INSTALLED := $(MODDIR)/kvm_vtis.ko $(TOOLS_INSTALLED)
# Where versions before 0.1.0's packaging put the tools: first on root's
# PATH, so a copy left there would shadow the new one.
OLD_SBIN := $(DESTDIR)$(PREFIX)/sbin/vtisctl $(DESTDIR)$(PREFIX)/sbin/vtis-qemu-reset

.PHONY: all module tools check demo build unit kunit vm dkms vm-6.12 vm-debug check-debug soak \
	deps clean help install install-tools uninstall fuzz bench

all: module tools

module:
	@test -d "$(KDIR)" || { \
		echo "kvm_vtis: no build tree for kernel $(KVER) at $(KDIR)." >&2; \
		echo "kvm_vtis: install its headers (apt-get install linux-headers-$(KVER))," >&2; \
		echo "kvm_vtis: or build for another kernel: make KVER=... (ls /lib/modules)." >&2; \
		exit 1; }
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
	rm -f $(OLD_SBIN)
	install -D -m 755 tools/vtisctl $(BINDIR)/vtisctl
	ln -sf vtisctl $(BINDIR)/vtis-qemu
	install -D -m 755 tools/vtis-qemu-reset $(BINDIR)/vtis-qemu-reset
	install -D -m 644 tools/vtisctl.8 $(MAN8DIR)/vtisctl.8
	install -D -m 644 tools/vtis-qemu.8 $(MAN8DIR)/vtis-qemu.8
	install -D -m 644 tools/vtis-qemu-reset.8 $(MAN8DIR)/vtis-qemu-reset.8
	install -D -m 644 tools/vtisctl.bash-completion $(COMPLDIR)/vtisctl
	install -D -m 644 uapi/linux/kvm_vtis.h $(INCDIR)/kvm_vtis.h
	install -D -m 644 udev/60-kvm-vtis.rules $(DESTDIR)$(UDEVRULESDIR)/60-kvm-vtis.rules
	install -D -m 644 modules-load.d/kvm-vtis.conf $(DESTDIR)$(MODULESLOADDIR)/kvm-vtis.conf
	@if [ -z "$(DESTDIR)" ]; then udevadm control --reload 2>/dev/null || true; fi

uninstall:
	rm -f $(INSTALLED) $(OLD_SBIN)
	@if [ -z "$(DESTDIR)" ]; then \
		if [ -d /lib/modules/$(KVER) ]; then depmod -a $(KVER); fi; \
		udevadm control --reload 2>/dev/null || true; fi

# Without the kernel's build tree (KVER's headers), the usual outputs go
# by hand.
clean:
	@if [ -d "$(KDIR)" ]; then $(MAKE) $(KBUILD_ARGS) clean; else \
		rm -f kvm_vtis.ko kvm_vtis.mod kvm_vtis.mod.c kvm_vtis.mod.o \
			kvm_vtis.o modules.order Module.symvers .*.cmd \
			kmod/*.o kmod/.*.cmd; fi
	@if [ -f tools/Makefile ]; then $(MAKE) -C tools clean; fi
	rm -f kmod/compat_probed.h

help:
	@sed -n '3,26p' Makefile
