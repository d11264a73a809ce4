import BGPWire

/// Writes the simulator's MRT records: TABLE_DUMP_V2 RIB records and BGP4MP MESSAGE_AS4 /
/// STATE_CHANGE_AS4 records, the way RouteViews collectors write them.
///
/// PEER_INDEX_TABLE and STATE_CHANGE records go through BGPWire's encoders. RIB entries and UPDATEs,
/// millions of them, are written straight into a ``WireWriter`` with the same framing BGPWire's
/// `PathAttribute.encode` and `BGPUpdate.encodeBody` produce (the tests compare the two byte for byte
/// and decode every file with both Vantage and bgpdump).
struct MRTEncoder {
    /// The collector's side of every session (documentation AS and addresses, RFC 5398 / 5737 / 3849).
    static let localAS: UInt32 = 64511
    static let localV4 = IPv4Address(192, 0, 2, 1)
    static let localV6 = IPv6Address(high: 0x2001_0db8_0000_0000, low: 1)

    // MARK: Records

    /// An MRT header and body, the length backfilled.
    @inline(__always)
    static func record(
        _ w: inout WireWriter, time: UInt32, type: MRTType, subtype: UInt16, _ body: (inout WireWriter) -> Void
    ) {
        w.u32(time)
        w.u16(type.rawValue)
        w.u16(subtype)
        w.lengthPrefixed(.u32, "MRT length", body)
    }

    static func peerIndexTable(_ peers: [SimPeer], time: UInt32) -> [UInt8] {
        let table = PeerIndexTable(
            collectorID: localV4, viewName: [],
            peers: peers.map { PeerEntry(peerType: 0, bgpID: $0.bgpID, address: $0.address, asn: $0.asn) })
        return MRTRecord(timestamp: time, message: .peerIndexTable(table))!.encode()
    }

    static func stateChange(_ peer: SimPeer, time: UInt32, old: UInt16, new: UInt16) -> [UInt8] {
        let local: IPAddress = peer.afi == .ipv4 ? .v4(localV4) : .v6(localV6)
        let s = BGP4MPStateChange(
            peerAS: peer.asn, localAS: localAS, interfaceIndex: 0, afi: peer.afi, peerAddress: peer.address,
            localAddress: local, oldState: old, newState: new, isAS4: true)
        return MRTRecord(timestamp: time, message: .bgp4mpStateChange(s))!.encode()
    }

    // MARK: Attributes

    /// One attribute header (flags, type, length) for a value of `length` bytes: the extended-length
    /// flag and a 2-byte length when the value is longer than 255 bytes (RFC 4271 §4.3).
    @inline(__always)
    static func attributeHeader(_ w: inout WireWriter, flags: UInt8, type: UInt8, length: Int) {
        precondition(length <= 0xFFFF)
        if length > 255 {
            w.u8(flags | 0x10)
            w.u8(type)
            w.u16(UInt16(length))
        } else {
            w.u8(flags)
            w.u8(type)
            w.u8(UInt8(length))
        }
    }

    /// Bytes one prefix takes in NLRI encoding.
    @inline(__always)
    static func prefixBytes(_ p: IPPrefix) -> Int { 1 + (Int(p.length) + 7) / 8 }

    /// The attributes of a route: ORIGIN, AS_PATH (4-byte ASNs, one AS_SEQUENCE per 255 ASNs), NEXT_HOP
    /// (IPv4 sessions), MULTI_EXIT_DISC and COMMUNITIES when the peer sends them, and for IPv6 the
    /// abbreviated MP_REACH_NLRI of RIB entries (`ribNextHop`) — UPDATEs add their own MP_REACH_NLRI.
    static func attributes(
        _ w: inout WireWriter, peer: SimPeer, path: [UInt32], originCode: UInt8, ribIPv6: Bool
    ) {
        // ORIGIN (well-known mandatory: transitive).
        attributeHeader(&w, flags: 0x40, type: 1, length: 1)
        w.u8(originCode)
        // AS_PATH.
        let segments = (path.count + 254) / 255
        attributeHeader(&w, flags: 0x40, type: 2, length: 2 * segments + 4 * path.count)
        var rest = path[...]
        while !rest.isEmpty {
            let chunk = rest.prefix(255)
            rest = rest.dropFirst(chunk.count)
            w.u8(ASPathSegmentType.sequence.rawValue)
            w.u8(UInt8(chunk.count))
            for asn in chunk { w.u32(asn) }
        }
        if case .v4(let a) = peer.address {
            attributeHeader(&w, flags: 0x40, type: 3, length: 4)
            w.ipv4(a)
        }
        let h = SimRandom.hash(UInt64(path.count), UInt64(path.last ?? 0), UInt64(path.count > 1 ? path[1] : 0))
        if peer.sendsMED {
            attributeHeader(&w, flags: 0x80, type: 4, length: 4)
            w.u32(UInt32(h % 3) * 10)
        }
        if peer.tagsCommunities && peer.asn <= 0xFFFF {
            // Where the peer learned the route (region) and what kind of neighbour it is: `asn:region`, `asn:kind`.
            attributeHeader(&w, flags: 0xC0, type: 8, length: 8)
            w.u32(peer.asn << 16 | UInt32(1000 + h % 7))
            w.u32(peer.asn << 16 | UInt32(path.count <= 2 ? 3 : 2))
        }
        if ribIPv6, case .v6(let a) = peer.address {
            // RFC 6396 §4.3.4: in RIB entries MP_REACH_NLRI keeps only the next-hop length and next hop.
            attributeHeader(&w, flags: 0x80, type: 14, length: 17)
            w.u8(16)
            w.ipv6(a)
        }
    }

    // MARK: UPDATE messages

    /// A BGP4MP MESSAGE_AS4 record holding one UPDATE: `withdrawn` prefixes, or `announced` prefixes
    /// with the route's attributes. IPv4 uses the UPDATE's own fields, IPv6 MP_REACH/MP_UNREACH_NLRI.
    static func update(
        _ w: inout WireWriter, time: UInt32, peer: SimPeer, withdrawn: [IPPrefix], announced: [IPPrefix],
        path: [UInt32],
        originCode: UInt8
    ) {
        record(&w, time: time, type: .bgp4mp, subtype: BGP4MPSubtype.messageAS4) { b in
            b.u32(peer.asn)
            b.u32(localAS)
            b.u16(0)
            b.u16(peer.afi.rawValue)
            b.ip(peer.address)
            switch peer.afi {
            case .ipv4: b.ipv4(localV4)
            default: b.ipv6(localV6)
            }
            // BGP header: marker, length (backfilled), type UPDATE.
            let start = b.count
            b.append(repeatElement(0xFF, count: 16))
            b.u16(0)
            b.u8(BGPMessageType.update.rawValue)
            let v4 = peer.afi == .ipv4
            b.lengthPrefixed(.u16, "withdrawn routes length") { x in
                if v4 { for p in withdrawn { x.prefix(p) } }
            }
            b.lengthPrefixed(.u16, "total path attribute length") { x in
                if !announced.isEmpty {
                    attributes(&x, peer: peer, path: path, originCode: originCode, ribIPv6: false)
                    if !v4, case .v6(let a) = peer.address {
                        let nlri = announced.reduce(0) { $0 + prefixBytes($1) }
                        attributeHeader(&x, flags: 0x80, type: 14, length: 2 + 1 + 1 + 16 + 1 + nlri)
                        x.u16(AFI.ipv6.rawValue)
                        x.u8(SAFI.unicast.rawValue)
                        x.u8(16)
                        x.ipv6(a)
                        x.u8(0)  // reserved (SNPA count)
                        for p in announced { x.prefix(p) }
                    }
                }
                if !v4 && !withdrawn.isEmpty {
                    let nlri = withdrawn.reduce(0) { $0 + prefixBytes($1) }
                    attributeHeader(&x, flags: 0x80, type: 15, length: 3 + nlri)
                    x.u16(AFI.ipv6.rawValue)
                    x.u8(SAFI.unicast.rawValue)
                    for p in withdrawn { x.prefix(p) }
                }
            }
            if v4 { for p in announced { b.prefix(p) } }
            let length = b.count - start
            precondition(length <= BGPMessage.maxLength)
            b.bytes[start + 16] = UInt8(length >> 8)
            b.bytes[start + 17] = UInt8(length & 0xFF)
        }
    }

    /// Room for NLRI in an UPDATE carrying these attributes (BGP messages are at most 4096 bytes,
    /// RFC 4271 §4), with margin for the MP_REACH/MP_UNREACH header.
    static func nlriBudget(pathLength: Int) -> Int {
        4096 - 19 - 4 - 60 - 4 * pathLength - 2 * ((pathLength + 254) / 255)
    }
}
