#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# vmfd.py CMD [ARGS...]: create a KVM VM and run CMD with the VM's fd as
# fd 5, the way a VMM process holds one (vtisctl attach --pid P --vm-fd 5).
import fcntl
import os
import sys

KVM_CREATE_VM = 0xAE01
kvm = os.open("/dev/kvm", os.O_RDWR)
vm = fcntl.ioctl(kvm, KVM_CREATE_VM, 0)
if vm != 5:
    os.dup2(vm, 5)
    os.close(vm)
else:
    os.set_inheritable(5, True)
if kvm != 5:
    os.close(kvm)
os.execvp(sys.argv[1], sys.argv[1:])
