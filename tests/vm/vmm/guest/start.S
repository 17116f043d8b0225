/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry of the test guest: 32-bit flat protected mode, set up by the VMM.
 * Loads its own GDT (the same flat segments) and an IDT whose handlers
 * report any CPU exception to the VMM instead of letting it triple-fault.
 */
#include "mailbox.h"

	.section .text.start, "ax"
	.code32
	.globl _start
_start:
	/* %esp: this vCPU's stack (below its mailbox); %ebx: vCPU index. */
	cli
	lgdt	gdt_desc
	ljmp	$0x08, $1f
1:	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %fs
	movl	%eax, %gs
	movl	%eax, %ss

	/* IDT: one interrupt gate per exception vector 0-31 (vCPU 0). */
	testl	%ebx, %ebx
	jnz	5f
	xorl	%ecx, %ecx
2:	movl	exc_stubs(, %ecx, 4), %eax
	movw	%ax, idt(, %ecx, 8)
	movw	$0x08, idt + 2(, %ecx, 8)
	movw	$0x8e00, idt + 4(, %ecx, 8)
	shrl	$16, %eax
	movw	%ax, idt + 6(, %ecx, 8)
	incl	%ecx
	cmpl	$32, %ecx
	jb	2b
5:	lidt	idt_desc

	xorl	%ebp, %ebp
	call	guest_main
3:	hlt
	jmp	3b

/* Exceptions: push a dummy error code where the CPU pushes none. */
	.macro	exc vec, has_err
exc_\vec:
	.if	!\has_err
	pushl	$0
	.endif
	pushl	$\vec
	jmp	exc_common
	.endm

	exc 0, 0
	exc 1, 0
	exc 2, 0
	exc 3, 0
	exc 4, 0
	exc 5, 0
	exc 6, 0
	exc 7, 0
	exc 8, 1
	exc 9, 0
	exc 10, 1
	exc 11, 1
	exc 12, 1
	exc 13, 1
	exc 14, 1
	exc 15, 0
	exc 16, 0
	exc 17, 1
	exc 18, 0
	exc 19, 0
	exc 20, 0
	exc 21, 1
	exc 22, 0
	exc 23, 0
	exc 24, 0
	exc 25, 0
	exc 26, 0
	exc 27, 0
	exc 28, 0
	exc 29, 1
	exc 30, 1
	exc 31, 0

/* Stack: vector, error code, eip, cs, eflags.  Report, then stop. */
exc_common:
	movl	0(%esp), %eax
	movl	%eax, MB_ADDR + MB_FAULT_OFF
	movl	4(%esp), %eax
	movl	%eax, MB_ADDR + MB_FAULT_OFF + 4
	movl	8(%esp), %eax
	movl	%eax, MB_ADDR + MB_FAULT_OFF + 8
	movl	$MB_FAULT_MAGIC, %eax
	outl	%eax, $MB_PORT_FAULT
4:	hlt
	jmp	4b

	.section .rodata
	.balign 4
exc_stubs:
	.irp	v, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, \
		16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	.long	exc_\v
	.endr

	.balign 8
gdt:
	.quad	0
	.quad	0x00cf9b000000ffff	/* 0x08: code, base 0, 4 GiB, 32-bit */
	.quad	0x00cf93000000ffff	/* 0x10: data, base 0, 4 GiB */
gdt_end:

	.balign 4
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt
idt_desc:
	.word	32 * 8 - 1
	.long	idt

	.section .bss
	.balign 8
idt:
	.skip	32 * 8

	.section .note.GNU-stack, "", @progbits
