// SPDX-License-Identifier: GPL-2.0
/*
 * vtisctl: attach kvm_vtis TPM devices to KVM VMs and write the ACPI
 * tables a guest needs to find them.  Command dispatch and --help.
 */
#include <string.h>

#include "vtisctl.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "attach", cmd_attach },
	{ "detach", cmd_detach },
	{ "list", cmd_list },
	{ "info", cmd_info },
	{ "stats", cmd_stats },
	{ "acpi", cmd_acpi },
	{ "reset", cmd_reset },
	{ "save", cmd_save },
	{ "restore", cmd_restore },
};

static void help(void)
{
	printf("Usage: vtisctl COMMAND [OPTIONS]\n"
	       "\n"
	       "Give KVM guests a TPM through kvm_vtis (/dev/kvm-vtis).\n"
	       "\n"
	       "Commands:\n"
	       "  attach (--vm-fd N [--pid PID] | --pid PID [--wait-vm SECS]) [--base ADDR]\n"
	       "         [--tpm 2.0|1.2]\n"
	       "         (--emulator [--swtpm DIR] | --host-tpm [--tpm-index N]) [--irq N]\n"
	       "         [--json]\n"
	       "                      attach a TPM to a VM; print its id and emulator device\n"
	       "  detach ID           remove a device\n"
	       "  list [--json]       list attached devices\n"
	       "  info ID [--json]    describe one device\n"
	       "  stats ID [--json]   one device's statistics\n"
	       "  stats --watch [ID] [--interval SECS] [--count N]\n"
	       "                      refresh the statistics of all devices (or one) live\n"
	       "  acpi --tpm 2.0|1.2 --out DIR [--base ADDR] [--irq N] [--log-area ADDR:SIZE]\n"
	       "                      write ACPI tables (ssdt-tpm.aml, tpm2.aml or tcpa.aml)\n"
	       "  reset ID [--ctrl PATH]\n"
	       "                      power-on state (platform reset); --ctrl: swtpm CMD_INIT\n"
	       "  save ID FILE [--wait SECS]\n"
	       "                      write the device's TIS state to FILE (migration)\n"
	       "  restore ID FILE     load a saved TIS state into a device\n"
	       "\n"
	       "'vtisctl COMMAND --help' describes a command, 'vtisctl --version'\n"
	       "prints the version.  Exit status: 0 success, 1 failure, 2 bad\n"
	       "command line.  See vtisctl(8).\n");
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	size_t i;
	int j;

	/* one binary, two names: vtis-qemu is a link to vtisctl */
	if (!strcmp(base ? base + 1 : argv[0], "vtis-qemu"))
		return vtis_qemu_main(argc, argv);
	if (argc < 2)
		return usage_err(NULL, "no command given");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		if (argc > 2)
			return usage_err(NULL, "unexpected argument '%s'", argv[2]);
		help();
		return finish_output();
	}
	if (!strcmp(argv[1], "--version")) {
		if (argc > 2)
			return usage_err(NULL, "unexpected argument '%s'", argv[2]);
		printf("vtisctl %s\n", VTIS_VERSION);
		return finish_output();
	}
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		/* --help anywhere before "--" wins over every other argument */
		for (j = 2; j < argc && strcmp(argv[j], "--"); j++) {
			if (!strcmp(argv[j], "--help") || !strcmp(argv[j], "-h")) {
				char *hargv[] = { argv[1], argv[j], NULL };

				return commands[i].fn(2, hargv);
			}
		}
		return commands[i].fn(argc - 1, argv + 1);
	}
	if (argv[1][0] == '-')
		return usage_err(NULL, "unknown option '%s'", argv[1]);
	return usage_err(NULL, "unknown command '%s'", argv[1]);
}
