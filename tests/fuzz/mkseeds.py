#!/usr/bin/env python3
"""mkseeds.py - write the hand-made seed inputs of the model fuzzers.

    tests/fuzz/mkseeds.py [CORPUS_DIR]      (default: tests/fuzz/corpus)

Each seed is a short, readable program in the byte encoding the harness
decodes (see the switch in tests/fuzz/fuzz_<target>.c): a few configuration
bytes, then operations.  The seeds put each model in the states a guest
normally reaches (programmed, an interrupt delivered, acknowledged and
EOI'd, timers, masks, modes), so that fuzzing starts from there.  The files
are named seed-<what>; minimized fuzzer finds sit next to them (cov-*),
inputs that reproduce a known, unfixed model bug are named
crash-<model>-<what>, and those of fixed bugs stay as regressions under
cov-<model>-<what>.  Re-running the script rewrites the seed-*, crash-* and
regression files it knows and touches nothing else.
"""
import os
import struct
import sys


def u16(v):
    return struct.pack('<H', v & 0xFFFF)


def u32(v):
    return struct.pack('<I', v & 0xFFFFFFFF)


def u64(v):
    return struct.pack('<Q', v & 0xFFFFFFFFFFFFFFFF)


# ---------------------------------------------------------------- pic8259 --
class Pic:
    PORTS = {0x20: 0, 0x21: 1, 0xA0: 2, 0xA1: 3, 0x4D0: 4, 0x4D1: 5}

    def __init__(self, sticky=False):
        self.b = bytes([1 if sticky else 0])

    def op(self, code, *rest):
        self.b += bytes([code]) + b''.join(rest)
        return self

    def port(self, p):
        return bytes([self.PORTS[p]]) if p in self.PORTS else bytes([7]) + u16(p)

    def irq(self, n, level):
        return self.op(0, bytes([n | (16 if level else 0)]))

    def pulse(self, n):
        return self.op(1, bytes([n]))

    def outb(self, p, v):
        return self.op(2, self.port(p), bytes([v]))

    def inb(self, p):
        return self.op(5, self.port(p))

    def intack(self):
        return self.op(6)

    def init(self, ltim=False, aeoi=False, sfnm=False, elcr1=None, elcr2=None):
        f = (1 if ltim else 0) | (2 if aeoi else 0) | (4 if sfnm else 0)
        extra = b''
        if elcr1 is not None:
            f |= 32
            extra += bytes([elcr1])
        if elcr2 is not None:
            f |= 64
            extra += bytes([elcr2])
        return self.op(8, bytes([f]) + extra)

    def ack_eoi(self):
        return self.op(9)

    def reset(self):
        return self.op(0x8B)        # 139 % 10 == 9 with bit 7: reset


def pic_seeds():
    s = {}
    s['seed-pc-init-irq1'] = Pic().init().irq(1, 1).intack().outb(0x20, 0x20).irq(1, 0).b
    s['seed-slave-irq12'] = (Pic().init().irq(12, 1).intack().outb(0xA0, 0x20)
                             .outb(0x20, 0x20).irq(12, 0).b)
    s['seed-spurious-irq7'] = Pic().init().irq(3, 1).irq(3, 0).intack().inb(0x20).b
    s['seed-spurious-irq15-sticky'] = Pic(sticky=True).init().irq(10, 1).irq(10, 0).intack().b
    s['seed-nesting'] = (Pic().init().irq(4, 1).intack().irq(1, 1).intack().outb(0x20, 0x20)
                         .outb(0x20, 0x20).ack_eoi().b)
    s['seed-aeoi-rotate'] = (Pic().init(aeoi=True).outb(0x20, 0x80).irq(0, 1).intack()
                             .irq(5, 1).irq(0, 0).irq(0, 1).intack().intack().b)
    s['seed-special-mask'] = (Pic().init().irq(3, 1).intack().outb(0x21, 0x08).outb(0x20, 0x68)
                              .irq(6, 1).intack().outb(0x20, 0x20).outb(0x20, 0x48)
                              .outb(0x20, 0x63).b)
    s['seed-poll'] = (Pic().init().irq(6, 1).outb(0x20, 0x0C).inb(0x20).outb(0x20, 0x0B)
                      .inb(0x20).outb(0x20, 0x66).b)
    s['seed-elcr-level'] = (Pic().init(elcr1=0x20, elcr2=0x0A).irq(5, 1).intack()
                            .outb(0x20, 0x65).irq(9, 1).irq(11, 1).ack_eoi().ack_eoi()
                            .irq(5, 0).inb(0x4D0).inb(0x4D1).b)
    s['seed-ltim'] = Pic().init(ltim=True).irq(7, 1).intack().outb(0x20, 0x20).intack().b
    s['seed-sfnm'] = (Pic().init(sfnm=True).irq(13, 1).intack().irq(9, 1).intack()
                      .outb(0xA0, 0x20).outb(0xA0, 0x20).outb(0x20, 0x20).b)
    s['seed-rotate-specific'] = (Pic().init().irq(2 + 1, 1).intack().outb(0x20, 0xE3)
                                 .outb(0x20, 0xC4).irq(6, 1).irq(0, 1).intack()
                                 .outb(0x20, 0x40).outb(0x20, 0x00).b)
    s['seed-imr-reset'] = (Pic().init().outb(0x21, 0xFB).outb(0xA1, 0xFF).irq(1, 1).inb(0x21)
                           .outb(0x21, 0).intack().reset().irq(1, 0).irq(1, 1).intack().b)
    s['seed-raw-icw'] = (Pic().outb(0x20, 0x13).outb(0x21, 0x08).outb(0x21, 0x03).irq(4, 1)
                         .intack().outb(0x22, 0x55).inb(0x1234).b)
    return s


# ------------------------------------------------------------------ lapic --
APIC_OFFS = [0x020, 0x030, 0x080, 0x090, 0x0A0, 0x0B0, 0x0C0, 0x0D0, 0x0E0, 0x0F0, 0x280,
             0x2F0, 0x300, 0x310, 0x320, 0x330, 0x340, 0x350, 0x360, 0x370, 0x380, 0x390,
             0x3E0, 0x3F0]


class Lapic:
    def __init__(self, x2=False, directed=False, tsc=False, lowest_unsup=False, lenient=False,
                 bsp=True, reentrant=False, late=False, shift=0, rule=0, apic_id=0):
        o = ((1 if x2 else 0) | (2 if directed else 0) | (4 if tsc else 0) |
             (8 if lowest_unsup else 0) | (16 if lenient else 0) | (32 if bsp else 0) |
             (64 if reentrant else 0) | (128 if late else 0))
        self.b = bytes([o, shift, 0, rule]) + u32(apic_id)

    def op(self, code, *rest):
        self.b += bytes([code]) + b''.join(rest)
        return self

    @staticmethod
    def off(o):
        return bytes([APIC_OFFS.index(o)]) if o in APIC_OFFS else bytes([0xF0]) + u16(o)

    def mw(self, o, v):
        return self.op(0, self.off(o), bytes([3]), u32(v))

    def mr(self, o):
        return self.op(2, self.off(o))

    @staticmethod
    def msr(m):
        if m == 0x1B:
            return bytes([0x80])
        if m == 0x6E0:
            return bytes([0xA0])
        if 0x800 <= m < 0x840:
            return bytes([m - 0x800])
        return bytes([0xE0]) + u32(m)

    def wrmsr(self, m, v):
        if m == 0x1B:
            raise ValueError('use apic_base')
        if m == 0x6E0:
            return self.op(3, self.msr(m), u32(v))     # value = now + v - 64
        return self.op(3, self.msr(m), bytes([1]), u64(v))

    def apic_base(self, en=True, extd=False):
        return self.op(3, self.msr(0x1B), bytes([(1 if en else 0) | (2 if extd else 0)]))

    def rdmsr(self, m):
        return self.op(4, self.msr(m))

    def accept(self, vector, mode=0, level=False, deassert=False, logical=False, dest=0):
        f = mode | (8 if level else 0) | (16 if deassert else 0) | (32 if logical else 0)
        return self.op(5, bytes([f, vector, dest]))

    def lint(self, pin, level):
        return self.op(6, bytes([pin | (2 if level else 0)]))

    def local(self, which):
        return self.op(7, bytes([which]))

    def intack(self):
        return self.op(8)

    def eoi(self):
        return self.op(10)

    def advance(self, mant, exp=0):
        return self.op(11, bytes([exp]), u16(mant))

    def to_deadline(self):
        return self.op(12)

    def cr8(self, v=None, nmi_ack=False):
        b = (1 | (v << 4)) if v is not None else 0
        return self.op(13, bytes([b | (2 if nmi_ack else 0)]))

    def arbitrate(self, vector, cands):
        """cands: list of (flags, initial_id, tpr); flags bit0 sw-enable, bit1 no
        focus, bit2 hw-disable, bit3 vector in IRR, bits 7:5 lowest_count."""
        f = (len(cands) - 1) & 3
        body = bytes([f, vector, 0])
        for fl, iid, tpr in cands:
            body += bytes([fl, iid, tpr])
        return self.op(14, bytes([0x21 | 0x80, vector]), u32(0x0F), body)

    def reset(self):
        return self.op(15, bytes([0]))

    def init_reset(self):
        return self.op(15, bytes([1]))

    def program(self, periodic=False, tsc=False, count=0x100):
        b = 2 | (0x20 if periodic else 0) | (0x40 if tsc else 0)
        return self.op(15, bytes([b]), u16(count))


def lapic_seeds():
    s = {}
    s['seed-fixed-edge'] = Lapic().program().accept(0x40).intack().eoi().b
    s['seed-level-broadcast'] = (Lapic().program().accept(0x51, level=True).intack()
                                 .accept(0x51, level=True).eoi().intack().eoi().b)
    s['seed-directed-eoi'] = (Lapic(directed=True).mw(0x0F0, 0x11FF).accept(0x61, level=True)
                              .intack().eoi().mr(0x030).b)
    s['seed-tpr-blocks'] = (Lapic().program().mw(0x080, 0x50).accept(0x45).intack().mr(0x0A0)
                            .mw(0x080, 0).intack().eoi().cr8(3).cr8().b)
    s['seed-nested'] = (Lapic().program().accept(0x30).intack().accept(0x80).accept(0x31)
                        .intack().mr(0x0A0).mr(0x100 + 0x40).eoi().intack().eoi().eoi().b)
    s['seed-timer-oneshot'] = (Lapic(shift=2).program(count=0x40).mr(0x390).to_deadline()
                               .intack().eoi().mr(0x390).b)
    s['seed-timer-periodic'] = (Lapic().program(periodic=True, count=0x20).advance(0x30)
                                .to_deadline().intack().mw(0x3E0, 0xB).advance(0x10)
                                .to_deadline().mw(0x320, 0x40).mw(0x320, 0x20040).eoi().b)
    s['seed-timer-tsc-deadline'] = (Lapic(tsc=True).mw(0x0F0, 0x1FF).mw(0x320, 0x40041)
                                    .wrmsr(0x6E0, 0x1000).rdmsr(0x6E0).to_deadline().intack()
                                    .wrmsr(0x6E0, 0x10).mw(0x380, 5).mw(0x320, 0x41).b)
    s['seed-timer-late'] = (Lapic(late=True).program(periodic=True, count=8).advance(0x400)
                            .op(11, bytes([0x80]), u16(0x123)).intack().b)
    s['seed-x2apic'] = (Lapic(x2=True, reentrant=True, apic_id=0x123).apic_base(True, True).rdmsr(0x802)
                        .wrmsr(0x80F, 0x1FF).wrmsr(0x808, 0x20).wrmsr(0x830, 0x0000012300044050)
                        .wrmsr(0x83F, 0x77).intack().wrmsr(0x80B, 0).rdmsr(0x80D)
                        .rdmsr(0x830).wrmsr(0x80B, 1).rdmsr(0x809).b)
    s['seed-x2apic-lenient'] = (Lapic(x2=True, lenient=True).apic_base(True, True)
                                .wrmsr(0x80F, 0xFFFF01FF).wrmsr(0x832, 0x1FFFF).b)
    s['seed-virtual-wire'] = (Lapic().program().mw(0x350, 0x700).lint(0, 1).intack().lint(0, 0)
                              .accept(0, mode=7).intack().b)
    s['seed-lint-level'] = (Lapic().program().mw(0x360, 0x8062).lint(1, 1).intack().eoi()
                            .intack().lint(1, 0).eoi().mw(0x360, 0x400).lint(1, 1).cr8(0, True).b)
    s['seed-disable-enable'] = (Lapic().program().accept(0x40).apic_base(False).mr(0x0F0)
                                .lint(0, 1).intack().lint(1, 1).apic_base(True).mr(0x020).b)
    s['seed-icr-ipis'] = (Lapic().program().mw(0x310, 0x03000000).mw(0x300, 0x4041)
                          .mw(0x300, 0x4500).mw(0x300, 0x4608).mw(0x300, 0x0400)
                          .mw(0x300, 0x80041).mw(0x300, 0xC0041).mw(0x300, 0x0105)
                          .mw(0x300, 0x0700).mr(0x280).mw(0x280, 0).mr(0x280).b)
    s['seed-esr-errors'] = (Lapic().program().mw(0x370, 0x55).mw(0x000, 1).mr(0x3F0).mw(0x280, 0)
                            .mr(0x280).accept(0x05).intack().b)
    s['seed-reentrant-self-ipi'] = (Lapic(reentrant=True).program().mw(0x300, 0x44052)
                                    .intack().mw(0x300, 0x48052).intack().eoi().eoi().b)
    s['seed-init-sipi'] = (Lapic(bsp=False).program().accept(0x40).accept(0, mode=5)
                           .accept(0x9A, mode=6).accept(0x9B, mode=6)
                           .accept(0, mode=5, level=True, deassert=True).b)
    s['seed-nmi-smi'] = (Lapic().program().accept(0, mode=4).accept(0, mode=4).accept(0, mode=2)
                         .mw(0x330, 0x400).local(1).mw(0x340, 0x45).local(2).intack().eoi()
                         .cr8(nmi_ack=True).b)
    s['seed-arbitration'] = (Lapic(rule=0).program()
                             .arbitrate(0x41, [(1, 5, 0x20), (1 | 8, 2, 0x40), (0, 1, 0),
                                               (1 | 0x60, 9, 0x20)]).b)
    s['seed-sw-disabled'] = (Lapic().program().accept(0x40).mw(0x0F0, 0xFF).accept(0x41)
                             .intack().mw(0x320, 0x40).mw(0x0F0, 0x1FF).mr(0x320).reset()
                             .init_reset().b)
    return s


# ----------------------------------------------------------------- ioapic --
class Ioapic:
    PINS = {24: 0, 1: 1, 8: 2, 120: 3, 121: 4, 240: 5, 32: 7}

    def __init__(self, npins=24, eoi_reg=False, handshake=False, ignore_pol=False,
                 honour=False, ones=False, keep=False, apic_id=0):
        o = ((1 if handshake else 0) | (2 if ignore_pol else 0) | (4 if honour else 0) |
             (8 if ones else 0) | (16 if keep else 0))
        self.b = bytes([self.PINS[npins], 1 if eoi_reg else 0, o, apic_id])

    def op(self, code, *rest):
        self.b += bytes([code]) + b''.join(rest)
        return self

    @staticmethod
    def low(vec, delmod=0, logical=False, low_active=False, level=False, masked=False):
        f = delmod | (8 if logical else 0) | (0x10 if masked else 0) | \
            (0x20 if low_active else 0) | (0x80 if level else 0)
        return bytes([vec, f])

    def program(self, pin, vec, dest=0, **kw):
        return self.op(10, bytes([pin]), self.low(vec, **kw), bytes([0, dest]))

    def write_low(self, pin, vec, **kw):
        return self.op(2, bytes([pin]), self.low(vec, **kw))

    def write_high(self, pin, dest):
        return self.op(0x86, bytes([pin, 0, dest]))     # 134 % 12 == 2, bit 7: high half

    def irq(self, pin, level):
        return self.op(0x88 if level else 4, bytes([pin]))  # 136 % 12 == 4, bit 7: level 1

    def pulse(self, pin):
        return self.op(9, bytes([pin]))

    def eoi(self, pin_of_vector=None, vector=None, reg=False):
        if vector is not None:
            return self.op(7, bytes([0x80 | (0x40 if reg else 0), vector]))
        return self.op(7, bytes([pin_of_vector | (0x40 if reg else 0)]))

    def accepted(self, start=0):
        return self.op(8, bytes([start]))

    def read_reg(self, reg):
        return self.op(1, bytes([4 | 1]), bytes([reg]))

    def mmio_write(self, off_sel, v):
        return self.op(0, bytes([off_sel | 4]), u32(v))

    def reset(self):
        return self.op(0x82)        # 130 % 12 == 10 with bit 7: reset

    def peek(self, reg):
        return self.op(11, bytes([reg]))


def ioapic_seeds():
    s = {}
    s['seed-edge'] = (Ioapic().program(2, 0x30, dest=1).irq(2, 1).irq(2, 0).irq(2, 1)
                      .read_reg(0x14).b)
    s['seed-level-eoi'] = (Ioapic().program(9, 0x41, level=True).irq(9, 1).eoi(9).eoi(9)
                           .irq(9, 0).eoi(9).irq(9, 1).read_reg(0x22).b)
    s['seed-masked-edge'] = (Ioapic().program(3, 0x33, masked=True).pulse(3).irq(3, 1)
                             .write_low(3, 0x33).irq(3, 0).pulse(3).b)
    s['seed-level-mask-unmask'] = (Ioapic().program(10, 0x50, level=True, masked=True)
                                   .irq(10, 1).write_low(10, 0x50, level=True).eoi(10)
                                   .write_low(10, 0x50).write_low(10, 0x50, level=True).b)
    s['seed-polarity'] = (Ioapic().program(11, 0x52, level=True, low_active=True)
                          .irq(11, 1).irq(11, 0).eoi(11).irq(11, 1).eoi(11)
                          .write_low(11, 0x52, level=True).b)
    s['seed-ignore-polarity'] = (Ioapic(ignore_pol=True).program(4, 0x34, low_active=True)
                                 .irq(4, 1).b)
    s['seed-handshake'] = (Ioapic(handshake=True).program(5, 0x60, level=True).irq(5, 1)
                           .irq(5, 0).irq(5, 1).accepted().eoi(5).accepted()
                           .program(6, 0x61).pulse(6).pulse(6).accepted().accepted().b)
    s['seed-eoi-register'] = (Ioapic(eoi_reg=True).program(12, 0x70, level=True).irq(12, 1)
                              .eoi(12, reg=True).irq(12, 0).eoi(12, reg=True).b)
    s['seed-registers'] = (Ioapic(apic_id=3).read_reg(0).read_reg(1).read_reg(2).read_reg(5)
                           .read_reg(0x40).mmio_write(0, 0x00).mmio_write(1, 0x0F000000)
                           .read_reg(2).mmio_write(0, 0x01).mmio_write(1, 0xFFFFFFFF)
                           .peek(0x11).op(1, bytes([3]), u16(0x20)).b)
    s['seed-edge-only-modes'] = (Ioapic().program(1, 0x00, delmod=4, level=True).irq(1, 1)
                                 .program(7, 0x00, delmod=7, level=True).pulse(7)
                                 .program(8, 0x08, delmod=1, logical=True).pulse(8)
                                 .program(13, 0x99, delmod=3).pulse(13).b)
    s['seed-honour-level'] = (Ioapic(honour=True).program(1, 0x02, delmod=4, level=True)
                              .irq(1, 1).eoi(vector=0x02).b)
    s['seed-shared-vector'] = (Ioapic().program(14, 0x80, level=True).program(15, 0x80, level=True)
                               .irq(14, 1).irq(15, 1).eoi(14).irq(14, 0).eoi(15).b)
    s['seed-240-pins'] = (Ioapic(npins=240, keep=True, ones=True).program(119, 0x44, level=True)
                          .irq(119, 1).irq(200, 1).read_reg(0xFF).read_reg(0x01).eoi(119)
                          .write_low(100, 0xFE, masked=True).reset().b)
    s['seed-trigger-toggle'] = (Ioapic().program(16, 0x90, level=True).irq(16, 1)
                                .write_low(16, 0x90, masked=True, level=True)
                                .write_low(16, 0x90, masked=True)
                                .write_low(16, 0x90, level=True).b)
    return s


# ----------------------------------------------------------------- pcimsi --
class Msi:
    NV = {1: 0, 2: 1, 4: 2, 8: 3, 16: 4, 32: 5}

    def __init__(self, nvec=1, is64=False, maskable=False, msi_off=0x50, table=16,
                 bir=(0, 0), same_bar=True, msix_off=0x70, raw=None):
        self.msix_ok = raw is None
        if raw is not None:
            self.b = raw
            return
        a = self.NV[nvec] | (0x10 if is64 else 0) | (0x20 if maskable else 0)
        o = (msi_off - 0x40) // 4
        t = (table - 1) if table <= 128 else 0x80
        bl = bir[0] | (bir[1] << 3) | (0x40 if same_bar else 0)
        xo = (msix_off - 0x40) // 4
        f = 2       # table at 4 KiB in its BAR
        self.b = bytes([a, o, t, bl, xo, f])
        if table > 128:
            self.b += u16(table)
        self.msi_off = msi_off
        self.msix_off = msix_off
        self.is64 = is64

    def op(self, code, *rest):
        self.b += bytes([code]) + b''.join(rest)
        return self

    def msi_write(self, rel, size, v):
        sizes = {4: 0, 2: 2, 1: 3}
        return self.op(0, bytes([sizes[size] | 0x40]), bytes([rel + 4]), u32(v))

    def msi_read(self, rel, size):
        sizes = {4: 0, 2: 2, 1: 3}
        return self.op(1, bytes([sizes[size]]), bytes([rel + 4]))

    def notify(self, k):
        return self.op(2, bytes([k]))

    def clear(self, k):
        return self.op(3, bytes([k]))

    def inspect(self, k):
        return self.op(3, bytes([0xC0]), bytes([k]))

    def msix_ctl(self, v):
        """a 16-bit write of Message Control (0x8000 enable, 0x4000 function mask)"""
        return self.op(4, bytes([0x40 | 2]), bytes([2 + 4]), u32(v))

    def k(self, k):
        return u16(k) if self.msix_ok else bytes([k])

    def msix_cfg_read(self, rel, size=4):
        sizes = {4: 0, 2: 2, 1: 3}
        return self.op(5, bytes([sizes[size]]), bytes([rel + 4]))

    def program_msi(self, addr_byte, data_byte, mme=0, mask=None):
        b = (mme << 1)
        out = bytes([b, addr_byte, data_byte])
        if mask is not None:
            out += u32(mask)
        return self.op(15, out)

    def program_msix(self, k, addr_byte, data_byte, fmask=False):
        return self.op(15, bytes([1 | (2 if fmask else 0), addr_byte, data_byte]), self.k(k))

    def table_write(self, k, field, v, size=4):
        b = field | (0x10 if size == 8 else 0)
        if field == 0:
            b |= 1
            return self.op(6, bytes([b]), self.k(k), bytes([3]), u64(v))
        if field == 8:
            return self.op(6, bytes([b]), self.k(k), bytes([1]), u32(v), bytes([(v >> 32) & 1]))
        return self.op(6, bytes([b | 0x40]), self.k(k), u64(v))

    def table_read(self, k, field, size=4):
        # the operand bytes a write would take are read (and ignored) too
        filler = {0: b'', 8: bytes([0, 0, 0])}.get(field, bytes([0]))
        return self.op(0x86, bytes([field | (0x10 if size == 8 else 0)]), self.k(k), filler)

    def pba_read(self, qword, size=8):
        return self.op(8, bytes([(qword * 2) | (0x40 if size == 8 else 0)]), u64(0))

    def pba_write(self, qword):
        return self.op(0x88, bytes([qword * 2 | 0x40]), u64(~0))

    def msix_notify(self, k):
        return self.op(9, self.k(k))

    def msix_clear(self, k):
        return self.op(11, bytes([1]), self.k(k))

    def msi_reset(self):
        return self.op(11, bytes([2]))

    def msix_reset(self):
        return self.op(11, bytes([0]))

    def decode(self, addr, data, ext=False):
        return self.op(0x8C if ext else 12, bytes([3]), u64(addr), bytes([1]), u32(data))

    def compose(self, vector, mode, dest, logical=False, level=False, trig=False, rh=False,
                ext=False):
        b = mode | (8 if logical else 0) | (16 if level else 0) | (32 if trig else 0) | \
            0x40 | (0x80 if ext else 0)
        return self.op(0x8E if rh else 14, bytes([b, vector]), u16(dest))


def pcimsi_seeds():
    s = {}
    s['seed-msi-basic'] = (Msi(nvec=8).program_msi(0x01, 0x40, mme=3).notify(5).notify(9)
                           .msi_read(2, 2).b)
    s['seed-msi-masked-pending'] = (Msi(nvec=8, maskable=True)
                                    .program_msi(0x02, 0x48, mme=3, mask=0xFF).notify(2)
                                    .notify(2).notify(6).inspect(2).msi_read(0x10, 4)
                                    .msi_write(0x0C, 4, 0x40).msi_write(0x0C, 1, 0)
                                    .clear(6).b)
    s['seed-msi-64bit'] = (Msi(nvec=32, is64=True, maskable=True)
                           .program_msi(0x03, 0x80, mme=5, mask=0).msi_write(8, 4, 0x1)
                           .notify(31).msi_write(8, 4, 0).notify(17).msi_read(0, 4)
                           .msi_read(0x14, 4).b)
    s['seed-msi-mme-clamp'] = (Msi(nvec=4).program_msi(0x01, 0x30, mme=7).msi_read(2, 2)
                               .notify(3).msi_write(2, 2, 0x11).msi_write(0, 4, 0xFFFFFFFF).b)
    s['seed-msi-disable-pending'] = (Msi(nvec=2, maskable=True)
                                     .program_msi(0x01, 0x31, mme=1, mask=3).notify(1)
                                     .msi_write(2, 2, 0x10).msi_write(0x0C, 4, 0)
                                     .msi_write(2, 2, 0x11).b)
    s['seed-msix-basic'] = (Msi(table=16).program_msix(3, 0x01, 0x41).msix_notify(3)
                            .msix_notify(4).table_read(3, 8, 8).msix_cfg_read(0).b)
    s['seed-msix-function-mask'] = (Msi(table=64).program_msix(7, 0x02, 0x42, fmask=True)
                                    .msix_notify(7).msix_notify(7).pba_read(0)
                                    .msix_ctl(0x8000).msix_notify(7).b)
    s['seed-msix-entry-mask'] = (Msi(table=8).program_msix(1, 0x01, 0x51)
                                 .table_write(1, 12, 1).msix_notify(1)
                                 .table_write(1, 8, 0x52 | (1 << 32), size=8)
                                 .table_write(1, 8, 0x53, size=8).pba_write(0).b)
    s['seed-msix-live-update'] = (Msi(table=4).program_msix(0, 0x01, 0x60)
                                  .table_write(0, 8, 0x61).table_write(0, 0, 0xFEE02003, size=8)
                                  .msix_notify(0).msix_clear(0).b)
    s['seed-msix-2048'] = (Msi(table=2048).program_msix(2047, 0x01, 0x70)
                           .table_write(1000, 12, 0).msix_notify(1000).msix_notify(2047)
                           .pba_read(31).b)
    s['seed-msix-bad-init'] = Msi(raw=bytes([0, 0, 3, 7, 0x90, 0])).msix_notify(0).msix_ctl(
        0xC000).table_read(0, 0).b
    s['seed-resets'] = (Msi(nvec=8, maskable=True, table=4).program_msi(0x01, 0x40, mme=3)
                        .program_msix(2, 0x01, 0x44).msi_reset().msix_reset().msi_read(2, 2)
                        .msix_cfg_read(0, 4).b)
    s['seed-decode'] = (Msi().decode(0xFEE01000, 0x4031).decode(0xFEE0300C, 0x0041)
                        .decode(0xFEE01004, 0x8051).decode(0xFEE0100C, 0x0105)
                        .decode(0xFEE01FF0, 0x0061, ext=True).decode(0xFEE01010, 0x0061, ext=True)
                        .decode(0x1FEE01000, 0x41).decode(0xFED00000, 0x41)
                        .decode(0xFEE00000, 0x0300).decode(0xFEE00000, 0x0600)
                        .decode(0xFEE00000, 0xFFFF3800).decode(0xFEE00000, 0x0400).b)
    s['seed-compose'] = (Msi().compose(0x41, 0, 0x12).compose(0x42, 1, 0x3, logical=True, rh=True)
                         .compose(0x43, 0, 0x1234, ext=True).compose(0x44, 0, 0x1234)
                         .compose(0x45, 0, 0x7FFF, ext=True, trig=True, level=True)
                         .compose(0x00, 5, 0xFF, trig=True).b)
    return s


# The inputs of the model bugs found by fuzzing (docs/fuzzing.md
# "Findings").  Both are fixed (issue 8): they are regression inputs now,
# named cov-*, and test_fuzz_replay runs them.  An unfixed finding would be
# named crash-* and skipped until its fix.
def crash_seeds():
    c = {}
    # MSI-X: vector 0 signalled while masked (PBA bit set), then msix_reset:
    # the PBA is cleared, reported by MSI_EV_PENDING 0 for vector 0.
    c[('pcimsi', 'cov-pcimsi-reset-pending-event')] = (
        Msi(table=1).msix_ctl(0x8000).msix_notify(0).msix_reset().b)
    # MSI-X: vector 0 signalled while masked with its address still 0, then
    # unmasked: the pending message is dropped (address 0) and its PBA bit
    # cleared, reported by MSI_EV_PENDING 0 before MSI_EV_DROPPED.
    c[('pcimsi', 'cov-pcimsi-drop-pending-event')] = (
        Msi(table=1).msix_ctl(0x8000).msix_notify(0).table_write(0, 12, 0).b)
    # The same two on the MSI capability (per-vector masking, 1 vector).
    c[('pcimsi', 'cov-pcimsi-reset-pending-event-msi')] = (
        Msi(nvec=1, maskable=True).program_msi(0x01, 0x40, mask=1).notify(0).msi_reset().b)
    c[('pcimsi', 'cov-pcimsi-drop-pending-event-msi')] = (
        Msi(nvec=1, maskable=True).msi_write(0x0C, 4, 1).msi_write(2, 2, 1).notify(0)
        .msi_write(0x0C, 4, 0).b)
    return c


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), 'corpus')
    sets = {'pic8259': pic_seeds(), 'lapic': lapic_seeds(), 'ioapic': ioapic_seeds(),
            'pcimsi': pcimsi_seeds()}
    n = 0
    for target, seeds in sets.items():
        d = os.path.join(root, target)
        os.makedirs(d, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(d, name), 'wb') as f:
                f.write(data)
            n += 1
    for (target, name), data in crash_seeds().items():
        d = os.path.join(root, target)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, name), 'wb') as f:
            f.write(data)
        n += 1
    print(f'mkseeds: wrote {n} files under {root}')


if __name__ == '__main__':
    main()
