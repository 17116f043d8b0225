// SPDX-License-Identifier: GPL-2.0
/*
 * vmfd CMD [ARGS...]: create a KVM VM and run CMD with the VM's fd as fd
 * 5, the way a VMM process holds one (vtisctl attach --pid P --vm-fd 5).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#define VM_FD	5

int main(int argc, char **argv)
{
	int kvm, vm;

	if (argc < 2) {
		fprintf(stderr, "usage: vmfd CMD [ARGS...]\n");
		return 2;
	}
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0) {
		fprintf(stderr, "vmfd: a KVM VM: %s\n", strerror(errno));
		return 1;
	}
	/* KVM makes the VM fd close-on-exec: fd 5 must survive the exec */
	if ((vm == VM_FD ? fcntl(vm, F_SETFD, 0) : dup2(vm, VM_FD)) < 0) {
		fprintf(stderr, "vmfd: fd %d: %s\n", VM_FD, strerror(errno));
		return 1;
	}
	if (vm != VM_FD)
		close(vm);
	execvp(argv[1], argv + 1);
	fprintf(stderr, "vmfd: exec %s: %s\n", argv[1], strerror(errno));
	return 127;
}
