#!/usr/bin/env python3
"""Writes the fixtures in data/: one input per case plus NAME.expect (see
test_fixtures.c for the expect syntax). The files are committed; rerun this
after editing a case: python3 tests/formats/mkfixtures.py"""
import os, sys
D = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
os.makedirs(D, exist_ok=True)

def sscc(body17):
    s = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body17)))
    return body17 + str((10 - s % 10) % 10)

def case(name, ext, data, expect):
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(D, f"{name}.{ext}"), "wb") as f:
        f.write(data)
    with open(os.path.join(D, f"{name}.expect"), "w") as f:
        f.write(expect.strip() + "\n")

H = "shipment_id,order_number,scheduled_departure,sku,quantity"
F = "format expected-shipment\n"
def es(name, body, expect, header=H, fmt=F, ext="csv"):
    case("es-" + name, ext, header + "\n" + body, fmt + expect)

# --- expected-shipment: valid files and layouts
es("valid-basic", "S1,PO1,2026-03-01,A,1\nS1,PO1,2026-03-01T08:30,B,0012\nS2,PO2,2026-03-01 08:30:15Z,A,3\n",
   "valid\nrows 3\nshipments S1,S2")
es("header-only", "", "valid\nrows 0")
case("es-header-only-noeol", "csv", H, F + "valid\nrows 0")
case("es-bom", "csv", b"\xef\xbb\xbf" + (H + "\nS1,PO1,2026-03-01,A,1\n").encode(), F + "valid\nrows 1")
for nm, d in (("semicolon", ";"), ("tab", "\t"), ("pipe", "|")):
    other = "|" if d != "|" else ","
    case("es-delim-" + nm, "csv", H.replace(",", d) + "\n" + ("S1,PO1,2026-03-01,A,1\nS2,\"PO@2\",2026-03-01,B@x,2\n"
         .replace(",", d).replace("@", other).replace('"PO' + other, '"PO' + d)),
         F + "valid\nrows 2\nshipments S1,S2")
es("quoted", 'S1,"PO,1",2026-03-01,"A ""big"" box",1\n"S2","multi\nline",2026-03-01,B,2\nS3,PO3,2026-03-01,C,3\n',
   "valid\nrows 3\nshipments S1,S2,S3")
es("quoted-newline-lines", 'S1,"a\r\nb\r\nc",2026-03-01,A,1\nS2,PO2,2026-03-01,B,x\n',
   "invalid\nerror 5 bad_quantity quantity")
case("es-crlf", "csv", (H + "\r\nS1,PO1,2026-03-01,A,1\r\nS2,PO2,2026-03-01,B,0\r\n").encode(),
     F + "invalid\nerror 3 bad_quantity quantity")
case("es-cr-only", "csv", (H + "\rS1,PO1,2026-03-01,A,1\rS2,PO2,2026-03-01,B,0\r").encode(),
     F + "invalid\nerror 3 bad_quantity quantity")
case("es-mixed-endings", "csv", (H + "\r\nS1,PO1,2026-03-01,A,1\rS2,PO2,2026-03-01,B,1\n\r\nS3,PO3,2026-03-01,C,-3\n").encode(),
     F + "invalid\nrows 3\nerror 5 bad_quantity quantity")
es("blank-and-delimiter-rows", "\nS1,PO1,2026-03-01,A,1\n,,,,\n   \n;\n\n,,,,\nS2,PO2,2026-03-01,B,1\n",
   "invalid\nerror 6 ragged_row -")
es("delimiter-only-rows", "\nS1,PO1,2026-03-01,A,1\n,,,,\n , ,,,\n\nS2,PO2,2026-03-01,B,1\n", "valid\nrows 2")
es("leading-zero-ids", "00042,000PO,2026-03-01,0001,1\n0042,000PO,2026-03-01,0001,1\n",
   "valid\nrows 2\nshipments 00042,0042")
es("unknown-columns-any-order", "x,2,A,S1,2026-03-01,PO1,zz\n", "valid\nrows 1\nshipments S1",
   header="Notes,Qty,SKU,Shipment ID,Scheduled-Departure,PO,Extra Col")
es("header-variants", "S1,PO1,2026-03-01,07:45,ACME,A,1,3\n", "valid\npallets 3",
   header="Shipment No, PO Number ,Ship Date,Ship Time,Carrier SCAC,Item Code,QTY,Pallets")
es("date-time-pair", "S1,PO1,2026-03-01,07:45,A,1\nS2,PO2,2026-03-01,07:45:30,B,1\nS3,PO3,2026-03-01,,C,1\n"
   "S4,PO4,2026-03-01,7:45,D,1\nS5,PO5,2026-03-01,24:00,E,1\nS6,PO6,,08:00,F,1\nS7,PO7,2026-13-01,08:00,G,1\n",
   "invalid\nerror 5 bad_time scheduled_departure_time\nerror 6 bad_time scheduled_departure_time\n"
   "error 7 missing_required scheduled_departure_date\nerror 8 bad_date scheduled_departure_date",
   header="shipment_id,order_number,scheduled_departure_date,scheduled_departure_time,sku,quantity")
es("quantity-rules", "S1,P,2026-03-01,A,0012\nS2,P,2026-03-01,B,\"1,200\"\nS3,P,2026-03-01,C,2.5\nS4,P,2026-03-01,D,-3\n"
   "S5,P,2026-03-01,E,0\nS6,P,2026-03-01,F, 7 \nS7,P,2026-03-01,G,1e3\nS8,P,2026-03-01,H,+4\n",
   "invalid\nerror 3 bad_quantity quantity\nerror 4 bad_quantity quantity\nerror 5 bad_quantity quantity\n"
   "error 6 bad_quantity quantity\nerror 8 bad_quantity quantity\nerror 9 bad_quantity quantity")
es("pallet-count", "S1,P,2026-03-01,A,1,2\nS2,P,2026-03-01,B,1,0\nS3,P,2026-03-01,C,1,\nS4,P,2026-03-01,D,1,1.5\n",
   "invalid\npallets 2\nerror 5 bad_pallet_count pallet_count", header=H + ",pallet_count")
es("dates", "S1,P,2026-02-29,A,1\nS2,P,2024-02-29,B,1\nS3,P,2026-02-30,C,1\nS4,P,2026-04-31,D,1\nS5,P,01/03/2026,E,1\n"
   "S6,P,2026-03-01T10:00:00.123+02:00,F,1\nS7,P,2026-03-01T10:00+0200,G,1\nS8,P,2026-03-01T25:00,H,1\n"
   "S9,P,2026-03-01T10:00:00-05:00,I,1\nS10,P,2000-02-29 23:59:60Z,J,1\nS11,P,1900-02-29,K,1\n",
   "invalid\nerror 2 bad_date scheduled_departure\nerror 4 bad_date scheduled_departure\n"
   "error 5 bad_date scheduled_departure\nerror 6 bad_date scheduled_departure\n"
   "error 8 bad_time scheduled_departure\nerror 9 bad_time scheduled_departure\nerror 12 bad_date scheduled_departure")
es("missing-required", "S1,P,2026-03-01,A,1\n,P,2026-03-01,B,1\nS3,  ,2026-03-01,C,1\nS4,P,,D,1\nS5,P,2026-03-01,\t,1\nS6,P,2026-03-01,F,\n",
   "invalid\nerror 3 missing_required shipment_id\nerror 4 missing_required order_number\n"
   "error 5 missing_required scheduled_departure\nerror 6 missing_required sku\nerror 7 missing_required quantity")
es("missing-column", "S1,2026-03-01,A\n", "invalid\nerror 1 missing_column order_number\nerror 1 missing_column quantity",
   header="shipment_id,scheduled_departure,sku")
es("missing-departure-column", "S1,P,A,1\n", "invalid\nerror 1 missing_column scheduled_departure",
   header="shipment_id,order_number,sku,quantity")
es("duplicate-column", "S1,P,2026-03-01,A,1,S1\n", "invalid\nerror 1 duplicate_column shipment_id",
   header=H + ",Shipment No")
es("ragged", "S1,P,2026-03-01,A,1\nS2,P,2026-03-01,B\nS3,P,2026-03-01,C,1,extra\nS4,P,2026-03-01,D,1\n",
   "invalid\nerror 3 ragged_row -\nerror 4 ragged_row -")
es("stray-quote", 'S1,P,2026-03-01,A,1\nS2,P"x,2026-03-01,B,1\nS3,"P"x,2026-03-01,C,1\nS4,P,2026-03-01,D,1\n',
   "invalid\nrows 2\nerror 3 stray_quote -\nerror 4 stray_quote -")
es("unterminated-quote", 'S1,P,2026-03-01,A,1\nS2,"P,2026-03-01,B,1\nS3,P,2026-03-01,C,1\n',
   "invalid\nerror 3 unterminated_quote -")
es("duplicate-key", "S1,P,2026-03-01,A,1\nS1,P,2026-03-02,B,1\nS1,P,2026-03-03,A,5\nS1, P ,2026-03-03,A,5\nS2,P,2026-03-01,A,1\n",
   "invalid\nerror 4 duplicate_line -\nerror 5 duplicate_line -")
case("es-nul-byte", "csv", (H + "\nS1,P,2026-03-01,A,1\nS2,P\x00,2026-03-01,B,1\n").encode(),
     F + "invalid\nerror 3 nul_byte order_number")
case("es-bad-utf8", "csv", (H + ",description\n").encode() + b"S1,P,2026-03-01,A,1,caf\xc3\xa9\nS2,P,2026-03-01,B,1,caf\xe9\nS3,P,2026-03-01,C,1,\xc0\xaf\n",
     F + "invalid\nerror 3 bad_utf8 description\nerror 4 bad_utf8 description")
case("es-bad-utf8-header", "csv", b"shipment_id,order_number,scheduled_departure,sku,quantity,not\xffes\nS1,P,2026-03-01,A,1,x\n",
     F + "invalid\nerror 1 bad_utf8 -")
case("es-empty", "csv", b"", F + "invalid\nerror 0 empty_file -")
case("es-only-blank-lines", "csv", b"\r\n\n  \n", F + "invalid\nerror 0 empty_file -")
es("direction", "S1,P,2026-03-01,A,1,LOADING\nS2,P,2026-03-01,B,1,unloading\nS3,P,2026-03-01,C,1,OUT\n",
   "invalid\nerror 4 bad_direction direction", header=H + ",direction")

# --- profiles
case("profile-aliases", "csv", "Kunde Sendung;Bestellung;Versanddatum;Artikel;Menge\nS1;B1;01.03.2026;A;2\nS2;B2;30.02.2026;B;2\n",
     "format custom\nprofile base=expected-shipment\nprofile delimiter=semicolon\n"
     "profile aliases=shipment_id:Kunde Sendung, order_number:Bestellung, scheduled_departure_date:Versanddatum, sku:Artikel, quantity:Menge\n"
     "profile date_format=%d.%m.%Y\ninvalid\nerror 3 bad_date scheduled_departure_date")
case("profile-required", "csv", H + ",carrier\nS1,P,2026-03-01,A,1,DHL\nS2,P,2026-03-01,B,1,\n",
     "format custom\nprofile required=carrier\ninvalid\nerror 3 missing_required carrier")
case("profile-optional", "csv", "shipment_id,scheduled_departure,sku,quantity\nS1,2026-03-01,A,1\n",
     "format custom\nprofile optional=order_number\nvalid")
case("profile-latin1", "csv", (H + ",description\n").encode() + b"S1,P,2026-03-01,A,1,caf\xe9\n",
     "format custom\nprofile charset=ISO-8859-1\nvalid")
case("profile-auto-detect", "csv", "Kunde Sendung|Bestellung|Versanddatum|Artikel|Menge\nS1|B1|2026-03-01|A|2\n",
     "profile delimiter=pipe\nprofile aliases=shipment_id:Kunde Sendung, order_number:Bestellung, scheduled_departure:Versanddatum, sku:Artikel, quantity:Menge\n"
     "valid\nresult custom")

# --- eos-csv
EH = "shipment_id,pallet_id,sscc,lpn,label,sku,quantity,scanned_at,dock_door,direction,status"
E = "format eos-csv\n"
A, B, C = sscc("00614141000000001"), sscc("00614141000000002"), sscc("00614141000000003")
def eos(name, body, expect, header=EH, fmt=E):
    case("eos-" + name, "csv", header + "\n" + body, fmt + expect)
eos("valid", f"S1,P1,{A},L1,lbl,X,1,2026-03-01T10:00:00Z,D1,LOADING,OK\nS1,P1,{A},L1,lbl,Y,2,2026-03-01T10:00:01+01:00,D1,LOADING,OK\n"
    f"S1,P2,(00){B},,,X,1,2026-03-01 10:00,D1,LOADING,OK\nS2,P3,00{C},,,X,1,2026-03-01T10:00:00.5,D1,LOADING,OK\n"
    f"S2,P3,]C100{sscc('00614141000000004')},,,X,1,2026-03-01T10:00:00,D1,LOADING,OK\n",
    "valid\nrows 5\npallets 4\nshipments S1,S2")
bad = A[:-1] + str((int(A[-1]) + 1) % 10)
eos("sscc", f"S1,P1,{A},,,X,1,2026-03-01T10:00Z,,,\nS1,P1,{bad},,,X,1,2026-03-01T10:00Z,,,\nS1,P1,6.14141E+17,,,X,1,2026-03-01T10:00Z,,,\n"
    f"S1,P1,{A[:-1]},,,X,1,2026-03-01T10:00Z,,,\nS1,P1,(01){A},,,X,1,2026-03-01T10:00Z,,,\nS1,P1,,,,X,1,2026-03-01T10:00Z,,,\n",
    "invalid\nerror 3 bad_sscc sscc\nerror 4 bad_sscc sscc\nerror 5 bad_sscc sscc\nerror 6 bad_sscc sscc\nerror 7 missing_required sscc")
eos("duplicate", f"S1,P1,{A},,,X,1,2026-03-01T10:00Z,,,\nS1,P1,(00){A},,,X,1,2026-03-01T10:05Z,,,\nS1,P1,{A},,,Y,1,2026-03-01T10:00Z,,,\n",
    "invalid\nerror 3 duplicate_line -")
eos("scanned-at", f"S1,P1,{A},,,X,1,2026-03-01,,,\nS1,P1,{A},,,Y,1,2026-03-01T10:00+25:00,,,\nS1,P1,{A},,,Z,1,,,,\n",
    "invalid\nerror 2 bad_date scanned_at\nerror 3 bad_time scanned_at\nerror 4 missing_required scanned_at")
eos("auto", f"S1,P1,{A},,,X,1,2026-03-01T10:00Z,,,\n", "valid\nresult eos-csv", fmt="")
case("es-auto", "csv", H + "\nS1,P,2026-03-01,A,1\n", "valid\nresult expected-shipment")
case("text-auto", "txt", "hello\nworld\n", "valid\nresult text\nrows 2")
case("text-auto-empty", "txt", "", "valid\nresult text\nrows 0")

# --- X12
def isa(ctrl, e="*", c=">", t="~"):
    f = ["ISA", "00", " " * 10, "00", " " * 10, "ZZ", "SENDER".ljust(15), "ZZ", "RECEIVER".ljust(15),
         "260301", "1200", "U", "00401", ctrl, "0", "P", c]
    s = e.join(f) + t
    assert len(s) == 106
    return s[:-1]
def tx(st, bsn, pallets=2, e="*", first=0):
    segs = [f"ST{e}856{e}{st}", f"BSN{e}00{e}{bsn}{e}20260301{e}1200", f"HL{e}1{e}{e}S"]
    hl = 2
    for p in range(pallets):
        segs.append(f"HL{e}{hl}{e}1{e}T"); tp = hl; hl += 1
        segs.append(f"MAN{e}GM{e}00{sscc('0061414100000%04d' % (first + p))}")
        segs.append(f"HL{e}{hl}{e}{tp}{e}I"); hl += 1
        segs.append(f"LIN{e}{e}SK{e}ABC{p}")
        segs.append(f"SN1{e}{e}10{e}EA")
    segs.append(f"SE{e}{len(segs) + 1}{e}{st}")
    return segs
def x12(segs, e="*", t="~", sep="\n"):
    return (t + sep).join(s.replace("*", e) for s in segs) + t + sep
def inter(ctrl, groups, e="*", c=">", t="~"):
    segs = [isa(ctrl, e, c, t)]
    for gctrl, txs, kind in groups:
        segs.append(f"GS*{kind}*SND*RCV*20260301*1200*{gctrl}*X*004010")
        for t_ in txs:
            segs += t_
        segs.append(f"GE*{len(txs)}*{gctrl}")
    segs.append(f"IEA*{len(groups)}*{ctrl}")
    return segs
X = "format x12-856\n"
ok = inter("000000001", [("1", [tx("0001", "SHIP1"), tx("0002", "SHIP2", 3, first=10)], "SH")])
case("x12-valid", "x12", x12(ok, sep="\r\n"), X + "valid\nrows 2\npallets 5\nitems 5\nshipments SHIP1,SHIP2")
case("x12-auto", "x12", x12(ok), "valid\nresult x12-856")
case("x12-no-newlines", "x12", x12(ok, sep=""), X + "valid\nrows 2")
# other separators, re-read at each ISA
i2 = [s.replace("*", "|") for s in inter("000000002", [("7", [tx("0001", "SHIP3")], "SH")])]
i2[0] = isa("000000002", "|", "^", "\n")
multi = x12(ok, sep="\r\n") + "\n".join(i2) + "\n"
case("x12-multi-interchange-separators", "x12", multi, X + "valid\nrows 3\nshipments SHIP1,SHIP2,SHIP3")
multi_groups = inter("000000003", [("1", [tx("0001", "A")], "SH"), ("2", [tx("0002", "B"), tx("0003", "C")], "SH")])
case("x12-multi-groups", "x12", x12(multi_groups), X + "valid\nrows 3\nshipments A,B,C")
def mutate(segs, i, new):
    s = list(segs); s[i] = new; return s
# indices in ok: 0 ISA, 1 GS, 2.. tx1 (14 segs: 2..15), tx2 (2+14=16 .. 16+18-1=33), 34 GE, 35 IEA
se1 = 15
case("x12-se-count", "x12", x12(mutate(ok, se1, "SE*13*0001")), X + "invalid\nerror 16 se_count_mismatch SE01")
case("x12-se-control", "x12", x12(mutate(ok, se1, "SE*14*0009")), X + "invalid\nerror 16 se_control_mismatch SE02")
# segment numbers: 1 ISA, 2 GS, 3-16 first ST..SE, 17-35 second, 36 GE, 37 IEA
case("x12-ge-count", "x12", x12(mutate(ok, 35, "GE*3*1")), X + "invalid\nerror 36 ge_count_mismatch GE01")
case("x12-ge-control", "x12", x12(mutate(ok, 35, "GE*2*2")), X + "invalid\nerror 36 ge_control_mismatch GE02")
case("x12-iea-count", "x12", x12(mutate(ok, 36, "IEA*2*000000001")), X + "invalid\nerror 37 iea_count_mismatch IEA01")
case("x12-iea-control", "x12", x12(mutate(ok, 36, "IEA*1*000000002")), X + "invalid\nerror 37 iea_control_mismatch IEA02")
case("x12-st-not-856", "x12", x12(mutate(ok, 2, "ST*810*0001")), X + "invalid\nerror 3 bad_transaction_type ST01")
case("x12-hl-parent", "x12", x12(mutate(ok, 7, "HL*3*9*T")), X + "invalid\nerror 8 hl_parent_missing HL02")
case("x12-bad-sscc", "x12", x12(mutate(ok, 6, "MAN*GM*00006141410000000009")), X + "invalid\nerror 7 bad_sscc MAN02")
case("x12-missing-se", "x12", x12(ok[:15] + ok[16:]), X + "invalid\nerror 3 missing_se ST")
case("x12-missing-iea", "x12", x12(ok[:36]), X + "invalid\nerror 1 missing_iea ISA")
case("x12-missing-ge-iea", "x12", x12(ok[:35]), X + "invalid\nerror 2 missing_ge GS\nerror 1 missing_iea ISA")
case("x12-truncated", "x12", x12(ok)[:-2], X + "invalid\nerror 37 missing_terminator -\nerror 1 missing_iea ISA")
case("x12-not-isa", "x12", "GS*SH*A*B~\n", X + "invalid\nerror 1 bad_isa ISA")
case("x12-short-isa", "x12", isa("000000001")[:60] + "~\n", X + "invalid\nerror 1 bad_isa ISA")
case("x12-empty", "x12", "", X + "invalid\nerror 0 empty_file -")
case("x12-generic-810", "x12", x12(inter("000000005", [("1", [["ST*810*0001", "BIG*20260301*INV1", "SE*3*0001"]], "IN")])),
     "valid\nresult x12\nrows 1")
case("x12-856-wrong-group", "x12", x12(inter("000000005", [("1", [["ST*810*0001", "BIG*20260301*INV1", "SE*3*0001"]], "IN")])),
     X + "invalid\nerror 2 bad_group_type GS01")
case("x12-outside-st", "x12", x12(ok[:2] + ["REF*BM*1"] + ok[2:]), X + "invalid\nerror 3 unexpected_segment REF")
case("x12-data-after-iea", "x12", x12(ok) + "junk~\n", X + "invalid\nerror 38 bad_isa ISA")
print("fixtures written to", D)
