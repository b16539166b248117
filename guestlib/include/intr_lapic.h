/* intr_lapic.h - the Local APIC driver of the intr core.
 *
 * Register names and bits after the Intel SDM vol. 3, "Advanced
 * Programmable Interrupt Controller (APIC)" (the xAPIC register map, the
 * LVT, ICR and SVR layouts, IA32_APIC_BASE and the x2APIC MSR map).  The
 * driver speaks xAPIC through MMIO at hal_platform()->lapic_base or, when
 * the platform says x2apic, x2APIC through the MSRs 0x800 + offset / 16.
 * Every access is the executing CPU's own local APIC.
 *
 * The prefix is LAPIC_ (not the SDM's APIC_) so that this header can sit in
 * one translation unit with a model's header.
 */
#ifndef INTRSIM_INTR_LAPIC_H
#define INTRSIM_INTR_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

/* ---- register offsets in the xAPIC page (SDM "Local APIC Register
 * Address Map"); the x2APIC MSR is 0x800 + offset / 16 ---------------------- */
#define LAPIC_REG_ID        0x020   /* xAPIC: ID in bits 31:24; x2APIC: 32-bit ID */
#define LAPIC_REG_VERSION   0x030
#define LAPIC_REG_TPR       0x080   /* task priority */
#define LAPIC_REG_PPR       0x0A0   /* processor priority (read-only) */
#define LAPIC_REG_EOI       0x0B0   /* write 0 */
#define LAPIC_REG_LDR       0x0D0   /* logical destination (read-only in x2APIC) */
#define LAPIC_REG_DFR       0x0E0   /* destination format (xAPIC only) */
#define LAPIC_REG_SVR       0x0F0   /* spurious-interrupt vector */
#define LAPIC_REG_ISR       0x100   /* in service, 8 x 32 bits at 0x10 steps */
#define LAPIC_REG_TMR       0x180   /* trigger mode, 8 x 32 bits */
#define LAPIC_REG_IRR       0x200   /* interrupt request, 8 x 32 bits */
#define LAPIC_REG_ESR       0x280   /* error status (write, then read) */
#define LAPIC_REG_ICR_LO    0x300   /* interrupt command; the write sends */
#define LAPIC_REG_ICR_HI    0x310   /* xAPIC: destination in bits 31:24 */
#define LAPIC_REG_LVT_TIMER 0x320
#define LAPIC_REG_LVT_LINT0 0x350
#define LAPIC_REG_LVT_LINT1 0x360
#define LAPIC_REG_LVT_ERROR 0x370
#define LAPIC_REG_TIMER_ICR 0x380   /* timer initial count */
#define LAPIC_REG_TIMER_CCR 0x390   /* timer current count */
#define LAPIC_REG_TIMER_DCR 0x3E0   /* timer divide configuration */

/* ---- MSRs ------------------------------------------------------------------ */
#define LAPIC_MSR_APIC_BASE     0x01Bu          /* IA32_APIC_BASE */
#define LAPIC_APIC_BASE_BSP     (1ull << 8)
#define LAPIC_APIC_BASE_EXTD    (1ull << 10)    /* x2APIC mode */
#define LAPIC_APIC_BASE_EN      (1ull << 11)    /* global enable */
#define LAPIC_MSR_X2APIC_BASE   0x800u
#define LAPIC_X2APIC_MSR(reg)   (LAPIC_MSR_X2APIC_BASE + ((uint32_t)(reg) >> 4))
#define LAPIC_MSR_X2APIC_ICR    0x830u          /* 64 bits: destination in 63:32 */

/* ---- SVR -------------------------------------------------------------------- */
#define LAPIC_SVR_ENABLE        (1u << 8)       /* APIC software enable */
#define LAPIC_SVR_FOCUS_OFF     (1u << 9)
#define LAPIC_SVR_EOI_BCAST_SUPPRESS (1u << 12)

/* DFR: the flat model (bits 31:28 = 1111). */
#define LAPIC_DFR_FLAT          0xFFFFFFFFu
#define LAPIC_LDR_SHIFT         24              /* xAPIC logical ID in LDR 31:24 */

/* ---- LVT entries and the ICR (shared field layout) ------------------------ */
#define LAPIC_VECTOR_MASK       0xFFu
#define LAPIC_DM_FIXED          (0u << 8)
#define LAPIC_DM_LOWEST         (1u << 8)
#define LAPIC_DM_SMI            (2u << 8)
#define LAPIC_DM_NMI            (4u << 8)
#define LAPIC_DM_INIT           (5u << 8)
#define LAPIC_DM_STARTUP        (6u << 8)
#define LAPIC_DM_EXTINT         (7u << 8)
#define LAPIC_DEST_LOGICAL      (1u << 11)      /* ICR destination mode */
#define LAPIC_DELIVERY_PENDING  (1u << 12)      /* ICR / LVT delivery status (read-only) */
#define LAPIC_POLARITY_LOW      (1u << 13)      /* LINT0/1 input polarity */
#define LAPIC_LEVEL_ASSERT      (1u << 14)      /* ICR level: 0 only for INIT de-assert */
#define LAPIC_TRIGGER_LEVEL     (1u << 15)
#define LAPIC_LVT_MASKED        (1u << 16)
#define LAPIC_SH_NONE           (0u << 18)      /* ICR destination shorthand */
#define LAPIC_SH_SELF           (1u << 18)
#define LAPIC_SH_ALL            (2u << 18)      /* all including self */
#define LAPIC_SH_OTHERS         (3u << 18)      /* all excluding self */
#define LAPIC_SH_MASK           (3u << 18)
#define LAPIC_ICR_DEST_SHIFT    24              /* xAPIC: in ICR_HI */

/* What the driver programs. */
#define LAPIC_ICR_INIT_ASSERT   (LAPIC_DM_INIT | LAPIC_LEVEL_ASSERT | LAPIC_TRIGGER_LEVEL)
#define LAPIC_ICR_INIT_DEASSERT (LAPIC_DM_INIT | LAPIC_TRIGGER_LEVEL)
#define LAPIC_ICR_STARTUP(vec)  (LAPIC_DM_STARTUP | LAPIC_LEVEL_ASSERT | ((vec) & 0xFFu))
#define LAPIC_ICR_FIXED(vec)    (LAPIC_DM_FIXED | LAPIC_LEVEL_ASSERT | ((vec) & 0xFFu))

/* Polls of the ICR delivery status (xAPIC) before giving up. */
#define LAPIC_ICR_POLL_LIMIT    100000u

/* ---- the driver (src/chip_lapic.c) ----------------------------------------- */

/* Choose xAPIC at `base` or x2APIC; done by intr_init() from the platform. */
void lapic_configure(bool x2apic, uint64_t base);
bool lapic_x2apic(void);

/* Raw register access of the executing CPU's local APIC, by xAPIC offset. */
uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t v);

/* Per-CPU initialisation (intr_cpu_init): x2APIC enable when configured,
 * TPR 0, flat DFR and LDR (xAPIC), SVR = enable | spurious vector, EOIs for
 * anything left in service, LVT timer masked, LINT0 ExtINT (extint) or
 * masked, LINT1 NMI (nmi) or masked, LVT error, ESR cleared.  Returns the
 * APIC ID the hardware reports. */
uint32_t lapic_setup_cpu(unsigned cpu_index, bool extint, bool nmi);

/* End of interrupt: one write of 0 to the EOI register. */
void lapic_eoi(void);

/* Send an IPI: icr_lo is the low ICR half (vector, delivery mode, level,
 * trigger, shorthand); dest the physical APIC ID (ignored with a
 * shorthand).  xAPIC: destination into ICR_HI, then ICR_LO, then waits for
 * the delivery status to go idle (hal_pause, bounded).  x2APIC: one MSR
 * write.  Returns 0 or -INTR_ETIMEDOUT. */
int lapic_send_ipi(uint32_t dest, uint32_t icr_lo);

/* Is `vector` set in this CPU's IRR? */
bool lapic_irr_pending(uint8_t vector);

/* Read the error status (write, then read, as the SDM asks). */
uint32_t lapic_read_esr(void);

#endif
