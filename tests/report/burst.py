# SPDX-License-Identifier: GPL-2.0-or-later
"""burst.py PREFIX NADDRS PORT0 NPORTS TIMES: one UDP datagram from a new
socket (so a new connection) to each address PREFIX.1 .. PREFIX.NADDRS and
port PORT0 .. PORT0+NPORTS-1, TIMES rounds; prints how many were sent."""
import socket
import sys

prefix, naddrs, port0, nports, times = sys.argv[1], *map(int, sys.argv[2:6])
sent = 0
for _ in range(times):
    for a in range(1, naddrs + 1):
        for p in range(port0, port0 + nports):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.sendto(b"x", ("%s.%d" % (prefix, a), p))
            s.close()
            sent += 1
print(sent)
