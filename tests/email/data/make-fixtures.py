#!/usr/bin/python3
"""Write the .eml fixtures of tests/email/data and their .expect files.

Run once by hand when a case is added (the outputs are committed); every
message is written byte by byte here, so each encoding case is exact.
An .expect file holds one line per payload, tab-separated:
    payload NAME CONTENT_TYPE PART_PATH SHA256
or a single line 'error SUBSTRING' for a message that must be refused.
"""
import base64, hashlib, os, quopri

HERE = os.path.dirname(os.path.abspath(__file__))
CSV = b"shipment_id,order_number,scheduled_departure,sku,quantity\r\nS-0001,PO-77,2026-11-23,SKU-1,0012\r\nS-0002,PO-78,2026-11-24,SKU-2,3\r\n"
CSV2 = "shipment_id,description,quantity\nS-9,Caf\u00e9 cr\u00e8me \u00e9t\u00e9 = 100% long line that must be folded by quoted-printable soft breaks,7\n".encode()
X12 = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261123*1000*U*00401*000000001*0*P*>~GS*SH*S*R*20261123*1000*1*X*004010~ST*856*0001~SE*2*0001~GE*1*1~IEA*1*000000001~"
HDR = "From: WMS <wms@example.com>\r\nTo: intake@example.com\r\nSubject: {subj}\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{mid}@example.com>\r\nMIME-Version: 1.0\r\n"

def b64(data):
    s = base64.b64encode(data).decode()
    return "\r\n".join(s[i:i + 76] for i in range(0, len(s), 76)) + "\r\n"

def body_text():
    return "Content-Type: text/plain; charset=utf-8\r\n\r\nFiles attached.\r\n"

def sha(b):
    return hashlib.sha256(b).hexdigest()

def write(name, eml, expect):
    with open(os.path.join(HERE, name + ".eml"), "wb") as f:
        f.write(eml.encode() if isinstance(eml, str) else eml)
    with open(os.path.join(HERE, name + ".expect"), "w") as f:
        for e in expect:
            f.write(e + "\n")

def pl(name, ct, path, data):
    return "payload\t%s\t%s\t%s\t%s" % (name, ct, path, sha(data))

def mixed(subj, parts, boundary="=_b1"):
    s = HDR.format(subj=subj, mid=subj.replace(" ", "-")) + 'Content-Type: multipart/mixed; boundary="%s"\r\n\r\nThis is a MIME message.\r\n' % boundary
    for p in parts:
        s += "--%s\r\n%s\r\n" % (boundary, p)
    return s + "--%s--\r\n" % boundary

def att(headers, data_text):
    return headers + "\r\n" + data_text

# 1. base64 attachment next to a text body
write("base64_attachment", mixed("base64", [body_text(), att(
    'Content-Type: text/csv; name="shipments.csv"\r\nContent-Disposition: attachment; filename="shipments.csv"\r\nContent-Transfer-Encoding: base64\r\n', b64(CSV))]),
    [pl("shipments.csv", "text/csv", "2", CSV)])

# 2. quoted-printable attachment with 8-bit text and soft line breaks
qp = quopri.encodestring(CSV2).decode().replace("\n", "\r\n")
write("quoted_printable", mixed("qp", [body_text(), att(
    'Content-Type: text/csv; charset=utf-8\r\nContent-Disposition: attachment; filename="eos 2026.csv"\r\nContent-Transfer-Encoding: quoted-printable\r\n', qp)]),
    [pl("eos 2026.csv", "text/csv", "2", CSV2.replace(b"\n", b"\r\n"))])

# 3. RFC 2231 name split over continuations, percent-encoded UTF-8
write("rfc2231_continuations", mixed("rfc2231", [body_text(), att(
    "Content-Type: application/octet-stream\r\nContent-Disposition: attachment;\r\n filename*0*=UTF-8''Exp%C3%A9dition_;\r\n filename*1*=%C3%A9t%C3%A9_2026;\r\n filename*2=.csv\r\nContent-Transfer-Encoding: base64\r\n", b64(CSV))]),
    [pl("Exp\u00e9dition_\u00e9t\u00e9_2026.csv", "application/octet-stream", "2", CSV)])

# 4. RFC 2047 encoded names (B and Q), one in Content-Type name only
write("rfc2047_names", mixed("rfc2047", [body_text(), att(
    'Content-Type: text/csv; name="=?UTF-8?B?TGllZmVyX8OcYmVyc2ljaHQuY3N2?="\r\nContent-Transfer-Encoding: base64\r\n', b64(CSV)), att(
    'Content-Type: application/EDI-X12\r\nContent-Disposition: attachment; filename="=?ISO-8859-1?Q?r=E9ception_856.edi?="\r\nContent-Transfer-Encoding: base64\r\n', b64(X12))]),
    [pl("Liefer_\u00dcbersicht.csv", "text/csv", "2", CSV), pl("r\u00e9ception 856.edi", "application/edi-x12", "3", X12)])

# 5. forwarded message/rfc822 with its own attachment, plus an outer one
inner = HDR.format(subj="inner", mid="inner") + 'Content-Type: multipart/mixed; boundary="=_inner"\r\n\r\n--=_inner\r\n' + body_text() + '\r\n--=_inner\r\nContent-Type: text/csv; name="inner.csv"\r\nContent-Disposition: attachment; filename="inner.csv"\r\nContent-Transfer-Encoding: base64\r\n\r\n' + b64(CSV) + "--=_inner--\r\n"
write("forwarded_rfc822", mixed("fwd", [body_text(), att(
    'Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n', inner), att(
    'Content-Type: text/csv\r\nContent-Disposition: attachment; filename="outer.csv"\r\nContent-Transfer-Encoding: base64\r\n', b64(X12))]),
    [pl("inner.csv", "text/csv", "2.2", CSV), pl("outer.csv", "text/csv", "3", X12)])

# 6. inline CSV and EDI parts without any name are payloads too
write("inline_unnamed", mixed("inline", [body_text(), att(
    "Content-Type: text/csv; charset=us-ascii\r\nContent-Disposition: inline\r\n", CSV.decode()), att(
    "Content-Type: application/EDI-X12\r\nContent-Transfer-Encoding: base64\r\n", b64(X12)), att(
    "Content-Type: application/csv\r\n", CSV.decode())]),
    [pl("attachment-1.csv", "text/csv", "2", CSV), pl("attachment-2.edi", "application/edi-x12", "3", X12),
     pl("attachment-3.csv", "application/csv", "4", CSV)])

# 7. a message whose whole body is an unnamed CSV
write("single_part_csv", HDR.format(subj="single", mid="single") + "Content-Type: text/csv\r\n\r\n" + CSV.decode(),
      [pl("attachment-1.csv", "text/csv", "1", CSV)])

# 8. names that try to leave the destination directory
write("path_traversal", mixed("traversal", [body_text(), att(
    'Content-Type: text/csv\r\nContent-Disposition: attachment; filename="../../etc/passwd.csv"\r\n', CSV.decode()), att(
    'Content-Type: text/csv\r\nContent-Disposition: attachment; filename="C:\\\\evil\\\\..\\\\x.csv"\r\n', CSV.decode()), att(
    'Content-Type: text/csv\r\nContent-Disposition: attachment; filename="/abs/path/y.csv"\r\n', CSV.decode()), att(
    'Content-Type: text/csv\r\nContent-Disposition: attachment; filename=". . ..hidden.csv"\r\n', CSV.decode()), att(
    'Content-Type: text/csv\r\nContent-Disposition: attachment; filename="../.."\r\n', CSV.decode())]),
    [pl("passwd.csv", "text/csv", "2", CSV), pl("x.csv", "text/csv", "3", CSV), pl("y.csv", "text/csv", "4", CSV),
     pl("hidden.csv", "text/csv", "5", CSV), pl("attachment-1.csv", "text/csv", "6", CSV)])

# 9. control characters in a name (RFC 2231 lets them through)
write("control_chars", mixed("ctrl", [body_text(), att(
    "Content-Type: text/csv\r\nContent-Disposition: attachment; filename*=UTF-8''bad%0Aname%07%C2%85end%09.csv\r\n", CSV.decode())]),
    [pl("bad_name__end_.csv", "text/csv", "2", CSV)])

# 10. the same name several times in one message
dup = lambda fn, data: att('Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="%s"\r\nContent-Transfer-Encoding: base64\r\n' % fn, b64(data))
write("duplicate_names", mixed("dups", [body_text(), dup("report.csv", CSV), dup("report.csv", X12), dup("REPORT.csv", CSV2),
                                        dup("README", CSV), dup("README", X12)]),
      [pl("report.csv", "application/octet-stream", "2", CSV), pl("report-2.csv", "application/octet-stream", "3", X12),
       pl("REPORT-3.csv", "application/octet-stream", "4", CSV2), pl("README", "application/octet-stream", "5", CSV),
       pl("README-2", "application/octet-stream", "6", X12)])

# 11. a boundary that never appears: broken, nothing guessed
write("malformed_boundary", mixed("badboundary", [body_text(), att(
    'Content-Type: text/csv; name="a.csv"\r\n', CSV.decode())], boundary="=_used").replace(
    'boundary="=_used"', 'boundary="=_declared"'), ["error\tboundary \"=_declared\" never appears"])

# 12. a multipart without a boundary parameter
write("missing_boundary", HDR.format(subj="noboundary", mid="noboundary") + "Content-Type: multipart/mixed\r\n\r\n--x\r\nContent-Type: text/csv; name=a.csv\r\n\r\n" + CSV.decode() + "--x--\r\n",
      ["error\tbroken MIME structure"])

# 13. a message cut off in the middle of an attachment
full = mixed("truncated", [body_text(), att('Content-Type: text/csv; name="t.csv"\r\nContent-Transfer-Encoding: base64\r\n', b64(CSV * 20))])
write("truncated", full[: len(full) // 2], ["error\ttruncated"])

# 14. nested forwards deeper than the limit used by the test (4)
msg = HDR.format(subj="leaf", mid="leaf") + 'Content-Type: text/csv; name="deep.csv"\r\n\r\n' + CSV.decode()
for i in range(6):
    msg = mixed("level%d" % i, [body_text(), att("Content-Type: message/rfc822\r\n", msg)], boundary="=_l%d" % i)
write("nesting_too_deep", msg, ["error\tnested deeper than the limit"])

# 15. no attachment at all, and a named HTML body alternative
write("no_attachment", HDR.format(subj="plain", mid="plain") + 'Content-Type: multipart/alternative; boundary="alt"\r\n\r\n--alt\r\n' + body_text() + "\r\n--alt\r\nContent-Type: text/html\r\n\r\n<p>Hello</p>\r\n--alt--\r\n", [])
