// SPDX-License-Identifier: GPL-2.0
/*
 * vtis-vmm: kvm_vtis attach, detach and statistics of the test VM, and the
 * swtpm behind it.
 */
#include "vmm.h"

/* ---- kvm_vtis and swtpm ------------------------------------------------ */

int vtis_info(struct vm *vm, struct kvm_vtis_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	info->id = vm->id;
	return ioctl(vm->vtis_fd, KVM_VTIS_INFO, info);
}

int vtis_stats(struct vm *vm, struct kvm_vtis_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->id = vm->id;
	return ioctl(vm->vtis_fd, KVM_VTIS_STATS, st);
}

static bool emu_name_ok(const char *name)
{
	size_t i, n = strnlen(name, KVM_VTIS_NAME_LEN);

	if (n == 0 || n == KVM_VTIS_NAME_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		      (name[i] >= '0' && name[i] <= '9') || name[i] == '-'))
			return false;
	return true;
}

int vtis_attach(struct vm *vm)
{
	struct kvm_vtis_attach a;
	FILE *f;

	vm->vtis_fd = open("/dev/kvm-vtis", O_RDWR | O_CLOEXEC);
	if (vm->vtis_fd < 0) {
		result(false, "attach: open /dev/kvm-vtis (%s)",
		       strerror(errno));
		return -1;
	}
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.vm_fd = vm->vm_fd;
	a.base = opt.base;
	a.family = opt.tpm12 ? KVM_VTIS_TPM_1_2 : KVM_VTIS_TPM_2_0;
	a.backend = KVM_VTIS_BACKEND_EMULATOR;
	if (opt.host_tpm && vm == &the_vm) {
		a.backend = KVM_VTIS_BACKEND_HOST_TPM;
		a.tpm_index = opt.tpm_index;
	}
	if (ioctl(vm->vtis_fd, KVM_VTIS_ATTACH, &a) < 0) {
		result(false, "attach: KVM_VTIS_ATTACH to the VM (%s)",
		       strerror(errno));
		return -1;
	}
	vm->attached = true;
	vm->id = a.id;
	memcpy(vm->emu_name, a.emu_name, sizeof(vm->emu_name));
	vm->emu_name[sizeof(vm->emu_name) - 1] = 0;
	if (a.backend == KVM_VTIS_BACKEND_HOST_TPM) {
		result(a.id != 0 && !a.emu_name[0] && a.family == KVM_VTIS_TPM_2_0,
		       "attach: device %u on the host TPM tpm%u at %#llx, TPM %s, no emulator",
		       a.id, opt.tpm_index, (unsigned long long)opt.base,
		       a.family == KVM_VTIS_TPM_2_0 ? "2.0" : "1.2");
		return a.id ? 0 : -1;
	}
	if (a.id == 0 || !emu_name_ok(a.emu_name)) {
		result(false, "attach: KVM_VTIS_ATTACH returns an id and an emulator name (id %u, name \"%s\")",
		       a.id, vm->emu_name);
		return -1;
	}
	result(true, "attach: TPM %s device %u at %#llx, emulator /dev/%s",
	       opt.tpm12 ? "1.2" : "2.0", a.id, (unsigned long long)opt.base,
	       vm->emu_name);
	if (opt.emu_file && vm == &the_vm) {
		f = fopen(opt.emu_file, "w");
		if (!f || fprintf(f, "%s\n", vm->emu_name) < 0 || fclose(f)) {
			diag("write %s: %s", opt.emu_file, strerror(errno));
			return -1;
		}
	}
	return 0;
}

void vtis_detach(struct vm *vm)
{
	struct kvm_vtis_detach det;

	memset(&det, 0, sizeof(det));
	det.size = sizeof(det);
	det.id = vm->id;
	if (ioctl(vm->vtis_fd, KVM_VTIS_DETACH, &det) == 0) {
		result(true, "detach: device %u detached", vm->id);
		vm->attached = false;
	} else {
		result(false, "detach: device %u detached (%s)", vm->id,
		       strerror(errno));
	}
}

void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * Start a program; its pid, or -1.  stdout carries results, so the
 * program's own output (swtpm's chatter) goes to stderr.
 */
pid_t prog_start(const char *const argv[])
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid != 0)
		return pid;
	dup2(STDERR_FILENO, STDOUT_FILENO);
	execvp(argv[0], (char *const *)argv);
	fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int swtpm_spawn(struct vm *vm)
{
	char dev[16 + KVM_VTIS_NAME_LEN], state[16 + sizeof(vm->state_dir)];
	char ctrl[32 + sizeof(vm->ctrl)];
	const char *argv[18];
	unsigned int i, n = 0;
	pid_t pid;

	snprintf(dev, sizeof(dev), "/dev/%s", vm->emu_name);
	/* The node appears through devtmpfs/udev; allow a moment. */
	for (i = 0; i < 50 && access(dev, R_OK | W_OK); i++)
		sleep_ms(100);
	if (access(dev, R_OK | W_OK)) {
		result(false, "swtpm: %s exists (%s)", dev, strerror(errno));
		return -1;
	}
	if (vm->state_dir[0]) {
		/* A restart: the same state as before. */
	} else if (opt.state_dir) {
		snprintf(vm->state_dir, sizeof(vm->state_dir), "%s",
			 opt.state_dir);
	} else {
		const char *tmp = getenv("TMPDIR");

		snprintf(vm->state_dir, sizeof(vm->state_dir),
			 "%s/vtis-vmm.XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(vm->state_dir)) {
			diag("mkdtemp %s: %s", vm->state_dir, strerror(errno));
			return -1;
		}
		vm->own_state_dir = true;
	}
	snprintf(state, sizeof(state), "dir=%s", vm->state_dir);
	snprintf(vm->ctrl, sizeof(vm->ctrl), "%s/ctrl.sock", vm->state_dir);
	snprintf(ctrl, sizeof(ctrl), "type=unixio,path=%s", vm->ctrl);
	argv[n++] = opt.swtpm;
	argv[n++] = "chardev";
	argv[n++] = "--chardev";
	argv[n++] = dev;
	if (!opt.tpm12)
		argv[n++] = "--tpm2";
	argv[n++] = "--tpmstate";
	argv[n++] = state;
	argv[n++] = "--locality";
	argv[n++] = "allow-set-locality";
	argv[n++] = "--flags";
	argv[n++] = "not-need-init,startup-clear";
	/* The control channel: CMD_INIT after a reset, state blobs. */
	argv[n++] = "--ctrl";
	argv[n++] = ctrl;
	argv[n] = NULL;

	pid = prog_start(argv);
	if (pid < 0) {
		diag("fork: %s", strerror(errno));
		return -1;
	}
	vm->swtpm_pid = pid;
	swtpm_track(vm, pid);
	diag("started %s chardev --chardev %s%s (pid %d, state %s)",
	     opt.swtpm, dev, opt.tpm12 ? "" : " --tpm2", pid, vm->state_dir);
	return 0;
}

/* Wait until an emulator holds the device's char device. */
int wait_emulator(struct vm *vm)
{
	struct kvm_vtis_info info;
	unsigned int i, steps = opt.wait_emu * 20;
	int status;

	for (i = 0; i <= steps; i++) {
		if (vtis_info(vm, &info) < 0) {
			result(false, "swtpm: KVM_VTIS_INFO answers (%s)",
			       strerror(errno));
			return -1;
		}
		if (info.state & KVM_VTIS_STATE_EMU_CONNECTED) {
			result(true, "swtpm: emulator connected to /dev/%s",
			       vm->emu_name);
			return 0;
		}
		if (vm->swtpm_pid > 0 &&
		    waitpid(vm->swtpm_pid, &status, WNOHANG) == vm->swtpm_pid) {
			vm->swtpm_pid = 0;
			swtpm_track(vm, 0);
			result(false, "swtpm: emulator connected to /dev/%s (swtpm exited, status %#x)",
			       vm->emu_name, status);
			return -1;
		}
		sleep_ms(50);
	}
	result(false, "swtpm: emulator connected to /dev/%s within %u s",
	       vm->emu_name, opt.wait_emu);
	return -1;
}

void remove_state_dir(struct vm *vm)
{
	struct dirent *de;
	DIR *d;
	int dfd;

	if (!vm->own_state_dir)
		return;
	d = opendir(vm->state_dir);
	if (d) {
		dfd = dirfd(d);
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				unlinkat(dfd, de->d_name, 0);
		closedir(d);
	}
	rmdir(vm->state_dir);
}

/* Wait up to ms for swtpm to exit by itself; kill it otherwise. */
bool swtpm_reap(struct vm *vm, unsigned int ms)
{
	unsigned int waited;
	int status;

	if (vm->swtpm_pid <= 0)
		return true;
	for (waited = 0; waited <= ms; waited += 20) {
		if (waitpid(vm->swtpm_pid, &status, WNOHANG) == vm->swtpm_pid) {
			vm->swtpm_pid = 0;
			swtpm_track(vm, 0);
			if (opt.verbose)
				diag("swtpm exited, status %#x", status);
			return true;
		}
		sleep_ms(20);
	}
	kill(vm->swtpm_pid, SIGKILL);
	waitpid(vm->swtpm_pid, &status, 0);
	vm->swtpm_pid = 0;
	swtpm_track(vm, 0);
	return false;
}

void vm_destroy(struct vm *vm)
{
	if (vm->run)
		munmap(vm->run, vm->run_size);
	vm->run = NULL;
	if (vm->vcpu_fd >= 0)
		close(vm->vcpu_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	vm->vcpu_fd = -1;
	vm->vm_fd = -1;
}
