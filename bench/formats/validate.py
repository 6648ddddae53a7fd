#!/usr/bin/env python3
"""The same expected-shipment checks in plain Python csv, for the benchmark:
required fields, quantity digits >= 1, calendar dates, duplicate keys."""
import csv, datetime, sys

def main(path):
    errors = rows = 0
    seen = set()
    with open(path, newline="", encoding="utf-8-sig") as f:
        r = csv.reader(f)
        header = [h.strip().lower().replace(" ", "_").replace("-", "_") for h in next(r)]
        idx = {h: i for i, h in enumerate(header)}
        sid, po, dep, sku, qty = (idx[k] for k in
            ("shipment_id", "order_number", "scheduled_departure", "sku", "quantity"))
        n = len(header)
        for line in r:
            if not any(c.strip() for c in line):
                continue
            rows += 1
            if len(line) != n:
                errors += 1
                continue
            for i in (sid, po, dep, sku, qty):
                if not line[i].strip():
                    errors += 1
            q = line[qty].strip()
            if not q.isdigit() or int(q) < 1:
                errors += 1
            try:
                datetime.date.fromisoformat(line[dep].strip()[:10])
            except ValueError:
                errors += 1
            key = (line[sid].strip(), line[po].strip(), line[sku].strip())
            if key in seen:
                errors += 1
            seen.add(key)
    print(f"rows={rows} errors={errors}")

main(sys.argv[1])
