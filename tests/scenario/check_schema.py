#!/usr/bin/env python3
"""The JSON Schema agrees with the loader.

usage: check_schema.py SCHEMA TESTS_SCENARIO_DIR DOCS_MD

- good/*.json, the scenarios in scenarios/ and every complete ```json
  example of the docs validate;
- every bad/*.json is rejected by a strict JSON parser or by the schema,
  except the few errors only the loader can see (SCHEMA_BLIND below);
- the event and field names filters may use are the same in the loader
  (sim/scenario.c), the schema and the docs.
"""
import json
import pathlib
import re
import sys

import jsonschema

# Errors a JSON Schema cannot express: references between names, CPU indices
# against machine.cpus, and 1000.0000000000000000001 (a float that rounds to
# an integer before the schema sees it).  Each must be schema-blind: a file
# listed here that the schema rejects is a failure too.
SCHEMA_BLIND = {
    "unknown_device.json", "unknown_device_timeline.json", "unknown_driver_filter.json",
    "op_unknown_driver.json", "dup_device_name.json", "dup_driver_name.json",
    "program_cpu_range.json", "state_cpu_range.json", "nesting_cpu_range.json",
    "fractional_exact.json",
    # run.measure_from against run.until
    "measure_from_past_until.json",
    # apic and script mode: GSIs against the I/O APICs' ranges, uniqueness of
    # IDs, GSI ranges, windows, overrides, vectors and IPI names, indices
    # against machine.cpus / the I/O APICs / their pins, values against their
    # size or mask, accesses past the end of a space, and the pc-testdev's
    # role (no line of its own).
    "device_gsi_uncovered.json", "disable_irq_uncovered.json", "driver_cpu_range.json",
    "driver_gsi_unnamed.json", "driver_irq_uncovered.json", "driver_isa_irq_uncovered.json",
    "driver_testdev.json", "filter_dst_cpu_range.json", "filter_unknown_ipi.json",
    "handler_vector_dup.json", "ioapic_base_dup.json", "ioapic_base_lapic.json", "ioapic_gsi_beyond.json",
    "ioapic_gsi_overlap.json", "ioapic_gsi_overlap_default.json", "ioapic_id_dup.json",
    "ioapic_id_dup_default.json", "ipi_dup_name.json", "lapic_base_default_ioapic.json",
    "max_latency_testdev.json", "op_expect_outside_mask.json", "op_mmio_wrap.json", "op_port_wrap.json",
    "op_value_too_wide.json", "override_gsi_dup.json", "override_gsi_uncovered.json",
    "override_isa_dup.json", "poll_value_outside_mask.json", "script_program_cpu_range.json",
    "send_ipi_cpu_range.json", "send_ipi_unknown.json", "set_affinity_cpu_range.json",
    "cpu_online_cpu_range.json", "spurious_limit_not_below.json",
    "state_ioapic_pin.json", "state_ioapic_range.json", "state_lapic_range.json", "testdev_timeline.json",
    # PCI devices: slots against each other and against the APIC windows, an
    # INTx GSI against the I/O APICs, what a driver or an "msi" event asks of
    # what its device offers (the schema does not know which device a name
    # is), and dev.<name> state paths against the device they name.
    "pci_slot_dup.json", "pci_no_free_slot.json", "pci_bar_ioapic.json", "pci_bar_lapic.json",
    "pci_intx_gsi_uncovered.json", "driver_cpu_msix.json", "driver_interrupts_not_pci.json",
    "driver_interrupts_unoffered.json", "driver_intx_gsi_unnamed.json", "driver_pci_twice.json",
    "driver_vectors_too_many.json", "timeline_msi_intx_only.json", "timeline_msi_vector_range.json",
    "state_dev_events_range.json", "state_dev_intx_disabled_gsi.json", "state_dev_msix_range.json",
    "state_dev_no_msi.json", "state_dev_no_msix.json", "state_dev_testdev.json", "state_dev_unknown_device.json",
}


def strict_load(data: bytes):
    def no_dups(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise ValueError("duplicate key")
        return dict(pairs)

    def no_const(name):
        raise ValueError("not JSON: " + name)

    text = data.decode("utf-8")  # raises on invalid UTF-8
    if "\x00" in text:
        raise ValueError("NUL byte")
    return json.loads(text, object_pairs_hook=no_dups, parse_constant=no_const)


def c_list(src: str, name: str) -> list:
    """The strings of `static const char *const NAME[] = { ... };` in the loader."""
    m = re.search(r"static const char \*const " + name + r"\[\] = \{(.*?)\};", src, re.S)
    body = re.sub(r"/\*.*?\*/", "", m.group(1), flags=re.S) if m else ""
    return re.findall(r'"([^"]*)"', body)


def trace_events(sim_dir: pathlib.Path) -> list:
    """The event names of the X-macro list TRACE_EVENTS in sim/trace_events.h."""
    path = sim_dir / "trace_events.h"
    if not path.exists():
        return []
    body = re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.S)
    m = re.search(r"#define TRACE_EVENTS\(X\)(.*?)\n\s*\n", body, re.S)
    return re.findall(r"X\((\w+)\)", m.group(1)) if m else []


def undocumented(what: str, names: list, md: str) -> int:
    """Report each of names that the docs do not write as `name`; how many."""
    missing = [n for n in names if f"`{n}`" not in md]
    for n in missing:
        print(f"FAIL {what} {n!r} is not in {DOCS_NAME}")
    return len(missing)


def check_names(schema, tests_dir: pathlib.Path, md: str) -> int:
    """The event and field names of filters: loader, schema and docs agree."""
    src_path = tests_dir.parent.parent / "sim" / "scenario.c"
    if not src_path.exists():
        return 0
    src = src_path.read_text()
    failures = 0
    filt = schema["$defs"]["filter"]["properties"]
    for what, loader, in_schema in (
        ("event", trace_events(src_path.parent), filt["ev"]["enum"]),
        ("filter field", [k for k in c_list(src, "k_filter_keys") if k != "ev"], [k for k in filt if k != "ev"]),
    ):
        if not loader:
            print(f"FAIL cannot find the loader's {what} names in {src_path}")
            failures += 1
            continue
        for n in sorted(set(loader) ^ set(in_schema)):
            print(f"FAIL {what} {n!r}: {'loader' if n in loader else 'schema'} only")
            failures += 1
        failures += undocumented(what, loader, md)
    faults = schema["$defs"]["machine"]["properties"]["faults"]["items"]["enum"]
    loader = c_list(src, "k_fault_names")
    if loader != faults:
        print(f"FAIL fault names: loader {loader} != schema {faults}")
        failures += 1
    failures += undocumented("fault", loader, md)
    if not failures:
        print("ok   event, field and fault names: loader, schema and docs agree")
    return failures


DOCS_NAME = "docs/scenario-format.md"


def main() -> int:
    schema_path, tests_dir, docs = (pathlib.Path(a) for a in sys.argv[1:4])
    schema = json.loads(schema_path.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    failures = 0

    goods = [(p.name, p.read_bytes()) for p in sorted((tests_dir / "good").glob("*.json"))]
    # the scenarios shipped beside the schema
    goods += [(f"scenarios/{p.name}", p.read_bytes()) for p in sorted(schema_path.parent.parent.glob("*.json"))]
    md = docs.read_text()
    for i, block in enumerate(md.split("\n```json\n")[1:], 1):
        goods.append((f"{docs.name} example {i}", block.split("\n```", 1)[0].encode()))
    for name, data in goods:
        errors = sorted(validator.iter_errors(strict_load(data)), key=lambda e: list(e.path))
        for e in errors:
            print(f"FAIL {name}: {'/'.join(map(str, e.path)) or '(root)'}: {e.message}")
            failures += 1
        if not errors:
            print(f"ok   {name}: valid")

    for p in sorted((tests_dir / "bad").glob("*.json")):
        try:
            doc = strict_load(p.read_bytes())
        except ValueError as e:  # includes UnicodeDecodeError and JSONDecodeError
            print(f"ok   bad/{p.name}: not strict JSON ({type(e).__name__})")
            continue
        valid = validator.is_valid(doc)
        if valid and p.name not in SCHEMA_BLIND:
            print(f"FAIL bad/{p.name}: the schema accepts it, the loader does not")
            failures += 1
        elif not valid and p.name in SCHEMA_BLIND:
            print(f"FAIL bad/{p.name}: listed as schema-blind, but the schema rejects it")
            failures += 1
        else:
            print(f"ok   bad/{p.name}: {'schema-blind (loader only)' if valid else 'rejected by the schema'}")
    failures += check_names(schema, tests_dir, md)
    print(f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
