// SPDX-License-Identifier: GPL-2.0
/* vtis-vmm: the options, and which scenarios run. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm.h"

struct options opt = {
	.timeout = 120,
	.wait_emu = 30,
	.loop_secs = 5,
	.storm = 20000,
	.vms = 16,
	.extends = 1000,
	.swtpm = "swtpm",
	.vtisctl = "vtisctl",
	.vm = VM_CONFIG_DEFAULT,
};

void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"usage: vtis-vmm [options] [SCENARIO...]\n"
		"  -s, --scenario LIST   scenarios, comma-separated (default: probe, or\n"
		"                        crb-probe with --interface crb)\n"
		"  -t, --tpm 1.2|2.0     TPM family to attach and expect (default 2.0)\n"
		"      --interface tis|crb  the device's register interface and the\n"
		"                        guest's driver (default tis; crb: TPM 2.0)\n"
		"  -S, --spawn-swtpm     start swtpm on the emulator device, reap it at the end\n"
		"  -H, --host-tpm        attach to the host's TPM chip instead of an emulator\n"
		"  -i, --tpm-index N     the host TPM chip (default 0)\n"
		"  -d, --state-dir DIR   swtpm state folder (default: a fresh one, removed)\n"
		"  -e, --emu-file FILE   write the emulator device's name to FILE\n"
		"  -w, --wait-emu SECS   wait for an emulator to connect (default 30)\n"
		"  -n, --no-attach       do not attach kvm_vtis: TIS accesses exit here\n"
		"  -k, --no-detach       end by destroying the VM instead of detaching\n"
		"  -T, --timeout SECS    bound of the whole run (default 120)\n"
		"  -g, --guest-timeout MS  bound of each wait in the guest (default 5000)\n"
		"  -p, --poll-us US      pause between the guest's STS polls (default 1000)\n"
		"  -l, --loop-secs SECS  duration of the loop scenario (default 5)\n"
		"  -b, --base ADDR       guest-physical base of the window\n"
		"      --swtpm PATH      swtpm binary (default: swtpm from PATH)\n"
		"      --vtisctl PATH    vtisctl binary for reset and migrate (default: from PATH)\n"
		"      --storm N         accesses of the storm and access-cost scenarios\n"
		"                        (default 20000)\n"
		"      --vms N           VMs of the scale scenario (2..64, default 16)\n"
		"      --extends N       extends per VM of the scale scenario (default 1000)\n"
		"      --expect-errors   TPM failure responses are expected (no count check)\n"
		"      --irqchip         give the VM an in-kernel irqchip (KVM_CREATE_IRQCHIP)\n"
		"      --hold FILE       at the end, write the device id to FILE and wait\n"
		"                        until FILE is removed before detaching\n"
		"      --selftest        check the SHA code, then exit\n"
		"  -v, --verbose\n"
		"scenarios:");
	for (i = 0; i < n_scenarios; i++)
		fprintf(f, " %s", scenarios[i].name);
	fprintf(f, "\n");
}

static bool parse_uint(const char *s, unsigned long long max,
		       unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return !errno && *s && !*end && *out <= max;
}

static bool select_scenarios(char *list)
{
	char *tok, *save = NULL;
	size_t i;

	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < n_scenarios; i++)
			if (!strcmp(tok, scenarios[i].name))
				break;
		if (i == n_scenarios) {
			fprintf(stderr, "vtis-vmm: unknown scenario %s\n", tok);
			return false;
		}
		selected[i] = true;
		opt.any_selected = true;
	}
	return true;
}

bool parse_args(int argc, char **argv)
{
	enum { OPT_SWTPM = 256, OPT_SELFTEST, OPT_STORM, OPT_EXPECT_ERRORS,
	       OPT_HOLD, OPT_IRQCHIP, OPT_VMS, OPT_EXTENDS, OPT_VTISCTL,
	       OPT_INTERFACE };
	static const struct option longopts[] = {
		{ "scenario", required_argument, NULL, 's' },
		{ "tpm", required_argument, NULL, 't' },
		{ "spawn-swtpm", no_argument, NULL, 'S' },
		{ "host-tpm", no_argument, NULL, 'H' },
		{ "tpm-index", required_argument, NULL, 'i' },
		{ "state-dir", required_argument, NULL, 'd' },
		{ "emu-file", required_argument, NULL, 'e' },
		{ "wait-emu", required_argument, NULL, 'w' },
		{ "no-attach", no_argument, NULL, 'n' },
		{ "no-detach", no_argument, NULL, 'k' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "guest-timeout", required_argument, NULL, 'g' },
		{ "poll-us", required_argument, NULL, 'p' },
		{ "loop-secs", required_argument, NULL, 'l' },
		{ "base", required_argument, NULL, 'b' },
		{ "swtpm", required_argument, NULL, OPT_SWTPM },
		{ "selftest", no_argument, NULL, OPT_SELFTEST },
		{ "storm", required_argument, NULL, OPT_STORM },
		{ "expect-errors", no_argument, NULL, OPT_EXPECT_ERRORS },
		{ "hold", required_argument, NULL, OPT_HOLD },
		{ "irqchip", no_argument, NULL, OPT_IRQCHIP },
		{ "vms", required_argument, NULL, OPT_VMS },
		{ "extends", required_argument, NULL, OPT_EXTENDS },
		{ "vtisctl", required_argument, NULL, OPT_VTISCTL },
		{ "interface", required_argument, NULL, OPT_INTERFACE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long v;
	int c;

	while ((c = getopt_long(argc, argv, "s:t:SHi:d:e:w:nkT:g:p:l:b:vh",
				longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!select_scenarios(optarg))
				return false;
			break;
		case 't':
			if (!strcmp(optarg, "1.2"))
				opt.tpm12 = true;
			else if (!strcmp(optarg, "2.0") || !strcmp(optarg, "2"))
				opt.tpm12 = false;
			else
				return false;
			break;
		case 'S':
			opt.spawn_swtpm = true;
			break;
		case 'H':
			opt.host_tpm = true;
			break;
		case 'i':
			if (!parse_uint(optarg, 65535, &v))
				return false;
			opt.tpm_index = v;
			break;
		case 'd':
			opt.state_dir = optarg;
			break;
		case 'e':
			opt.emu_file = optarg;
			break;
		case 'w':
			if (!parse_uint(optarg, 3600, &v))
				return false;
			opt.wait_emu = v;
			break;
		case 'n':
			opt.no_attach = true;
			break;
		case 'k':
			opt.no_detach = true;
			break;
		case 'T':
			if (!parse_uint(optarg, 86400, &v) || !v)
				return false;
			opt.timeout = v;
			break;
		case 'g':
			if (!parse_uint(optarg, 600000, &v) || !v)
				return false;
			opt.vm.timeout_ms = v;
			if (opt.vm.duration_ms < v)
				opt.vm.duration_ms = v;
			break;
		case 'p':
			if (!parse_uint(optarg, 1000000, &v))
				return false;
			opt.vm.poll_us = v;
			break;
		case 'l':
			if (!parse_uint(optarg, 86400, &v) || !v)
				return false;
			opt.loop_secs = v;
			break;
		case 'b':
			if (!parse_uint(optarg, 0xffffffffULL - KVM_VTIS_WINDOW_SIZE + 1, &v) ||
			    (v & 0xfff) || v < MB_GUEST_MEM)
				return false;
			opt.vm.tis_base = v;
			break;
		case OPT_SWTPM:
			opt.swtpm = optarg;
			break;
		case OPT_SELFTEST:
			opt.selftest = true;
			break;
		case OPT_STORM:
			if (!parse_uint(optarg, 100000000, &v) || !v)
				return false;
			opt.storm = v;
			break;
		case OPT_EXPECT_ERRORS:
			opt.expect_errors = true;
			break;
		case OPT_HOLD:
			opt.hold_file = optarg;
			break;
		case OPT_IRQCHIP:
			opt.vm.irqchip = true;
			break;
		case OPT_VMS:
			if (!parse_uint(optarg, SCALE_MAX_VMS, &v) || v < 2)
				return false;
			opt.vms = v;
			break;
		case OPT_EXTENDS:
			if (!parse_uint(optarg, 1000000, &v) || !v)
				return false;
			opt.extends = v;
			break;
		case OPT_VTISCTL:
			opt.vtisctl = optarg;
			break;
		case OPT_INTERFACE:
			if (!strcmp(optarg, "tis"))
				opt.vm.interface = KVM_VTIS_INTERFACE_TIS;
			else if (!strcmp(optarg, "crb"))
				opt.vm.interface = KVM_VTIS_INTERFACE_CRB;
			else
				return false;
			break;
		case 'v':
			opt.vm.verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return false;
		}
	}
	for (; optind < argc; optind++)
		if (!select_scenarios(argv[optind]))
			return false;
	if (opt.no_attach && opt.spawn_swtpm)
		return false;
	if (opt.vm.interface == KVM_VTIS_INTERFACE_CRB && (opt.tpm12 || opt.no_attach))
		return false;
	if (opt.host_tpm && (opt.no_attach || opt.spawn_swtpm || opt.emu_file ||
			     opt.tpm12))
		return false;
	return true;
}

