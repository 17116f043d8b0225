/* SPDX-License-Identifier: GPL-2.0 */
/* The flat guest image, linked into the VMM. */
	.section .rodata
	.globl guest_image, guest_image_end
	.balign 16
guest_image:
	.incbin "guest/guest.bin"
guest_image_end:

	.section .note.GNU-stack, "", @progbits
