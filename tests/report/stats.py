# SPDX-License-Identifier: GPL-2.0-or-later
"""stats.py STATS COUNTERS: egressc stats' Prometheus text, read by
prometheus_client's own parser, against COUNTERS ("NAME PACKETS BYTES" lines,
as nft lists them): each counter's egressc_blocked_packets_total and
_bytes_total sample equals them. Prints mismatches; exit 1 if any."""
import sys

from prometheus_client.parser import text_string_to_metric_families

want = {}
for line in open(sys.argv[2]):
    name, packets, nbytes = line.split()
    want[name] = (int(packets), int(nbytes))
got = {}
families = list(text_string_to_metric_families(open(sys.argv[1]).read()))
for family in families:
    for sample in family.samples:
        rule = sample.labels.get("rule")
        if sample.name == "egressc_blocked_packets_total":
            got.setdefault(rule, [None, None])[0] = int(sample.value)
        elif sample.name == "egressc_blocked_bytes_total":
            got.setdefault(rule, [None, None])[1] = int(sample.value)
        if family.type != "counter" and sample.name.endswith("_total"):
            print("%s is not a counter" % sample.name)
            sys.exit(1)
bad = 0
for name, (packets, nbytes) in want.items():
    if got.get(name) != [packets, nbytes]:
        print("%s: stats say %s, the kernel %d packets %d bytes" % (name, got.get(name), packets,
                                                                   nbytes))
        bad += 1
if not families:
    print("no metric families parsed")
    bad += 1
sys.exit(1 if bad else 0)
