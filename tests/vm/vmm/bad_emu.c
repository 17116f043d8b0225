// SPDX-License-Identifier: GPL-2.0
/*
 * bad_emu /dev/vtis-emuN [SECONDS]: a misbehaving emulator.  It refuses
 * the first locality announcement, then answers the guest's commands in
 * turn with a response whose size field is wrong, a 3-byte write
 * (refused) and then silence (the command times out), a correct response,
 * and a 4097-byte write (refused) followed by a correct response.  Exits
 * when the device goes away (end of file) or after SECONDS (default 120),
 * and prints what it did on one line ("bad_emu: N commands, ...").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu_util.h"
#include "test_util.h"
#include "tpm_cmd.h"

struct tally {
	char name[48];
	unsigned int n;
};

static struct tally tallies[16];

static void count(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tallies) && tallies[i].name[0]; i++)
		if (!strcmp(tallies[i].name, name))
			break;
	if (i == ARRAY_SIZE(tallies))
		return;
	snprintf(tallies[i].name, sizeof(tallies[i].name), "%s", name);
	tallies[i].n++;
}

/* A response; EIO (the module refused it) is counted, not fatal. */
static void answer(int fd, const void *buf, size_t n, const char *what)
{
	char eio[48];
	int err = emu_write(fd, buf, n);

	if (err && err != -EIO) {
		fprintf(stderr, "bad_emu: write: %s\n", strerror(-err));
		exit(1);
	}
	snprintf(eio, sizeof(eio), "%s_eio", what);
	count(err ? eio : what);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct tally *)a)->name,
		      ((const struct tally *)b)->name);
}

int main(int argc, char **argv)
{
	static uint8_t msg[EMU_MSG_MAX], big[4097];
	unsigned int commands = 0, announces = 0, i;
	uint8_t rsp[TPM_HDR_LEN];
	uint64_t end;
	ssize_t n;
	int fd;

	if (argc < 2) {
		fprintf(stderr, "usage: bad_emu /dev/vtis-emuN [SECONDS]\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "bad_emu: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	end = now_ms() + (argc > 2 ? strtoul(argv[2], NULL, 10) : 120) * 1000;
	while (now_ms() < end) {
		n = emu_read(fd, msg, sizeof(msg), 500);
		if (n == -ETIMEDOUT || n == -EAGAIN || n == -EIO)
			continue;
		if (n < 0) {
			fprintf(stderr, "bad_emu: read: %s\n", strerror(-n));
			return 1;
		}
		if (!n)
			break;
		if (emu_is_set_locality(msg, n)) {
			announces++;
			tpm_rsp(rsp, TPM2_ST_NO_SESSIONS,
				announces == 1 ? 0x101 : 0, NULL, 0);
			answer(fd, rsp, sizeof(rsp), announces == 1 ?
			       "refuse_locality" : "accept_locality");
			continue;
		}
		switch (commands++ % 4) {
		case 0:
			tpm_rsp(rsp, TPM2_ST_NO_SESSIONS, 0, NULL, 0);
			rsp[5] = 12;	/* the size field lies */
			answer(fd, rsp, sizeof(rsp), "size_field");
			break;
		case 1:
			answer(fd, tpm2_rsp_ok, 3, "short");
			break;
		case 2:
			answer(fd, tpm2_rsp_ok, sizeof(tpm2_rsp_ok), "good");
			break;
		default:
			answer(fd, big, sizeof(big), "long");
			answer(fd, tpm2_rsp_ok, sizeof(tpm2_rsp_ok),
			       "good_after_long");
			break;
		}
	}
	close(fd);
	for (i = 0; i < ARRAY_SIZE(tallies) && tallies[i].name[0]; i++)
		;
	qsort(tallies, i, sizeof(tallies[0]), by_name);
	printf("bad_emu: %u commands, %u locality announcements,", commands,
	       announces);
	for (n = 0; n < (ssize_t)i; n++)
		printf(" %s=%u", tallies[n].name, tallies[n].n);
	printf("\n");
	return 0;
}
