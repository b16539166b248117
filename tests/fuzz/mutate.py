#!/usr/bin/env python3
"""mutate.py - check that the fuzz harnesses catch planted model bugs.

    tests/fuzz/mutate.py [-t SECONDS] [-c CORPUS] [MUTANT_ID...]

For each mutant below (a plausible single-point bug in one model source),
the script copies the model source into a temporary directory, applies the
change, builds that target's libFuzzer binary against it with clang
(-fsanitize=fuzzer,address,undefined), and fuzzes it for SECONDS (default 60)
from the committed corpus (tests/fuzz/corpus/<target>/ without crash-*), or
from CORPUS (a glob prefix for the files, e.g. "seed-" for the hand-written
seeds only).  A mutant is "killed" when the run stops on a broken invariant
or a sanitizer report.  A pattern that no longer matches the model source
(the model changed) is reported and skipped.  Exit status: 0 when every
mutant that applied was killed, 1 otherwise.  Nothing in the repository is
modified.  docs/fuzzing.md gives the result.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
FUZZ = os.path.join(ROOT, 'tests', 'fuzz')
MODELS = os.path.join(ROOT, 'models')
SOURCES = {'pic8259': 'pic8259/pic8259.c', 'lapic': 'lapic/lapic.c',
           'ioapic': 'ioapic/ioapic.c', 'pcimsi': 'pci-msi/pci_msi.c'}

# (target, model source under models/, id, text to find (exactly once), replacement)
MUTANTS = [ ("pic8259","pic8259/pic8259.c","pic-prio-le","    if (req < pic8259_priority(c, blocking))","    if (req <= pic8259_priority(c, blocking))"),
 ("pic8259","pic8259/pic8259.c","pic-smm-eoi","    if (c->special_mask)\n        candidates &= (uint8_t)~c->imr;\n",""),
 ("pic8259","pic8259/pic8259.c","pic-ack-level-irr","    if (!pic8259_is_level(c, ir))\n        pic8259_set_irr","    if (1)\n        pic8259_set_irr"),
 ("pic8259","pic8259/pic8259.c","pic-icw1-isr","    pic8259_set_isr(p, ci, 0);\n    if (c->priority_add != 0)","    if (c->priority_add != 0)"),
 ("pic8259","pic8259/pic8259.c","pic-poll-flag","    p->chip[ci].poll = false;\n",""),
 ("pic8259","pic8259/pic8259.c","pic-sfnm-slave","    if (ci == 0 && c->sfnm)","    if (ci == 1 && c->sfnm)"),
 ("pic8259","pic8259/pic8259.c","pic-rotate","    p->chip[ci].priority_add = (uint8_t)((ir + 1) & 7);","    p->chip[ci].priority_add = (uint8_t)(ir & 7);"),
 ("pic8259","pic8259/pic8259.c","pic-intr-always","    if (level != m->int_level) {","    if (1) {"),
 ("lapic","lapic/lapic.c","lapic-ppr","    if ((l->tpr & 0xF0) >= ((uint32_t)isrv & 0xF0))","    if ((l->tpr & 0xF0) > ((uint32_t)isrv & 0xF0))"),
 ("lapic","lapic/lapic.c","lapic-hasint-ge","    return irrv >= 0 && ((unsigned)irrv & 0xF0) > (lapic_ppr(l) & 0xF0);","    return irrv >= 0 && ((unsigned)irrv & 0xF0) >= (lapic_ppr(l) & 0xF0);"),
 ("lapic","lapic/lapic.c","lapic-directed-eoi","    bcast = lapic_test_bit(l->tmr, (unsigned)v) &&\n            !(l->opt.directed_eoi_capable && (l->svr & APIC_SPIV_DIRECTED_EOI));","    bcast = lapic_test_bit(l->tmr, (unsigned)v);"),
 ("lapic","lapic/lapic.c","lapic-periodic-k","    k = (from - first + period - 1) / period;","    k = (from - first) / period;"),
 ("lapic","lapic/lapic.c","lapic-divide","    return 1ull << ((v + 1) & 7);","    return 1ull << (v + 1);"),
 ("lapic","lapic/lapic.c","lapic-tmr-coalesce","    if (level)\n        lapic_set_bit(l->tmr, vector);\n    else\n        lapic_clear_bit(l->tmr, vector);\n    if (lapic_test_bit(l->irr, vector)) {","    if (lapic_test_bit(l->irr, vector)) {"),
 ("lapic","lapic/lapic.c","lapic-x2-to-x","        (old == LAPIC_MODE_X2APIC && nm == LAPIC_MODE_XAPIC) ||\n",""),
 ("lapic","lapic/lapic.c","lapic-svr-mask","    if (!lapic_sw_enabled(l))\n        for (int i = 0; i < LAPIC_LVT_NB; i++)\n            l->lvt[i] |= APIC_LVT_MASKED;\n",""),
 ("lapic","lapic/lapic.c","lapic-extint-ack","        l->extint_pending = false;\n        lapic_emit(l, LAPIC_EV_INTA, 0, 1, NULL);","        lapic_emit(l, LAPIC_EV_INTA, 0, 1, NULL);"),
 ("lapic","lapic/lapic.c","lapic-lint-reeval","            *lvt &= ~APIC_LVT_REMOTE_IRR;\n            lapic_lint_level_eval(l, pin);","            *lvt &= ~APIC_LVT_REMOTE_IRR;"),
 ("lapic","lapic/lapic.c","lapic-tsc-past","    if (v && v <= now)\n        lapic_timer_fire(l, now);","    if (v && v < now)\n        lapic_timer_fire(l, now);"),
 ("ioapic","ioapic/ioapic.c","ioapic-masked-edge-latched","        if (e & IOAPIC_RTE_MASK) {\n            ioapic_emit(io, IOAPIC_EV_DROPPED_MASKED, pin, 0, -1);\n            return;\n        }\n",""),
 ("ioapic","ioapic/ioapic.c","ioapic-eoi-any-vector","        if ((e & IOAPIC_RTE_INTVEC_MASK) != vector || !(e & IOAPIC_RTE_REMOTE_IRR))","        if (!(e & IOAPIC_RTE_REMOTE_IRR))"),
 ("ioapic","ioapic/ioapic.c","ioapic-ro-bits","    e = (e & keep) | (old & IOAPIC_RTE_RO_BITS);","    e = (e & keep);"),
 ("ioapic","ioapic/ioapic.c","ioapic-edge-only","    return io->opt.edge_modes_honour_level || !ioapic_edge_only_mode(ioapic_delmod(e));","    return true;"),
 ("ioapic","ioapic/ioapic.c","ioapic-polarity","    if ((e & IOAPIC_RTE_INTPOL) && !io->opt.ignore_polarity)","    if (0)"),
 ("ioapic","ioapic/ioapic.c","ioapic-dest-bits","    m.dest = (uint32_t)(e >> IOAPIC_RTE_DEST_SHIFT);","    m.dest = (uint32_t)(e >> 48) & 0xFF;"),
 ("ioapic","ioapic/ioapic.c","ioapic-arb","        io->arb_id = io->id;\n        break;","        break;"),
 ("ioapic","ioapic/ioapic.c","ioapic-level-unmask","        if (now && !was && !(e & IOAPIC_RTE_MASK)) {","        if (now && !was && !(e & IOAPIC_RTE_MASK)) {\n            if (0)"),
 ("pcimsi","pci-msi/pci_msi.c","msi-masked-sends","    if (msi_vector_masked(c, k)) {\n        /* 6.8.1.7","    if (0) {\n        /* 6.8.1.7"),
 ("pcimsi","pci-msi/pci_msi.c","msi-mme-bits","    data = ((uint32_t)c->data & ~(n - 1)) | k;","    data = (uint32_t)c->data | k;"),
 ("pcimsi","pci-msi/pci_msi.c","msix-service-one-pba","    msix_set_pba(x, k, false);\n    msix_send(x, k, MSI_EV_DELIVER_PENDING);\n}","    msix_send(x, k, MSI_EV_DELIVER_PENDING);\n}"),
 ("pcimsi","pci-msi/pci_msi.c","msi-mme-clamp","        if (mme > c->mmc_log2) {","        if (mme > 7) {"),
 ("pcimsi","pci-msi/pci_msi.c","msix-addr-low","            v &= PCI_MSIX_ENTRY_LOWER_ADDR_MASK;   /* 1:0 read 0 (DWORD aligned) */",""),
 ("pcimsi","pci-msi/pci_msi.c","msi-rh-physical","    if (d.redirection_hint && d.msg.dest_logical && mode == APIC_DM_FIXED) {","    if (d.redirection_hint && mode == APIC_DM_FIXED) {"),
 ("pcimsi","pci-msi/pci_msi.c","msi-ext-reserved","    uint32_t reserved_addr = ext_dest ? MSI_ADDR_REMAP_FORMAT : MSI_ADDR_RESERVED;","    uint32_t reserved_addr = MSI_ADDR_RESERVED;"),
 ("pcimsi","pci-msi/pci_msi.c","msi-compose-ext","        a |= ((m->dest >> 8) & 0x7Fu) << MSI_ADDR_EXT_DEST_ID_SHIFT;","        a |= ((m->dest >> 8) & 0x3Fu) << MSI_ADDR_EXT_DEST_ID_SHIFT;"),
 ("pcimsi","pci-msi/pci_msi.c","msix-fmask-service","        if (!msix_enabled(x) || msix_function_masked(x))\n            return;","        if (!msix_enabled(x))\n            return;"),
]


def build(target, mutated, out):
    inc = []
    for d in ('common', 'pic8259', 'lapic', 'ioapic', 'pci-msi'):
        inc += ['-I', os.path.join(MODELS, d)]
    srcs = [os.path.join(FUZZ, f) for f in ('fuzz_entry.c', 'fuzz_common.c', 'fuzz_pic8259.c',
                                            'fuzz_lapic.c', 'fuzz_ioapic.c', 'fuzz_pcimsi.c')]
    for t, rel in SOURCES.items():
        srcs.append(mutated if t == target else os.path.join(MODELS, rel))
    cmd = (['clang', '-O1', '-g', '-fsanitize=fuzzer,address,undefined',
            '-fno-sanitize-recover=undefined', '-DFUZZ_RUN=fuzz_%s_run' % target,
            '-I', FUZZ] + inc + ['-o', out] + srcs)
    return subprocess.run(cmd, capture_output=True, text=True)


def main():
    args = sys.argv[1:]
    secs, prefix = 60, ''
    while args and args[0].startswith('-'):
        if args[0] == '-t':
            secs = int(args[1])
        elif args[0] == '-c':
            prefix = args[1]
        else:
            print(__doc__)
            return 2
        args = args[2:]
    only = set(args)
    failed = 0
    with tempfile.TemporaryDirectory(prefix='intrsim-mutate.') as tmp:
        for target, rel, mid, old, new in MUTANTS:
            if only and mid not in only:
                continue
            text = open(os.path.join(MODELS, rel)).read()
            if text.count(old) != 1:
                print('%-28s skipped: pattern found %d times' % (mid, text.count(old)), flush=True)
                continue
            d = os.path.join(tmp, mid)
            os.makedirs(os.path.join(d, 'corpus'))
            src = os.path.join(d, os.path.basename(rel))
            open(src, 'w').write(text.replace(old, new))
            b = build(target, src, os.path.join(d, 'fuzz'))
            if b.returncode:
                print('%-28s build failed: %s' % (mid, b.stderr[-300:]), flush=True)
                failed += 1
                continue
            for f in glob.glob(os.path.join(FUZZ, 'corpus', target, prefix + '*')):
                if not os.path.basename(f).startswith('crash-'):
                    shutil.copy(f, os.path.join(d, 'corpus'))
            t0 = time.time()
            r = subprocess.run([os.path.join(d, 'fuzz'), '-max_total_time=%d' % secs,
                                '-max_len=2048', '-timeout=10', '-artifact_prefix=%s/' % d,
                                os.path.join(d, 'corpus')], capture_output=True, text=True)
            dt = time.time() - t0
            m = re.search(r'check: (.*)', r.stderr) or re.search(r'ERROR: (.*)', r.stderr)
            killed = r.returncode != 0
            if not killed:
                failed += 1
            print('%-28s %s after %.1f s  %s' % (mid, 'KILLED' if killed else 'SURVIVED', dt,
                                                 m.group(1)[:90] if m else ''), flush=True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
