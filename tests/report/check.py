# SPDX-License-Identifier: GPL-2.0-or-later
"""check.py WANT REPORT: the report's destinations (egressc report --format
json) against WANT, lines of "ADDRESS PROTO PORT PACKETS NAME[,NAME...]":
every row wanted is there with exactly those packets and names, and no
other row but those under IGNORE (an address prefix, optional third
argument). Prints one line per mismatch; exit 1 if any."""
import json
import sys

want = {}
for line in open(sys.argv[1]):
    addr, proto, port, packets, names = line.split()
    want[(addr, proto, int(port))] = (int(packets), sorted(names.split(",")))
report = json.load(open(sys.argv[2]))
ignore = sys.argv[3] if len(sys.argv) > 3 else None
bad = 0
seen = set()
for row in report["destinations"]:
    key = (row["address"], row["protocol"], row["port"])
    if key not in want:
        if not ignore or not row["address"].startswith(ignore):
            print("unexpected row: %s" % json.dumps(row))
            bad += 1
        continue
    seen.add(key)
    packets, names = want[key]
    if row["packets"] != packets or sorted(row["names"]) != names:
        print("row %s: packets %d names %s, want %d %s" % (key, row["packets"], row["names"],
                                                          packets, names))
        bad += 1
for key in want:
    if key not in seen:
        print("missing row: %s %s %d" % key)
        bad += 1
sys.exit(1 if bad else 0)
