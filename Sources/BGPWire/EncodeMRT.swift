// MRT encoders (RFC 6396, RFC 8050): the header, every body the decoder produces, and whole records.

extension MRTHeader {
    /// Timestamp, type, subtype, length, and for ET types the microseconds (counted in the length
    /// field, so the field holds `length + 4`).
    public func encode(into w: inout WireWriter) {
        w.u32(timestamp)
        w.u16(type.rawValue)
        w.u16(subtype)
        if type.hasExtendedTimestamp {
            w.u32(length + 4)
            w.u32(microseconds ?? 0)
        } else {
            w.u32(length)
        }
    }
}

extension TableDumpEntry {
    /// An entry whose attributes are encoded from `attributes` (2-byte ASNs).
    public init(
        viewNumber: UInt16 = 0, sequence: UInt16, prefix: IPPrefix, status: UInt8 = 1, originatedTime: UInt32,
        peerAddress: IPAddress, peerAS: UInt16, attributes: [PathAttribute]
    ) {
        self.viewNumber = viewNumber
        self.sequence = sequence
        self.prefix = prefix
        self.status = status
        self.originatedTime = originatedTime
        self.peerAddress = peerAddress
        self.peerAS = peerAS
        self.attributes = PathAttributes(
            encoding: attributes, context: AttributeContext(asnWidth: .two, ribFamily: (prefix.afi, .unicast)))
    }

    /// RFC 6396 §4.2; the record's subtype is the prefix's AFI.
    public func encode(into w: inout WireWriter) {
        w.u16(viewNumber)
        w.u16(sequence)
        w.ip(prefix.address)
        w.u8(prefix.length)
        w.u8(status)
        w.u32(originatedTime)
        w.ip(peerAddress)
        w.u16(peerAS)
        w.lengthPrefixed(.u16, "TABLE_DUMP attribute length") {
            attributes.encode(into: &$0, context: AttributeContext(asnWidth: .two))
        }
    }
}

extension PeerIndexTable {
    /// RFC 6396 §4.3.1. Each peer's type bits 0 (IPv6) and 1 (4-byte ASN) are set from its address
    /// and ASN (bit 1 is kept when already set, so 2-byte ASNs may still be written in 4 bytes).
    public func encode(into w: inout WireWriter) {
        w.ipv4(collectorID)
        w.lengthPrefixed(.u16, "view name length") { $0.append(viewName) }
        precondition(peers.count <= 0xFFFF, "PEER_INDEX_TABLE: \(peers.count) peers")
        w.u16(UInt16(peers.count))
        for p in peers {
            var type = p.peerType & ~1
            if case .v6 = p.address { type |= 1 }
            if p.asn > 0xFFFF { type |= 2 }
            w.u8(type)
            w.ipv4(p.bgpID)
            w.ip(p.address)
            w.asn(p.asn, width: type & 2 != 0 ? .four : .two)
        }
    }
}

extension RIBEntry {
    /// An entry whose attributes are encoded from `attributes` for a RIB record of `family`.
    public init(
        peerIndex: UInt16, originatedTime: UInt32, pathID: UInt32? = nil, attributes: [PathAttribute],
        family: (afi: AFI, safi: SAFI)
    ) {
        self.peerIndex = peerIndex
        self.originatedTime = originatedTime
        self.pathID = pathID
        self.attributes = PathAttributes(
            encoding: attributes, context: AttributeContext(asnWidth: .four, addPath: false, ribFamily: family))
    }
}

extension RIBRecord {
    /// A record whose subtype follows from the prefix's family, `safi` and `addPath`: RIB_IPV4/IPV6_UNICAST
    /// or _MULTICAST (with _ADDPATH), or RIB_GENERIC(_ADDPATH) for other SAFIs or when `generic` is set.
    public init(
        sequence: UInt32, prefix: IPPrefix, safi: SAFI = .unicast, entries: [RIBEntry], addPath: Bool = false,
        generic: Bool = false
    ) {
        typealias S = TableDumpV2Subtype
        var base = S.ribGeneric
        if !generic && (safi == .unicast || safi == .multicast) {
            base =
                prefix.afi == .ipv4
                ? (safi == .unicast ? S.ribIPv4Unicast : S.ribIPv4Multicast)
                : (safi == .unicast ? S.ribIPv6Unicast : S.ribIPv6Multicast)
        }
        self.subtype = addPath ? base + 6 : base
        self.sequence = sequence
        self.afi = prefix.afi
        self.safi = safi
        self.prefix = prefix
        self.entries = entries
    }

    /// The context RIB entry attributes are read with (4-byte ASNs, RFC 6396 §4.3.4).
    public var attributeContext: AttributeContext {
        AttributeContext(asnWidth: .four, addPath: false, ribFamily: (afi, safi))
    }

    /// RFC 6396 §4.3.2–4.3.3, RFC 8050 §4 (a path identifier per entry for the ADD-PATH subtypes).
    public func encode(into w: inout WireWriter) {
        w.u32(sequence)
        let base = isAddPath ? subtype - 6 : subtype
        if base == TableDumpV2Subtype.ribGeneric {
            w.u16(afi.rawValue)
            w.u8(safi.rawValue)
        }
        w.prefix(prefix)
        precondition(entries.count <= 0xFFFF, "RIB record: \(entries.count) entries")
        w.u16(UInt16(entries.count))
        let ctx = attributeContext
        for e in entries {
            w.u16(e.peerIndex)
            w.u32(e.originatedTime)
            if isAddPath { w.u32(e.pathID ?? 0) }
            w.lengthPrefixed(.u16, "RIB entry attribute length") { e.attributes.encode(into: &$0, context: ctx) }
        }
    }
}

extension BGP4MPStateChange {
    /// RFC 6396 §4.4.1 (STATE_CHANGE) and §4.4.5 (STATE_CHANGE_AS4, when `isAS4`).
    public func encode(into w: inout WireWriter) {
        let width: ASNWidth = isAS4 ? .four : .two
        w.asn(peerAS, width: width)
        w.asn(localAS, width: width)
        w.u16(interfaceIndex)
        w.u16(afi.rawValue)
        w.ip(peerAddress)
        w.ip(localAddress)
        w.u16(oldState)
        w.u16(newState)
    }
}

extension BGP4MPMessage {
    /// A message whose subtype follows from `as4`, `local` and `addPath` (MESSAGE, MESSAGE_AS4,
    /// MESSAGE_LOCAL, … MESSAGE_AS4_LOCAL_ADDPATH) and whose AFI is the peer address's.
    public init(
        peerAS: UInt32, localAS: UInt32, peerAddress: IPAddress, localAddress: IPAddress, message: BGPMessage,
        as4: Bool = true, local: Bool = false, addPath: Bool = false, interfaceIndex: UInt16 = 0
    ) {
        typealias S = BGP4MPSubtype
        switch (addPath, local) {
        case (false, false): subtype = as4 ? S.messageAS4 : S.message
        case (false, true): subtype = as4 ? S.messageAS4Local : S.messageLocal
        case (true, false): subtype = as4 ? S.messageAS4AddPath : S.messageAddPath
        case (true, true): subtype = as4 ? S.messageAS4LocalAddPath : S.messageLocalAddPath
        }
        self.peerAS = peerAS
        self.localAS = localAS
        self.interfaceIndex = interfaceIndex
        self.afi = peerAddress.afi
        self.peerAddress = peerAddress
        self.localAddress = localAddress
        self.message = message
    }

    /// How the enclosed message is read: ASN width and ADD-PATH follow the subtype (RFC 8050 §3).
    public var messageContext: MessageContext {
        MessageContext(asnWidth: isAS4 ? .four : .two, addPath: isAddPath)
    }

    /// RFC 6396 §4.4.2–4.4.6, RFC 8050 §3. The AS and address fields are written in decoded order.
    public func encode(into w: inout WireWriter) {
        let ctx = messageContext
        w.asn(peerAS, width: ctx.asnWidth)
        w.asn(localAS, width: ctx.asnWidth)
        w.u16(interfaceIndex)
        w.u16(afi.rawValue)
        w.ip(peerAddress)
        w.ip(localAddress)
        message.encode(into: &w, context: ctx)
    }
}

extension LegacyBGPRecord {
    /// An UPDATE record (subtype 1).
    public init(
        peerAS: UInt16, peerAddress: IPv4Address, localAS: UInt16, localAddress: IPv4Address, update: BGPUpdate
    ) {
        self.init(
            subtype: Self.update, peerAS: peerAS, peerAddress: peerAddress, localAS: localAS,
            localAddress: localAddress, update: update, oldState: nil, newState: nil, body: [])
    }

    /// A STATE_CHANGE record (subtype 3).
    public init(peerAS: UInt16, peerAddress: IPv4Address, oldState: UInt16, newState: UInt16) {
        self.init(
            subtype: Self.stateChange, peerAS: peerAS, peerAddress: peerAddress, localAS: nil, localAddress: nil,
            update: nil, oldState: oldState, newState: newState, body: [])
    }

    /// RFC 6396 Appendix B.2.1: peer AS and address, then per subtype the states (STATE_CHANGE), the
    /// local AS and address and an UPDATE body without BGP header (UPDATE), or the local fields when
    /// present and the raw body (others).
    public func encode(into w: inout WireWriter) {
        w.u16(peerAS)
        w.ipv4(peerAddress)
        switch subtype {
        case Self.stateChange:
            w.u16(oldState ?? 0)
            w.u16(newState ?? 0)
        case Self.update where update != nil:
            w.u16(localAS ?? 0)
            w.ipv4(localAddress ?? IPv4Address(0))
            update!.encodeBody(into: &w, context: MessageContext(asnWidth: .two))
        default:
            if localAS != nil || localAddress != nil {
                w.u16(localAS ?? 0)
                w.ipv4(localAddress ?? IPv4Address(0))
            }
            w.append(body)
        }
    }
}

extension MRTMessage {
    /// The record body (everything after the MRT header).
    public func encode(into w: inout WireWriter) {
        switch self {
        case .tableDump(let t): t.encode(into: &w)
        case .peerIndexTable(let p): p.encode(into: &w)
        case .rib(let r): r.encode(into: &w)
        case .bgp4mpStateChange(let s): s.encode(into: &w)
        case .bgp4mpMessage(let m): m.encode(into: &w)
        case .legacyBGP(let l): l.encode(into: &w)
        case .unsupported(let raw): w.append(raw)
        }
    }

    /// The MRT type and subtype that carry this body; nil for `.unsupported`. BGP4MP messages and
    /// state changes use BGP4MP_ET when `extendedTimestamp` is set.
    public func mrtType(extendedTimestamp: Bool = false) -> (type: MRTType, subtype: UInt16)? {
        let bgp4mp: MRTType = extendedTimestamp ? .bgp4mpET : .bgp4mp
        switch self {
        case .tableDump(let t): return (.tableDump, t.prefix.afi.rawValue)
        case .peerIndexTable: return (.tableDumpV2, TableDumpV2Subtype.peerIndexTable)
        case .rib(let r): return (.tableDumpV2, r.subtype)
        case .bgp4mpStateChange(let s):
            return (bgp4mp, s.isAS4 ? BGP4MPSubtype.stateChangeAS4 : BGP4MPSubtype.stateChange)
        case .bgp4mpMessage(let m): return (bgp4mp, m.subtype)
        case .legacyBGP(let l): return (.bgp, l.subtype)
        case .unsupported: return nil
        }
    }
}

extension MRTRecord {
    public init(header: MRTHeader, message: MRTMessage, offset: Int = 0) {
        self.header = header
        self.message = message
        self.offset = offset
    }

    /// A record whose header type and subtype follow from `message` (BGP4MP_ET when `microseconds`
    /// is given) and whose length is the encoded body's; nil for `.unsupported` bodies.
    public init?(timestamp: UInt32, microseconds: UInt32? = nil, message: MRTMessage) {
        guard let (type, subtype) = message.mrtType(extendedTimestamp: microseconds != nil) else { return nil }
        var w = WireWriter()
        message.encode(into: &w)
        let header = MRTHeader(
            timestamp: timestamp, type: type, subtype: subtype, length: UInt32(w.count),
            microseconds: type.hasExtendedTimestamp ? microseconds ?? 0 : nil)
        self.init(header: header, message: message)
    }

    /// Header and body. The header's type, subtype, timestamp and microseconds are written as stored;
    /// its length is that of the encoded body (plus 4 for the microseconds of ET types).
    public func encode(into w: inout WireWriter) {
        w.u32(header.timestamp)
        w.u16(header.type.rawValue)
        w.u16(header.subtype)
        w.lengthPrefixed(.u32, "MRT length") {
            if header.type.hasExtendedTimestamp { $0.u32(header.microseconds ?? 0) }
            message.encode(into: &$0)
        }
    }

    public func encode() -> [UInt8] {
        var w = WireWriter()
        encode(into: &w)
        return w.bytes
    }
}
