/* Interrupt source groups (seeds 000/001): legacy, MSI and MSI-X groups of
 * a PCI function, driven through the group API the devices use. */
#include "machine_fixture.h"
#include "pci.h"

static const char *const scn =
    "{\"intrsim\":1,\"name\":\"g\",\"machine\":{\"cpus\":1,\"platform\":\"apic\"},"
    "\"devices\":[{\"name\":\"d\",\"type\":\"pci\",\"slot\":1,\"intx\":{\"gsi\":16},"
    "\"msi\":{\"vectors\":4},\"msix\":{\"vectors\":8}}],"
    "\"run\":{\"until\":1}}";

static struct sim_pci_fn *fn_of(struct fixture *f)
{
    cr_assert_eq(f->m.npci, 1);
    return &f->m.pci[0];
}

static unsigned msi_writes(struct fixture *f)
{
    return fixture_count(f, "\"ev\":\"msi\"", NULL, NULL);
}

static void msix_enable(struct sim_pci_fn *fn)
{
    msix_cfg_write(&fn->msix, fn->msix.offset + 2, 2, PCI_MSIX_FLAGS_ENABLE);
}

Test(irqgroup, sizes_follow_the_seed_rules)
{
    struct fixture *f = fixture_run(scn);
    struct sim_pci_fn *fn = fn_of(f);
    cr_assert_eq(fn->groups[SIM_IRQ_LEGACY].count, 1, "legacy: exactly one source");
    cr_assert_eq(fn->groups[SIM_IRQ_MSI].count, 4);
    cr_assert_eq(fn->groups[SIM_IRQ_MSIX].count, 8);
    fixture_free(f);
}

Test(irqgroup, msix_trigger_sends_the_entry_message)
{
    struct fixture *f = fixture_run(scn);
    struct sim_pci_fn *fn = fn_of(f);
    struct sim_irq_group *g = &fn->groups[SIM_IRQ_MSIX];
    msix_enable(fn);
    cr_assert_eq(sim_irq_group_update(g, 3, 0xFEE00000u, 0x41, false), 0);
    unsigned before = msi_writes(f);
    cr_assert_eq(sim_irq_group_trigger(g, 3), 1);
    cr_assert_eq(msi_writes(f), before + 1);
    cr_assert(fixture_count(f, "\"ev\":\"msi\"", "\"data\":65", NULL) == 1);
    fixture_free(f);
}

Test(irqgroup, masked_source_latches_pending_and_delivers_once_on_unmask)
{
    struct fixture *f = fixture_run(scn);
    struct sim_pci_fn *fn = fn_of(f);
    struct sim_irq_group *g = &fn->groups[SIM_IRQ_MSIX];
    msix_enable(fn);
    sim_irq_group_update(g, 0, 0xFEE00000u, 0x42, false);
    sim_irq_group_mask(g, 0);
    unsigned before = msi_writes(f);
    cr_assert_eq(sim_irq_group_trigger(g, 0), 0, "masked: latched");
    cr_assert_eq(sim_irq_group_trigger(g, 0), 0);
    cr_assert_eq(sim_irq_group_trigger(g, 0), 0);
    cr_assert(sim_irq_group_pending(g, 0));
    cr_assert_eq(msi_writes(f), before, "nothing sent while masked");
    sim_irq_group_unmask(g, 0);
    cr_assert_eq(msi_writes(f), before + 1, "three triggers, one message");
    cr_assert_not(sim_irq_group_pending(g, 0));
    fixture_free(f);
}

Test(irqgroup, a_source_masked_in_the_table_pends_in_the_pba)
{
    struct fixture *f = fixture_run(scn);
    struct sim_pci_fn *fn = fn_of(f);
    struct sim_irq_group *g = &fn->groups[SIM_IRQ_MSIX];
    msix_enable(fn);
    sim_irq_group_update(g, 5, 0xFEE00000u, 0x45, true);
    unsigned before = msi_writes(f);
    cr_assert_eq(sim_irq_group_trigger(g, 5), 0);
    cr_assert(msix_vector_pending(&fn->msix, 5), "the PBA bit is the pending state");
    sim_irq_group_update(g, 5, 0xFEE00000u, 0x46, false);
    cr_assert_eq(msi_writes(f), before + 1);
    cr_assert(fixture_count(f, "\"ev\":\"msi\"", "\"data\":70", NULL) == 1, "the updated data is sent");
    fixture_free(f);
}

Test(irqgroup, disabled_group_and_bad_index_drop)
{
    struct fixture *f = fixture_run(scn);
    struct sim_pci_fn *fn = fn_of(f);
    struct sim_irq_group *g = &fn->groups[SIM_IRQ_MSIX];
    msix_enable(fn);
    sim_irq_group_update(g, 1, 0xFEE00000u, 0x41, false);
    sim_irq_group_disable(g);
    cr_assert_eq(sim_irq_group_trigger(g, 1), -1);
    sim_irq_group_enable(g);
    cr_assert_eq(sim_irq_group_trigger(g, 1), 1);
    cr_assert_eq(sim_irq_group_trigger(g, 8), -1, "index beyond the group");
    cr_assert_eq(sim_irq_group_mask(g, 8), -1);
    cr_assert_eq(g->dropped, 2);
    fixture_free(f);
}

Test(irqgroup, msi_group_replaces_low_data_bits)
{
    struct fixture *f = fixture_run(scn);
    struct sim_pci_fn *fn = fn_of(f);
    struct sim_irq_group *g = &fn->groups[SIM_IRQ_MSI];
    unsigned o = fn->msi.offset;
    msi_cfg_write(&fn->msi, o + 2, 2, PCI_MSI_FLAGS_ENABLE | (2u << 4)); /* 4 vectors */
    cr_assert_eq(sim_irq_group_update(g, 0, 0xFEE00000u, 0x50, false), 0);
    cr_assert_eq(sim_irq_group_trigger(g, 2), 1);
    cr_assert(fixture_count(f, "\"ev\":\"msi\"", "\"data\":82", NULL) == 1, "0x50 | 2");
    fixture_free(f);
}

Test(irqgroup, notifier_injects_without_knowing_the_kind)
{
    struct fixture *f = fixture_run(scn);
    struct sim_pci_fn *fn = fn_of(f);
    struct sim_irq_group *g = &fn->groups[SIM_IRQ_MSIX];
    msix_enable(fn);
    sim_irq_group_update(g, 7, 0xFEE00000u, 0x47, false);
    struct sim_irq_notifier n = sim_irq_group_notifier(g, 7);
    unsigned before = msi_writes(f);
    cr_assert_eq(sim_irq_notify(&n), 1);
    cr_assert_eq(msi_writes(f), before + 1);
    fixture_free(f);
}

Test(irqgroup, legacy_group_drives_intx_and_masks_it)
{
    struct fixture *f = fixture_run(scn);
    struct sim_pci_fn *fn = fn_of(f);
    struct sim_irq_group *g = &fn->groups[SIM_IRQ_LEGACY];
    sim_pci_raise(fn, 0); /* an event: INTx asserts (MSI and MSI-X are off) */
    cr_assert(fn->intx_level);
    sim_irq_group_mask(g, 0);
    cr_assert_not(fn->intx_level, "masked: the line drops");
    cr_assert(sim_irq_group_pending(g, 0), "but the request is pending");
    sim_irq_group_unmask(g, 0);
    cr_assert(fn->intx_level);
    msix_enable(fn);
    sim_irq_group_trigger(g, 0);
    cr_assert_not(fn->intx_level, "MSI-X enabled: INTx is off");
    fixture_free(f);
}

/* A pending bit that goes without a message is traced (msi_pending_clear),
 * so a trace reader never keeps a bit the registers no longer have. */
Test(irqgroup, pending_bits_cleared_without_a_message_are_traced)
{
    struct fixture *f = fixture_run(scn);
    struct sim_pci_fn *fn = fn_of(f);
    struct sim_irq_group *g = &fn->groups[SIM_IRQ_MSIX];
    msix_enable(fn);
    sim_irq_group_update(g, 0, 0xFEE00000u, 0x42, true); /* masked in the table */
    cr_assert_eq(sim_irq_group_trigger(g, 0), 0);
    cr_assert(msix_vector_pending(&fn->msix, 0));
    sim_pci_withdraw(fn); /* the device's reason went away (PCI 3.0 6.8.1.8) */
    cr_assert_not(msix_vector_pending(&fn->msix, 0));
    cr_assert_eq(fixture_count(f, "\"msi_pending_clear\"", "\"vector\":0", "\"reason\":\"function\""), 1);

    /* entry 1 keeps address 0: pended, then unmasked in the table */
    cr_assert_eq(sim_irq_group_trigger(g, 1), 0);
    msix_table_write(&fn->msix, 1 * 16 + 12, 4, 0);
    cr_assert_not(msix_vector_pending(&fn->msix, 1));
    int clear = fixture_find(f, "\"msi_pending_clear\"", "\"reason\":\"dropped\"");
    int drop = fixture_find(f, "\"msi_dropped\"", "\"reason\":\"no_address\"");
    cr_assert(clear >= 0 && drop > clear, "clear %d before drop %d", clear, drop);
    fixture_free(f);
}
