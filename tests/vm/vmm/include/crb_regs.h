/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CRB registers and bits (TCG PC Client Platform TPM Profile, the CRB
 * interface), shared by the guest (freestanding) and the VMM side; an
 * independent copy from the specification, not the module's.  Offsets are
 * within a locality's 4 KiB page.
 */
#ifndef VTIS_CRB_REGS_H
#define VTIS_CRB_REGS_H

#define CRB_LOC_STATE		0x00
#define CRB_LOC_CTRL		0x08
#define CRB_LOC_STS		0x0c
#define CRB_INTF_ID		0x30	/* 64 bits */
#define CRB_CTRL_EXT		0x38
#define CRB_CTRL_REQ		0x40
#define CRB_CTRL_STS		0x44
#define CRB_CTRL_CANCEL		0x48
#define CRB_CTRL_START		0x4c
#define CRB_INT_ENABLE		0x50
#define CRB_INT_STS		0x54
#define CRB_CMD_SIZE		0x58
#define CRB_CMD_LADDR		0x5c
#define CRB_CMD_HADDR		0x60
#define CRB_RSP_SIZE		0x64
#define CRB_RSP_ADDR		0x68	/* 64 bits */
#define CRB_BUF			0x80

#define CRB_LOC_STATE_ESTABLISHED_N	0x01	/* tpmEstablished, inverted */
#define CRB_LOC_STATE_ASSIGNED		0x02
#define CRB_LOC_STATE_ACTIVE(v)		(((v) >> 2) & 7)
#define CRB_LOC_STATE_VALID		0x80

#define CRB_LOC_CTRL_REQUEST		0x01
#define CRB_LOC_CTRL_RELINQUISH		0x02

#define CRB_LOC_STS_GRANTED		0x01

#define CRB_REQ_CMD_READY		0x01
#define CRB_REQ_GO_IDLE			0x02

#define CRB_STS_ERROR			0x01
#define CRB_STS_IDLE			0x02

#define CRB_START_INVOKE		0x01

#define CRB_INT_START			0x01	/* a command completed */
#define CRB_INT_GLOBAL			0x80000000u

/* INTF_ID: InterfaceType (bits 0-3) 1 = CRB, InterfaceVersion (4-7) 1. */
#define CRB_INTF_TYPE(lo)		((lo) & 0xf)
#define CRB_INTF_VERSION(lo)		(((lo) >> 4) & 0xf)

#endif /* VTIS_CRB_REGS_H */
