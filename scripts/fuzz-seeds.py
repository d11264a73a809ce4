#!/usr/bin/env python3
"""Extracts small fuzzing seeds from the real archives in ../shared/data/mrt into Fuzz/corpus/<target>/.

    scripts/fuzz-seeds.py [DATA_DIR]      (default: ../shared/data/mrt beside the package)

Targets and input layouts (see Fuzz/Harness.swift):
  mrt              one or more whole MRT records (a PEER_INDEX_TABLE followed by RIB records for
                   TABLE_DUMP_V2 files, so real peer lookups are exercised)
  bgp-message      mode byte (bit 0: 4-byte ASNs, bit 1: ADD-PATH) + one BGP message with its marker
  path-attributes  mode byte (bit 0: 4-byte ASNs, bit 1: ADD-PATH, bits 2-4: RIB family) + an attribute block
  nlri             mode byte (bits 0-1: 0 IPv4 / 1 IPv6, bit 2: ADD-PATH) + an NLRI list
  archive          mode byte (bit 0: two bzip2 threads) + a small file: plain, gzip or bzip2 (the first
                   records of an archive, recompressed here), also with damage between records

At most 30 seeds per target, each under 4 KB, chosen for variety (record type, message type, set of
attribute types, context) in a deterministic order, so reruns give the same files. Existing seeds in
Fuzz/corpus are replaced. Archives are decompressed with the gzip/bzip2 command-line tools.
"""
import bz2
import gzip
import hashlib
import os
import struct
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_SEEDS = 30
MAX_SIZE = 4096
MAX_RECORDS_PER_FILE = 20000


def records(path):
    """Yields (header, body) for the first MAX_RECORDS_PER_FILE records of a plain/gzip/bzip2 archive."""
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic[:2] == b"\x1f\x8b":
        cmd = ["gzip", "-dc", path]
    elif magic[:3] == b"BZh":
        cmd = ["bzip2", "-dc", path]
    else:
        cmd = ["cat", path]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        for _ in range(MAX_RECORDS_PER_FILE):
            head = p.stdout.read(12)
            if len(head) < 12:
                return
            ts, typ, sub, length = struct.unpack(">IHHI", head)
            if length > 16 << 20:
                return
            body = p.stdout.read(length)
            if len(body) < length:
                return
            yield head, typ, sub, body
    finally:
        p.stdout.close()
        p.kill()
        p.wait()


def attr_blocks(block):
    """[(flags, type, value)] of an attribute block; stops at damage."""
    out, i = [], 0
    while i + 3 <= len(block):
        flags, typ = block[i], block[i + 1]
        if flags & 0x10:
            if i + 4 > len(block):
                break
            n, h = struct.unpack(">H", block[i + 2:i + 4])[0], 4
        else:
            n, h = block[i + 2], 3
        out.append((flags, typ, block[i + h:i + h + n]))
        i += h + n
    return out


def attr_key(block):
    return tuple(sorted({t for _, t, _ in attr_blocks(block)}))


class Pool:
    """Candidates per target: the first one for each variety key, grouped for round-robin selection."""

    def __init__(self):
        self.seen = set()
        self.groups = {}

    def add(self, group, key, data):
        if len(data) >= MAX_SIZE or (group, key) in self.seen:
            return
        self.seen.add((group, key))
        self.groups.setdefault(group, []).append(data)

    def select(self):
        chosen, round_ = [], 0
        groups = sorted(self.groups.items(), key=lambda g: repr(g[0]))
        while len(chosen) < MAX_SEEDS and any(round_ < len(c) for _, c in groups):
            for _, cands in groups:
                if round_ < len(cands) and len(chosen) < MAX_SEEDS:
                    chosen.append(cands[round_])
            round_ += 1
        return chosen


def main():
    data_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(ROOT), "shared", "data", "mrt")
    if not os.path.isdir(data_dir):
        sys.exit(f"fuzz-seeds: {data_dir} not found")
    files = []
    for dirpath, _, names in os.walk(data_dir):
        files += [os.path.join(dirpath, n) for n in names]
    files.sort()
    pools = {t: Pool() for t in ["mrt", "bgp-message", "path-attributes", "nlri", "archive"]}
    mrt, msgs, attrs, nlri = (pools[t] for t in ["mrt", "bgp-message", "path-attributes", "nlri"])

    for path in files:
        name = os.path.relpath(path, data_dir)
        peer_table = None
        rib_run, rib_count = b"", 0
        first = []
        for head, typ, sub, body in records(path):
            rec = head + body
            if len(first) < 6 and sum(map(len, first)) + len(rec) < 1500:
                first.append(rec)
            if typ == 13 and sub == 1:
                peer_table = rec
                rib_run, rib_count = rec, 0
                continue
            if typ == 13 and peer_table is not None and len(rib_run) + len(rec) < MAX_SIZE and rib_count < 4:
                rib_run += rec
                rib_count += 1
            try:
                key = extract(typ, sub, body, msgs, attrs, nlri, name)
            except (IndexError, struct.error):
                key = ("damaged",)
            mrt.add((typ, sub), key, rec)
            if typ == 16 and sub == 1 and key[:1] == (2,):
                derived(head, body, mrt)
        if peer_table is not None and rib_count > 0:
            mrt.add(("table", name), (), rib_run)
        archive_seeds(pools["archive"], name, path, first)

    total = 0
    for target, pool in pools.items():
        out_dir = os.path.join(ROOT, "Fuzz", "corpus", target)
        os.makedirs(out_dir, exist_ok=True)
        for old in os.listdir(out_dir):
            os.remove(os.path.join(out_dir, old))
        seeds = pool.select()
        for data in seeds:
            with open(os.path.join(out_dir, hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
                f.write(data)
        size = sum(map(len, seeds))
        total += size
        print(f"{target}: {len(seeds)} seeds, {size} bytes")
    print(f"total: {total} bytes")


def archive_seeds(pool, name, path, first):
    """The first records of one archive as a plain, a gzip (two members) and a bzip2 file, and as a
    plain file with garbage between two records; tiny original archives as they are."""
    if len(first) < 2:
        return
    plain = b"".join(first)
    half = sum(map(len, first[: len(first) // 2]))
    damaged = plain[:half] + b"\xde\xad\xbe\xef" * 5 + plain[half:]
    gz = gzip.compress(plain[:half], mtime=0) + gzip.compress(plain[half:], mtime=0)
    pool.add(("plain",), name, b"\x00" + plain)
    pool.add(("damaged",), name, b"\x00" + damaged)
    pool.add(("gzip",), name, b"\x00" + gz)
    pool.add(("bzip2",), name, bytes([len(name) % 2]) + bz2.compress(plain, 9))
    if os.path.getsize(path) < MAX_SIZE - 1:
        with open(path, "rb") as f:
            pool.add(("original",), name, b"\x00" + f.read())


def derived(head, body, mrt):
    """Record types absent from the sample archives, rebuilt from a BGP4MP MESSAGE UPDATE (2-byte
    ASNs, IPv4): the same record as BGP4MP_ET (type 17, microsecond field) and as a legacy MRTD
    BGP UPDATE (type 5: peer AS, peer IP, local AS, local IP, then the UPDATE body without header)."""
    ts = head[:4]
    et = ts + struct.pack(">HHI", 17, 1, len(body) + 4) + struct.pack(">I", 123456) + body
    mrt.add(("derived", 17), len(body) // 64, et)
    if struct.unpack(">H", body[6:8])[0] == 1 and len(body) > 16 + 19:
        legacy = body[0:2] + body[8:12] + body[2:4] + body[12:16] + body[16 + 19:]
        mrt.add(("derived", 5), len(body) // 64, ts + struct.pack(">HHI", 5, 1, len(legacy)) + legacy)


def extract(typ, sub, body, msgs, attrs, nlri, name):
    """Adds the message, attribute block and NLRI lists inside one record; returns its variety key."""
    if typ in (16, 17) and sub in (1, 4, 6, 7, 8, 9, 10, 11):
        if typ == 17:
            body = body[4:]
        as4 = sub in (4, 7, 9, 11)
        addpath = sub >= 8
        w = 4 if as4 else 2
        afi = struct.unpack(">H", body[2 * w + 2:2 * w + 4])[0]
        msg = body[2 * w + 4 + (8 if afi == 1 else 32):]
        mode = (1 if as4 else 0) | (2 if addpath else 0)
        mtype = msg[18] if len(msg) > 18 else None
        if mtype != 2:
            msgs.add((mode, mtype), (), bytes([mode]) + msg)
            return (mtype,)
        u = msg[19:]
        wlen = struct.unpack(">H", u[0:2])[0]
        withdrawn = u[2:2 + wlen]
        alen = struct.unpack(">H", u[2 + wlen:4 + wlen])[0]
        block = u[4 + wlen:4 + wlen + alen]
        announced = u[4 + wlen + alen:]
        key = attr_key(block)
        msgs.add((mode, 2), (key, bool(withdrawn), bool(announced)), bytes([mode]) + msg)
        attrs.add((mode,), key, bytes([mode]) + block)
        np = 4 if addpath else 0
        for lst in (withdrawn, announced):
            if lst:
                nlri.add((np,), (min(len(lst) // 8, 6), name), bytes([np]) + lst)
        for _, t, v in attr_blocks(block):
            if t == 14 and len(v) >= 5 and v[0] == 0:
                nh = v[3]
                rest = v[4 + nh:]
                if rest and rest[0] == 0 and rest[1:]:
                    m = (0 if v[1] == 1 else 1) | np
                    nlri.add((m,), (min(len(rest) // 8, 6), name), bytes([m]) + rest[1:])
            if t == 15 and len(v) > 3:
                m = (0 if v[1] == 1 else 1) | np
                nlri.add((m,), (min(len(v) // 8, 6), name), bytes([m]) + v[3:])
        return (2, key)
    if typ == 13 and sub in (2, 3, 4, 5, 6, 8, 9, 10, 11, 12):
        addpath = sub >= 8
        base = sub - 6 if addpath else sub
        i = 4
        if base == 6:
            afi, safi = struct.unpack(">HB", body[4:7])
            i = 7
        else:
            afi = 1 if base in (2, 3) else 2
            safi = 2 if base in (3, 5) else 1
        fam = {(1, 1): 1, (2, 1): 2, (1, 2): 3, (2, 2): 4, (1, 3): 5, (2, 3): 6}.get((afi, safi), 0)
        i += 1 + (body[i] + 7) // 8
        count = struct.unpack(">H", body[i:i + 2])[0]
        i += 2
        keys = set()
        for _ in range(count):
            i += 6 + (4 if addpath else 0)
            alen = struct.unpack(">H", body[i:i + 2])[0]
            block = body[i + 2:i + 2 + alen]
            i += 2 + alen
            mode = 1 | fam << 2
            attrs.add((mode,), attr_key(block), bytes([mode]) + block)
            keys.add(attr_key(block))
        return (count > 1, len(keys) > 1)
    if typ == 12 and sub in (1, 2):
        n = 4 if sub == 1 else 16
        i = 4 + n + 6 + n + 2
        alen = struct.unpack(">H", body[i:i + 2])[0]
        block = body[i + 2:i + 2 + alen]
        mode = 0 | (sub << 2)
        attrs.add((mode,), attr_key(block), bytes([mode]) + block)
        return attr_key(block)
    return ()


if __name__ == "__main__":
    main()
