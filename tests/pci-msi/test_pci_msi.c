/* test_pci_msi.c - register-level tests of the PCI MSI / MSI-X models and
 * of the bus decode of an MSI write.
 *
 * Every test drives the model through its public API only, the way the
 * guest (configuration and BAR accesses), the device (notify) and the bus
 * (decode) would, with a fake `send` that records each memory write and an
 * observer that records every event.  Section numbers refer to the PCI
 * Local Bus Specification 3.0 (6.8) and to Intel SDM vol. 3 (10.11).
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "pci_msi.h"

#define MAX_RECORDS 4096
#define CAP   0x50          /* MSI capability offset in config space */
#define XCAP  0x70          /* MSI-X capability offset */
#define NEXT  0x70
#define ADDR  0xFEE01000u   /* APIC ID 1, physical */
#define VEC   0x41

static struct msi_cap msi;
static struct msix mx;
static struct msi_msg sent[MAX_RECORDS];
static int nsent;
static struct msi_event evs[MAX_RECORDS];
static struct msi_msg ev_msgs[MAX_RECORDS];
static int nevs;
static uint32_t pending_at_send;    /* MSI Pending Bits as the last send saw them */
static uint64_t pba_at_send;        /* PBA QWORD 0 as the last send saw it */
static int reenter;                 /* >0: the send callback notifies vector 0 again */

static void rec_send(void *opaque, const struct msi_msg *m)
{
    if (nsent < MAX_RECORDS)
        sent[nsent++] = *m;
    pending_at_send = msi.pending_bits;
    pba_at_send = mx.pba ? mx.pba[0] : 0;
    if (reenter > 0) {
        reenter--;
        if (opaque == &mx)
            msix_notify(&mx, 0);
        else
            msi_notify(&msi, 0);
    }
}

static void rec_observe(void *opaque, const struct msi_event *ev)
{
    (void)opaque;
    if (nevs >= MAX_RECORDS)
        return;
    evs[nevs] = *ev;
    if (ev->msg) {
        ev_msgs[nevs] = *ev->msg;
        evs[nevs].msg = &ev_msgs[nevs];
    }
    nevs++;
}

static void clear_records(void)
{
    nsent = 0;
    nevs = 0;
}

static int count_ev(int kind)
{
    int n = 0;

    for (int i = 0; i < nevs; i++)
        if (evs[i].kind == kind)
            n++;
    return n;
}

static const struct msi_event *find_ev(int kind)
{
    for (int i = 0; i < nevs; i++)
        if (evs[i].kind == kind)
            return &evs[i];
    return NULL;
}

static int count_error(int code)
{
    int n = 0;

    for (int i = 0; i < nevs; i++)
        if (evs[i].kind == MSI_EV_ERROR && evs[i].value == code)
            n++;
    return n;
}

static int count_drop(int reason)
{
    int n = 0;

    for (int i = 0; i < nevs; i++)
        if (evs[i].kind == MSI_EV_DROPPED && evs[i].value == reason)
            n++;
    return n;
}

/* ---- MSI helpers --------------------------------------------------------- */

static void msi_fresh(unsigned nvec, bool is64, bool maskable)
{
    int rc = msi_init(&msi, CAP, NEXT, nvec, is64, maskable, rec_send, rec_observe, &msi);

    cr_assert_eq(rc, 0);
    clear_records();
    reenter = 0;
}

static uint32_t crd(unsigned off, unsigned size)
{
    return msi_cfg_read(&msi, CAP + off, size);
}

static void cwr(unsigned off, unsigned size, uint32_t v)
{
    msi_cfg_write(&msi, CAP + off, size, v);
}

static unsigned data_off(void)
{
    return msi.is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32;
}

static unsigned mask_off(void)
{
    return msi.is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32;
}

static unsigned pend_off(void)
{
    return msi.is64 ? PCI_MSI_PENDING_64 : PCI_MSI_PENDING_32;
}

/* The way Linux programs MSI: address, data, then MME and Enable. */
static void msi_program(uint32_t addr, uint16_t data, unsigned mme)
{
    cwr(PCI_MSI_ADDRESS_LO, 4, addr);
    if (msi.is64)
        cwr(PCI_MSI_ADDRESS_HI, 4, 0);
    cwr(data_off(), 2, data);
    cwr(PCI_MSI_FLAGS, 2, (mme << PCI_MSI_FLAGS_QSIZE_SHIFT) | PCI_MSI_FLAGS_ENABLE);
}

static void msi_setup_std(void)
{
    msi_fresh(8, true, true);
}

/* ---- MSI-X helpers ------------------------------------------------------- */

static void mx_fresh(unsigned n)
{
    int rc = msix_init(&mx, XCAP, 0, n, 2, 0x2000, 2, 0x3000, rec_send, rec_observe, &mx);

    cr_assert_eq(rc, 0);
    clear_records();
    reenter = 0;
}

static void mx_setup_std(void)
{
    mx_fresh(16);
}

static void mx_teardown(void)
{
    msix_free(&mx);
}

static uint32_t xrd(unsigned off, unsigned size)
{
    return msix_cfg_read(&mx, XCAP + off, size);
}

static void xwr(unsigned off, unsigned size, uint32_t v)
{
    msix_cfg_write(&mx, XCAP + off, size, v);
}

static uint32_t ent(unsigned k, unsigned field)
{
    return (uint32_t)msix_table_read(&mx, k * PCI_MSIX_ENTRY_SIZE + field, 4);
}

static void went(unsigned k, unsigned field, uint32_t v)
{
    msix_table_write(&mx, k * PCI_MSIX_ENTRY_SIZE + field, 4, v);
}

static void mx_program(unsigned k, uint32_t addr, uint32_t data)
{
    went(k, PCI_MSIX_ENTRY_LOWER_ADDR, addr);
    went(k, PCI_MSIX_ENTRY_UPPER_ADDR, 0);
    went(k, PCI_MSIX_ENTRY_DATA, data);
}

static void mx_unmask(unsigned k)
{
    went(k, PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
}

static void mx_mask(unsigned k)
{
    went(k, PCI_MSIX_ENTRY_VECTOR_CTRL, PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

static void mx_enable(bool fmask)
{
    xwr(PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE | (fmask ? PCI_MSIX_FLAGS_MASKALL : 0));
}

static bool pba_bit(unsigned k)
{
    uint64_t q = msix_pba_read(&mx, (k / 64) * 8, 8);

    return (q >> (k % 64)) & 1u;
}

TestSuite(msi_layout);
TestSuite(msi_regs, .init = msi_setup_std);
TestSuite(msi_send, .init = msi_setup_std);
TestSuite(msi_mask, .init = msi_setup_std);
TestSuite(msix_cap, .init = mx_setup_std, .fini = mx_teardown);
TestSuite(msix_table, .init = mx_setup_std, .fini = mx_teardown);
TestSuite(msix_mask, .init = mx_setup_std, .fini = mx_teardown);
TestSuite(intx);
TestSuite(decode);

/* ==== 1. MSI capability layout (6.8.1) ====================================== */

Test(msi_layout, id_and_next_pointer)
{
    msi_fresh(1, false, false);
    cr_assert_eq(crd(PCI_CAP_LIST_ID, 1), PCI_CAP_ID_MSI, "6.8.1.1: Capability ID 05h");
    cr_assert_eq(crd(PCI_CAP_LIST_NEXT, 1), NEXT, "6.8.1.2: Next Pointer");
    cr_assert_eq(crd(0, 2), (NEXT << 8) | PCI_CAP_ID_MSI);
    cr_assert_eq(crd(0, 4), (NEXT << 8) | PCI_CAP_ID_MSI, "Message Control 0 at reset");
}

Test(msi_layout, id_and_next_read_only)
{
    msi_fresh(1, false, false);
    cwr(0, 2, 0xFFFF);
    cwr(PCI_CAP_LIST_NEXT, 1, 0x00);
    cr_assert_eq(crd(0, 2), (NEXT << 8) | PCI_CAP_ID_MSI);
    cr_assert_eq(count_ev(MSI_EV_CONFIG), 0, "no register behind the header");
}

Test(msi_layout, capability_sizes_and_ownership)
{
    static const struct { bool is64, mask; unsigned size; } l[] = {
        { false, false, 0x0A }, { true, false, 0x0E }, { false, true, 0x14 }, { true, true, 0x18 },
    };

    for (unsigned i = 0; i < 4; i++) {
        msi_fresh(4, l[i].is64, l[i].mask);
        cr_assert_eq(msi_cap_size(&msi), l[i].size, "layout %u", i);
        cr_assert(msi_owns(&msi, CAP));
        cr_assert(msi_owns(&msi, CAP + l[i].size - 1));
        cr_assert_not(msi_owns(&msi, CAP + l[i].size));
        cr_assert_not(msi_owns(&msi, CAP - 1));
    }
}

Test(msi_layout, control_read_only_capability_bits)
{
    msi_fresh(8, false, false);
    cr_assert_eq(crd(PCI_MSI_FLAGS, 2), 3u << PCI_MSI_FLAGS_QMASK_SHIFT, "MMC = 011: 8 vectors");
    msi_fresh(32, true, true);
    cr_assert_eq(crd(PCI_MSI_FLAGS, 2),
                 (5u << PCI_MSI_FLAGS_QMASK_SHIFT) | PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT);
    msi_fresh(1, true, false);
    cr_assert_eq(crd(PCI_MSI_FLAGS, 2), PCI_MSI_FLAGS_64BIT, "MMC = 000");
}

Test(msi_layout, layout_32bit_with_mask)
{
    msi_fresh(4, false, true);
    cwr(PCI_MSI_ADDRESS_LO, 4, ADDR);
    cwr(PCI_MSI_DATA_32, 2, 0x1234);
    cwr(PCI_MSI_MASK_32, 4, 0x5);
    cr_assert_eq(crd(PCI_MSI_ADDRESS_LO, 4), ADDR);
    cr_assert_eq(crd(8, 4), 0x1234, "data at 08h, 0Ah-0Bh reserved");
    cr_assert_eq(crd(12, 4), 0x5, "mask at 0Ch");
    cr_assert_eq(crd(16, 4), 0, "pending at 10h");
    cr_assert_eq(msi.addr_hi, 0);
}

Test(msi_layout, layout_64bit_with_mask)
{
    msi_fresh(4, true, true);
    cwr(PCI_MSI_ADDRESS_LO, 4, ADDR);
    cwr(PCI_MSI_ADDRESS_HI, 4, 0x12345678);
    cwr(PCI_MSI_DATA_64, 2, 0xBEEF);
    cwr(PCI_MSI_MASK_64, 4, 0xA);
    cr_assert_eq(crd(8, 4), 0x12345678, "upper address at 08h");
    cr_assert_eq(crd(12, 4), 0xBEEF, "data at 0Ch, 0Eh-0Fh reserved");
    cr_assert_eq(crd(16, 4), 0xA, "mask at 10h");
    cr_assert_eq(crd(20, 4), 0, "pending at 14h");
}

Test(msi_layout, layout_32bit_no_upper_address)
{
    msi_fresh(1, false, false);
    cwr(8, 4, 0xAAAA5555);      /* bytes 0Ah-0Bh lie past the capability */
    cr_assert_eq(msi.data, 0x5555);
    cr_assert_eq(msi.addr_hi, 0, "no upper address register in the 32-bit layout");
    cr_assert_eq(crd(8, 4), 0x5555, "bytes past the end read 0");
}

Test(msi_layout, layout_64bit_no_mask)
{
    msi_fresh(2, true, false);
    cwr(PCI_MSI_DATA_64, 4, 0xFFFFFFFF);
    cr_assert_eq(crd(PCI_MSI_DATA_64, 4), 0xFFFF, "capability ends at 0Eh");
    cr_assert_eq(msi.mask_bits, 0);
    cr_assert_not(msi_owns(&msi, CAP + PCI_MSI_MASK_64));
}

Test(msi_layout, init_rejects_bad_arguments_but_stays_usable)
{
    cr_assert_eq(msi_init(&msi, CAP, 0, 3, false, false, NULL, NULL, NULL), -1);
    cr_assert_eq(msi_nvectors_capable(&msi), 4, "3 rounded up");
    cr_assert_eq(msi_init(&msi, CAP, 0, 64, false, false, NULL, NULL, NULL), -1);
    cr_assert_eq(msi_nvectors_capable(&msi), 32);
    cr_assert_eq(msi_init(&msi, CAP, 0, 0, false, false, NULL, NULL, NULL), -1);
    cr_assert_eq(msi_nvectors_capable(&msi), 1);
    cr_assert_eq(msi_init(&msi, 0x52, 0, 1, false, false, NULL, NULL, NULL), -1, "not DWORD aligned");
    cr_assert_eq(msi_init(&msi, 0x20, 0, 1, false, false, NULL, NULL, NULL), -1, "in the header");
    cr_assert_eq(msi_init(&msi, 0xF0, 0, 1, true, true, NULL, NULL, NULL), -1, "past 256 bytes");
    cr_assert_eq(msi_init(&msi, 0xE8, 0, 1, true, true, NULL, NULL, NULL), 0, "ends at FFh");
    cr_assert_eq(msi_init(&msi, CAP, 0x61, 1, false, false, NULL, NULL, NULL), -1, "bad next");
    cr_assert_eq(msi_notify(&msi, 0), -1, "disabled, no callbacks: safe");
}

/* ==== 2. MSI registers ======================================================== */

Test(msi_regs, control_only_enable_and_mme_writable)
{
    uint32_t ro = crd(PCI_MSI_FLAGS, 2);

    cwr(PCI_MSI_FLAGS, 2, 0xFFFF);
    cr_assert_eq(crd(PCI_MSI_FLAGS, 2), ro | PCI_MSI_FLAGS_ENABLE | (3u << PCI_MSI_FLAGS_QSIZE_SHIFT),
                 "MMC, 64-bit, maskable kept; 15:9 read 0; MME clamped to MMC");
    cwr(PCI_MSI_FLAGS, 2, 0);
    cr_assert_eq(crd(PCI_MSI_FLAGS, 2), ro, "RO bits survive a 0 write");
}

Test(msi_regs, mme_greater_than_mmc_clamped)
{
    cwr(PCI_MSI_FLAGS, 2, 5u << PCI_MSI_FLAGS_QSIZE_SHIFT);
    cr_assert_eq(msi_nvectors_enabled(&msi), 8, "MME 101 with MMC 011 -> 011");
    cr_assert_eq(count_error(MSI_ERR_MME_CLAMPED), 1);
    cr_assert_eq(find_ev(MSI_EV_ERROR)->arg, 5);
    clear_records();
    cwr(PCI_MSI_FLAGS, 2, 2u << PCI_MSI_FLAGS_QSIZE_SHIFT);
    cr_assert_eq(msi_nvectors_enabled(&msi), 4);
    cr_assert_eq(count_error(MSI_ERR_MME_CLAMPED), 0, "a legal MME is not reported");
}

Test(msi_regs, mme_reserved_encoding_clamped)
{
    msi_fresh(32, false, false);
    cwr(PCI_MSI_FLAGS, 2, 7u << PCI_MSI_FLAGS_QSIZE_SHIFT);
    cr_assert_eq(msi_nvectors_enabled(&msi), 32, "111 is reserved: MMC 101 kept");
    cr_assert_eq(crd(PCI_MSI_FLAGS, 2) & PCI_MSI_FLAGS_QSIZE, 5u << PCI_MSI_FLAGS_QSIZE_SHIFT);
}

Test(msi_regs, address_low_two_bits_read_zero)
{
    cwr(PCI_MSI_ADDRESS_LO, 4, 0xFEE0F00F);
    cr_assert_eq(crd(PCI_MSI_ADDRESS_LO, 4), 0xFEE0F00C, "6.8.1.4: 1:0 reserved, DWORD aligned");
    cwr(PCI_MSI_ADDRESS_HI, 4, 0xFFFFFFFF);
    cr_assert_eq(crd(PCI_MSI_ADDRESS_HI, 4), 0xFFFFFFFF, "upper address fully RW");
}

Test(msi_regs, byte_and_word_accesses)
{
    cwr(PCI_MSI_ADDRESS_LO + 0, 1, 0x00);
    cwr(PCI_MSI_ADDRESS_LO + 1, 1, 0x30);
    cwr(PCI_MSI_ADDRESS_LO + 2, 2, 0xFEE0);
    cr_assert_eq(msi.addr_lo, 0xFEE03000);
    cr_assert_eq(crd(PCI_MSI_ADDRESS_LO + 1, 1), 0x30);
    cr_assert_eq(crd(PCI_MSI_ADDRESS_LO + 2, 2), 0xFEE0);
    cr_assert_eq(crd(PCI_MSI_ADDRESS_LO - 1, 4), 0xE0300001u, "DWORD straddling control and address");
    cwr(PCI_MSI_DATA_64 + 1, 1, 0x45);
    cr_assert_eq(msi.data, 0x4500, "byte write to the data's high byte");
}

Test(msi_regs, dword_write_at_capability_start)
{
    cwr(0, 4, 0x00310000u | 0xFFFF);    /* ID, next: RO; control: Enable + MME 3 */
    cr_assert(msi_enabled(&msi));
    cr_assert_eq(msi_nvectors_enabled(&msi), 8);
    cr_assert_eq(crd(0, 2), (NEXT << 8) | PCI_CAP_ID_MSI);
}

Test(msi_regs, bad_size_and_out_of_range)
{
    cr_assert_eq(crd(PCI_MSI_ADDRESS_LO, 3), 0);
    cwr(PCI_MSI_ADDRESS_LO, 8, ADDR);
    cr_assert_eq(count_error(MSI_ERR_BAD_SIZE), 2);
    cr_assert_eq(msi.addr_lo, 0);
    cr_assert_eq(msi_cfg_read(&msi, CAP + 0x18, 4), 0);
    msi_cfg_write(&msi, CAP - 4, 4, 0xFFFFFFFF);
    cr_assert_eq(count_error(MSI_ERR_OUT_OF_RANGE), 2);
    cr_assert_eq(crd(PCI_MSI_FLAGS, 2) & PCI_MSI_FLAGS_ENABLE, 0);
}

Test(msi_regs, partial_overlap_reads_only_owned_bytes)
{
    cr_assert_eq(msi_cfg_read(&msi, CAP - 2, 4), (uint32_t)((NEXT << 24) | (PCI_CAP_ID_MSI << 16)));
    cr_assert_eq(count_error(MSI_ERR_OUT_OF_RANGE), 0);
    msi_cfg_write(&msi, CAP - 2, 4, 0xFFFFFFFF);
    cr_assert_eq(msi.control & PCI_MSI_FLAGS_ENABLE, 0, "control not reached");
}

Test(msi_regs, config_events)
{
    cwr(PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE);
    cr_assert_eq(count_ev(MSI_EV_CONFIG), 1);
    cr_assert_eq(find_ev(MSI_EV_CONFIG)->arg, PCI_MSI_FLAGS);
    cr_assert_eq(find_ev(MSI_EV_CONFIG)->value, msi.control);
    cr_assert_not(find_ev(MSI_EV_CONFIG)->msix);
    clear_records();
    cwr(PCI_MSI_MASK_64, 4, 3);
    cr_assert_eq(find_ev(MSI_EV_CONFIG)->arg, PCI_MSI_MASK_64);
    cr_assert_eq(find_ev(MSI_EV_CONFIG)->value, 3);
}

Test(msi_regs, reset_clears_programming)
{
    msi_program(ADDR, VEC, 3);
    cwr(PCI_MSI_MASK_64, 4, 1);
    msi_notify(&msi, 0);
    msi_reset(&msi);
    cr_assert_not(msi_enabled(&msi));
    cr_assert_eq(msi_nvectors_enabled(&msi), 1);
    cr_assert_eq(msi.addr_lo | msi.addr_hi | msi.data | msi.mask_bits | msi.pending_bits, 0);
    cr_assert_eq(crd(PCI_MSI_FLAGS, 2),
                 (3u << PCI_MSI_FLAGS_QMASK_SHIFT) | PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT);
}

/* ==== 3. MSI messages ========================================================= */

Test(msi_send, disabled_drops)
{
    cwr(PCI_MSI_ADDRESS_LO, 4, ADDR);
    cwr(PCI_MSI_DATA_64, 2, VEC);
    cr_assert_eq(msi_notify(&msi, 0), -1);
    cr_assert_eq(nsent, 0);
    cr_assert_eq(count_drop(MSI_DROP_DISABLED), 1);
    cr_assert_eq(msi.pending_bits, 0, "a disabled function does not pend");
}

Test(msi_send, enable_then_disable)
{
    msi_program(ADDR, VEC, 0);
    cr_assert_eq(msi_notify(&msi, 0), 1);
    cr_assert_eq(nsent, 1);
    cr_assert_eq(sent[0].addr, ADDR);
    cr_assert_eq(sent[0].data, VEC);
    cr_assert_eq(count_ev(MSI_EV_SEND), 1);
    cr_assert_eq(find_ev(MSI_EV_SEND)->msg->data, VEC);
    cwr(PCI_MSI_FLAGS, 2, 0);
    cr_assert_eq(msi_notify(&msi, 0), -1);
    cr_assert_eq(nsent, 1);
}

Test(msi_send, upper_address_used_when_64bit)
{
    msi_program(ADDR, VEC, 0);
    cwr(PCI_MSI_ADDRESS_HI, 4, 0x1);
    msi_notify(&msi, 0);
    cr_assert_eq(sent[0].addr, 0x1FEE01000ull);
}

Test(msi_send, data_is_16_bits_upper_half_zero)
{
    msi_program(ADDR, 0xFFFF, 0);
    cwr(PCI_MSI_DATA_64, 4, 0xABCDFFFF);
    msi_notify(&msi, 0);
    cr_assert_eq(sent[0].data, 0xFFFF, "6.8.1.6: AD[31:16] are 0");
}

Test(msi_send, multi_message_replaces_low_bits)
{
    msi_program(ADDR, 0x4020, 3);
    for (unsigned k = 0; k < 8; k++)
        cr_assert_eq(msi_notify(&msi, k), 1);
    for (unsigned k = 0; k < 8; k++)
        cr_assert_eq(sent[k].data, 0x4020 | k, "k = %u", k);
    clear_records();
    cwr(PCI_MSI_DATA_64, 2, 0x4027);    /* low bits not 0: the function overwrites them */
    msi_notify(&msi, 2);
    cr_assert_eq(sent[0].data, 0x4022);
}

Test(msi_send, fewer_vectors_enabled_than_capable)
{
    msi_program(ADDR, 0x41, 1);         /* 2 of 8 */
    cr_assert_eq(msi_notify(&msi, 0), 1);
    cr_assert_eq(msi_notify(&msi, 1), 1);
    cr_assert_eq(sent[0].data, 0x40, "only bit 0 replaced");
    cr_assert_eq(sent[1].data, 0x41);
    cr_assert_eq(msi_notify(&msi, 2), -1);
    cr_assert_eq(count_drop(MSI_DROP_OUT_OF_RANGE), 1);
    cr_assert_eq(evs[nevs - 1].arg, 2, "arg = enabled count");
    cr_assert_eq(nsent, 2);
}

Test(msi_send, single_message_data_unchanged)
{
    msi_program(ADDR, 0x4043, 0);
    msi_notify(&msi, 0);
    cr_assert_eq(sent[0].data, 0x4043, "MME 0: no bit replaced");
}

Test(msi_send, vector_beyond_capable_dropped)
{
    msi_program(ADDR, VEC, 3);
    cr_assert_eq(msi_notify(&msi, 8), -1);
    cr_assert_eq(msi_notify(&msi, 1000), -1);
    cr_assert_eq(count_drop(MSI_DROP_OUT_OF_RANGE), 2);
    cr_assert_eq(evs[nevs - 1].arg, 8, "arg = capable count");
    cr_assert_eq(msi.pending_bits, 0);
}

Test(msi_send, unprogrammed_address_dropped)
{
    cwr(PCI_MSI_DATA_64, 2, VEC);
    cwr(PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE);
    cr_assert_eq(msi_notify(&msi, 0), -1);
    cr_assert_eq(count_drop(MSI_DROP_NO_ADDRESS), 1);
    cr_assert_eq(nsent, 0);
}

Test(msi_send, message_decodes_to_the_programmed_interrupt)
{
    struct apic_msg m;

    msi_program(0xFEE03000u, 0x0050, 2);
    msi_notify(&msi, 3);
    cr_assert_eq(msi_decode(sent[0].addr, sent[0].data, false, &m), MSI_DECODE_OK);
    cr_assert_eq(m.vector, 0x53);
    cr_assert_eq(m.dest, 3);
    cr_assert_eq(m.delivery_mode, APIC_DM_FIXED);
}

/* ==== 4. MSI per-vector masking (6.8.1.7, 6.8.1.8) ============================== */

Test(msi_mask, mask_bits_only_implemented_writable)
{
    cwr(PCI_MSI_MASK_64, 4, 0xFFFFFFFF);
    cr_assert_eq(crd(PCI_MSI_MASK_64, 4), 0xFF, "8 capable vectors: 8 mask bits");
    msi_fresh(32, false, true);
    cwr(PCI_MSI_MASK_32, 4, 0xFFFFFFFF);
    cr_assert_eq(crd(PCI_MSI_MASK_32, 4), 0xFFFFFFFF);
    msi_fresh(1, false, true);
    cwr(PCI_MSI_MASK_32, 4, 0xFFFFFFFF);
    cr_assert_eq(crd(PCI_MSI_MASK_32, 4), 1);
}

Test(msi_mask, pending_bits_read_only)
{
    msi_program(ADDR, VEC, 3);
    cwr(PCI_MSI_MASK_64, 4, 0x4);
    msi_notify(&msi, 2);
    clear_records();
    cwr(PCI_MSI_PENDING_64, 4, 0);
    cr_assert_eq(crd(PCI_MSI_PENDING_64, 4), 0x4, "a write does not clear it");
    cwr(PCI_MSI_PENDING_64, 4, 0xFF);
    cr_assert_eq(crd(PCI_MSI_PENDING_64, 4), 0x4, "nor set it");
    cr_assert_eq(count_error(MSI_ERR_READ_ONLY), 2);
    cr_assert_eq(nsent, 0);
}

Test(msi_mask, masked_vector_sets_pending)
{
    msi_program(ADDR, VEC & ~7u, 3);
    cwr(PCI_MSI_MASK_64, 4, 1u << 5);
    cr_assert_eq(msi_notify(&msi, 5), 0);
    cr_assert_eq(nsent, 0);
    cr_assert_eq(crd(pend_off(), 4), 1u << 5);
    cr_assert(msi_vector_pending(&msi, 5));
    cr_assert_eq(count_ev(MSI_EV_PENDING), 1);
    cr_assert_eq(msi_notify(&msi, 4), 1, "other vectors unaffected");
}

Test(msi_mask, unmask_delivers_pending_exactly_once)
{
    msi_program(ADDR, 0x40, 3);
    cwr(mask_off(), 4, 0xFF);
    cr_assert_eq(msi_notify(&msi, 1), 0);
    cr_assert_eq(msi_notify(&msi, 1), 0);
    cr_assert_eq(msi_notify(&msi, 1), 0);
    cr_assert_eq(evs[nevs - 1].arg, 1, "later triggers coalesce");
    cwr(mask_off(), 4, 0xFD);
    cr_assert_eq(nsent, 1, "three triggers while masked -> one message");
    cr_assert_eq(sent[0].data, 0x41);
    cr_assert_eq(pending_at_send, 0, "pending cleared before the write leaves");
    cr_assert_eq(crd(pend_off(), 4), 0);
    cr_assert_eq(count_ev(MSI_EV_DELIVER_PENDING), 1);
    cwr(mask_off(), 4, 0x00);
    cr_assert_eq(nsent, 1, "a second unmask sends nothing");
}

Test(msi_mask, unmask_several_in_index_order)
{
    msi_program(ADDR, 0x40, 3);
    cwr(mask_off(), 4, 0xFF);
    msi_notify(&msi, 6);
    msi_notify(&msi, 2);
    cwr(mask_off(), 4, 0);
    cr_assert_eq(nsent, 2);
    cr_assert_eq(sent[0].data, 0x42);
    cr_assert_eq(sent[1].data, 0x46);
}

Test(msi_mask, byte_unmask_delivers)
{
    msi_program(ADDR, 0x40, 3);
    cwr(mask_off(), 4, 0x01);
    msi_notify(&msi, 0);
    cwr(mask_off(), 1, 0x00);
    cr_assert_eq(nsent, 1);
}

Test(msi_mask, pending_waits_for_enable)
{
    msi_program(ADDR, 0x40, 0);
    cwr(mask_off(), 4, 1);
    msi_notify(&msi, 0);
    cwr(PCI_MSI_FLAGS, 2, 0);           /* disable, then unmask */
    cwr(mask_off(), 4, 0);
    cr_assert_eq(nsent, 0, "not sent while disabled");
    cr_assert(msi_vector_pending(&msi, 0));
    cwr(PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE);
    cr_assert_eq(nsent, 1, "sent when enabled again");
    cr_assert_not(msi_vector_pending(&msi, 0));
}

Test(msi_mask, pending_beyond_enabled_count_not_sent)
{
    msi_program(ADDR, 0x40, 3);
    cwr(mask_off(), 4, 0x80);
    msi_notify(&msi, 7);
    cwr(PCI_MSI_FLAGS, 2, (1u << PCI_MSI_FLAGS_QSIZE_SHIFT) | PCI_MSI_FLAGS_ENABLE);
    cwr(mask_off(), 4, 0);
    cr_assert_eq(nsent, 0, "vector 7 no longer allocated");
    cr_assert(msi_vector_pending(&msi, 7));
}

Test(msi_mask, function_withdraws_pending)
{
    msi_program(ADDR, 0x40, 0);
    cwr(mask_off(), 4, 1);
    msi_notify(&msi, 0);
    cr_assert(msi_clear_pending(&msi, 0));
    cr_assert_not(msi_clear_pending(&msi, 0));
    cwr(mask_off(), 4, 0);
    cr_assert_eq(nsent, 0);
    cr_assert_eq(count_ev(MSI_EV_PENDING), 2, "set, then cleared");
}

Test(msi_mask, non_maskable_always_sends)
{
    msi_fresh(4, false, false);
    msi_program(ADDR, 0x40, 2);
    cwr(PCI_MSI_MASK_32, 4, 0xF);       /* past the end: nothing there */
    cr_assert_eq(msi.mask_bits, 0);
    cr_assert_eq(msi_notify(&msi, 3), 1);
    cr_assert_not(msi_vector_masked(&msi, 3));
}

Test(msi_mask, reentrant_send_sees_settled_state)
{
    msi_program(ADDR, 0x40, 0);
    cwr(mask_off(), 4, 1);
    msi_notify(&msi, 0);
    reenter = 1;                        /* send notifies again while unmasked */
    cwr(mask_off(), 4, 0);
    cr_assert_eq(nsent, 2, "the pending one, then the new one: nothing lost or doubled");
    cr_assert_not(msi_vector_pending(&msi, 0));
}

/* Index of the i-th event of `kind` (0-based), or -1. */
static int nth_ev(int kind, int i)
{
    for (int j = 0; j < nevs; j++)
        if (evs[j].kind == kind && i-- == 0)
            return j;
    return -1;
}

/* 6.8.1.8: Pending Bits reset to 0 (RST# / FLR); each bit that was set is
 * reported cleared, with the reset as its reason, in index order. */
Test(msi_mask, reset_reports_each_pending_bit_cleared)
{
    msi_program(ADDR, 0x40, 3);
    cwr(mask_off(), 4, 0xFF);
    msi_notify(&msi, 6);
    msi_notify(&msi, 1);
    clear_records();
    msi_reset(&msi);
    cr_assert_eq(crd(pend_off(), 4), 0);
    cr_assert_eq(count_ev(MSI_EV_PENDING), 2);
    cr_assert_eq(evs[0].vector, 1);
    cr_assert_eq(evs[1].vector, 6);
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(evs[i].value, 0);
        cr_assert_eq(evs[i].arg, MSI_PENDING_CLEAR_RESET);
    }
    clear_records();
    msi_reset(&msi);
    cr_assert_eq(nevs, 0, "nothing pending: a reset is silent");
    cr_assert_eq(nsent, 0);
}

/* The function clears the bit when its reason goes away (6.8.1.8). */
Test(msi_mask, clear_pending_reports_function_reason)
{
    msi_program(ADDR, 0x40, 0);
    cwr(mask_off(), 4, 1);
    msi_notify(&msi, 0);
    clear_records();
    cr_assert(msi_clear_pending(&msi, 0));
    cr_assert_eq(nevs, 1);
    cr_assert_eq(evs[0].kind, MSI_EV_PENDING);
    cr_assert_eq(evs[0].arg, MSI_PENDING_CLEAR_FUNCTION);
}

/* A vector pended with address 0 and unmasked: the bit is consumed as by a
 * send (6.8.1.8), the write is not made, and the events say both, the
 * pending bit first. */
Test(msi_mask, pending_dropped_for_address_0_reports_bit_cleared)
{
    cwr(mask_off(), 4, 1);
    cwr(PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE);
    cr_assert_eq(msi_notify(&msi, 0), 0);
    clear_records();
    cwr(mask_off(), 4, 0);
    cr_assert_eq(nsent, 0, "nothing written to address 0");
    cr_assert_eq(crd(pend_off(), 4), 0);
    int p = nth_ev(MSI_EV_PENDING, 0), d = nth_ev(MSI_EV_DROPPED, 0);
    cr_assert(p >= 0 && d > p, "PENDING 0 (%d) before DROPPED (%d)", p, d);
    cr_assert_eq(evs[p].value, 0);
    cr_assert_eq(evs[p].arg, MSI_PENDING_CLEAR_DROPPED);
    cr_assert_eq(evs[d].value, MSI_DROP_NO_ADDRESS);
}

/* Pended before the address was programmed, programmed while still
 * masked: sent normally on unmask, no drop. */
Test(msi_mask, pending_sent_once_address_programmed)
{
    cwr(mask_off(), 4, 1);
    cwr(PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE);
    msi_notify(&msi, 0);
    cwr(PCI_MSI_ADDRESS_LO, 4, ADDR);
    cwr(data_off(), 2, 0x40);
    cwr(mask_off(), 4, 0);
    cr_assert_eq(nsent, 1);
    cr_assert_eq(count_drop(MSI_DROP_NO_ADDRESS), 0);
    cr_assert_eq(count_ev(MSI_EV_DELIVER_PENDING), 1);
}

/* ==== 5. MSI-X capability (6.8.2.1 - 6.8.2.5) ================================== */

Test(msix_cap, layout)
{
    cr_assert_eq(xrd(PCI_CAP_LIST_ID, 1), PCI_CAP_ID_MSIX, "Capability ID 11h");
    cr_assert_eq(xrd(PCI_CAP_LIST_NEXT, 1), 0);
    cr_assert_eq(xrd(PCI_MSIX_FLAGS, 2), 15, "Table Size = N - 1");
    cr_assert_eq(xrd(PCI_MSIX_TABLE, 4), 0x2000u | 2, "offset | BIR");
    cr_assert_eq(xrd(PCI_MSIX_PBA, 4), 0x3000u | 2);
    cr_assert(msix_owns(&mx, XCAP + 11));
    cr_assert_not(msix_owns(&mx, XCAP + 12));
    cr_assert_eq(xrd(0, 4), 15u << 16 | PCI_CAP_ID_MSIX);
}

Test(msix_cap, bir_and_offset_fields)
{
    msix_free(&mx);
    cr_assert_eq(msix_init(&mx, XCAP, 0x90, 4, 0, 0x800, 5, 0x10, NULL, NULL, NULL), 0);
    cr_assert_eq(xrd(PCI_MSIX_TABLE, 4) & PCI_MSIX_TABLE_BIR, 0);
    cr_assert_eq(xrd(PCI_MSIX_TABLE, 4) & PCI_MSIX_TABLE_OFFSET, 0x800);
    cr_assert_eq(xrd(PCI_MSIX_PBA, 4) & PCI_MSIX_PBA_BIR, 5);
    cr_assert_eq(xrd(PCI_MSIX_PBA, 4) & PCI_MSIX_PBA_OFFSET, 0x10);
    cr_assert_eq(xrd(PCI_CAP_LIST_NEXT, 1), 0x90);
}

Test(msix_cap, read_only_fields)
{
    xwr(PCI_MSIX_FLAGS, 2, 0xFFFF);
    cr_assert_eq(xrd(PCI_MSIX_FLAGS, 2), PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL | 15,
                 "Table Size RO, 13:11 reserved");
    xwr(PCI_MSIX_TABLE, 4, 0);
    xwr(PCI_MSIX_PBA, 4, 0xFFFFFFFF);
    xwr(0, 2, 0);
    cr_assert_eq(xrd(PCI_MSIX_TABLE, 4), 0x2002);
    cr_assert_eq(xrd(PCI_MSIX_PBA, 4), 0x3002);
    cr_assert_eq(xrd(0, 1), PCI_CAP_ID_MSIX);
    xwr(PCI_MSIX_FLAGS + 1, 1, 0x00);
    cr_assert_eq(xrd(PCI_MSIX_FLAGS, 2), 15, "byte write to the high byte clears both");
}

Test(msix_cap, table_sizes_1_and_2048)
{
    msix_free(&mx);
    cr_assert_eq(msix_init(&mx, XCAP, 0, 1, 0, 0, 0, 0x800, NULL, NULL, NULL), 0);
    cr_assert_eq(xrd(PCI_MSIX_FLAGS, 2), 0, "N = 1 encodes 0");
    cr_assert_eq(msix_table_bytes(&mx), 16);
    cr_assert_eq(msix_pba_bytes(&mx), 8);
    msix_free(&mx);
    cr_assert_eq(msix_init(&mx, XCAP, 0, 2048, 0, 0, 1, 0, rec_send, rec_observe, &mx), 0);
    cr_assert_eq(xrd(PCI_MSIX_FLAGS, 2), 0x7FF);
    cr_assert_eq(msix_table_bytes(&mx), 2048 * 16);
    cr_assert_eq(msix_pba_bytes(&mx), 256);
    cr_assert_eq(ent(2047, PCI_MSIX_ENTRY_VECTOR_CTRL), 1, "last entry masked at reset");
    mx_enable(false);
    mx_program(2047, ADDR, 0x77);
    cr_assert_eq(msix_notify(&mx, 2047), 0);
    cr_assert(pba_bit(2047));
    cr_assert_eq(msix_pba_read(&mx, 31 * 8, 8), 1ull << 63, "bit 63 of the last QWORD");
    mx_unmask(2047);
    cr_assert_eq(nsent, 1);
    cr_assert_eq(sent[0].data, 0x77);
}

Test(msix_cap, init_rejects_bad_arguments)
{
    msix_free(&mx);
    cr_assert_eq(msix_init(&mx, XCAP, 0, 0, 0, 0, 0, 0x800, NULL, NULL, NULL), -1, "size 0");
    cr_assert_eq(msix_init(&mx, XCAP, 0, 2049, 0, 0, 1, 0, NULL, NULL, NULL), -1, "size 2049");
    cr_assert_eq(msix_init(&mx, XCAP, 0, 4, 6, 0, 1, 0, NULL, NULL, NULL), -1, "BIR 6");
    cr_assert_eq(msix_init(&mx, XCAP, 0, 4, 0, 0, 7, 0, NULL, NULL, NULL), -1, "BIR 7");
    cr_assert_eq(msix_init(&mx, XCAP, 0, 4, 0, 0x804, 1, 0, NULL, NULL, NULL), -1, "unaligned");
    cr_assert_eq(msix_init(&mx, XCAP, 0, 4, 0, 0, 1, 0x3, NULL, NULL, NULL), -1, "unaligned PBA");
    cr_assert_eq(msix_init(&mx, XCAP, 0, 4, 0, 0, 0, 0x38, NULL, NULL, NULL), -1, "overlap");
    cr_assert_eq(msix_init(&mx, 0xF8, 0, 4, 0, 0, 1, 0, NULL, NULL, NULL), -1, "cap past FFh");
    cr_assert_eq(msix_init(&mx, 0x3C, 0, 4, 0, 0, 1, 0, NULL, NULL, NULL), -1, "cap in header");
    cr_assert_eq(msix_init(&mx, XCAP, 0, 4, 0, 0, 0, 0x40, NULL, NULL, NULL), 0, "adjacent: ok");
    msix_free(&mx);
    cr_assert_eq(msix_init(&mx, XCAP, 0, 0, 0, 0, 0, 0x800, rec_send, rec_observe, &mx), -1);
    clear_records();
    xwr(PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
    cr_assert_eq(msix_notify(&mx, 0), -1, "a failed init is safe");
    cr_assert_eq(msix_table_read(&mx, 0, 4), 0);
    msix_table_write(&mx, 0, 4, 1);
    cr_assert_eq(msix_pba_read(&mx, 0, 8), 0);
    cr_assert_eq(nsent, 0);
    msix_free(&mx);
    msix_free(&mx);
}

Test(msix_cap, enable_and_disable)
{
    mx_program(0, ADDR, VEC);
    mx_unmask(0);
    cr_assert_eq(msix_notify(&mx, 0), -1, "disabled");
    cr_assert_eq(count_drop(MSI_DROP_DISABLED), 1);
    cr_assert_not(pba_bit(0), "disabled: not pended");
    mx_enable(false);
    cr_assert(msix_enabled(&mx));
    cr_assert_eq(msix_notify(&mx, 0), 1);
    cr_assert_eq(sent[0].addr, ADDR);
    cr_assert_eq(sent[0].data, VEC);
    xwr(PCI_MSIX_FLAGS, 2, 0);
    cr_assert_eq(msix_notify(&mx, 0), -1);
    cr_assert_eq(nsent, 1);
}

Test(msix_cap, reset_state)
{
    mx_enable(true);
    mx_program(3, ADDR, VEC);
    mx_unmask(3);
    msix_notify(&mx, 3);
    msix_reset(&mx);
    cr_assert_eq(xrd(PCI_MSIX_FLAGS, 2), 15);
    cr_assert_eq(ent(3, PCI_MSIX_ENTRY_LOWER_ADDR), 0);
    cr_assert_eq(ent(3, PCI_MSIX_ENTRY_DATA), 0);
    cr_assert_eq(ent(3, PCI_MSIX_ENTRY_VECTOR_CTRL), PCI_MSIX_ENTRY_CTRL_MASKBIT);
    cr_assert_eq(msix_pba_read(&mx, 0, 8), 0);
}

Test(msix_cap, config_access_errors)
{
    cr_assert_eq(msix_cfg_read(&mx, XCAP, 8), 0);
    cr_assert_eq(msix_cfg_read(&mx, XCAP + 12, 4), 0);
    msix_cfg_write(&mx, XCAP + 12, 4, 0xFFFFFFFF);
    cr_assert_eq(count_error(MSI_ERR_BAD_SIZE), 1);
    cr_assert_eq(count_error(MSI_ERR_OUT_OF_RANGE), 2);
    cr_assert(find_ev(MSI_EV_ERROR)->msix);
}

/* ==== 6. MSI-X table and PBA (6.8.2.6 - 6.8.2.10) ============================== */

Test(msix_table, reset_entries_masked)
{
    for (unsigned k = 0; k < 16; k++) {
        cr_assert_eq(ent(k, PCI_MSIX_ENTRY_LOWER_ADDR), 0);
        cr_assert_eq(ent(k, PCI_MSIX_ENTRY_UPPER_ADDR), 0);
        cr_assert_eq(ent(k, PCI_MSIX_ENTRY_DATA), 0);
        cr_assert_eq(ent(k, PCI_MSIX_ENTRY_VECTOR_CTRL), PCI_MSIX_ENTRY_CTRL_MASKBIT, "entry %u", k);
        cr_assert(msix_vector_masked(&mx, k));
    }
    cr_assert_eq(msix_pba_read(&mx, 0, 8), 0);
}

Test(msix_table, dword_fields)
{
    went(5, PCI_MSIX_ENTRY_LOWER_ADDR, 0xFEE0F00F);
    went(5, PCI_MSIX_ENTRY_UPPER_ADDR, 0x89ABCDEF);
    went(5, PCI_MSIX_ENTRY_DATA, 0xFFFFFFFF);
    went(5, PCI_MSIX_ENTRY_VECTOR_CTRL, 0xFFFFFFFE);
    cr_assert_eq(ent(5, PCI_MSIX_ENTRY_LOWER_ADDR), 0xFEE0F00C, "1:0 read 0");
    cr_assert_eq(ent(5, PCI_MSIX_ENTRY_UPPER_ADDR), 0x89ABCDEF);
    cr_assert_eq(ent(5, PCI_MSIX_ENTRY_DATA), 0xFFFFFFFF, "32-bit data");
    cr_assert_eq(ent(5, PCI_MSIX_ENTRY_VECTOR_CTRL), 0, "31:1 reserved read 0; unmasked");
    cr_assert_eq(ent(4, PCI_MSIX_ENTRY_DATA), 0, "neighbours untouched");
    cr_assert_eq(ent(6, PCI_MSIX_ENTRY_LOWER_ADDR), 0);
}

Test(msix_table, qword_accesses)
{
    msix_table_write(&mx, 2 * 16 + 0, 8, 0x00000001FEE02000ull);
    msix_table_write(&mx, 2 * 16 + 8, 8, 0x0000000100000061ull);
    cr_assert_eq(ent(2, PCI_MSIX_ENTRY_LOWER_ADDR), 0xFEE02000);
    cr_assert_eq(ent(2, PCI_MSIX_ENTRY_UPPER_ADDR), 1);
    cr_assert_eq(ent(2, PCI_MSIX_ENTRY_DATA), 0x61);
    cr_assert_eq(msix_table_read(&mx, 2 * 16, 8), 0x00000001FEE02000ull);
    cr_assert_eq(msix_table_read(&mx, 2 * 16 + 8, 8), 0x0000000100000061ull);
}

Test(msix_table, qword_data_and_unmask_sends_new_data)
{
    mx_enable(false);
    mx_program(1, ADDR, 0x50);
    msix_notify(&mx, 1);                /* masked: pending */
    msix_table_write(&mx, 16 + 8, 8, 0x0000000000000051ull);
    cr_assert_eq(nsent, 1);
    cr_assert_eq(sent[0].data, 0x51, "data written before the vector control");
}

Test(msix_table, misaligned_and_bad_sizes_ignored)
{
    went(0, PCI_MSIX_ENTRY_DATA, 0x11223344);
    clear_records();
    cr_assert_eq(msix_table_read(&mx, 4, 8), 0, "QWORD at +4");
    cr_assert_eq(msix_table_read(&mx, 10, 4), 0, "DWORD at +10");
    cr_assert_eq(msix_table_read(&mx, 8, 2), 0, "WORD");
    cr_assert_eq(msix_table_read(&mx, 8, 1), 0, "byte");
    msix_table_write(&mx, 9, 4, 0);
    msix_table_write(&mx, 8, 1, 0);
    msix_table_write(&mx, 12, 8, 0);
    cr_assert_eq(ent(0, PCI_MSIX_ENTRY_DATA), 0x11223344);
    cr_assert_eq(ent(0, PCI_MSIX_ENTRY_VECTOR_CTRL), 1);
    cr_assert_eq(count_error(MSI_ERR_MISALIGNED), 4);
    cr_assert_eq(count_error(MSI_ERR_BAD_SIZE), 3);
}

Test(msix_table, out_of_range_ignored)
{
    cr_assert_eq(msix_table_read(&mx, 16 * 16, 4), 0);
    msix_table_write(&mx, 16 * 16, 4, 0);
    msix_table_write(&mx, 0xFFFFFFF8u, 8, 0);
    cr_assert_eq(msix_pba_read(&mx, 8, 4), 0, "16 entries: one PBA QWORD");
    cr_assert_eq(count_error(MSI_ERR_OUT_OF_RANGE), 4);
}

Test(msix_table, pba_read_only)
{
    mx_enable(true);
    msix_notify(&mx, 3);
    clear_records();
    msix_pba_write(&mx, 0, 8, 0);
    msix_pba_write(&mx, 0, 4, 0xFFFFFFFF);
    cr_assert_eq(msix_pba_read(&mx, 0, 8), 1u << 3);
    cr_assert_eq(count_error(MSI_ERR_READ_ONLY), 2);
}

Test(msix_table, pba_dword_halves)
{
    msix_free(&mx);
    cr_assert_eq(msix_init(&mx, XCAP, 0, 128, 1, 0, 1, 0x800, rec_send, rec_observe, &mx), 0);
    mx_enable(true);
    msix_notify(&mx, 33);
    msix_notify(&mx, 64);
    msix_notify(&mx, 127);
    cr_assert_eq(msix_pba_read(&mx, 0, 4), 0);
    cr_assert_eq(msix_pba_read(&mx, 4, 4), 2, "bit 33 in the high DWORD");
    cr_assert_eq(msix_pba_read(&mx, 8, 8), (1ull << 63) | 1);
    cr_assert_eq(msix_pba_read(&mx, 12, 4), 0x80000000u);
}

Test(msix_table, config_event_per_field)
{
    went(7, PCI_MSIX_ENTRY_DATA, 0x99);
    cr_assert_eq(count_ev(MSI_EV_CONFIG), 1);
    cr_assert_eq(find_ev(MSI_EV_CONFIG)->vector, 7);
    cr_assert_eq(find_ev(MSI_EV_CONFIG)->arg, PCI_MSIX_ENTRY_DATA);
    cr_assert_eq(find_ev(MSI_EV_CONFIG)->value, 0x99);
    cr_assert(find_ev(MSI_EV_CONFIG)->msix);
}

Test(msix_table, out_of_range_vector_and_no_address)
{
    mx_enable(false);
    cr_assert_eq(msix_notify(&mx, 16), -1);
    cr_assert_eq(count_drop(MSI_DROP_OUT_OF_RANGE), 1);
    mx_unmask(0);
    cr_assert_eq(msix_notify(&mx, 0), -1, "entry never programmed");
    cr_assert_eq(count_drop(MSI_DROP_NO_ADDRESS), 1);
    cr_assert_eq(nsent, 0);
}

/* ==== 7. MSI-X masking ============================================================ */

Test(msix_mask, entry_masked_sets_pba)
{
    mx_enable(false);
    mx_program(4, ADDR, VEC);
    cr_assert_eq(msix_notify(&mx, 4), 0);
    cr_assert_eq(nsent, 0);
    cr_assert(pba_bit(4));
    cr_assert(msix_vector_pending(&mx, 4));
    cr_assert_eq(count_ev(MSI_EV_PENDING), 1);
}

Test(msix_mask, unmask_delivers_exactly_once)
{
    mx_enable(false);
    mx_program(4, ADDR, VEC);
    msix_notify(&mx, 4);
    msix_notify(&mx, 4);
    msix_notify(&mx, 4);
    mx_unmask(4);
    cr_assert_eq(nsent, 1, "3 triggers while masked -> 1 message");
    cr_assert_eq(pba_at_send, 0, "PBA bit cleared before the write leaves");
    cr_assert_not(pba_bit(4));
    cr_assert_eq(count_ev(MSI_EV_DELIVER_PENDING), 1);
    mx_mask(4);
    mx_unmask(4);
    cr_assert_eq(nsent, 1, "nothing more");
    cr_assert_eq(msix_notify(&mx, 4), 1);
    cr_assert_eq(nsent, 2);
}

Test(msix_mask, function_mask_pends_everything)
{
    mx_enable(true);
    mx_program(0, ADDR, 0x40);
    mx_program(1, ADDR, 0x41);
    mx_unmask(0);
    mx_unmask(1);
    cr_assert(msix_function_masked(&mx));
    cr_assert_eq(msix_notify(&mx, 1), 0);
    cr_assert_eq(msix_notify(&mx, 0), 0);
    cr_assert_eq(nsent, 0);
    cr_assert_eq(msix_pba_read(&mx, 0, 8), 3);
    mx_enable(false);
    cr_assert_eq(nsent, 2, "clearing the function mask delivers");
    cr_assert_eq(sent[0].data, 0x40, "in index order");
    cr_assert_eq(sent[1].data, 0x41);
    cr_assert_eq(msix_pba_read(&mx, 0, 8), 0);
}

Test(msix_mask, function_unmask_keeps_entry_masked_pending)
{
    mx_enable(true);
    mx_program(0, ADDR, 0x40);
    mx_program(1, ADDR, 0x41);
    mx_unmask(1);
    msix_notify(&mx, 0);
    msix_notify(&mx, 1);
    mx_enable(false);
    cr_assert_eq(nsent, 1);
    cr_assert_eq(sent[0].data, 0x41);
    cr_assert(pba_bit(0), "still masked by its entry");
    mx_unmask(0);
    cr_assert_eq(nsent, 2);
    cr_assert_eq(sent[1].data, 0x40);
}

Test(msix_mask, entry_unmask_under_function_mask_waits)
{
    mx_enable(true);
    mx_program(2, ADDR, 0x42);
    msix_notify(&mx, 2);
    mx_unmask(2);
    cr_assert_eq(nsent, 0, "function mask still set");
    cr_assert(pba_bit(2));
    mx_enable(false);
    cr_assert_eq(nsent, 1);
}

Test(msix_mask, update_while_masked_then_deliver_new_message)
{
    mx_enable(false);
    mx_program(3, ADDR, 0x43);
    msix_notify(&mx, 3);
    mx_program(3, 0xFEE05000u, 0x63);   /* retarget while masked: legal */
    cr_assert_eq(count_error(MSI_ERR_UNMASKED_UPDATE), 0);
    mx_unmask(3);
    cr_assert_eq(sent[0].addr, 0xFEE05000u);
    cr_assert_eq(sent[0].data, 0x63);
}

Test(msix_mask, update_while_live_reported)
{
    mx_enable(false);
    mx_program(3, ADDR, 0x43);
    mx_unmask(3);
    went(3, PCI_MSIX_ENTRY_DATA, 0x44);
    cr_assert_eq(count_error(MSI_ERR_UNMASKED_UPDATE), 1);
    cr_assert_eq(ent(3, PCI_MSIX_ENTRY_DATA), 0x44, "written all the same");
    msix_notify(&mx, 3);
    cr_assert_eq(sent[0].data, 0x44);
}

Test(msix_mask, pending_survives_disable_and_is_sent_on_enable)
{
    mx_enable(true);
    mx_program(0, ADDR, 0x40);
    mx_unmask(0);
    msix_notify(&mx, 0);
    xwr(PCI_MSIX_FLAGS, 2, 0);          /* disable and clear the function mask */
    cr_assert_eq(nsent, 0);
    cr_assert(pba_bit(0));
    mx_enable(false);
    cr_assert_eq(nsent, 1);
    cr_assert_not(pba_bit(0));
}

Test(msix_mask, function_withdraws_pending)
{
    mx_enable(false);
    mx_program(0, ADDR, 0x40);
    msix_notify(&mx, 0);
    cr_assert(msix_clear_pending(&mx, 0));
    mx_unmask(0);
    cr_assert_eq(nsent, 0);
    cr_assert_not(msix_clear_pending(&mx, 99));
}

Test(msix_mask, reentrant_send_sees_settled_state)
{
    mx_enable(false);
    mx_program(0, ADDR, 0x40);
    msix_notify(&mx, 0);
    reenter = 1;
    mx_unmask(0);
    cr_assert_eq(nsent, 2, "the pending one, then the new one");
    cr_assert_not(pba_bit(0));
}

/* ==== 8. INTx gating (6.8.1.3, 6.8.2.3) ============================================ */

Test(intx, gated_by_msi_or_msix_enable)
{
    msi_fresh(1, false, false);
    cr_assert_eq(msix_init(&mx, XCAP, 0, 4, 0, 0, 1, 0, NULL, NULL, NULL), 0);
    cr_assert_not(msi_intx_disabled(NULL, NULL));
    cr_assert_not(msi_intx_disabled(&msi, &mx));
    cwr(PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE);
    cr_assert(msi_intx_disabled(&msi, NULL));
    cr_assert(msi_intx_disabled(&msi, &mx));
    cwr(PCI_MSI_FLAGS, 2, 0);
    cr_assert_not(msi_intx_disabled(&msi, &mx));
    xwr(PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
    cr_assert(msi_intx_disabled(NULL, &mx), "function-masked MSI-X still owns the function");
    cr_assert(msi_intx_disabled(&msi, &mx));
    xwr(PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_MASKALL);
    cr_assert_not(msi_intx_disabled(&msi, &mx));
    msix_free(&mx);
}

/* ==== 9. bus decode (SDM 10.11) ======================================================= */

static uint32_t maddr(uint8_t dest, bool rh, bool dm)
{
    return MSI_ADDR_BASE | ((uint32_t)dest << 12) | (rh ? MSI_ADDR_RH : 0) | (dm ? MSI_ADDR_DM : 0);
}

static uint32_t mdata(uint8_t vec, unsigned mode, bool level, bool trig)
{
    return vec | (mode << 8) | (level ? MSI_DATA_LEVEL_ASSERT : 0) | (trig ? MSI_DATA_TRIGGER_LEVEL : 0);
}

Test(decode, physical_fixed)
{
    struct apic_msg m;

    memset(&m, 0xA5, sizeof(m));
    cr_assert_eq(msi_decode(maddr(0x12, false, false), mdata(0x41, 0, false, false), false, &m),
                 MSI_DECODE_OK);
    cr_assert_eq(m.vector, 0x41);
    cr_assert_eq(m.dest, 0x12);
    cr_assert_not(m.dest_logical);
    cr_assert_eq(m.delivery_mode, APIC_DM_FIXED);
    cr_assert_not(m.trigger_level);
    cr_assert(m.level_assert, "edge messages are asserts");
    cr_assert_eq(m.source, -1);
    cr_assert_eq(m.shorthand, APIC_SH_NONE);
    cr_assert_not(m.x2apic_dest);
}

Test(decode, logical_destination)
{
    struct apic_msg m;

    cr_assert_eq(msi_decode(maddr(0x0F, false, true), mdata(0x50, 0, false, false), false, &m), 0);
    cr_assert(m.dest_logical, "bit 2 DM = 1");
    cr_assert_eq(m.dest, 0x0F);
    cr_assert_eq(msi_decode(maddr(0xFF, false, false), 0x30, false, &m), 0);
    cr_assert_eq(m.dest, 0xFF, "broadcast carried as is");
}

Test(decode, redirection_hint)
{
    struct msi_decoded d;

    msi_decode_ex(maddr(0x03, true, true), mdata(0x50, APIC_DM_FIXED, false, false), false, &d);
    cr_assert(d.redirection_hint);
    cr_assert(d.lowest_by_hint);
    cr_assert_eq(d.msg.delivery_mode, APIC_DM_LOWEST, "RH=1 DM=1: lowest among destinations");
    cr_assert_eq(d.raw_delivery_mode, APIC_DM_FIXED);
    msi_decode_ex(maddr(0x03, true, false), mdata(0x50, APIC_DM_FIXED, false, false), false, &d);
    cr_assert(d.redirection_hint);
    cr_assert_not(d.lowest_by_hint);
    cr_assert_eq(d.msg.delivery_mode, APIC_DM_FIXED, "RH=1 DM=0: the named processor");
    cr_assert_not(d.msg.dest_logical);
    msi_decode_ex(maddr(0x03, false, true), mdata(0x50, APIC_DM_FIXED, false, false), false, &d);
    cr_assert_eq(d.msg.delivery_mode, APIC_DM_FIXED, "RH=0: as written");
    msi_decode_ex(maddr(0x03, true, true), mdata(0, APIC_DM_NMI, false, false), false, &d);
    cr_assert_eq(d.msg.delivery_mode, APIC_DM_NMI, "only fixed is redirected");
    msi_decode_ex(maddr(0x03, true, true), mdata(0x50, APIC_DM_LOWEST, false, false), false, &d);
    cr_assert_eq(d.msg.delivery_mode, APIC_DM_LOWEST);
    cr_assert_not(d.lowest_by_hint);
}

Test(decode, every_delivery_mode)
{
    for (unsigned mode = 0; mode < 8; mode++) {
        struct apic_msg m;
        int rc = msi_decode(maddr(1, false, false), mdata(0x40, mode, false, false), false, &m);
        bool reserved = mode == 3 || mode == 6;

        cr_assert_eq(m.delivery_mode, mode, "mode %u", mode);
        cr_assert_eq(rc, reserved ? MSI_DECODE_RESERVED_MODE : MSI_DECODE_OK, "mode %u", mode);
        cr_assert_eq(m.vector, 0x40, "message filled for mode %u", mode);
    }
}

Test(decode, level_and_trigger_bits)
{
    struct apic_msg m;

    msi_decode(ADDR, mdata(0x40, 0, true, true), false, &m);
    cr_assert(m.trigger_level);
    cr_assert(m.level_assert);
    msi_decode(ADDR, mdata(0x40, 0, false, true), false, &m);
    cr_assert(m.trigger_level);
    cr_assert_not(m.level_assert, "level de-assert");
    msi_decode(ADDR, mdata(0x40, 0, true, false), false, &m);
    cr_assert_not(m.trigger_level);
    cr_assert(m.level_assert);
    msi_decode(ADDR, mdata(0x40, 0, false, false), false, &m);
    cr_assert(m.level_assert, "edge is always an assert (10.11.2)");
}

Test(decode, illegal_vectors)
{
    struct apic_msg m;

    cr_assert_eq(msi_decode(ADDR, mdata(0x0F, APIC_DM_FIXED, false, false), false, &m),
                 MSI_DECODE_BAD_VECTOR);
    cr_assert_eq(m.vector, 0x0F, "still decoded: the LAPIC sets its ESR");
    cr_assert_eq(msi_decode(ADDR, mdata(0x00, APIC_DM_LOWEST, false, false), false, &m),
                 MSI_DECODE_BAD_VECTOR);
    cr_assert_eq(msi_decode(ADDR, mdata(0xFF, APIC_DM_FIXED, false, false), false, &m),
                 MSI_DECODE_BAD_VECTOR, "10.11.2: 10h-FEh");
    cr_assert_eq(msi_decode(ADDR, mdata(0x10, APIC_DM_FIXED, false, false), false, &m), MSI_DECODE_OK);
    cr_assert_eq(msi_decode(ADDR, mdata(0xFE, APIC_DM_FIXED, false, false), false, &m), MSI_DECODE_OK);
    cr_assert_eq(msi_decode(ADDR, mdata(0x00, APIC_DM_NMI, false, false), false, &m), MSI_DECODE_OK,
                 "NMI ignores the vector");
    cr_assert_eq(msi_decode(ADDR, mdata(0x00, APIC_DM_INIT, false, false), false, &m), MSI_DECODE_OK);
}

Test(decode, not_an_interrupt_address)
{
    static const uint64_t bad[] = {
        0, 0xFED00000u, 0xFEDFFFFCu, 0xFEF00000u, 0xFFE00000u, 0x7EE00000u,
        0x1FEE00000ull, 0xFFFFFFFFFEE00000ull,
    };

    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct apic_msg m;

        memset(&m, 0xA5, sizeof(m));
        cr_assert_eq(msi_decode(bad[i], 0x4041, false, &m), MSI_DECODE_NOT_MSI, "%#llx",
                     (unsigned long long)bad[i]);
        cr_assert_eq(m.source, -1);
        cr_assert_eq(m.vector, 0);
    }
    cr_assert_eq(msi_decode(0xFEE00000u, 0x41, false, NULL), MSI_DECODE_OK, "window start");
    cr_assert_eq(msi_decode(0xFEEFF00Cu, 0x41, false, NULL), MSI_DECODE_OK, "window end");
}

Test(decode, extended_destination_id)
{
    struct msi_decoded d;
    uint32_t a = maddr(0xCD, false, false) | (0x5Au << MSI_ADDR_EXT_DEST_ID_SHIFT);

    cr_assert_eq(msi_decode_ex(a, 0x41, true, &d), MSI_DECODE_OK);
    cr_assert_eq(d.msg.dest, 0x5ACD, "11:5 are destination bits 14:8");
    cr_assert_eq(d.ext_dest_id, 0x5A);
    cr_assert_eq(d.dest_id, 0xCD);
    cr_assert(d.msg.x2apic_dest);
    a = maddr(0xFF, false, false) | MSI_ADDR_EXT_DEST_ID_MASK;
    msi_decode_ex(a, 0x41, true, &d);
    cr_assert_eq(d.msg.dest, MSI_EXT_DEST_MAX, "15 bits: 7FFFh");
    cr_assert_eq(msi_decode_ex(a, 0x41, false, &d), MSI_DECODE_RESERVED_BITS,
                 "without ext_dest 11:5 are reserved");
    cr_assert_eq(d.msg.dest, 0xFF);
    cr_assert_not(d.msg.x2apic_dest);
}

Test(decode, extended_destination_zero_is_plain)
{
    struct apic_msg m;

    cr_assert_eq(msi_decode(maddr(0xFF, false, false), 0x41, true, &m), MSI_DECODE_OK);
    cr_assert_eq(m.dest, 0xFF);
    cr_assert_not(m.x2apic_dest, "8-bit format: FFh stays a broadcast");
}

Test(decode, remappable_format_bit_reserved)
{
    struct apic_msg m;

    cr_assert_eq(msi_decode(ADDR | MSI_ADDR_REMAP_FORMAT, 0x41, true, &m), MSI_DECODE_RESERVED_BITS);
    cr_assert_eq(m.dest, 1, "decoded as compatibility format");
    cr_assert_eq(msi_decode(ADDR | 0x3, 0x41, false, &m), MSI_DECODE_OK, "1:0 are don't care");
}

Test(decode, reserved_data_bits)
{
    struct apic_msg m;

    cr_assert_eq(msi_decode(ADDR, 0x00010041, false, &m), MSI_DECODE_RESERVED_BITS, "31:16");
    cr_assert_eq(m.vector, 0x41);
    cr_assert_eq(msi_decode(ADDR, 0x00000841, false, &m), MSI_DECODE_RESERVED_BITS, "13:11");
    cr_assert_eq(m.delivery_mode, APIC_DM_FIXED);
}

Test(decode, severity_order_and_problem_set)
{
    struct msi_decoded d;
    uint32_t data = 0x00010000 | mdata(0x05, APIC_DM_STARTUP, false, false);

    cr_assert_eq(msi_decode_ex(ADDR | 0x10, data, false, &d), MSI_DECODE_RESERVED_MODE);
    cr_assert_eq(d.problems, (1u << MSI_DECODE_RESERVED_MODE) | (1u << MSI_DECODE_RESERVED_BITS));
    cr_assert_eq(msi_decode_ex(ADDR | 0x10, 0x00010005, false, &d), MSI_DECODE_BAD_VECTOR);
    cr_assert_eq(d.problems, (1u << MSI_DECODE_BAD_VECTOR) | (1u << MSI_DECODE_RESERVED_BITS));
    cr_assert_eq(msi_decode_ex(0xFED00000u, data, false, &d), MSI_DECODE_NOT_MSI);
    cr_assert_eq(d.problems, 1u << MSI_DECODE_NOT_MSI);
    cr_assert_str_eq(msi_decode_result_name(MSI_DECODE_BAD_VECTOR), "bad_vector");
    cr_assert_str_eq(msi_decode_result_name(99), "unknown");
}

Test(decode, compose_round_trip)
{
    for (unsigned mode = 0; mode < 8; mode++) {
        for (int dm = 0; dm < 2; dm++) {
            struct apic_msg in = { .vector = 0x80 | mode, .delivery_mode = (uint8_t)mode,
                                   .dest_logical = dm, .dest = 0x1234, .level_assert = true,
                                   .trigger_level = mode == 0 };
            struct msi_msg w;
            struct apic_msg out;

            cr_assert_eq(msi_compose(&in, false, true, &w), 0);
            msi_decode(w.addr, w.data, true, &out);
            cr_assert_eq(out.vector, in.vector);
            cr_assert_eq(out.delivery_mode, in.delivery_mode);
            cr_assert_eq(out.dest_logical, in.dest_logical);
            cr_assert_eq(out.dest, 0x1234);
            cr_assert_eq(out.trigger_level, in.trigger_level);
        }
    }
    {
        struct apic_msg in = { .vector = 0x41, .dest = 0x100 };
        struct msi_msg w;

        cr_assert_eq(msi_compose(&in, false, false, &w), -1, "9 bits need ext_dest");
        in.dest = 0x8000;
        cr_assert_eq(msi_compose(&in, false, true, &w), -1, "16 bits never fit");
        in.dest = 7;
        cr_assert_eq(msi_compose(&in, true, false, &w), 0);
        cr_assert_eq(w.addr, 0xFEE07008u, "RH bit 3");
    }
}

Test(decode, any_input_is_safe)
{
    uint64_t s = 0x9E3779B97F4A7C15ull;

    for (int i = 0; i < 100000; i++) {
        struct msi_decoded d;
        uint64_t a;
        uint32_t v;
        int rc;

        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        a = (i & 1) ? (0xFEE00000u | (s & 0xFFFFF)) : s;
        v = (uint32_t)(s >> 17);
        rc = msi_decode_ex(a, v, (i & 2) != 0, &d);
        cr_assert(rc >= MSI_DECODE_OK && rc < MSI_DECODE_COUNT);
        cr_assert_eq(d.msg.source, -1);
        cr_assert(d.msg.dest <= MSI_EXT_DEST_MAX);
        cr_assert_eq(msi_decode(a, v, (i & 2) != 0, NULL), rc);
    }
}

Test(decode, event_names)
{
    cr_assert_str_eq(msi_event_name(MSI_EV_SEND), "msi_send");
    cr_assert_str_eq(msix_event_name(MSI_EV_DELIVER_PENDING), "msix_deliver_pending");
    cr_assert_str_eq(msi_event_name(-1), "msi_unknown");
    cr_assert_str_eq(msix_event_name(MSI_EV_COUNT), "msix_unknown");
}

/* 6.8.2.10 / reset: the PBA reads 0 after msix_reset, and every bit that was
 * set (here in two PBA QWORDs) is reported cleared, in index order. */
Test(msix_mask, reset_reports_each_pba_bit_cleared)
{
    msix_free(&mx);
    mx_fresh(128);
    mx_enable(false);
    msix_notify(&mx, 100);
    msix_notify(&mx, 3);
    cr_assert(pba_bit(3) && pba_bit(100));
    clear_records();
    msix_reset(&mx);
    cr_assert_eq(msix_pba_read(&mx, 0, 8), 0);
    cr_assert_eq(msix_pba_read(&mx, 8, 8), 0);
    cr_assert_eq(nevs, 2);
    cr_assert_eq(evs[0].vector, 3);
    cr_assert_eq(evs[1].vector, 100);
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(evs[i].kind, MSI_EV_PENDING);
        cr_assert_eq(evs[i].value, 0);
        cr_assert_eq(evs[i].arg, MSI_PENDING_CLEAR_RESET);
    }
    cr_assert_eq(nsent, 0);
}

/* 6.8.2.9: unmasking an entry whose Pending Bit is set clears the bit; with
 * address 0 the model writes nothing, and reports the bit cleared first. */
Test(msix_mask, pending_dropped_for_address_0_reports_bit_cleared)
{
    mx_enable(false);
    cr_assert_eq(msix_notify(&mx, 0), 0, "masked at reset: pended");
    clear_records();
    mx_unmask(0);
    cr_assert_eq(nsent, 0);
    cr_assert_not(pba_bit(0));
    int p = nth_ev(MSI_EV_PENDING, 0), d = nth_ev(MSI_EV_DROPPED, 0);
    cr_assert(p >= 0 && d > p, "PENDING 0 (%d) before DROPPED (%d)", p, d);
    cr_assert_eq(evs[p].arg, MSI_PENDING_CLEAR_DROPPED);
    cr_assert_eq(evs[d].value, MSI_DROP_NO_ADDRESS);
    cr_assert_eq(evs[d].vector, 0);
}

/* The same through the Function Mask: every dropped vector reports its bit. */
Test(msix_mask, function_unmask_drops_report_each_bit)
{
    mx_enable(true);
    mx_program(2, ADDR, 0x42);
    mx_unmask(2);
    mx_unmask(5);                       /* entry 5 keeps address 0 */
    msix_notify(&mx, 2);
    msix_notify(&mx, 5);
    clear_records();
    xwr(PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
    cr_assert_eq(nsent, 1);
    cr_assert_eq(sent[0].data, 0x42);
    cr_assert_eq(count_ev(MSI_EV_PENDING), 1);
    cr_assert_eq(find_ev(MSI_EV_PENDING)->vector, 5);
    cr_assert_eq(find_ev(MSI_EV_PENDING)->arg, MSI_PENDING_CLEAR_DROPPED);
    cr_assert_not(pba_bit(5));
}
