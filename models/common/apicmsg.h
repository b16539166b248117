/* apicmsg.h - an interrupt message on the APIC bus / system bus.
 *
 * The I/O APIC's redirection entries, a Local APIC's ICR and (later) PCI
 * MSI writes all produce the same thing: a vector with a delivery mode and
 * a destination.  Models emit and accept this struct; sim/ routes it (it
 * decides which Local APICs match and runs lowest-priority arbitration with
 * the helpers the lapic model exports).  Field names follow the SDM's ICR
 * and the 82093AA's redirection entry (SDM vol. 3, 10.6.1 and 10.11).
 */
#ifndef INTRSIM_APICMSG_H
#define INTRSIM_APICMSG_H

#include <stdbool.h>
#include <stdint.h>

enum apic_delivery_mode {
    APIC_DM_FIXED = 0,
    APIC_DM_LOWEST = 1,
    APIC_DM_SMI = 2,
    APIC_DM_REMOTE_READ = 3, /* reserved on modern parts; accepted and dropped */
    APIC_DM_NMI = 4,
    APIC_DM_INIT = 5,
    APIC_DM_STARTUP = 6,
    APIC_DM_EXTINT = 7,
};

enum apic_shorthand {
    APIC_SH_NONE = 0,
    APIC_SH_SELF = 1,
    APIC_SH_ALL_INCLUDING_SELF = 2,
    APIC_SH_ALL_EXCLUDING_SELF = 3,
};

struct apic_msg {
    uint8_t vector;
    uint8_t delivery_mode;   /* enum apic_delivery_mode */
    bool dest_logical;       /* destination mode: false physical, true logical */
    uint32_t dest;           /* 8 bits in xAPIC mode, 32 bits in x2APIC mode */
    uint8_t shorthand;       /* enum apic_shorthand (ICR only) */
    bool level_assert;       /* the ICR's Level bit (INIT level de-assert is 0) */
    bool trigger_level;      /* trigger mode: false edge, true level */
    int source;              /* index of the sending Local APIC, -1 for I/O APIC or MSI */
    bool x2apic_dest;        /* dest is a 32-bit x2APIC destination */
};

#endif
