/// How to read a block of path attributes: fixed by the MRT subtype or the session, never guessed.
public struct AttributeContext: Hashable, Sendable {
    /// Width of ASNs in AS_PATH and AGGREGATOR (2 for BGP4MP_MESSAGE and TABLE_DUMP, 4 for the *_AS4
    /// subtypes and TABLE_DUMP_V2, RFC 6396 §4.3.4).
    public var asnWidth: ASNWidth
    /// NLRI inside MP_REACH/MP_UNREACH carry ADD-PATH identifiers (RFC 7911, RFC 8050 subtypes).
    public var addPath: Bool
    /// Set for TABLE_DUMP_V2 RIB entries, whose MP_REACH_NLRI may be abbreviated to the next hop
    /// (RFC 6396 §4.3.4); holds the AFI/SAFI of the RIB record.
    public var ribFamily: (afi: AFI, safi: SAFI)?

    public init(asnWidth: ASNWidth, addPath: Bool = false, ribFamily: (afi: AFI, safi: SAFI)? = nil) {
        self.asnWidth = asnWidth
        self.addPath = addPath
        self.ribFamily = ribFamily
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.asnWidth == b.asnWidth && a.addPath == b.addPath && a.ribFamily?.afi == b.ribFamily?.afi
            && a.ribFamily?.safi == b.ribFamily?.safi
    }
    public func hash(into h: inout Hasher) {
        h.combine(asnWidth)
        h.combine(addPath)
        h.combine(ribFamily?.afi)
        h.combine(ribFamily?.safi)
    }
}

/// One attribute as framed on the wire, its value sharing storage with the record.
public struct RawAttribute: Sendable {
    public var flags: AttributeFlags
    public var type: AttributeType
    public var value: ArraySlice<UInt8>
    /// File offset of the attribute's flags octet.
    public var offset: Int
}

/// A validated block of path attributes, read through cheap views.
///
/// Construction walks every attribute once: framing errors (an attribute running past the block)
/// throw, so the record is skipped; a known attribute whose value is malformed is recorded in
/// ``problems`` with its RFC 7606 action and reads as absent. Typed accessors then decode on demand
/// and cannot fail. Duplicate attributes after the first are reported and ignored (RFC 7606 §3.g).
public struct PathAttributes: Sendable {
    public let raw: ArraySlice<UInt8>
    public let context: AttributeContext
    public let baseOffset: Int
    /// Bit t set when the first attribute of type t (< 64) is present and well formed.
    public private(set) var present: UInt64 = 0
    public private(set) var problems: [AttributeProblem] = []

    public init(decoding raw: ArraySlice<UInt8>, context: AttributeContext, baseOffset: Int = 0) throws(WireError) {
        self.raw = raw
        self.context = context
        self.baseOffset = baseOffset
        // The hot path of every archive read: walk by index over `raw` (no sub-slices, no reference
        // counting), with the same checks as `next(_:)` and the typed decoders.
        var seen: UInt64 = 0
        var i = raw.startIndex
        let end = raw.endIndex
        while i < end {
            let offset = baseOffset + (i - raw.startIndex)
            guard end - i >= 3 else {
                throw WireError(.truncated, field: "attribute header", offset: offset, needed: 3, available: end - i)
            }
            let flags = raw[i]
            let type = AttributeType(rawValue: raw[i + 1])
            var header = 3
            var length = Int(raw[i + 2])
            if flags & AttributeFlags.extendedLength.rawValue != 0 {
                guard end - i >= 4 else {
                    throw WireError(.truncated, field: "attribute length", offset: offset + 2, needed: 2, available: end - i - 2)
                }
                length = length << 8 | Int(raw[i + 3])
                header = 4
            }
            let valueStart = i + header
            guard end - valueStart >= length else {
                throw WireError(.truncated, field: "attribute value", offset: offset + header, needed: length, available: end - valueStart)
            }
            i = valueStart + length
            let bit: UInt64 = type.rawValue < 64 ? 1 << UInt64(type.rawValue) : 0
            if seen & bit != 0 {
                if Self.isKnown(type) {
                    problems.append(
                        AttributeProblem(
                            type: type,
                            error: WireError(.invalid, field: "duplicate attribute", offset: offset, detail: "\(type)"),
                            action: type == .mpReachNLRI || type == .mpUnreachNLRI ? .sessionReset : .attributeDiscard))
                }
                continue
            }
            seen |= bit
            do {
                try Self.validate(type, flags: flags, raw, valueStart, length, offset: offset, context)
                present |= bit
            } catch {
                problems.append(AttributeProblem(type: type, error: error, action: .forMalformed(type)))
                // An MP_(UN)REACH whose header is sound but whose NLRI list is damaged keeps the
                // prefixes before the damage, as the plain NLRI field does.
                if Self.isDamagedMPNLRI(type, error) { present |= bit }
            }
        }
    }

    /// Reads one attribute header and value (RFC 4271 §4.3: flags, type, 1- or 2-byte length).
    @inline(__always)
    static func next(_ r: inout WireReader) throws(WireError) -> RawAttribute {
        let offset = r.fileOffset
        let flags = AttributeFlags(rawValue: try r.u8("attribute flags"))
        let type = AttributeType(rawValue: try r.u8("attribute type"))
        let length = flags.contains(.extendedLength) ? Int(try r.u16("attribute length")) : Int(try r.u8("attribute length"))
        let value = try r.slice(length, "attribute value")
        return RawAttribute(flags: flags, type: type, value: value, offset: offset)
    }

    /// An MP_(UN)REACH_NLRI whose header is sound but whose prefix list is damaged.
    static func isDamagedMPNLRI(_ type: AttributeType, _ error: WireError) -> Bool {
        (type == .mpReachNLRI || type == .mpUnreachNLRI) && error.field.hasSuffix(" NLRI")
    }

    static func isKnown(_ t: AttributeType) -> Bool {
        switch t.rawValue {
        case 1...10, 14...18, 32: true
        default: false
        }
    }

    /// The structural checks behind every typed accessor, on the value at `raw[start..<start+n]`.
    static func validate(
        _ type: AttributeType, flags: UInt8, _ raw: ArraySlice<UInt8>, _ start: Int, _ n: Int, offset: Int,
        _ ctx: AttributeContext
    ) throws(WireError) {
        func length(_ ok: Bool) throws(WireError) {
            if !ok { throw WireError(.invalid, field: "attribute length", offset: offset, detail: "\(type) with \(n) bytes") }
        }
        let valueOffset = offset + (flags & AttributeFlags.extendedLength.rawValue != 0 ? 4 : 3)
        switch type {
        case .origin: try length(n == 1)
        case .asPath: try ASPath.validate(raw, start, n, width: ctx.asnWidth, baseOffset: valueOffset)
        case .as4Path: try ASPath.validate(raw, start, n, width: .four, baseOffset: valueOffset)
        case .nextHop, .multiExitDisc, .localPref, .originatorID: try length(n == 4)
        case .atomicAggregate: try length(n == 0)
        case .aggregator: try length(n == 2 + ctx.asnWidth.rawValue + 2)
        case .as4Aggregator: try length(n == 8)
        case .communities, .clusterList: try length(n % 4 == 0)
        case .extendedCommunities: try length(n % 8 == 0)
        case .largeCommunities: try length(n % 12 == 0)
        case .mpReachNLRI, .mpUnreachNLRI:
            let a = RawAttribute(flags: AttributeFlags(rawValue: flags), type: type, value: raw[start..<start + n], offset: offset)
            if type == .mpReachNLRI { _ = try decodeMPReach(a, ctx, build: false) } else { _ = try decodeMPUnreach(a, ctx, build: false) }
        default: break
        }
    }

    static func validate(_ a: RawAttribute, _ ctx: AttributeContext) throws(WireError) {
        try validate(a.type, flags: a.flags.rawValue, a.value, a.value.startIndex, a.value.count, offset: a.offset, ctx)
    }

    // MARK: Access

    /// Calls `body` for every attribute in wire order, duplicates and malformed ones included.
    public func forEach(_ body: (RawAttribute) throws -> Void) rethrows {
        var r = WireReader(raw, baseOffset: baseOffset)
        while !r.isAtEnd {
            guard let a = try? Self.next(&r) else { return }  // validated in init
            try body(a)
        }
    }

    @inline(__always)
    public func has(_ type: AttributeType) -> Bool { type.rawValue < 64 && present & (1 << UInt64(type.rawValue)) != 0 }

    /// The first well-formed attribute of `type`.
    public func first(_ type: AttributeType) -> RawAttribute? {
        guard has(type) else { return nil }
        var r = WireReader(raw, baseOffset: baseOffset)
        while !r.isAtEnd {
            guard let a = try? Self.next(&r) else { return nil }
            if a.type == type { return a }
        }
        return nil
    }

    private func u32(_ type: AttributeType) -> UInt32? {
        guard let a = first(type) else { return nil }
        var r = WireReader(a.value)
        return try? r.u32("value")
    }

    public var origin: Origin? { first(.origin).map { Origin(rawValue: $0.value.first!) } }
    public var nextHop: IPv4Address? { u32(.nextHop).map(IPv4Address.init) }
    public var multiExitDisc: UInt32? { u32(.multiExitDisc) }
    public var localPref: UInt32? { u32(.localPref) }
    public var atomicAggregate: Bool { has(.atomicAggregate) }
    public var originatorID: IPv4Address? { u32(.originatorID).map(IPv4Address.init) }

    public var asPath: ASPath? {
        first(.asPath).flatMap { try? ASPath(decoding: $0.value, width: context.asnWidth, baseOffset: $0.offset) }
    }
    public var as4Path: ASPath? {
        first(.as4Path).flatMap { try? ASPath(decoding: $0.value, width: .four, baseOffset: $0.offset) }
    }
    public var aggregator: Aggregator? { first(.aggregator).map { Self.aggregator($0.value, context.asnWidth) } }
    public var as4Aggregator: Aggregator? { first(.as4Aggregator).map { Self.aggregator($0.value, .four) } }

    static func aggregator(_ v: ArraySlice<UInt8>, _ width: ASNWidth) -> Aggregator {
        var r = WireReader(v)
        let asn = (try? r.asn(width: width, "aggregator AS")) ?? 0
        return Aggregator(asn: asn, address: (try? r.ipv4("aggregator address")) ?? IPv4Address(0))
    }

    /// The AS path with 4-byte ASNs restored from AS4_PATH when the context is 2-byte (RFC 6793 §4.2.3).
    public var effectiveASPath: ASPath? {
        guard let path = asPath else { return nil }
        guard context.asnWidth == .two, let as4 = as4Path else { return path }
        return path.merged(withAS4Path: as4)
    }

    /// The aggregator with a 4-byte ASN restored from AS4_AGGREGATOR when AGGREGATOR holds AS_TRANS.
    public var effectiveAggregator: Aggregator? {
        guard let agg = aggregator else { return nil }
        if context.asnWidth == .two, agg.asn == 23456, let a4 = as4Aggregator { return a4 }
        return agg
    }

    public var communities: [Community]? {
        first(.communities).map { a in Self.words(a.value).map(Community.init(rawValue:)) }
    }
    public var clusterList: [IPv4Address]? {
        first(.clusterList).map { a in Self.words(a.value).map(IPv4Address.init) }
    }
    public var extendedCommunities: [UInt64]? {
        first(.extendedCommunities).map { a in
            var r = WireReader(a.value)
            return (0..<a.value.count / 8).map { _ in (try? r.u64("extended community")) ?? 0 }
        }
    }
    public var largeCommunities: [LargeCommunity]? {
        first(.largeCommunities).map { a in
            let w = Self.words(a.value)
            return stride(from: 0, to: w.count - 2, by: 3).map { LargeCommunity(w[$0], w[$0 + 1], w[$0 + 2]) }
        }
    }

    static func words(_ v: ArraySlice<UInt8>) -> [UInt32] {
        var r = WireReader(v)
        return (0..<v.count / 4).map { _ in (try? r.u32("value")) ?? 0 }
    }

    public var mpReach: MPReach? { first(.mpReachNLRI).flatMap { try? Self.decodeMPReach($0, context, build: true) } }
    public var mpUnreach: MPUnreach? {
        first(.mpUnreachNLRI).flatMap { try? Self.decodeMPUnreach($0, context, build: true) }
    }

    /// Every attribute fully decoded, in wire order (duplicates included; malformed ones as `.malformed`).
    public var attributes: [PathAttribute] {
        var out: [PathAttribute] = []
        forEach { a in out.append(PathAttribute(flags: a.flags, type: a.type, value: decodeValue(a))) }
        return out
    }

    public func decodeValue(_ a: RawAttribute) -> PathAttributeValue {
        guard Self.isKnown(a.type) else { return .unknown(Array(a.value)) }
        do {
            try Self.validate(a, context)
        } catch {
            guard Self.isDamagedMPNLRI(a.type, error) else { return .malformed(Array(a.value)) }
        }
        switch a.type {
        case .origin: return .origin(Origin(rawValue: a.value.first!))
        case .asPath: return .asPath(try! ASPath(decoding: a.value, width: context.asnWidth))
        case .as4Path: return .as4Path(try! ASPath(decoding: a.value, width: .four))
        case .nextHop: return .nextHop(IPv4Address(Self.words(a.value)[0]))
        case .multiExitDisc: return .multiExitDisc(Self.words(a.value)[0])
        case .localPref: return .localPref(Self.words(a.value)[0])
        case .atomicAggregate: return .atomicAggregate
        case .aggregator: return .aggregator(Self.aggregator(a.value, context.asnWidth))
        case .as4Aggregator: return .as4Aggregator(Self.aggregator(a.value, .four))
        case .communities: return .communities(Self.words(a.value).map(Community.init(rawValue:)))
        case .originatorID: return .originatorID(IPv4Address(Self.words(a.value)[0]))
        case .clusterList: return .clusterList(Self.words(a.value).map(IPv4Address.init))
        case .mpReachNLRI: return .mpReach(try! Self.decodeMPReach(a, context, build: true)!)
        case .mpUnreachNLRI: return .mpUnreach(try! Self.decodeMPUnreach(a, context, build: true)!)
        case .extendedCommunities:
            var r = WireReader(a.value)
            return .extendedCommunities((0..<a.value.count / 8).map { _ in try! r.u64("ext") })
        case .largeCommunities:
            let w = Self.words(a.value)
            return .largeCommunities(stride(from: 0, to: w.count, by: 3).map { LargeCommunity(w[$0], w[$0 + 1], w[$0 + 2]) })
        default: return .unknown(Array(a.value))
        }
    }

    // MARK: MP_REACH / MP_UNREACH

    /// Decodes (or, with `build` false, only checks) MP_REACH_NLRI.
    static func decodeMPReach(_ a: RawAttribute, _ ctx: AttributeContext, build: Bool) throws(WireError) -> MPReach? {
        var r = WireReader(a.value, baseOffset: a.offset + (a.flags.contains(.extendedLength) ? 4 : 3))
        // RFC 6396 §4.3.4: in RIB entries only the next-hop length and next hop are kept. Like bgpdump,
        // tell the forms apart by the first byte: a full attribute starts with the AFI's zero high byte.
        if let fam = ctx.ribFamily, let first = a.value.first, first != 0 {
            let len = Int(try r.u8("MP_REACH next-hop length"))
            let nh = try r.slice(len, "MP_REACH next hop")
            try r.expectEnd("abbreviated MP_REACH")
            return build ? MPReach(afi: fam.afi, safi: fam.safi, nextHopBytes: Array(nh), snpa: [], nlri: [], isAbbreviated: true) : nil
        }
        let afi = AFI(rawValue: try r.u16("MP_REACH AFI"))
        let safi = SAFI(rawValue: try r.u8("MP_REACH SAFI"))
        let nhLen = Int(try r.u8("MP_REACH next-hop length"))
        let nh = try r.slice(nhLen, "MP_REACH next hop")
        let snpaStart = r.index
        let snpaCount = try r.u8("MP_REACH reserved/SNPA count")
        for _ in 0..<snpaCount {
            let semiOctets = Int(try r.u8("SNPA length"))
            try r.skip((semiOctets + 1) / 2, "SNPA")
        }
        let snpa = a.value[snpaStart..<r.index]
        guard afi.addressBytes != nil, (1...3).contains(safi.rawValue) else {
            // A family this codec does not interpret: keep the NLRI bytes unparsed.
            let opaque = r.rest()
            return build
                ? MPReach(afi: afi, safi: safi, nextHopBytes: Array(nh), snpa: Array(snpa), nlri: [], opaqueNLRI: Array(opaque))
                : nil
        }
        let (nlri, error) = r.nlriListKeepingValid(afi: afi, addPath: ctx.addPath, "MP_REACH NLRI")
        if !build, let error { throw error }
        return build ? MPReach(afi: afi, safi: safi, nextHopBytes: Array(nh), snpa: Array(snpa), nlri: nlri) : nil
    }

    static func decodeMPUnreach(_ a: RawAttribute, _ ctx: AttributeContext, build: Bool) throws(WireError) -> MPUnreach? {
        var r = WireReader(a.value, baseOffset: a.offset + (a.flags.contains(.extendedLength) ? 4 : 3))
        let afi = AFI(rawValue: try r.u16("MP_UNREACH AFI"))
        let safi = SAFI(rawValue: try r.u8("MP_UNREACH SAFI"))
        guard afi.addressBytes != nil, (1...3).contains(safi.rawValue) else {
            let opaque = r.rest()
            return build ? MPUnreach(afi: afi, safi: safi, withdrawn: [], opaqueNLRI: Array(opaque)) : nil
        }
        let (nlri, error) = r.nlriListKeepingValid(afi: afi, addPath: ctx.addPath, "MP_UNREACH NLRI")
        if !build, let error { throw error }
        return build ? MPUnreach(afi: afi, safi: safi, withdrawn: nlri) : nil
    }
}
