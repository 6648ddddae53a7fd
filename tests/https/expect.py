#!/usr/bin/env python3
"""The /v1/documents bodies an expected-shipment CSV converts to, written here
from the mapping of docs/conversions.md and independent of the C code, for
the tests to compare with what the Kargo stand-in stored: one document per
shipment; facility and direction (mapped; not sent when empty) from the
shipment's first row unless the route gives the facility; lpn and
quantityUnit (upper case) not sent when empty; quantity a number.

  expect.py CSV [business=B] [facility=F] [update_strategy=S]
            [direction_map=LOADING=OUTBOUND,UNLOADING=INBOUND]
  expect.py --stored STORED_JSONL PATH

Both print one canonical JSON document a line (keys sorted, orders sorted by
orderNumber, items in row order), sorted, so `diff` compares them."""
import csv
import json
import sys


def canonical(doc):
    if isinstance(doc.get("orders"), list):
        doc["orders"] = sorted(doc["orders"], key=lambda o: str(o.get("orderNumber")))
    return json.dumps(doc, sort_keys=True, separators=(",", ":"))


def quantity(text):
    n = float(text)
    return int(n) if n.is_integer() else n


def expected(path, opts):
    dmap = dict(kv.split("=") for kv in
                opts.get("direction_map", "LOADING=OUTBOUND,UNLOADING=INBOUND").split(","))
    docs = {}
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            doc = docs.setdefault(row["shipment_id"], {
                "business": opts["business"],
                "facility": opts.get("facility") or row["facility"],
                "shipmentNumber": row["shipment_id"],
                "orders": {},
            })
            if row.get("direction") and "direction" not in doc:
                doc["direction"] = dmap[row["direction"].upper()]
            if "update_strategy" in opts:
                doc["orderItemUpdateStrategy"] = opts["update_strategy"]
            item = {"sku": row["sku"], "quantity": quantity(row["quantity"])}
            if row.get("lpn"):
                item["lpn"] = row["lpn"]
            if row.get("quantity_unit"):
                item["quantityUnit"] = row["quantity_unit"].upper()
            order = doc["orders"].setdefault(row["order_number"],
                                             {"orderNumber": row["order_number"], "items": []})
            order["items"].append(item)
    for doc in docs.values():
        doc["orders"] = list(doc["orders"].values())
    return docs.values()


def stored(path, want):
    with open(path, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    return [r["body"] for r in rows if r["path"] == want]


def main():
    if sys.argv[1] == "--stored":
        docs = stored(sys.argv[2], sys.argv[3])
    else:
        docs = expected(sys.argv[1], dict(a.split("=", 1) for a in sys.argv[2:]))
    for line in sorted(canonical(d) for d in docs):
        print(line)


if __name__ == "__main__":
    main()
