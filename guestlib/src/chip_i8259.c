/* chip_i8259.c - the dual 8259A chip driver.
 *
 * Register facts (8259A datasheet, PC/AT wiring):
 * - ICW1 (0x11 to the command port) starts initialisation: cascade mode,
 *   ICW4 follows; the trigger mode is left to the ELCR per line.  ICW2 is the
 *   vector base (0x20 master, 0x28 slave), ICW3 the cascade wiring (master:
 *   slave on IR2 = 0x04; slave: its id 2), ICW4 0x01 = 8086 mode, normal
 *   (not automatic) EOI.
 * - OCW1 is the mask register at the data port; OCW2 0x60|n is a specific
 *   EOI for IRn; OCW3 0x0B / 0x0A select whether the next command-port read
 *   returns the ISR or the IRR.
 * - ELCR (0x4D0 for lines 0-7, 0x4D1 for 8-15): a set bit makes the line
 *   level-sensitive.  ISA level lines are active high at the PIC input (a
 *   PCI INTx# is inverted on its way there), so a level-low request on an
 *   8259 pin is refused with -INTR_EINVAL, as is level on the lines whose
 *   ELCR bit PC chipsets hard-wire to edge (0, 1, 2, 8, 13).
 *
 * Every line uses the level flow (like Linux's XT-PIC lines): mask and
 * specific EOI before the handlers, so that a new edge latches in IRR while
 * they run, and unmask afterwards.  A slave line's EOI goes to the slave for
 * the line and to the master for IR2.
 *
 * A spurious request shows up as IR7 of the chip that saw it (the request
 * went away before the INTA cycle): the ISR bit 7 is then clear.  Spurious
 * master IR7 needs no EOI; spurious slave IR7 (IRQ15) needs the master's
 * cascade EOI, since the master did put IR2 in service.
 *
 * A chip lock guards the cached registers and the OCW3 read selection, as
 * operations on different lines can run at the same time on different CPUs.
 */
#include "internal.h"
#include "i8259.h"

static hal_spinlock_t i8259_lock = HAL_SPINLOCK_INIT;
static uint16_t cached_mask = 0xFFFF;   /* bit n: line n masked */
static uint16_t cached_elcr;            /* bit n: line n level */

static bool is_slave(unsigned irq)
{
    return irq >= 8;
}

static void write_mask(unsigned irq)
{
    if (is_slave(irq))
        hal_outb(I8259_SLAVE_DATA, (uint8_t)(cached_mask >> 8));
    else
        hal_outb(I8259_MASTER_DATA, (uint8_t)cached_mask);
}

static void write_elcr(unsigned irq)
{
    if (is_slave(irq))
        hal_outb(I8259_ELCR_SLAVE, (uint8_t)(cached_elcr >> 8));
    else
        hal_outb(I8259_ELCR_MASTER, (uint8_t)cached_elcr);
}

/* Specific EOI; a slave line also ends the master's cascade IR2. */
static void send_eoi(unsigned irq)
{
    if (is_slave(irq)) {
        hal_outb(I8259_SLAVE_CMD, (uint8_t)(I8259_OCW2_SEOI | (irq & 7)));
        hal_outb(I8259_MASTER_CMD, I8259_OCW2_SEOI | I8259_CASCADE_IRQ);
    } else {
        hal_outb(I8259_MASTER_CMD, (uint8_t)(I8259_OCW2_SEOI | irq));
    }
}

/* ICW1-4 on both chips, then the masks (bit n: line n masked), then the
 * ELCR all edge. */
static int i8259_setup(uint16_t mask)
{
    hal_irqflags_t f = hal_irq_save();

    hal_spin_lock(&i8259_lock);
    /* No masking beforehand: ICW1 clears the mask register anyway, and the
     * chip delivers nothing until ICW4 is in. */
    hal_outb(I8259_MASTER_CMD, I8259_ICW1_INIT_ICW4);
    hal_outb(I8259_MASTER_DATA, I8259_VECTOR_MASTER);
    hal_outb(I8259_MASTER_DATA, I8259_ICW3_MASTER);
    hal_outb(I8259_MASTER_DATA, I8259_ICW4_8086);

    hal_outb(I8259_SLAVE_CMD, I8259_ICW1_INIT_ICW4);
    hal_outb(I8259_SLAVE_DATA, I8259_VECTOR_SLAVE);
    hal_outb(I8259_SLAVE_DATA, I8259_ICW3_SLAVE);
    hal_outb(I8259_SLAVE_DATA, I8259_ICW4_8086);

    /* ICW1 cleared the masks. */
    cached_mask = mask;
    hal_outb(I8259_MASTER_DATA, (uint8_t)cached_mask);
    hal_outb(I8259_SLAVE_DATA, (uint8_t)(cached_mask >> 8));

    cached_elcr = 0;
    hal_outb(I8259_ELCR_MASTER, 0);
    hal_outb(I8259_ELCR_SLAVE, 0);
    hal_spin_unlock(&i8259_lock);
    hal_irq_restore(f);
    return 0;
}

/* The pic platform (and virtual-wire mode): everything masked but the
 * cascade. */
static int i8259_init(void)
{
    return i8259_setup((uint16_t)(0xFFFFu & ~(1u << I8259_CASCADE_IRQ)));
}

/* The APIC platform with the 8259 unused: every line masked, the cascade
 * too (0xFF / 0xFF), so that nothing reaches INTR or LINT0. */
int i8259_init_all_masked(void)
{
    return i8259_setup(0xFFFFu);
}

static int i8259_irq_vector(unsigned irq)
{
    if (irq >= I8259_NR_IRQS)
        return -1;
    return is_slave(irq) ? I8259_VECTOR_SLAVE + (int)(irq - 8) : I8259_VECTOR_MASTER + (int)irq;
}

static enum intr_flow_kind i8259_flow_kind(unsigned irq, enum intr_trigger trigger)
{
    (void)irq;
    (void)trigger;
    return INTR_FLOW_LEVEL;
}

static int i8259_bind(unsigned irq, enum intr_trigger trigger)
{
    hal_irqflags_t f;
    uint16_t bit = (uint16_t)(1u << irq);

    if (irq >= I8259_NR_IRQS || irq == I8259_CASCADE_IRQ)
        return -INTR_EINVAL;
    if (trigger == INTR_TRIGGER_LEVEL_LOW)
        return -INTR_EINVAL;
    if (trigger == INTR_TRIGGER_LEVEL_HIGH && (I8259_ELCR_EDGE_ONLY & bit))
        return -INTR_EINVAL;

    f = hal_irq_save();
    hal_spin_lock(&i8259_lock);
    if (((cached_elcr & bit) != 0) != (trigger == INTR_TRIGGER_LEVEL_HIGH)) {
        cached_elcr ^= bit;
        write_elcr(irq);    /* only when it changes: each access costs */
    }
    hal_spin_unlock(&i8259_lock);
    hal_irq_restore(f);
    return 0;
}

static void i8259_unbind(unsigned irq)
{
    hal_irqflags_t f = hal_irq_save();

    hal_spin_lock(&i8259_lock);
    if (cached_elcr & (1u << irq)) {
        cached_elcr &= (uint16_t)~(1u << irq);
        write_elcr(irq);
    }
    hal_spin_unlock(&i8259_lock);
    hal_irq_restore(f);
}

static void i8259_mask(unsigned irq)
{
    hal_irqflags_t f = hal_irq_save();

    hal_spin_lock(&i8259_lock);
    cached_mask |= (uint16_t)(1u << irq);
    write_mask(irq);
    hal_spin_unlock(&i8259_lock);
    hal_irq_restore(f);
}

static void i8259_unmask(unsigned irq)
{
    hal_irqflags_t f = hal_irq_save();

    hal_spin_lock(&i8259_lock);
    cached_mask &= (uint16_t)~(1u << irq);
    write_mask(irq);
    hal_spin_unlock(&i8259_lock);
    hal_irq_restore(f);
}

static void i8259_eoi(unsigned irq)
{
    hal_irqflags_t f = hal_irq_save();

    hal_spin_lock(&i8259_lock);
    send_eoi(irq);
    hal_spin_unlock(&i8259_lock);
    hal_irq_restore(f);
}

static void i8259_mask_ack(unsigned irq)
{
    hal_irqflags_t f = hal_irq_save();

    hal_spin_lock(&i8259_lock);
    cached_mask |= (uint16_t)(1u << irq);
    write_mask(irq);
    send_eoi(irq);
    hal_spin_unlock(&i8259_lock);
    hal_irq_restore(f);
}

/* IR7 of either chip: is it really in service?  Reads the ISR through OCW3
 * and puts the read selection back to the IRR (the power-on default). */
static bool i8259_spurious(unsigned irq)
{
    hal_irqflags_t f;
    uint16_t cmd;
    uint8_t isr;
    bool spurious;

    if (irq != 7 && irq != 15)
        return false;
    cmd = irq == 7 ? I8259_MASTER_CMD : I8259_SLAVE_CMD;

    f = hal_irq_save();
    hal_spin_lock(&i8259_lock);
    hal_outb(cmd, I8259_OCW3_READ_ISR);
    isr = hal_inb(cmd);
    hal_outb(cmd, I8259_OCW3_READ_IRR);
    spurious = !(isr & 0x80);
    if (spurious && irq == 15)
        hal_outb(I8259_MASTER_CMD, I8259_OCW2_SEOI | I8259_CASCADE_IRQ);
    hal_spin_unlock(&i8259_lock);
    hal_irq_restore(f);
    return spurious;
}

static int i8259_config_msi(unsigned irq, struct intr_msi_msg *msg)
{
    (void)irq;
    (void)msg;
    return -INTR_ENODEV;
}

const struct intr_chip i8259_chip = {
    .name = "XT-PIC",
    .nr_irqs = I8259_NR_IRQS,
    .reserved_irqs = 1u << I8259_CASCADE_IRQ,
    .init = i8259_init,
    .irq_vector = i8259_irq_vector,
    .flow_kind = i8259_flow_kind,
    .bind = i8259_bind,
    .unbind = i8259_unbind,
    .mask = i8259_mask,
    .unmask = i8259_unmask,
    .ack = i8259_eoi,
    .mask_ack = i8259_mask_ack,
    .eoi = i8259_eoi,
    .spurious = i8259_spurious,
    .config_msi = i8259_config_msi,
};
