#!/usr/bin/python3
"""The peer pipeline's extraction step: every .eml in SRC (as fetched by curl),
parsed with Python's email module; each attachment written to DST."""
import email, email.policy, os, sys

src, dst = sys.argv[1], sys.argv[2]
n = 0
for name in sorted(os.listdir(src)):
    with open(os.path.join(src, name), "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    for i, part in enumerate(msg.iter_attachments()):
        with open(os.path.join(dst, "%s-%d" % (name, i)), "wb") as out:
            out.write(part.get_payload(decode=True))
        n += 1
print(n)
