#!/usr/bin/env python3
"""Writes a large, time-ordered canonical log for memory and throughput measurements.

    python3 benches/make_log.py ROWS CONTACTS > big.csv
    /usr/bin/time -v target/release/wacost replay big.csv --format json

February 2026, one business, contacts spread over six markets, a mix of inbound messages,
free-form replies and templates; every row has a message id. Deterministic.
"""
import sys


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    contacts = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    prefixes = [5511900000000, 919800000000, 5215500000000, 447700000000, 12125500000, 2348030000000]
    kinds = [
        "inbound,,", "inbound,,", "inbound,,", "outbound,free_form,", "outbound,free_form,",
        "outbound,free_form,", "outbound,template,marketing", "outbound,template,utility",
        "outbound,template,authentication", "outbound,template,marketing",
    ]
    start = 1_769_904_000  # 2026-02-01T00:00:00Z
    span = 28 * 86_400
    out = sys.stdout
    out.write("timestamp,business,contact,direction,message_type,category,status,message_id\n")
    x = 0x2545F4914F6CDD1D
    mask = (1 << 64) - 1
    buf = []
    for i in range(rows):
        x ^= (x << 13) & mask
        x ^= x >> 7
        x ^= (x << 17) & mask
        c = x % contacts
        t = start + i * span // rows
        status = "failed" if x % 17 == 0 else "delivered"
        buf.append(f"{t},15550100001,+{prefixes[c % 6] + c},{kinds[x % 10]},{status},wamid.{i:012d}\n")
        if len(buf) >= 100_000:
            out.write("".join(buf))
            buf.clear()
    out.write("".join(buf))


if __name__ == "__main__":
    main()
