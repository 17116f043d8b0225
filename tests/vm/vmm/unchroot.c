// SPDX-License-Identifier: GPL-2.0
/*
 * unchroot CMD [ARGS...]: run CMD, as root, in a mount namespace of its
 * own whose root is the test host's shared root itself, not a chroot of it.
 *
 * The test host runs each test file chrooted into /host, and the kernel
 * refuses a user namespace to a chrooted process (unshare(2): EPERM).  On
 * a real machine nobody is chrooted; this puts the test back there, the
 * way switch_root does at boot: in a new mount namespace, go to the
 * initramfs root (init's root, /proc/1/root), move its /host mount onto
 * "/" and make that the root.  The test host's own mounts are untouched.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static int fail(const char *what)
{
	fprintf(stderr, "unchroot: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	int root;

	if (argc < 2) {
		fprintf(stderr, "usage: unchroot CMD [ARGS...]\n");
		return 2;
	}
	/*
	 * Init's root first: unshare() then carries the root and the working
	 * directory over to the new namespace's copies of their mounts.
	 */
	root = open("/proc/1/root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0 || fchdir(root) || chroot("."))
		return fail("init's root");
	close(root);
	if (unshare(CLONE_NEWNS))
		return fail("a mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return fail("private mounts");
	if (chdir("/host") || mount("/host", "/", NULL, MS_MOVE, NULL) ||
	    chroot(".") || chdir("/"))
		return fail("/host as the root");
	execvp(argv[1], argv + 1);
	return fail(argv[1]);
}
