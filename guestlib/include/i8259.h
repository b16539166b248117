/* i8259.h - the dual 8259A chip driver of the intr core.
 *
 * The PC/AT pair: master at 0x20/0x21 with lines 0-7, slave at 0xA0/0xA1 with
 * lines 8-15 cascaded on the master's IR2, and the edge/level control
 * registers (ELCR) at 0x4D0/0x4D1.  Vectors 0x20-0x2F.
 */
#ifndef INTRSIM_I8259_H
#define INTRSIM_I8259_H

#include "intr_chip.h"

#define I8259_MASTER_CMD   0x20
#define I8259_MASTER_DATA  0x21
#define I8259_SLAVE_CMD    0xA0
#define I8259_SLAVE_DATA   0xA1
#define I8259_ELCR_MASTER  0x4D0
#define I8259_ELCR_SLAVE   0x4D1

#define I8259_VECTOR_MASTER 0x20
#define I8259_VECTOR_SLAVE  0x28
#define I8259_CASCADE_IRQ   2
#define I8259_NR_IRQS       16

/* Command bytes. */
#define I8259_ICW1_INIT_ICW4 0x11  /* edge (ELCR decides per line), cascade, ICW4 */
#define I8259_ICW3_MASTER    0x04  /* slave on IR2 */
#define I8259_ICW3_SLAVE     0x02  /* slave id 2 */
#define I8259_ICW4_8086      0x01  /* 8086 mode, normal EOI, not buffered */
#define I8259_OCW2_SEOI      0x60  /* specific EOI, | level */
#define I8259_OCW3_READ_IRR  0x0A
#define I8259_OCW3_READ_ISR  0x0B

/* Lines whose ELCR bit is reserved (always edge) on PC chipsets: the timer,
 * the keyboard, the cascade, the RTC and the FPU error line (0, 1, 2, 8, 13). */
#define I8259_ELCR_EDGE_ONLY 0x2107u

extern const struct intr_chip i8259_chip;

/* The APIC platform with the 8259 unused: ICW1-4 as usual (vectors
 * 0x20-0x2F, so a spurious IR7 cannot look like an exception), then both
 * masks 0xFF, then the ELCR all edge. */
int i8259_init_all_masked(void);

#endif
