/// Renders records as `bgpdump -m` lines, byte for byte.
///
/// bgpdump's one-line format is the lingua franca of BGP archive tooling, so Vantage reproduces it
/// exactly, quirks included (each is noted where it is implemented):
/// - a missing NEXT_HOP prints as 255.255.255.255, a missing LOCAL_PREF/MED as 0, a missing ORIGIN
///   as INCOMPLETE;
/// - TABLE_DUMP(_V2) lines show the IPv6 next hop of MP_REACH_NLRI when there is one;
/// - MP_REACH IPv4 lines print LOCAL_PREF/MED as signed 32-bit numbers;
/// - with a 2-byte AS_PATH, AS4_PATH is merged (RFC 6793) unless an AGGREGATOR other than AS_TRANS
///   sits beside an AS4_AGGREGATOR, in which case bgpdump leaves the path unmerged;
/// - legacy type-5 `BGP` announce lines lack the separator before the community field.
/// Prefixes are printed with bits past the prefix length cleared, as current bgpdump does.
public struct BGPDumpFormatter: Sendable {
    /// The PEER_INDEX_TABLE in force (set by the last one seen).
    public var peerTable: PeerIndexTable?

    public init() {}

    public enum Problem: Error, Sendable, CustomStringConvertible {
        case noPeerIndexTable
        case peerIndexOutOfRange(UInt16, count: Int)
        public var description: String {
            switch self {
            case .noPeerIndexTable: "RIB record before any PEER_INDEX_TABLE"
            case .peerIndexOutOfRange(let i, let n): "peer index \(i) out of range (table has \(n) peers)"
            }
        }
    }

    /// Appends the lines for `record`. RIB entries whose peer cannot be resolved are skipped and
    /// reported through `problems` (the other entries are still printed).
    public mutating func format(_ record: MRTRecord, into out: inout [UInt8], problems: inout [Problem]) {
        let h = record.header
        switch record.message {
        case .peerIndexTable(let t):
            peerTable = t
        case .rib(let rib):
            formatRIB(rib, header: h, into: &out, problems: &problems)
        case .tableDump(let e):
            var fields: [UInt8] = []
            Self.appendAttributeFields(e.attributes, nextHop: .tableDump, to: &fields)
            Self.linePrefix("TABLE_DUMP", h, "B", &out)
            Self.appendAddress(e.peerAddress, to: &out)
            out.append(Self.bar)
            TextWriter.append(UInt32(e.peerAS), to: &out)
            out.append(Self.bar)
            Self.appendPrefix(e.prefix, to: &out)
            out.append(Self.bar)
            out.append(contentsOf: fields)
        case .bgp4mpStateChange(let s):
            Self.linePrefix(h.type == .bgp4mpET ? "BGP4MP_ET" : "BGP4MP", h, "STATE", &out)
            Self.appendAddress(s.peerAddress, to: &out)
            out.append(Self.bar)
            TextWriter.append(s.peerAS, to: &out)
            out.append(Self.bar)
            TextWriter.append(UInt32(s.oldState), to: &out)
            out.append(Self.bar)
            TextWriter.append(UInt32(s.newState), to: &out)
            out.append(Self.newline)
        case .bgp4mpMessage(let m):
            guard case .update(let u) = m.message else { return }
            formatUpdate(u, m, header: h, into: &out)
        case .legacyBGP(let l):
            formatLegacy(l, header: h, into: &out)
        case .unsupported:
            return
        }
    }

    static let bar = UInt8(ascii: "|")
    static let newline = UInt8(ascii: "\n")

    /// `FORMAT|time|TYPE|` with bgpdump's `seconds.microseconds` time for ET records.
    static func linePrefix(_ format: StaticString, _ h: MRTHeader, _ type: StaticString, _ out: inout [UInt8]) {
        TextWriter.append(format, to: &out)
        out.append(bar)
        appendTime(h, &out)
        out.append(bar)
        TextWriter.append(type, to: &out)
        out.append(bar)
    }

    static func appendTime(_ h: MRTHeader, _ out: inout [UInt8]) {
        TextWriter.append(h.timestamp, to: &out)
        if h.type == .bgp4mpET {
            out.append(UInt8(ascii: "."))
            let us = h.microseconds ?? 0
            var digits: [UInt8] = []
            TextWriter.append(us, to: &digits)
            if digits.count < 6 { out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: 6 - digits.count)) }
            out.append(contentsOf: digits)
        }
    }

    @inline(__always)
    static func appendAddress(_ a: IPAddress, to out: inout [UInt8]) { TextWriter.appendIP(a, to: &out) }

    @inline(__always)
    static func appendPrefix(_ p: IPPrefix, to out: inout [UInt8]) {
        TextWriter.appendIP(p.masked.address, to: &out)
        out.append(UInt8(ascii: "/"))
        TextWriter.append(UInt32(p.length), to: &out)
    }

    // MARK: TABLE_DUMP_V2

    mutating func formatRIB(_ rib: RIBRecord, header h: MRTHeader, into out: inout [UInt8], problems: inout [Problem]) {
        typealias S = TableDumpV2Subtype
        // bgpdump prints only the unicast subtypes; multicast and RIB_GENERIC produce no lines.
        guard [S.ribIPv4Unicast, S.ribIPv6Unicast, S.ribIPv4UnicastAddPath, S.ribIPv6UnicastAddPath].contains(rib.subtype)
        else { return }
        guard let table = peerTable else {
            problems.append(.noPeerIndexTable)
            return
        }
        for e in rib.entries {
            guard Int(e.peerIndex) < table.peers.count else {
                problems.append(.peerIndexOutOfRange(e.peerIndex, count: table.peers.count))
                continue
            }
            let peer = table.peers[Int(e.peerIndex)]
            Self.linePrefix(rib.isAddPath ? "TABLE_DUMP2_AP" : "TABLE_DUMP2", h, "B", &out)
            Self.appendAddress(peer.address, to: &out)
            out.append(Self.bar)
            TextWriter.append(peer.asn, to: &out)
            out.append(Self.bar)
            Self.appendPrefix(rib.prefix, to: &out)
            out.append(Self.bar)
            if let id = e.pathID {
                TextWriter.append(id, to: &out)
                out.append(Self.bar)
            }
            Self.appendAttributeFields(e.attributes, nextHop: .tableDump, to: &out)
        }
    }

    // MARK: BGP4MP

    static func bgp4mpFormat(_ h: MRTHeader, _ m: BGP4MPMessage) -> StaticString {
        switch (h.type == .bgp4mpET, m.isLocal, m.isAddPath) {
        case (true, true, true): "BGP4MP_ET_LOCAL_AP"
        case (true, true, false): "BGP4MP_ET_LOCAL"
        case (true, false, true): "BGP4MP_ET_AP"
        case (true, false, false): "BGP4MP_ET"
        case (false, true, true): "BGP4MP_LOCAL_AP"
        case (false, true, false): "BGP4MP_LOCAL"
        case (false, false, true): "BGP4MP_AP"
        case (false, false, false): "BGP4MP"
        }
    }

    func formatUpdate(_ u: BGPUpdate, _ m: BGP4MPMessage, header h: MRTHeader, into out: inout [UInt8]) {
        let format = Self.bgp4mpFormat(h, m)
        var peer: [UInt8] = []
        Self.appendAddress(m.peerAddress, to: &peer)
        peer.append(Self.bar)
        TextWriter.append(m.peerAS, to: &peer)
        peer.append(Self.bar)

        var reaches: [MPReach] = []
        var unreaches: [MPUnreach] = []
        u.attributes.forEach { a in
            switch a.type {
            case .mpReachNLRI:
                if let r = try? PathAttributes.decodeMPReach(a, u.attributes.context, build: true),
                    !reaches.contains(where: { $0.afi == r.afi && $0.safi == r.safi })
                {
                    reaches.append(r)
                }
            case .mpUnreachNLRI:
                if let w = try? PathAttributes.decodeMPUnreach(a, u.attributes.context, build: true),
                    !unreaches.contains(where: { $0.afi == w.afi && $0.safi == w.safi })
                {
                    unreaches.append(w)
                }
            default: break
            }
        }
        // bgpdump walks MP families in a fixed order: IPv4 then IPv6; unicast, multicast, both.
        let order: (AFI, SAFI) -> Int = { afi, safi in Int(afi.rawValue) * 256 + Int(safi.rawValue) }
        reaches = reaches.filter { ($0.afi == .ipv4 || $0.afi == .ipv6) && (1...3).contains($0.safi.rawValue) }
            .sorted { order($0.afi, $0.safi) < order($1.afi, $1.safi) }
        unreaches = unreaches.filter { ($0.afi == .ipv4 || $0.afi == .ipv6) && (1...3).contains($0.safi.rawValue) }
            .sorted { order($0.afi, $0.safi) < order($1.afi, $1.safi) }

        func withdraw(_ list: [NLRI]) {
            for n in list {
                Self.linePrefix(format, h, "W", &out)
                out.append(contentsOf: peer)
                Self.appendPrefix(n.prefix, to: &out)
                if let id = n.pathID {
                    out.append(Self.bar)
                    TextWriter.append(id, to: &out)
                }
                out.append(Self.newline)
            }
        }
        withdraw(u.withdrawn)
        for w in unreaches { withdraw(w.withdrawn) }

        func announce(_ list: [NLRI], _ fields: [UInt8]) {
            for n in list {
                Self.linePrefix(format, h, "A", &out)
                out.append(contentsOf: peer)
                Self.appendPrefix(n.prefix, to: &out)
                out.append(Self.bar)
                if let id = n.pathID {
                    TextWriter.append(id, to: &out)
                    out.append(Self.bar)
                }
                out.append(contentsOf: fields)
            }
        }
        if !u.announced.isEmpty {
            var fields: [UInt8] = []
            Self.appendAttributeFields(u.attributes, nextHop: .attribute, to: &fields)
            announce(u.announced, fields)
        }
        for r in reaches where !r.nlri.isEmpty {
            var fields: [UInt8] = []
            Self.appendAttributeFields(u.attributes, nextHop: r.afi == .ipv4 ? .mpIPv4(r) : .mpIPv6(r), to: &fields)
            announce(r.nlri, fields)
        }
    }

    // MARK: Legacy BGP (type 5)

    func formatLegacy(_ l: LegacyBGPRecord, header h: MRTHeader, into out: inout [UInt8]) {
        var peer: [UInt8] = []
        TextWriter.appendIPv4(l.peerAddress.value, to: &peer)
        peer.append(Self.bar)
        TextWriter.append(UInt32(l.peerAS), to: &peer)
        peer.append(Self.bar)
        switch l.subtype {
        case LegacyBGPRecord.stateChange:
            Self.linePrefix("BGP", h, "STATE", &out)
            out.append(contentsOf: peer)
            TextWriter.append(UInt32(l.oldState ?? 0), to: &out)
            out.append(Self.bar)
            TextWriter.append(UInt32(l.newState ?? 0), to: &out)
            out.append(Self.newline)
        case LegacyBGPRecord.update:
            guard let u = l.update else { return }
            for n in u.withdrawn {
                Self.linePrefix("BGP", h, "W", &out)
                out.append(contentsOf: peer)
                Self.appendPrefix(n.prefix, to: &out)
                out.append(Self.newline)
            }
            guard !u.announced.isEmpty else { return }
            var fields: [UInt8] = []
            Self.appendAttributeFields(u.attributes, nextHop: .legacy, to: &fields)
            for n in u.announced {
                Self.linePrefix("BGP", h, "A", &out)
                out.append(contentsOf: peer)
                Self.appendPrefix(n.prefix, to: &out)
                out.append(Self.bar)
                out.append(contentsOf: fields)
            }
        default:
            return
        }
    }

    // MARK: Attribute fields

    enum NextHopRule {
        /// TABLE_DUMP and TABLE_DUMP_V2: MP_REACH's IPv6 next hop if any, else NEXT_HOP.
        case tableDump
        /// Plain IPv4 NLRI of BGP4MP: NEXT_HOP.
        case attribute
        /// IPv4 NLRI in MP_REACH: its next hop; LOCAL_PREF and MED print signed.
        case mpIPv4(MPReach)
        /// IPv6 NLRI in MP_REACH: its global next hop.
        case mpIPv6(MPReach)
        /// Legacy BGP: NEXT_HOP, and bgpdump's missing separator before communities.
        case legacy
    }

    /// Appends `aspath|origin|nexthop|localpref|med|communities|AG|aggregator|\n`.
    static func appendAttributeFields(_ attrs: PathAttributes, nextHop rule: NextHopRule, to out: inout [UInt8]) {
        var asPath: RawAttribute?
        var as4Path: RawAttribute?
        var origin: UInt8?
        var nextHop: UInt32 = 0xFFFF_FFFF
        var localPref: UInt32 = 0
        var med: UInt32 = 0
        var atomic = false
        var aggregator: RawAttribute?
        var as4Aggregator: RawAttribute?
        var communities: RawAttribute?
        var mpIPv6NextHop: ArraySlice<UInt8>?
        var seen: UInt64 = 0
        attrs.forEach { a in
            let bit: UInt64 = a.type.rawValue < 64 ? 1 << UInt64(a.type.rawValue) : 0
            if seen & bit != 0 { return }
            seen |= bit
            switch a.type {
            case .asPath: asPath = a
            case .as4Path: as4Path = a
            case .origin: origin = a.value.first ?? 0
            case .nextHop: nextHop = zeroFilledU32(a.value)
            case .localPref: localPref = zeroFilledU32(a.value)
            case .multiExitDisc: med = zeroFilledU32(a.value)
            case .atomicAggregate: atomic = true
            case .aggregator: aggregator = a
            case .as4Aggregator: as4Aggregator = a
            case .communities: communities = a
            case .mpReachNLRI:
                // bgpdump: an abbreviated attribute (first byte non-zero) or a full one for IPv6
                // unicast yields the IPv6 next hop used by TABLE_DUMP lines.
                let v = a.value
                if let f = v.first, f != 0 {
                    mpIPv6NextHop = v.dropFirst()
                } else if v.count >= 4, v[v.startIndex + 1] == 2, v[v.startIndex + 2] == 1 {
                    mpIPv6NextHop = v.dropFirst(4)
                }
            default: break
            }
        }

        // AS path, with bgpdump's AS4 handling.
        let width = attrs.context.asnWidth
        var aggASN: UInt32 = 0
        var aggAddr: UInt32 = 0xFFFF_FFFF
        if let a = aggregator { (aggASN, aggAddr) = zeroFilledAggregator(a.value, width) }
        var mergePath = width == .two
        if width == .two, aggregator != nil, let a4 = as4Aggregator {
            if aggASN != 23456 {
                mergePath = false  // bgpdump returns early here, skipping the AS4_PATH merge
            } else {
                (aggASN, aggAddr) = zeroFilledAggregator(a4.value, .four)
            }
        }
        if let p = asPath {
            let merge = mergePath ? as4Path.flatMap { try? ASPath(decoding: $0.value, width: .four) } : nil
            if !attrs.has(.asPath) {
                TextWriter.append("! Error !", to: &out)  // bgpdump's text for a malformed AS_PATH
            } else if merge == nil && p.value.count < 7900 / 11 {
                // Fast path: short enough that bgpdump's 7900-character cut cannot apply.
                TextWriter.appendASPath(raw: p.value, width: width, to: &out)
            } else if let path = try? ASPath(decoding: p.value, width: width) {
                appendBGPDumpASPath(merge.map { path.merged(withAS4Path: $0) } ?? path, to: &out)
            }
        }
        out.append(bar)
        switch origin {
        case 0: TextWriter.append("IGP", to: &out)
        case 1: TextWriter.append("EGP", to: &out)
        default: TextWriter.append("INCOMPLETE", to: &out)
        }
        out.append(bar)
        var signed = false
        switch rule {
        case .tableDump:
            if let nh = mpIPv6NextHop {
                TextWriter.appendIPv6(zeroFilledIPv6(nh), to: &out)
            } else {
                TextWriter.appendIPv4(nextHop, to: &out)
            }
        case .attribute, .legacy:
            TextWriter.appendIPv4(nextHop, to: &out)
        case .mpIPv4(let r):
            TextWriter.appendIPv4(zeroFilledU32(r.nextHopBytes[...]), to: &out)
            signed = true
        case .mpIPv6(let r):
            TextWriter.appendIPv6(zeroFilledIPv6(r.nextHopBytes[...]), to: &out)
        }
        out.append(bar)
        if signed {
            TextWriter.append(signed: Int64(Int32(bitPattern: localPref)), to: &out)
            out.append(bar)
            TextWriter.append(signed: Int64(Int32(bitPattern: med)), to: &out)
        } else {
            TextWriter.append(localPref, to: &out)
            out.append(bar)
            TextWriter.append(med, to: &out)
        }
        if case .legacy = rule {} else { out.append(bar) }
        if let c = communities { appendBGPDumpCommunities(c.value, to: &out) }
        out.append(bar)
        if atomic { TextWriter.append("AG", to: &out) } else { TextWriter.append("NAG", to: &out) }
        out.append(bar)
        if aggAddr != 0xFFFF_FFFF {
            TextWriter.append(aggASN, to: &out)
            out.append(UInt8(ascii: " "))
            TextWriter.appendIPv4(aggAddr, to: &out)
        }
        out.append(bar)
        out.append(newline)
    }

    /// bgpdump reads fixed-size fields past the end of a short value as zeros.
    static func zeroFilledU32(_ v: ArraySlice<UInt8>) -> UInt32 {
        var x: UInt32 = 0
        var i = v.startIndex
        for _ in 0..<4 {
            x = x << 8 | (i < v.endIndex ? UInt32(v[i]) : 0)
            i += 1
        }
        return x
    }

    static func zeroFilledIPv6(_ v: ArraySlice<UInt8>) -> IPv6Address {
        var hi: UInt64 = 0
        var lo: UInt64 = 0
        var i = v.startIndex
        for k in 0..<16 {
            let b = UInt64(i < v.endIndex ? v[i] : 0)
            if k < 8 { hi = hi << 8 | b } else { lo = lo << 8 | b }
            i += 1
        }
        return IPv6Address(high: hi, low: lo)
    }

    static func zeroFilledAggregator(_ v: ArraySlice<UInt8>, _ width: ASNWidth) -> (UInt32, UInt32) {
        if width == .four { return (zeroFilledU32(v), zeroFilledU32(v.dropFirst(4))) }
        return (zeroFilledU32(v.prefix(2)) >> 16, zeroFilledU32(v.dropFirst(2)))
    }

    /// bgpdump caps the AS path text near 8000 characters, ending it with "...".
    static func appendBGPDumpASPath(_ path: ASPath, to out: inout [UInt8]) {
        let start = out.count
        TextWriter.appendASPath(path, to: &out)
        if out.count - start > 7900 {
            // Reproduce bgpdump's cut: it stops after the first ASN that takes the text past 7900.
            var text: [UInt8] = []
            var cut = false
            outer: for (si, seg) in path.segments.enumerated() {
                if si > 0 { text.append(UInt8(ascii: " ")) }
                switch seg.type {
                case .set: text.append(UInt8(ascii: "{"))
                case .confedSequence: text.append(UInt8(ascii: "("))
                case .confedSet: text.append(UInt8(ascii: "["))
                default: break
                }
                for (i, asn) in seg.asns.enumerated() {
                    if i > 0 { text.append(seg.type.isSet ? UInt8(ascii: ",") : UInt8(ascii: " ")) }
                    TextWriter.append(asn, to: &text)
                    if text.count > 7900 {
                        cut = true
                        break outer
                    }
                }
                switch seg.type {
                case .set: text.append(UInt8(ascii: "}"))
                case .confedSequence: text.append(UInt8(ascii: ")"))
                case .confedSet: text.append(UInt8(ascii: "]"))
                default: break
                }
            }
            out.removeSubrange(start...)
            out.append(contentsOf: text)
            if cut { TextWriter.append("...", to: &out) }
        }
    }

    /// Communities as bgpdump writes them: space-separated `asn:value`, well-known ones by name,
    /// within bgpdump's 8 KiB text buffer.
    static func appendBGPDumpCommunities(_ v: ArraySlice<UInt8>, to out: inout [UInt8]) {
        var text: [UInt8] = []
        var i = v.startIndex
        while i + 4 <= v.endIndex {
            let c = Community(rawValue: zeroFilledU32(v[i..<i + 4]))
            i += 4
            var item: [UInt8] = [UInt8(ascii: " ")]
            switch c {
            case .noExport: TextWriter.append("no-export", to: &item)
            case .noAdvertise: TextWriter.append("no-advertise", to: &item)
            case .noExportSubconfed: TextWriter.append("local-AS", to: &item)
            default:
                TextWriter.append(UInt32(c.asn), to: &item)
                item.append(UInt8(ascii: ":"))
                TextWriter.append(UInt32(c.value), to: &item)
            }
            if text.count + item.count >= 8192 {
                if c == .noExport || c == .noAdvertise || c == .noExportSubconfed { continue }
                text.append(contentsOf: item.prefix(max(0, 8191 - text.count)))
                continue
            }
            text.append(contentsOf: item)
        }
        out.append(contentsOf: text.dropFirst())
    }
}
