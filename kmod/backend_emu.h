/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The emulator backend: /dev/vtis-emu<N>, the server side of the vtpm_proxy
 * protocol, served by an unmodified swtpm ("swtpm chardev").
 */
#ifndef KVM_VTIS_BACKEND_EMU_H
#define KVM_VTIS_BACKEND_EMU_H

struct vtis_backend_ops;

/* KVM_VTIS_BACKEND_EMULATOR (backend.h). */
extern const struct vtis_backend_ops vtis_emu_backend;

/**
 * vtis_emu_init() - module-wide: the emulators' char device region
 *
 * Return: 0 or -errno.
 */
int vtis_emu_init(void);

/**
 * vtis_emu_exit() - module-wide: remove the char device region
 */
void vtis_emu_exit(void);

#endif /* KVM_VTIS_BACKEND_EMU_H */
