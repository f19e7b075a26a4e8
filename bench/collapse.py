# SPDX-License-Identifier: GPL-2.0-or-later
"""The Python peer: ipaddress.collapse_addresses over one list.

    python3 collapse.py LIST

LIST holds one prefix or address a line, of one family; prints the minimal
CIDR list, one a line. Parsing is timed too, as it is for egressc and iprange.
"""
import ipaddress
import sys

with open(sys.argv[1]) as f:
    nets = [ipaddress.ip_network(s) for s in map(str.strip, f) if s]
for net in ipaddress.collapse_addresses(nets):
    print(net.with_prefixlen)
