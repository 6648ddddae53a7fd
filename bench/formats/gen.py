#!/usr/bin/env python3
"""Generate the benchmark inputs: gen.py csv|x12 PATH MB"""
import sys

def sscc(body17):
    s = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body17)))
    return body17 + str((10 - s % 10) % 10)

def gen_csv(path, mb):
    target = mb * 1000 * 1000
    with open(path, "w", newline="") as f:
        f.write("shipment_id,order_number,scheduled_departure,facility,direction,dock_door,"
                "carrier,scac,ship_to,sku,lpn,description,quantity,quantity_unit,pallet_count\r\n")
        i = size = 0
        while size < target:
            chunk = []
            for _ in range(10000):
                chunk.append(f"SHP{i // 20:08d},PO{i // 5:09d},2026-03-{i % 28 + 1:02d}T{i % 24:02d}:30:00Z,"
                             f"FAC1,LOADING,D{i % 40},\"Carrier, Inc.\",ABCD,Customer {i % 999},"
                             f"SKU{i % 5:06d},LPN{i:010d},Item description {i % 77},{i % 90 + 1:04d},EA,{i % 3}\r\n")
                i += 1
            s = "".join(chunk)
            size += len(s)
            f.write(s)

def gen_x12(path, mb):
    target = mb * 1000 * 1000
    with open(path, "w") as f:
        isa = ("ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
               "*260301*1200*U*00401*000000001*0*P*>~\n")
        f.write(isa + "GS*SH*SND*RCV*20260301*1200*1*X*004010~\n")
        size, st, p = len(isa), 0, 0
        while size < target:
            st += 1
            segs = [f"ST*856*{st:09d}", f"BSN*00*SHP{st:08d}*20260301*1200*0001", "HL*1**S",
                    "TD1*PLT94*4", "TD5*B*2*ABCD*M", "REF*BM*BOL123", "DTM*011*20260301",
                    "N1*ST*Customer*92*1234", "HL*2*1*O", "PRF*PO123"]
            hl = 3
            for _ in range(4):
                segs.append(f"HL*{hl}*2*T"); t = hl; hl += 1
                segs.append(f"MAN*GM*00{sscc('0061414%010d' % p)}"); p += 1
                for _ in range(3):
                    segs += [f"HL*{hl}*{t}*I", "LIN**SK*SKU000123*UP*012345678905", "SN1**24*EA",
                             "PID*F****Item description"]
                    hl += 1
            segs.append(f"CTT*{hl - 1}")
            segs.append(f"SE*{len(segs) + 1}*{st:09d}")
            s = "~\n".join(segs) + "~\n"
            size += len(s)
            f.write(s)
        f.write(f"GE*{st}*1~\nIEA*1*000000001~\n")

(gen_csv if sys.argv[1] == "csv" else gen_x12)(sys.argv[2], int(sys.argv[3]))
