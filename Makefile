# SPDX-License-Identifier: GPL-2.0
# kvm_vtis: top-level build and test entry points.
#
#   make            module (kvm_vtis.ko) and tools (vtisctl)
#   make C=2        the same with sparse on every module source
#   make check      install what is missing, run every test layer,
#                   end with "N passed, N failed"
#   make demo       boot the test host and show kvm_vtis at work
#   make kunit | unit | vm    one test layer

# The newest installed Debian 6.1 kernel's headers, unless told otherwise.
KVER ?= $(shell ls -d /lib/modules/6.1.*/build 2>/dev/null | sort -V | tail -n 1 | cut -d/ -f4)
KDIR ?= /lib/modules/$(KVER)/build

# BTF for modules needs the kernel's vmlinux, which headers don't carry.
KBUILD_ARGS := -C $(KDIR) M=$(CURDIR) CONFIG_DEBUG_INFO_BTF_MODULES=

.PHONY: all module tools check demo kunit unit vm deps clean help

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

kunit unit vm: deps
	tests/check.sh $@

clean:
	$(MAKE) $(KBUILD_ARGS) clean
	@if [ -f tools/Makefile ]; then $(MAKE) -C tools clean; fi
	rm -f kmod/compat_probed.h

help:
	@sed -n '3,11p' Makefile
