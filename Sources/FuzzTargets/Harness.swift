// Shared by every libFuzzer target in Fuzz/ (compiled into each one by scripts/fuzz.sh) and by
// Tests/BGPWireTests/FuzzRegressionTests.swift, which replays Fuzz/corpus and Fuzz/regressions through it.
// Only the public API of BGPWire is used. Decoding may throw; anything else that goes wrong (a trap,
// an out-of-bounds access, a broken invariant checked with `check`) is a finding.
import BGPWire

public enum FuzzHarness {
    /// The targets, by the name used for Fuzz/corpus/<name> and Fuzz/regressions/<name>.
    public static let targets: [(name: String, run: @Sendable ([UInt8]) -> Void)] = [
        ("mrt", { mrt($0) }), ("bgp-message", { bgpMessage($0) }), ("path-attributes", { pathAttributes($0) }),
        ("nlri", { nlri($0) }),
    ]

    /// A trap the fuzzer reports as a crash, in release builds too.
    static func check(_ ok: @autoclosure () -> Bool, _ what: StaticString) {
        if !ok() { fatalError("fuzz invariant broken: \(what)") }
    }

    /// A small fixed PEER_INDEX_TABLE: IPv4/2-byte, IPv6/4-byte and IPv4/4-byte peers, so RIB
    /// records exercise peer lookup (indices 0-2 resolve, larger ones are out of range).
    static let peerTable = PeerIndexTable(
        collectorID: IPv4Address(192, 0, 2, 1), viewName: Array("fuzz".utf8),
        peers: [
            PeerEntry(peerType: 0, bgpID: IPv4Address(10, 0, 0, 1), address: .v4(IPv4Address(10, 0, 0, 1)), asn: 64496),
            PeerEntry(
                peerType: 3, bgpID: IPv4Address(10, 0, 0, 2), address: .v6(IPv6Address(high: 0x2001_0db8 << 32, low: 2)),
                asn: 4_200_000_000),
            PeerEntry(peerType: 2, bgpID: IPv4Address(10, 0, 0, 3), address: .v4(IPv4Address(10, 0, 0, 3)), asn: 65_551),
        ])

    // MARK: Targets

    /// `MRTRecord(decoding:)` on the input, then on any records that follow the first one; each
    /// decoded record goes through the bgpdump formatter (with the fixed peer table in force until
    /// the input brings its own), `elements(peerTable:)` and `warnings`.
    public static func mrt(_ data: [UInt8]) {
        var formatter = BGPDumpFormatter()
        formatter.peerTable = peerTable
        var offset = 0
        var records = 0
        while data.count - offset >= 12 && records < 16 {
            guard let record = try? MRTRecord(decoding: data[offset...], offset: offset) else { return }
            records += 1
            check(record.offset == offset, "record offset")
            exercise(record, &formatter)
            offset += record.header.size + Int(record.header.length)
        }
    }

    /// `BGPMessage(decoding:context:)`. Byte 0: bit 0 = 4-byte ASNs, bit 1 = ADD-PATH, bit 2 = the
    /// harness writes the 19-byte header itself (marker and a consistent length) so that the rest
    /// is `type, body...`. A decoded message is also wrapped into a BGP4MP record and formatted.
    public static func bgpMessage(_ data: [UInt8]) {
        guard let mode = data.first else { return }
        let ctx = MessageContext(asnWidth: mode & 1 != 0 ? .four : .two, addPath: mode & 2 != 0)
        var bytes = Array(data.dropFirst())
        if mode & 4 != 0 {
            guard !bytes.isEmpty, bytes.count + 18 <= 65535 else { return }
            bytes = [UInt8](repeating: 0xFF, count: 16) + u16(bytes.count + 18) + bytes
        }
        guard let msg = try? BGPMessage(decoding: bytes[...], context: ctx, baseOffset: 100) else { return }
        exercise(msg)
        // Re-read exactly the message bytes (the decoder ignores what follows a message).
        guard bytes.count >= 18 else { return check(false, "decoded message shorter than its header") }
        let length = Int(bytes[16]) << 8 | Int(bytes[17])
        check(length >= 19 && length <= bytes.count, "message length")
        let subtype: UInt16 = ctx.addPath ? (ctx.asnWidth == .four ? 9 : 8) : (ctx.asnWidth == .four ? 4 : 1)
        var body: [UInt8] = []
        body += ctx.asnWidth == .four ? u32(64496) + u32(64497) : u16(64496) + u16(64497)
        body += u16(0) + u16(1) + [10, 0, 0, 1, 10, 0, 0, 2]
        body += bytes[..<length]
        formatWrapped(type: 16, subtype: subtype, body: body)
    }

    /// `PathAttributes(decoding:context:)`. Byte 0: bit 0 = 4-byte ASNs, bit 1 = ADD-PATH,
    /// bits 2-4 = RIB family (0 none, 1 IPv4 unicast, 2 IPv6 unicast, 3 IPv4 multicast,
    /// 4 IPv6 multicast, 5 IPv4 unicast+multicast, 6 IPv6 unicast+multicast, 7 AFI 3 unicast).
    /// After every accessor has run, the block is wrapped into the record that would carry it in
    /// that context (BGP4MP UPDATE, TABLE_DUMP_V2 RIB or TABLE_DUMP) and formatted.
    public static func pathAttributes(_ data: [UInt8]) {
        guard let mode = data.first else { return }
        let families: [(AFI, SAFI)?] = [
            nil, (.ipv4, .unicast), (.ipv6, .unicast), (.ipv4, .multicast), (.ipv6, .multicast),
            (.ipv4, .unicastMulticast), (.ipv6, .unicastMulticast), (AFI(rawValue: 3), .unicast),
        ]
        let family = families[Int(mode >> 2) & 7]
        let ctx = AttributeContext(
            asnWidth: mode & 1 != 0 ? .four : .two, addPath: mode & 2 != 0, ribFamily: family.map { (afi: $0.0, safi: $0.1) })
        let raw = data[1...]
        guard let attrs = try? PathAttributes(decoding: raw, context: ctx, baseOffset: 1) else { return }
        exercise(attrs)
        guard raw.count <= 65000 else { return }
        let block = Array(raw)
        if let (afi, safi) = family {
            if ctx.asnWidth == .four && !ctx.addPath && afi.addressBytes != nil {
                // TABLE_DUMP_V2 RIB (or RIB_GENERIC for unicast+multicast): one entry from peer 1.
                let subtype: UInt16
                var body = u32(7)
                if safi == .unicastMulticast {
                    subtype = 6
                    body += u16(Int(afi.rawValue)) + [safi.rawValue]
                } else {
                    subtype = afi == .ipv4 ? (safi == .unicast ? 2 : 3) : (safi == .unicast ? 4 : 5)
                }
                body += afi == .ipv4 ? [24, 192, 0, 2] : [32, 0x20, 0x01, 0x0d, 0xb8]
                body += u16(1) + u16(1) + u32(1_000_000_000) + u16(block.count) + block
                formatWrapped(type: 13, subtype: subtype, body: body)
            } else if ctx.asnWidth == .two && !ctx.addPath && safi == .unicast && afi.addressBytes != nil {
                // TABLE_DUMP (v1): 2-byte ASNs, one route.
                let v6 = afi == .ipv6
                var body = u16(0) + u16(1)
                body += v6 ? [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 12) : [192, 0, 2, 0]
                body += [v6 ? 32 : 24, 1] + u32(1_000_000_000)
                body += v6 ? [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1] : [10, 0, 0, 1]
                body += u16(64496) + u16(block.count) + block
                formatWrapped(type: 12, subtype: v6 ? 2 : 1, body: body)
            }
        } else {
            // BGP4MP UPDATE announcing 192.0.2.0/24 (with a path identifier under ADD-PATH).
            var update = u16(0) + u16(block.count) + block
            update += (ctx.addPath ? u32(42) : []) + [24, 192, 0, 2]
            guard update.count + 19 <= 65535 else { return }
            let msg = [UInt8](repeating: 0xFF, count: 16) + u16(update.count + 19) + [2] + update
            let subtype: UInt16 = ctx.addPath ? (ctx.asnWidth == .four ? 9 : 8) : (ctx.asnWidth == .four ? 4 : 1)
            var body: [UInt8] = ctx.asnWidth == .four ? u32(64496) + u32(64497) : u16(64496) + u16(64497)
            body += u16(0) + u16(1) + [10, 0, 0, 1, 10, 0, 0, 2] + msg
            formatWrapped(type: 16, subtype: subtype, body: body)
        }
    }

    /// `nlriListKeepingValid` and `nlriList`. Byte 0: bits 0-1 = AFI (0 IPv4, 1 IPv6, 2 AFI 3,
    /// 3 IPv4), bit 2 = ADD-PATH. Checks that the two agree and that a fully valid list re-encodes
    /// to exactly the input.
    public static func nlri(_ data: [UInt8]) {
        guard let mode = data.first else { return }
        let afi = [AFI.ipv4, .ipv6, AFI(rawValue: 3), .ipv4][Int(mode & 3)]
        let addPath = mode & 4 != 0
        let bytes = data[1...]
        var r1 = WireReader(bytes, baseOffset: 1)
        let (list, error) = r1.nlriListKeepingValid(afi: afi, addPath: addPath, "fuzz NLRI")
        check(r1.isAtEnd, "nlriListKeepingValid consumes everything")
        var r2 = WireReader(bytes, baseOffset: 1)
        do {
            let strict = try r2.nlriList(afi: afi, addPath: addPath, "fuzz NLRI")
            check(error == nil && strict == list, "nlriList agrees with nlriListKeepingValid")
        } catch let e {
            check(error == e, "nlriList throws the same error")
        }
        var encoded: [UInt8] = []
        for n in list {
            check(n.prefix.afi == afi, "prefix family")
            check(Int(n.prefix.length) <= afi.maxPrefixLength!, "prefix length")
            check((n.pathID != nil) == addPath, "path identifier presence")
            if let id = n.pathID { encoded += u32(Int(id)) }
            encoded += encode(n.prefix)
            _ = n.description
            checkText(n.prefix)
        }
        if error == nil {
            check(encoded == Array(bytes), "valid NLRI list re-encodes to the input")
        } else {
            check(bytes.starts(with: encoded), "kept NLRI re-encode to a prefix of the input")
            _ = error!.description
        }
    }

    // MARK: Exercising decoded values

    static func exercise(_ record: MRTRecord, _ formatter: inout BGPDumpFormatter) {
        _ = record.header.name
        var out: [UInt8] = []
        var problems: [BGPDumpFormatter.Problem] = []
        let before = formatter.peerTable
        formatter.format(record, into: &out, problems: &problems)
        for p in problems { _ = p.description }
        // Formatting is a pure function of the record and the table in force.
        var again = BGPDumpFormatter()
        again.peerTable = before
        var out2: [UInt8] = []
        var problems2: [BGPDumpFormatter.Problem] = []
        again.format(record, into: &out2, problems: &problems2)
        check(out == out2, "formatting is deterministic")
        check(out.isEmpty || out.last == UInt8(ascii: "\n"), "output ends with a newline")
        for w in record.warnings { _ = w.count }
        for table in [nil, peerTable, formatter.peerTable] {
            for e in record.elements(peerTable: table) {
                _ = (e.kind, e.timestamp, e.microseconds, e.peerAddress.description, e.peerASN)
                _ = (e.pathID, e.oldState, e.newState)
                checkText(e.peerAddress)
                if let p = e.prefix { checkText(p) }
                if let nh = e.nextHop { checkText(nh) }
                if let a = e.attributes { exercise(a) }
            }
        }
        switch record.message {
        case .tableDump(let t): exercise(t.attributes)
        case .rib(let rib):
            _ = (rib.isAddPath, rib.prefix.masked.description)
            for e in rib.entries { exercise(e.attributes) }
        case .bgp4mpMessage(let m):
            _ = (m.isAS4, m.isLocal, m.isAddPath, m.peerAddress.description, m.localAddress.description)
            exercise(m.message)
        case .legacyBGP(let l): if let u = l.update { exercise(u) }
        case .peerIndexTable(let t): for p in t.peers { _ = p.address.description }
        case .bgp4mpStateChange, .unsupported: break
        }
    }

    static func exercise(_ msg: BGPMessage) {
        _ = msg.type.description
        switch msg {
        case .open(let o):
            _ = (o.capabilities, o.fourOctetASN)
            for c in o.capabilities { _ = c.code }
        case .update(let u): exercise(u)
        default: break
        }
    }

    static func exercise(_ u: BGPUpdate) {
        for n in u.withdrawn + u.announced { _ = n.description }
        for e in u.nlriProblems { _ = e.description }
        _ = u.endOfRIB.map { "\($0.afi)/\($0.safi)" }
        exercise(u.attributes)
    }

    static func exercise(_ a: PathAttributes) {
        for p in a.problems { _ = p.description }
        var count = 0
        var framed = 0
        var seen = Set<UInt8>()
        a.forEach { raw in
            count += 1
            framed += (raw.flags.contains(.extendedLength) ? 4 : 3) + raw.value.count
            _ = (raw.flags, raw.type.description, raw.offset)
            let value = a.decodeValue(raw)
            let t = raw.type.rawValue
            guard seen.insert(t).inserted, isKnown(t) else { return }
            // The first attribute of a known type is usable exactly when it decodes.
            let malformed = if case .malformed = value { true } else { false }
            check(a.has(raw.type) == !malformed, "has(type) agrees with decodeValue")
            if malformed { check(a.problems.contains { $0.type == raw.type }, "a malformed attribute is a problem") }
        }
        check(framed == a.raw.count, "forEach frames the whole block")
        let all = a.attributes
        check(all.count == count, "attributes and forEach agree")
        check((a.asPath != nil) == a.has(.asPath), "asPath decodes exactly when validated")
        check((a.as4Path != nil) == a.has(.as4Path), "as4Path decodes exactly when validated")
        check((a.mpReach != nil) == a.has(.mpReachNLRI), "mpReach decodes exactly when validated")
        check((a.mpUnreach != nil) == a.has(.mpUnreachNLRI), "mpUnreach decodes exactly when validated")
        if let raw = a.first(.asPath), let path = a.asPath {
            var text: [UInt8] = []
            TextWriter.appendASPath(raw: raw.value, width: a.context.asnWidth, to: &text)
            check(String(decoding: text, as: UTF8.self) == path.description, "AS path text from raw bytes")
        }
        for path in [a.asPath, a.as4Path, a.effectiveASPath] {
            if let p = path { check(p.description == referenceText(p), "AS path text") }
        }
        for v in [a.multiExitDisc, a.localPref] { if let v { checkNumber(UInt64(v)) } }
        if let r = a.mpReach { for nh in r.nextHops { checkText(nh) } }
        _ = (a.origin?.description, a.nextHop, a.multiExitDisc, a.localPref, a.atomicAggregate, a.originatorID)
        for path in [a.asPath, a.as4Path, a.effectiveASPath] {
            if let p = path { _ = (p.description, p.hopCount, p.origin, p.firstASN) }
        }
        if let p = a.asPath, let p4 = a.as4Path { _ = p.merged(withAS4Path: p4).description }
        _ = (a.aggregator, a.as4Aggregator, a.effectiveAggregator)
        _ = (a.communities?.map(\.description), a.clusterList, a.extendedCommunities, a.largeCommunities?.map(\.description))
        if let r = a.mpReach {
            _ = (r.nextHops, r.nlri.map(\.description), r.opaqueNLRI.count)
        }
        if let u = a.mpUnreach { _ = u.withdrawn.map(\.description) }
        for t in 0...255 {
            let type = AttributeType(rawValue: UInt8(t))
            if a.has(type) { check(a.first(type) != nil, "has(type) implies first(type)") }
        }
    }

    // MARK: Text oracles

    static func isKnown(_ t: UInt8) -> Bool { (1...10).contains(t) || (14...18).contains(t) || t == 32 }

    /// Decimal digits as the standard library writes them.
    static func checkNumber(_ v: UInt64) {
        var out: [UInt8] = []
        TextWriter.append(v, to: &out)
        check(String(decoding: out, as: UTF8.self) == String(v), "decimal text")
    }

    /// Address text parses back to the same address (IPv4 also against a plain rendering).
    static func checkText(_ a: IPAddress) {
        let text = a.description
        check(IPAddress(text) == a, "address text parses back")
        if case .v4(let v) = a {
            let x = v.value
            check(text == "\(x >> 24).\(x >> 16 & 255).\(x >> 8 & 255).\(x & 255)", "IPv4 text")
        }
    }

    /// Prefix text (bits past the length cleared) parses back to the same prefix.
    static func checkText(_ p: IPPrefix) {
        let m = p.masked
        check(m.masked == m, "masking is idempotent")
        checkText(m.address)
        check(IPPrefix(m.description) == m, "prefix text parses back")
    }

    /// bgpdump AS path notation built with string interpolation.
    static func referenceText(_ p: ASPath) -> String {
        p.segments.map { seg in
            let asns = seg.asns.map { String($0) }
            switch seg.type {
            case .set: return "{" + asns.joined(separator: ",") + "}"
            case .confedSequence: return "(" + asns.joined(separator: " ") + ")"
            case .confedSet: return "[" + asns.joined(separator: ",") + "]"
            default: return asns.joined(separator: " ")
            }
        }.joined(separator: " ")
    }

    // MARK: Helpers

    /// Builds an MRT record around `body`, decodes it and formats it with the fixed peer table.
    static func formatWrapped(type: UInt16, subtype: UInt16, body: [UInt8]) {
        let bytes = u32(1_000_000_000) + u16(Int(type)) + u16(Int(subtype)) + u32(body.count) + body
        guard let record = try? MRTRecord(decoding: bytes[...]) else { return }
        var formatter = BGPDumpFormatter()
        formatter.peerTable = peerTable
        exercise(record, &formatter)
    }

    static func encode(_ p: IPPrefix) -> [UInt8] {
        let n = (Int(p.length) + 7) / 8
        let addr: [UInt8]
        switch p.address {
        case .v4(let a): addr = u32(Int(a.value))
        case .v6(let a): addr = u64(a.high) + u64(a.low)
        }
        return [p.length] + addr.prefix(n)
    }

    static func u16(_ v: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)] }
    static func u32(_ v: Int) -> [UInt8] { u16(v >> 16) + u16(v) }
    static func u64(_ v: UInt64) -> [UInt8] { u32(Int(truncatingIfNeeded: v >> 32)) + u32(Int(truncatingIfNeeded: v)) }
}
