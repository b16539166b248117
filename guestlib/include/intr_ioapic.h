/* intr_ioapic.h - the I/O APIC chip driver of the intr core.
 *
 * Register names after the Intel 82093AA I/O APIC datasheet: the indirect
 * window IOREGSEL / IOWIN, the registers IOAPICID, IOAPICVER and the
 * redirection table IOREDTBL, and the EOI register of the version 0x20
 * I/OxAPICs of later chipsets.  The prefix is IOA_ so that this header can
 * sit in one translation unit with a model's header.
 *
 * The driver serves every I/O APIC of hal_platform() as one chip whose line
 * numbers are the core's pins: ISA IRQs 0-15 mapped through the interrupt
 * source overrides, and GSIs 16 and up (docs/intr-core.md "Pin numbering").
 */
#ifndef INTRSIM_INTR_IOAPIC_H
#define INTRSIM_INTR_IOAPIC_H

#include "intr_chip.h"

/* MMIO offsets from the I/O APIC's base (32-bit accesses). */
#define IOA_IOREGSEL        0x00
#define IOA_IOWIN           0x10
#define IOA_IOEOI           0x40    /* version >= 0x20: write a vector */

/* Indirect registers. */
#define IOA_IOAPICID        0x00
#define IOA_IOAPICVER       0x01
#define IOA_IOAPICARB       0x02
#define IOA_IOREDTBL_LO(n)  (0x10u + 2u * (n))  /* bits 31:0 of entry n */
#define IOA_IOREDTBL_HI(n)  (0x11u + 2u * (n))  /* bits 63:32 of entry n */

/* IOAPICVER */
#define IOA_VER_VERSION(v)  ((v) & 0xFFu)
#define IOA_VER_MRE(v)      (((v) >> 16) & 0xFFu)  /* maximum redirection entry */
#define IOA_VERSION_EOI_REG 0x20u   /* this version and later have IOEOI */
/* IOREGSEL is 8 bits wide: entries above 119 cannot be selected. */
#define IOA_MAX_PINS        120u

/* Redirection entry, low dword. */
#define IOA_RTE_VECTOR_MASK 0x000000FFu
#define IOA_RTE_DM_FIXED    (0u << 8)
#define IOA_RTE_DM_LOWEST   (1u << 8)
#define IOA_RTE_DM_EXTINT   (7u << 8)
#define IOA_RTE_DESTMOD_LOG (1u << 11)  /* 0: physical */
#define IOA_RTE_DELIVS      (1u << 12)  /* send pending (read-only) */
#define IOA_RTE_INTPOL_LOW  (1u << 13)  /* 1: active low */
#define IOA_RTE_REMOTE_IRR  (1u << 14)  /* level: accepted, EOI not yet (read-only) */
#define IOA_RTE_TRIGGER_LVL (1u << 15)  /* 1: level */
#define IOA_RTE_MASK        (1u << 16)
/* High dword: the destination in bits 63:56 = high bits 31:24. */
#define IOA_RTE_DEST_SHIFT  24

/* Physical destinations are 8 bits and 0xFF broadcasts: CPUs whose APIC ID
 * is above this cannot be the target of a line. */
#define IOA_MAX_DEST_ID     0xFEu

/* The chip (non-const: its line count comes from the platform at boot). */
extern struct intr_chip ioapic_chip;

/* Boot (intr_init, APIC platform): read every I/O APIC's version, mask all
 * its entries, build the pin -> (I/O APIC, input) map.  Returns the number of
 * pins (lines) the chip covers, 0 if none. */
unsigned ioapic_probe(void);

/* The GSI behind a pin, -1 if the pin has none (or cannot be requested). */
int ioapic_pin_gsi(unsigned pin);

/* Raw redirection entry (both dwords) of a pin as the I/O APIC holds it,
 * for diagnostics; false if the pin has no entry. */
bool ioapic_read_entry(unsigned pin, uint32_t *lo, uint32_t *hi);

#endif
