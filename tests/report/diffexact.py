# SPDX-License-Identifier: GPL-2.0-or-later
"""egressc diff --format json of the enforcing policy without and with the
suggestion (argv[1]) against what the job sent (argv[2], "ADDRESS PROTO
PORT PACKETS NAMES" a line): the suggestion opens exactly what was seen.
Every seen destination but those in argv[4:] (a deny rule of the policy
blocks them) is newly allowed, and every newly allowed line of the policy
with the suggestion (argv[3]) holds one of them; what a module's rules
open (a suggested 'use' line) counts as a whole. Beside them only the
module loaded and the names pinned by the suggestion's lines, each a name
seen; nothing newly denied, no setting changed."""
import ipaddress
import json
import sys

changes = json.load(open(sys.argv[1]))
policy = sys.argv[3]
denied_by_policy = set(sys.argv[4:])
seen = []
seen_names = set()
for line in open(sys.argv[2]):
    fields = line.split()
    addr, proto, port = fields[:3]
    if addr not in denied_by_policy:
        seen.append((ipaddress.ip_address(addr), proto, int(port)))
        if len(fields) > 4:
            seen_names.update(fields[4].split(","))


def ports_hold(spec, port):
    if spec == "all":
        return True
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        if int(lo) <= port <= int(hi or lo):
            return True
    return False


def holds(change, dest):
    addr, proto, port = dest
    net = ipaddress.ip_network(change["prefix"], strict=False)
    return (addr.version == net.version and addr in net
            and change["proto"] in (proto, "all") and ports_hold(change["ports"], port))


bad = []
allowed = [c for c in changes if c.get("change") == "allowed"]
for c in changes:
    kind = c.get("change")
    if kind == "module" and c.get("loaded"):
        continue
    if kind == "pin" and (c["name"] in seen_names or not c["at"].startswith(policy + ":")):
        continue
    if kind != "allowed":
        bad.append("not an opening: %s" % json.dumps(c))
for dest in seen:
    if not any(holds(c, dest) for c in allowed):
        bad.append("seen but not opened: %s %s %d" % dest)
for c in allowed:
    in_policy = c["rule"].startswith(policy + ":")
    if in_policy and not any(holds(c, dest) for dest in seen):
        bad.append("opened but not seen: %s" % json.dumps(c))
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
