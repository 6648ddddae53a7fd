#!/usr/bin/env python3
"""The same expected-shipment checks as `kargo-agent validate` in plain Python
csv, for the benchmark: UTF-8 (strict decoding), NUL bytes, ragged and blank
rows, required fields non-empty, quantity ASCII digits >= 1, pallet_count
digits, direction LOADING/UNLOADING, scheduled_departure a calendar date or
date-time (time and zone too), duplicate keys (shipment_id, order_number, sku)."""
import csv, datetime, sys

def main(path):
    errors = rows = 0
    seen = set()
    digits = str.isdigit
    with open(path, newline="", encoding="utf-8-sig", errors="strict") as f:
        r = csv.reader(f)
        header = [h.strip().lower().replace(" ", "_").replace("-", "_") for h in next(r)]
        idx = {h: i for i, h in enumerate(header)}
        sid, po, dep, sku, qty = (idx[k] for k in
            ("shipment_id", "order_number", "scheduled_departure", "sku", "quantity"))
        pc, dr = idx.get("pallet_count"), idx.get("direction")
        n = len(header)
        for line in r:
            if not any(c.strip() for c in line):
                continue
            rows += 1
            if len(line) != n:
                errors += 1
                continue
            if any("\0" in c for c in line):
                errors += 1
                continue
            for i in (sid, po, dep, sku, qty):
                if not line[i].strip():
                    errors += 1
            q = line[qty].strip()
            if q and not (q.isascii() and digits(q) and int(q) >= 1):
                errors += 1
            if pc is not None:
                p = line[pc].strip()
                if p and not (p.isascii() and digits(p)):
                    errors += 1
            if dr is not None:
                d = line[dr].strip()
                if d and d.upper() not in ("LOADING", "UNLOADING"):
                    errors += 1
            d = line[dep].strip()
            if d:
                try:
                    if len(d) == 10:
                        datetime.date.fromisoformat(d)
                    else:
                        datetime.datetime.fromisoformat(d)
                except ValueError:
                    errors += 1
            key = (line[sid].strip(), line[po].strip(), line[sku].strip())
            if all(key):
                if key in seen:
                    errors += 1
                seen.add(key)
    print(f"rows={rows} errors={errors}")

main(sys.argv[1])
