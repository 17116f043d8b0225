// SPDX-License-Identifier: GPL-2.0
/*
 * vtis-api-version: KVM_VTIS_GET_API_VERSION on /dev/kvm-vtis.  Prints
 * what the module answers and what this build's header says; exits 0 only
 * when they are the same.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vtis_util.h"

int main(void)
{
	int ctl = vtis_open(), ver;

	if (ctl < 0) {
		fprintf(stderr, "%s: %s\n", VTIS_CTL_PATH, strerror(-ctl));
		return 1;
	}
	ver = vtis_api_version(ctl);
	close(ctl);
	if (ver < 0) {
		fprintf(stderr, "KVM_VTIS_GET_API_VERSION: %s\n",
			strerror(-ver));
		return 1;
	}
	printf("KVM_VTIS_GET_API_VERSION %d (uapi header: %d)\n", ver,
	       KVM_VTIS_API_VERSION);
	return ver == KVM_VTIS_API_VERSION ? 0 : 1;
}
