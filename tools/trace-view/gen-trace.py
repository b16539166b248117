#!/usr/bin/env python3
"""gen-trace.py - writes a large synthetic but valid intrsim trace (JSON
Lines, docs/trace-format.md) for measuring trace-view and intrsim export.

An APIC machine: CPUS CPUs, level-triggered devices on I/O APIC pins (line,
IRR, delivery, accept, entry, handler, ack, broadcast EOI, Remote IRR),
MSI devices, IPIs, bottom halves with nested level-2 interrupts, and now and
then an 8259 spurious interrupt.  Deterministic for a given --seed.

    tools/trace-view/gen-trace.py --events 10000000 -o big.jsonl
"""
import argparse
import heapq
import json
import random
import sys


def cpu_stream(cpu, args, rnd, devices):
    """Yields (t, seq, line) for one CPU's interrupts, in time order."""
    t = 1000 + cpu * 37
    seq = 0
    mine = [d for d in devices if d["cpu"] == cpu]
    out = []

    def ev(tt, text):
        nonlocal seq
        seq += 1
        out.append((tt, cpu, seq, text))

    def interrupt(t0, dev, depth, nested_ok):
        """One interrupt of dev on this CPU starting at t0; returns its end."""
        vec = dev["vector"]
        tt = t0
        if dev["kind"] == "ioapic":
            ev(tt, '"ev":"device","device":"%s","action":"assert"' % dev["name"])
            ev(tt, '"ev":"line","src":"%s","dst":"gsi%d","level":1' % (dev["name"], dev["pin"]))
            tt += 2
            ev(tt, '"ev":"ioapic_irr","ioapic":0,"pin":%d,"value":1' % dev["pin"])
            ev(tt, '"ev":"ioapic_deliver","ioapic":0,"pin":%d,"vector":%d,"dest":%d,"mode":"fixed","dest_mode":"physical","trigger":"level"' % (dev["pin"], vec, cpu))
            ev(tt, '"ev":"ioapic_remote_irr","ioapic":0,"pin":%d,"value":1' % dev["pin"])
            tt += 10
            ev(tt, '"ev":"lapic_accept","cpu":%d,"vector":%d,"trigger":"level"' % (cpu, vec))
        elif dev["kind"] == "msi":
            ev(tt, '"ev":"msi","src":"%s","addr":%d,"data":%d' % (dev["name"], 0xFEE00000 | (cpu << 12), vec))
            tt += 10
            ev(tt, '"ev":"lapic_accept","cpu":%d,"vector":%d,"trigger":"edge"' % (cpu, vec))
        else:  # ipi from another CPU
            ev(tt, '"ev":"lapic_accept","cpu":%d,"vector":%d,"trigger":"edge"' % (cpu, vec))
        tt += 20
        ev(tt, '"ev":"irq_enter","cpu":%d,"vector":%d,"depth":%d' % (cpu, vec, depth))
        tt += 100
        ev(tt, '"ev":"level","cpu":%d,"level":%d' % (cpu, depth))
        ev(tt, '"ev":"handler_enter","cpu":%d,"irq":%d,"driver":"%s","level":%d' % (cpu, dev["irq"], dev["driver"], depth))
        tt += rnd.randint(200, 1500)
        if dev["kind"] == "ioapic":
            ev(tt, '"ev":"device","device":"%s","action":"ack"' % dev["name"])
            ev(tt, '"ev":"line","src":"%s","dst":"gsi%d","level":0' % (dev["name"], dev["pin"]))
            ev(tt, '"ev":"ioapic_irr","ioapic":0,"pin":%d,"value":0' % dev["pin"])
        tt += 100
        ev(tt, '"ev":"handler_exit","cpu":%d,"irq":%d,"driver":"%s","level":%d,"result":true' % (cpu, dev["irq"], dev["driver"], depth))
        tt += 5
        level = dev["kind"] == "ioapic"
        ev(tt, '"ev":"lapic_eoi","cpu":%d,"vector":%d,"broadcast":%s' % (cpu, vec, "true" if level else "false"))
        if level:
            tt += 5
            ev(tt, '"ev":"ioapic_eoi","ioapic":0,"vector":%d,"value":1' % vec)
            ev(tt, '"ev":"ioapic_remote_irr","ioapic":0,"pin":%d,"value":0' % dev["pin"])
        tt += 300
        ev(tt, '"ev":"bh_enter","cpu":%d,"level":%d' % (cpu, depth))
        bh_end = tt + rnd.randint(300, 6000)
        if nested_ok and depth == 1 and len(mine) > 1 and rnd.random() < 0.3:
            other = rnd.choice([d for d in mine if d is not dev])
            tt = interrupt(tt + rnd.randint(50, 200), other, 2, False) + 50
            bh_end = max(bh_end, tt + 100)
        tt = bh_end
        ev(tt, '"ev":"bh_exit","cpu":%d,"level":%d' % (cpu, depth))
        ev(tt, '"ev":"level","cpu":%d,"level":%d' % (cpu, depth - 1))
        tt += 50
        ev(tt, '"ev":"irq_exit","cpu":%d,"vector":%d,"depth":%d' % (cpu, vec, depth))
        return tt

    ev(t, '"ev":"boot","cpu":%d' % cpu)
    yield out[0]
    while True:
        out.clear()
        t += rnd.randint(500, args.gap)
        if not mine:
            return
        dev = rnd.choice(mine)
        t = interrupt(t, dev, 1, True)
        if rnd.random() < 0.002:
            ev(t + 10, '"ev":"lapic_spurious","cpu":%d,"vector":255' % cpu)
        for item in out:
            yield item


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1000000, help="about this many events (default 1000000)")
    ap.add_argument("--cpus", type=int, default=4)
    ap.add_argument("--devices", type=int, default=12)
    ap.add_argument("--gap", type=int, default=4000, help="largest idle gap between interrupts, cycles")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    devices = []
    for k in range(args.devices):
        kind = "msi" if k % 3 == 2 else "ioapic"
        devices.append({
            "name": "dev%d" % k, "driver": "drv%d" % k, "kind": kind, "cpu": k % args.cpus,
            "pin": 16 + k, "irq": 16 + k if kind == "ioapic" else 24 + k, "vector": 48 + k,
        })
    streams = [cpu_stream(c, args, random.Random(args.seed * 1000 + c), devices) for c in range(args.cpus)]
    header = {"intrsim_trace": 1, "version": "0.1.0", "scenario": "synthetic", "seed": args.seed,
              "cpus": args.cpus, "platform": "apic", "clock_hz": 1000000000, "until": 0,
              "ioapics": [{"gsi_base": 0, "pins": 24 + args.devices}]}
    n = 0
    last = 0
    tmp = args.output + ".partial"
    with open(tmp, "w") as f:
        f.write(json.dumps(header, separators=(",", ":")) + "\n")
        for c in range(args.cpus):
            for k, d in enumerate(devices):
                if d["cpu"] == c and d["kind"] == "ioapic":
                    f.write('{"t":%d,"ev":"ioapic_entry","ioapic":0,"pin":%d,"value":%d,"dest":%d}\n'
                            % (100 + n, d["pin"], 0xA000 | d["vector"], c))
                    n += 1
        for t, cpu, seq, text in heapq.merge(*streams):
            f.write('{"t":%d,%s}\n' % (t, text))
            last = t
            n += 1
            if n >= args.events:
                break
        f.write('{"t":%d,"ev":"end","cycles":%d}\n' % (last, last))
    import os
    os.replace(tmp, args.output)
    print("%s: %d events, %d cycles" % (args.output, n + 1, last), file=sys.stderr)


if __name__ == "__main__":
    main()
