/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TIS (FIFO) registers and bits (TCG PC Client Platform TPM Profile),
 * shared by the guest (freestanding) and the VMM side.  Offsets are within
 * a locality's 4 KiB page.
 */
#ifndef VTIS_TIS_REGS_H
#define VTIS_TIS_REGS_H

#define TIS_ACCESS		0x00
#define TIS_INT_ENABLE		0x08
#define TIS_INT_VECTOR		0x0c
#define TIS_INT_STATUS		0x10
#define TIS_INTF_CAPS		0x14
#define TIS_STS			0x18
#define TIS_DATA_FIFO		0x24
#define TIS_INTERFACE_ID	0x30
#define TIS_DID_VID		0xf00
#define TIS_RID			0xf04

#define ACCESS_VALID		0x80
#define ACCESS_ACTIVE		0x20
#define ACCESS_SEIZE		0x08
#define ACCESS_REQUEST_PENDING	0x04
#define ACCESS_REQUEST_USE	0x02

#define STS_VALID		0x80
#define STS_COMMAND_READY	0x40
#define STS_GO			0x20
#define STS_DATA_AVAIL		0x10
#define STS_DATA_EXPECT		0x08
#define STS_READ_ZERO		0x23
#define STS_COMMAND_CANCEL	0x01000000u

#define INT_GLOBAL_ENABLE	0x80000000u
#define INT_LOW_LEVEL		0x08u
#define INT_CMD_READY		0x80
#define INT_LOCALITY_CHANGE	0x04
#define INT_STS_VALID		0x02
#define INT_DATA_AVAIL		0x01
#define INT_ALL			0x87u	/* the four above */

/* What kvm_vtis' DID_VID reads. */
#define VTIS_DID_VID		0x00011014u

#endif /* VTIS_TIS_REGS_H */
