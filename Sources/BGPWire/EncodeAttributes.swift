// Path attribute encoders: the inverse of PathAttributes' decoding (RFC 4271 §4.3, 4760, 6793, 1997,
// 4360, 4456, 8092).

extension ASPath {
    /// Segments of `width`-byte ASNs. A sequence longer than 255 ASNs is split into several segments
    /// (RFC 4271 §5.1.2); a longer set has no encoding.
    public func encode(into w: inout WireWriter, width: ASNWidth) {
        for seg in segments {
            precondition(seg.asns.count <= 255 || !seg.type.isSet, "AS_PATH: set of \(seg.asns.count) ASNs")
            var rest = seg.asns[...]
            repeat {
                let chunk = rest.prefix(255)
                rest = rest.dropFirst(chunk.count)
                w.u8(seg.type.rawValue)
                w.u8(UInt8(chunk.count))
                for asn in chunk { w.asn(asn, width: width) }
            } while !rest.isEmpty
        }
    }
}

extension MPReach {
    /// The attribute value. The abbreviated (RIB entry) form is the next-hop length and next hop only.
    public func encode(into w: inout WireWriter, addPath: Bool) {
        if !isAbbreviated {
            w.u16(afi.rawValue)
            w.u8(safi.rawValue)
        }
        w.lengthPrefixed(.u8, "MP_REACH next-hop length") { $0.append(nextHopBytes) }
        guard !isAbbreviated else { return }
        w.append(snpa.isEmpty ? [0] : snpa)
        w.nlriList(nlri, addPath: addPath)
        w.append(opaqueNLRI)
    }
}

extension MPUnreach {
    public func encode(into w: inout WireWriter, addPath: Bool) {
        w.u16(afi.rawValue)
        w.u8(safi.rawValue)
        w.nlriList(withdrawn, addPath: addPath)
        w.append(opaqueNLRI)
    }
}

extension PathAttributeValue {
    /// The value bytes (no flags, type or length). AS_PATH and AGGREGATOR take their ASN width from
    /// `context`; AS4_PATH and AS4_AGGREGATOR are always 4-byte.
    public func encode(into w: inout WireWriter, context: AttributeContext) {
        switch self {
        case .origin(let o): w.u8(o.rawValue)
        case .asPath(let p): p.encode(into: &w, width: context.asnWidth)
        case .as4Path(let p): p.encode(into: &w, width: .four)
        case .nextHop(let a), .originatorID(let a): w.ipv4(a)
        case .multiExitDisc(let v), .localPref(let v): w.u32(v)
        case .atomicAggregate: break
        case .aggregator(let a):
            w.asn(a.asn, width: context.asnWidth)
            w.ipv4(a.address)
        case .as4Aggregator(let a):
            w.u32(a.asn)
            w.ipv4(a.address)
        case .communities(let list): for c in list { w.u32(c.rawValue) }
        case .clusterList(let list): for a in list { w.ipv4(a) }
        case .mpReach(let m): m.encode(into: &w, addPath: context.addPath)
        case .mpUnreach(let m): m.encode(into: &w, addPath: context.addPath)
        case .extendedCommunities(let list): for c in list { w.u64(c) }
        case .largeCommunities(let list):
            for c in list {
                w.u32(c.globalAdmin)
                w.u32(c.local1)
                w.u32(c.local2)
            }
        case .unknown(let raw), .malformed(let raw): w.append(raw)
        }
    }

    /// The type code and flags the defining RFC gives this kind of value; nil for `.unknown` and
    /// `.malformed`, which do not say their type.
    public var standardTypeAndFlags: (type: AttributeType, flags: AttributeFlags)? {
        let wellKnown: AttributeFlags = .transitive
        let optional: AttributeFlags = .optional
        let optionalTransitive: AttributeFlags = [.optional, .transitive]
        switch self {
        case .origin: return (.origin, wellKnown)
        case .asPath: return (.asPath, wellKnown)
        case .nextHop: return (.nextHop, wellKnown)
        case .multiExitDisc: return (.multiExitDisc, optional)
        case .localPref: return (.localPref, wellKnown)
        case .atomicAggregate: return (.atomicAggregate, wellKnown)
        case .aggregator: return (.aggregator, optionalTransitive)
        case .communities: return (.communities, optionalTransitive)
        case .originatorID: return (.originatorID, optional)
        case .clusterList: return (.clusterList, optional)
        case .mpReach: return (.mpReachNLRI, optional)
        case .mpUnreach: return (.mpUnreachNLRI, optional)
        case .extendedCommunities: return (.extendedCommunities, optionalTransitive)
        case .as4Path: return (.as4Path, optionalTransitive)
        case .as4Aggregator: return (.as4Aggregator, optionalTransitive)
        case .largeCommunities: return (.largeCommunities, optionalTransitive)
        case .unknown, .malformed: return nil
        }
    }
}

extension PathAttribute {
    /// An attribute with the standard type code and flags for `value` (see
    /// ``PathAttributeValue/standardTypeAndFlags``); nil for `.unknown` and `.malformed`.
    public init?(_ value: PathAttributeValue) {
        guard let (type, flags) = value.standardTypeAndFlags else { return nil }
        self.init(flags: flags, type: type, value: value)
    }

    /// Flags, type, length and value. The length takes 2 bytes when the flags ask for it or when the
    /// value is longer than 255 bytes (then the extended-length flag is set).
    public func encode(into w: inout WireWriter, context: AttributeContext) {
        let start = w.count
        let extended = flags.contains(.extendedLength)
        w.u8(flags.rawValue)
        w.u8(type.rawValue)
        w.append(repeatElement(0, count: extended ? 2 : 1))
        let valueStart = w.count
        value.encode(into: &w, context: context)
        let n = w.count - valueStart
        precondition(n <= 0xFFFF, "\(type): \(n)-byte value exceeds the 2-byte attribute length")
        if extended {
            w.bytes[valueStart - 2] = UInt8(n >> 8)
            w.bytes[valueStart - 1] = UInt8(n & 0xFF)
        } else if n <= 255 {
            w.bytes[valueStart - 1] = UInt8(n)
        } else {
            w.bytes[start] |= AttributeFlags.extendedLength.rawValue
            w.bytes[valueStart - 1] = UInt8(n >> 8)
            w.bytes.insert(UInt8(n & 0xFF), at: valueStart)
        }
    }

    public func encode(context: AttributeContext) -> [UInt8] {
        var w = WireWriter()
        encode(into: &w, context: context)
        return w.bytes
    }
}

extension PathAttributes {
    /// The attributes framed one after another, in the given order.
    public static func encode(_ attributes: [PathAttribute], context: AttributeContext) -> [UInt8] {
        var w = WireWriter()
        encode(attributes, context: context, into: &w)
        return w.bytes
    }

    public static func encode(_ attributes: [PathAttribute], context: AttributeContext, into w: inout WireWriter) {
        for a in attributes { a.encode(into: &w, context: context) }
    }

    /// Encodes `attributes` and decodes the result, giving the view that messages and RIB entries hold.
    public init(encoding attributes: [PathAttribute], context: AttributeContext) {
        // The encoder always frames correctly, so decoding cannot throw.
        try! self.init(decoding: Self.encode(attributes, context: context)[...], context: context)
    }

    /// Writes the block for use under `context`: the stored bytes when they were made for the same
    /// ASN width and ADD-PATH setting, otherwise the decoded attributes re-encoded for `context`.
    public func encode(into w: inout WireWriter, context target: AttributeContext) {
        if target.asnWidth == context.asnWidth && target.addPath == context.addPath {
            w.append(raw)
        } else {
            Self.encode(attributes, context: target, into: &w)
        }
    }
}
