/// MRT record type (RFC 6396 §4, legacy types from §B). An open set.
public struct MRTType: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// Legacy MRTD "BGP" records (RFC 6396 Appendix B.2.1), found in RIPE RIS files from 1999–2001.
    public static let bgp = Self(rawValue: 5)
    public static let tableDump = Self(rawValue: 12)
    public static let tableDumpV2 = Self(rawValue: 13)
    public static let bgp4mp = Self(rawValue: 16)
    public static let bgp4mpET = Self(rawValue: 17)
    public static let isisET = Self(rawValue: 33)
    public static let ospfv3ET = Self(rawValue: 49)
    /// Types whose header carries a 4-byte microsecond field counted in the length (RFC 6396 §3).
    public var hasExtendedTimestamp: Bool { self == .bgp4mpET || self == .isisET || self == .ospfv3ET }
    public var description: String {
        switch rawValue {
        case 5: "BGP"
        case 11: "OSPFv2"
        case 12: "TABLE_DUMP"
        case 13: "TABLE_DUMP_V2"
        case 16: "BGP4MP"
        case 17: "BGP4MP_ET"
        case 32: "ISIS"
        case 33: "ISIS_ET"
        case 48: "OSPFv3"
        case 49: "OSPFv3_ET"
        default: "TYPE_\(rawValue)"
        }
    }
}

/// TABLE_DUMP_V2 subtypes (RFC 6396 §4.3, RFC 8050 §4 for ADD-PATH).
public enum TableDumpV2Subtype {
    public static let peerIndexTable: UInt16 = 1
    public static let ribIPv4Unicast: UInt16 = 2
    public static let ribIPv4Multicast: UInt16 = 3
    public static let ribIPv6Unicast: UInt16 = 4
    public static let ribIPv6Multicast: UInt16 = 5
    public static let ribGeneric: UInt16 = 6
    public static let geoPeerTable: UInt16 = 7
    public static let ribIPv4UnicastAddPath: UInt16 = 8
    public static let ribIPv4MulticastAddPath: UInt16 = 9
    public static let ribIPv6UnicastAddPath: UInt16 = 10
    public static let ribIPv6MulticastAddPath: UInt16 = 11
    public static let ribGenericAddPath: UInt16 = 12
}

/// BGP4MP / BGP4MP_ET subtypes (RFC 6396 §4.4, RFC 8050 §3).
public enum BGP4MPSubtype {
    public static let stateChange: UInt16 = 0
    public static let message: UInt16 = 1
    /// Deprecated zebra RIB entry; decoded as opaque (bgpdump does not print it either).
    public static let entry: UInt16 = 2
    public static let snapshot: UInt16 = 3
    public static let messageAS4: UInt16 = 4
    public static let stateChangeAS4: UInt16 = 5
    public static let messageLocal: UInt16 = 6
    public static let messageAS4Local: UInt16 = 7
    public static let messageAddPath: UInt16 = 8
    public static let messageAS4AddPath: UInt16 = 9
    public static let messageLocalAddPath: UInt16 = 10
    public static let messageAS4LocalAddPath: UInt16 = 11
}

/// The MRT common header (RFC 6396 §2), with the extended-timestamp microseconds (§3) when present.
public struct MRTHeader: Hashable, Sendable {
    public var timestamp: UInt32
    public var type: MRTType
    public var subtype: UInt16
    /// Length of the message body, excluding the microsecond field of ET types.
    public var length: UInt32
    public var microseconds: UInt32?

    public init(timestamp: UInt32, type: MRTType, subtype: UInt16, length: UInt32, microseconds: UInt32? = nil) {
        self.timestamp = timestamp
        self.type = type
        self.subtype = subtype
        self.length = length
        self.microseconds = microseconds
    }

    /// Size on the wire of the header (12, or 16 with microseconds).
    public var size: Int { microseconds == nil ? 12 : 16 }

    /// Reads a header. An ET header whose length cannot hold the microsecond field is invalid.
    public init(decoding r: inout WireReader) throws(WireError) {
        let at = r.fileOffset
        timestamp = try r.u32("MRT timestamp")
        type = MRTType(rawValue: try r.u16("MRT type"))
        subtype = try r.u16("MRT subtype")
        let len = try r.u32("MRT length")
        if type.hasExtendedTimestamp {
            guard len >= 4 else {
                throw WireError(.invalid, field: "MRT length", offset: at + 8, detail: "\(len) cannot hold the microsecond timestamp")
            }
            microseconds = try r.u32("MRT microsecond timestamp")
            length = len - 4
        } else {
            microseconds = nil
            length = len
        }
    }
}

/// One route in a TABLE_DUMP_V2 RIB record (RFC 6396 §4.3.4).
public struct RIBEntry: Sendable {
    public var peerIndex: UInt16
    public var originatedTime: UInt32
    /// ADD-PATH path identifier (RFC 8050 §4) for the *_ADDPATH subtypes.
    public var pathID: UInt32?
    public var attributes: PathAttributes
}

/// A TABLE_DUMP_V2 RIB record: one prefix, its routes from every peer.
public struct RIBRecord: Sendable {
    public var subtype: UInt16
    public var sequence: UInt32
    public var afi: AFI
    public var safi: SAFI
    public var prefix: IPPrefix
    public var entries: [RIBEntry]
    public var isAddPath: Bool { subtype >= TableDumpV2Subtype.ribIPv4UnicastAddPath }
}

/// One peer of a PEER_INDEX_TABLE (RFC 6396 §4.3.1).
public struct PeerEntry: Hashable, Sendable {
    /// Bit 0: IPv6 address; bit 1: 4-byte ASN.
    public var peerType: UInt8
    public var bgpID: IPv4Address
    public var address: IPAddress
    public var asn: UInt32
    public init(peerType: UInt8, bgpID: IPv4Address, address: IPAddress, asn: UInt32) {
        self.peerType = peerType
        self.bgpID = bgpID
        self.address = address
        self.asn = asn
    }
}

public struct PeerIndexTable: Hashable, Sendable {
    public var collectorID: IPv4Address
    /// View name bytes (RFC 6396 says UTF-8; kept as bytes so odd files round-trip).
    public var viewName: [UInt8]
    public var peers: [PeerEntry]
    public init(collectorID: IPv4Address, viewName: [UInt8], peers: [PeerEntry]) {
        self.collectorID = collectorID
        self.viewName = viewName
        self.peers = peers
    }
}

/// TABLE_DUMP (v1) entry (RFC 6396 §4.2): one route per record, 2-byte ASNs.
public struct TableDumpEntry: Sendable {
    public var viewNumber: UInt16
    public var sequence: UInt16
    public var prefix: IPPrefix
    public var status: UInt8
    public var originatedTime: UInt32
    public var peerAddress: IPAddress
    public var peerAS: UInt16
    public var attributes: PathAttributes
}

/// BGP4MP STATE_CHANGE(_AS4) (RFC 6396 §4.4.1). States per RFC 4271 §8.2.2 (1 Idle … 6 Established).
public struct BGP4MPStateChange: Hashable, Sendable {
    public var peerAS: UInt32
    public var localAS: UInt32
    public var interfaceIndex: UInt16
    public var afi: AFI
    public var peerAddress: IPAddress
    public var localAddress: IPAddress
    public var oldState: UInt16
    public var newState: UInt16
    public var isAS4: Bool
    public init(
        peerAS: UInt32, localAS: UInt32, interfaceIndex: UInt16, afi: AFI, peerAddress: IPAddress,
        localAddress: IPAddress, oldState: UInt16, newState: UInt16, isAS4: Bool
    ) {
        self.peerAS = peerAS
        self.localAS = localAS
        self.interfaceIndex = interfaceIndex
        self.afi = afi
        self.peerAddress = peerAddress
        self.localAddress = localAddress
        self.oldState = oldState
        self.newState = newState
        self.isAS4 = isAS4
    }
    public static let established: UInt16 = 6
}

/// BGP4MP MESSAGE and its AS4 / LOCAL / ADDPATH variants (RFC 6396 §4.4.2–4.4.6, RFC 8050 §3).
/// For *_LOCAL subtypes the message was sent by the collector; `peer…` still names the remote side.
public struct BGP4MPMessage: Sendable {
    public var subtype: UInt16
    public var peerAS: UInt32
    public var localAS: UInt32
    public var interfaceIndex: UInt16
    public var afi: AFI
    public var peerAddress: IPAddress
    public var localAddress: IPAddress
    public var message: BGPMessage

    public var isAS4: Bool { [4, 5, 7, 9, 11].contains(subtype) }
    public var isLocal: Bool { [6, 7, 10, 11].contains(subtype) }
    public var isAddPath: Bool { subtype >= 8 }
}

/// Legacy MRTD "BGP" record (type 5, RFC 6396 Appendix B.2.1): 2-byte ASNs, IPv4 only.
public struct LegacyBGPRecord: Sendable {
    public static let update: UInt16 = 1
    public static let stateChange: UInt16 = 3
    public static let open: UInt16 = 5
    public static let notify: UInt16 = 6
    public static let keepalive: UInt16 = 7

    public var subtype: UInt16
    public var peerAS: UInt16
    public var peerAddress: IPv4Address
    public var localAS: UInt16?
    public var localAddress: IPv4Address?
    /// For UPDATE: the message body from the withdrawn-routes length on (no BGP header).
    public var update: BGPUpdate?
    public var oldState: UInt16?
    public var newState: UInt16?
    /// Remaining bytes of OPEN/NOTIFY and unknown subtypes.
    public var body: [UInt8]
}

/// The body of an MRT record.
/// The large, rarer payloads are boxed (`indirect`) so that moving a record stays cheap.
public enum MRTMessage: Sendable {
    indirect case tableDump(TableDumpEntry)
    indirect case peerIndexTable(PeerIndexTable)
    case rib(RIBRecord)
    indirect case bgp4mpStateChange(BGP4MPStateChange)
    indirect case bgp4mpMessage(BGP4MPMessage)
    indirect case legacyBGP(LegacyBGPRecord)
    /// A type or subtype this codec does not interpret (kept raw and counted).
    case unsupported([UInt8])
}

/// A decoded MRT record.
public struct MRTRecord: Sendable {
    public var header: MRTHeader
    public var message: MRTMessage
    /// File offset of the record's header, in the decompressed stream.
    public var offset: Int

    /// Decodes a record body. `body` must be exactly `header.length` bytes; `offset` is the file
    /// offset of the header (for error messages).
    public init(header: MRTHeader, body: ArraySlice<UInt8>, offset: Int = 0) throws(WireError) {
        self.header = header
        self.offset = offset
        var r = WireReader(body, baseOffset: offset + header.size)
        message = try MRTRecord.decodeBody(header, &r)
    }

    /// Decodes a complete record (header and body) from the start of `bytes`; a public entry point, fuzzed.
    public init(decoding bytes: ArraySlice<UInt8>, offset: Int = 0) throws(WireError) {
        var r = WireReader(bytes, baseOffset: offset)
        let h = try MRTHeader(decoding: &r)
        let body = try r.slice(Int(h.length), "MRT body")
        try self.init(header: h, body: body, offset: offset)
    }

    static func decodeBody(_ h: MRTHeader, _ r: inout WireReader) throws(WireError) -> MRTMessage {
        switch h.type {
        case .tableDumpV2: return try decodeTableDumpV2(h.subtype, &r)
        case .bgp4mp, .bgp4mpET: return try decodeBGP4MP(h.subtype, &r)
        case .tableDump: return try decodeTableDump(h.subtype, &r)
        case .bgp: return try decodeLegacyBGP(h.subtype, &r)
        default: return .unsupported(Array(r.rest()))
        }
    }

    static func decodeTableDump(_ subtype: UInt16, _ r: inout WireReader) throws(WireError) -> MRTMessage {
        let afi = AFI(rawValue: subtype)
        guard afi == .ipv4 || afi == .ipv6 else { return .unsupported(Array(r.rest())) }
        let view = try r.u16("TABLE_DUMP view number")
        let seq = try r.u16("TABLE_DUMP sequence")
        let addr = try r.ip(afi: afi, "TABLE_DUMP prefix")
        let at = r.fileOffset
        let len = try r.u8("TABLE_DUMP prefix length")
        guard Int(len) <= afi.maxPrefixLength! else {
            throw WireError(.invalid, field: "TABLE_DUMP prefix length", offset: at, detail: "\(len)")
        }
        let status = try r.u8("TABLE_DUMP status")
        let originated = try r.u32("TABLE_DUMP originated time")
        let peer = try r.ip(afi: afi, "TABLE_DUMP peer address")
        let peerAS = try r.u16("TABLE_DUMP peer AS")
        let alen = Int(try r.u16("TABLE_DUMP attribute length"))
        let aoff = r.fileOffset
        let attrs = try PathAttributes(
            decoding: try r.slice(alen, "TABLE_DUMP attributes"),
            context: AttributeContext(asnWidth: .two, ribFamily: (afi, .unicast)), baseOffset: aoff)
        try r.expectEnd("TABLE_DUMP entry")
        return .tableDump(
            TableDumpEntry(
                viewNumber: view, sequence: seq, prefix: IPPrefix(addr, len), status: status, originatedTime: originated,
                peerAddress: peer, peerAS: peerAS, attributes: attrs))
    }

    static func decodeTableDumpV2(_ subtype: UInt16, _ r: inout WireReader) throws(WireError) -> MRTMessage {
        typealias S = TableDumpV2Subtype
        switch subtype {
        case S.peerIndexTable:
            let collector = try r.ipv4("collector BGP ID")
            let nameLen = Int(try r.u16("view name length"))
            let name = Array(try r.slice(nameLen, "view name"))
            let count = Int(try r.u16("peer count"))
            var peers: [PeerEntry] = []
            peers.reserveCapacity(min(count, r.remaining / 7))
            for _ in 0..<count {
                let type = try r.u8("peer type")
                let id = try r.ipv4("peer BGP ID")
                let addr = try r.ip(afi: type & 1 != 0 ? .ipv6 : .ipv4, "peer address")
                let asn = try r.asn(width: type & 2 != 0 ? .four : .two, "peer AS")
                peers.append(PeerEntry(peerType: type, bgpID: id, address: addr, asn: asn))
            }
            return .peerIndexTable(PeerIndexTable(collectorID: collector, viewName: name, peers: peers))
        case S.ribIPv4Unicast...S.ribGeneric, S.ribIPv4UnicastAddPath...S.ribGenericAddPath:
            let addPath = subtype >= S.ribIPv4UnicastAddPath
            let base = addPath ? subtype - 6 : subtype
            let seq = try r.u32("RIB sequence number")
            let afi: AFI
            let safi: SAFI
            let prefix: IPPrefix
            if base == S.ribGeneric {
                afi = AFI(rawValue: try r.u16("RIB_GENERIC AFI"))
                safi = SAFI(rawValue: try r.u8("RIB_GENERIC SAFI"))
                // Other families (VPN, flowspec…) encode NLRI differently: kept raw.
                guard afi.addressBytes != nil, (1...3).contains(safi.rawValue) else { return .unsupported(Array(r.bytes)) }
                prefix = try r.prefix(afi: afi, "RIB_GENERIC NLRI")
            } else {
                afi = base <= S.ribIPv4Multicast ? .ipv4 : .ipv6
                safi = base == S.ribIPv4Multicast || base == S.ribIPv6Multicast ? .multicast : .unicast
                prefix = try r.prefix(afi: afi, "RIB prefix")
            }
            let count = Int(try r.u16("RIB entry count"))
            var entries: [RIBEntry] = []
            entries.reserveCapacity(min(count, r.remaining / 8))
            let ctx = AttributeContext(asnWidth: .four, addPath: false, ribFamily: (afi, safi))
            for _ in 0..<count {
                let peer = try r.u16("RIB entry peer index")
                let time = try r.u32("RIB entry originated time")
                let pathID: UInt32? = addPath ? try r.u32("RIB entry path identifier") : nil
                let alen = Int(try r.u16("RIB entry attribute length"))
                let aoff = r.fileOffset
                let attrs = try PathAttributes(decoding: try r.slice(alen, "RIB entry attributes"), context: ctx, baseOffset: aoff)
                entries.append(RIBEntry(peerIndex: peer, originatedTime: time, pathID: pathID, attributes: attrs))
            }
            return .rib(RIBRecord(subtype: subtype, sequence: seq, afi: afi, safi: safi, prefix: prefix, entries: entries))
        default:
            return .unsupported(Array(r.rest()))
        }
    }

    static func decodeBGP4MP(_ subtype: UInt16, _ r: inout WireReader) throws(WireError) -> MRTMessage {
        typealias S = BGP4MPSubtype
        switch subtype {
        case S.stateChange, S.stateChangeAS4:
            let width: ASNWidth = subtype == S.stateChangeAS4 ? .four : .two
            let peerAS = try r.asn(width: width, "peer AS")
            let localAS = try r.asn(width: width, "local AS")
            let ifIndex = try r.u16("interface index")
            let afi = AFI(rawValue: try r.u16("address family"))
            let peer = try r.ip(afi: afi, "peer address")
            let local = try r.ip(afi: afi, "local address")
            let old = try r.u16("old state")
            let new = try r.u16("new state")
            return .bgp4mpStateChange(
                BGP4MPStateChange(
                    peerAS: peerAS, localAS: localAS, interfaceIndex: ifIndex, afi: afi, peerAddress: peer,
                    localAddress: local, oldState: old, newState: new, isAS4: width == .four))
        case S.message, S.messageAS4, S.messageLocal...S.messageAS4LocalAddPath:
            let width: ASNWidth = [S.messageAS4, S.messageAS4Local, S.messageAS4AddPath, S.messageAS4LocalAddPath]
                .contains(subtype) ? .four : .two
            let peerAS = try r.asn(width: width, "peer AS")
            let localAS = try r.asn(width: width, "local AS")
            let ifIndex = try r.u16("interface index")
            let afi = AFI(rawValue: try r.u16("address family"))
            let peer = try r.ip(afi: afi, "peer address")
            let local = try r.ip(afi: afi, "local address")
            let msg = try BGPMessage(
                decoding: &r, context: MessageContext(asnWidth: width, addPath: subtype >= S.messageAddPath))
            // A record longer than its message would hide the records after it (a wrong MRT length):
            // fail it so the reader resynchronises.
            try r.expectEnd("BGP4MP message")
            return .bgp4mpMessage(
                BGP4MPMessage(
                    subtype: subtype, peerAS: peerAS, localAS: localAS, interfaceIndex: ifIndex, afi: afi,
                    peerAddress: peer, localAddress: local, message: msg))
        default:
            return .unsupported(Array(r.rest()))
        }
    }

    static func decodeLegacyBGP(_ subtype: UInt16, _ r: inout WireReader) throws(WireError) -> MRTMessage {
        let peerAS = try r.u16("peer AS")
        let peerIP = try r.ipv4("peer address")
        var rec = LegacyBGPRecord(
            subtype: subtype, peerAS: peerAS, peerAddress: peerIP, localAS: nil, localAddress: nil, update: nil,
            oldState: nil, newState: nil, body: [])
        switch subtype {
        case LegacyBGPRecord.stateChange:
            rec.oldState = try r.u16("old state")
            rec.newState = try r.u16("new state")
        case LegacyBGPRecord.update:
            rec.localAS = try r.u16("local AS")
            rec.localAddress = try r.ipv4("local address")
            rec.update = try BGPUpdate(decoding: &r, context: MessageContext(asnWidth: .two))
        default:
            if r.remaining >= 6 {
                rec.localAS = try r.u16("local AS")
                rec.localAddress = try r.ipv4("local address")
            }
            rec.body = Array(r.rest())
        }
        return .legacyBGP(rec)
    }
}

extension MRTHeader {
    private static let tableDumpV2Names = [
        "0", "PEER_INDEX_TABLE", "RIB_IPV4_UNICAST", "RIB_IPV4_MULTICAST", "RIB_IPV6_UNICAST", "RIB_IPV6_MULTICAST",
        "RIB_GENERIC", "GEO_PEER_TABLE", "RIB_IPV4_UNICAST_ADDPATH", "RIB_IPV4_MULTICAST_ADDPATH",
        "RIB_IPV6_UNICAST_ADDPATH", "RIB_IPV6_MULTICAST_ADDPATH", "RIB_GENERIC_ADDPATH",
    ]
    private static let bgp4mpNames = [
        "STATE_CHANGE", "MESSAGE", "ENTRY", "SNAPSHOT", "MESSAGE_AS4", "STATE_CHANGE_AS4", "MESSAGE_LOCAL",
        "MESSAGE_AS4_LOCAL", "MESSAGE_ADDPATH", "MESSAGE_AS4_ADDPATH", "MESSAGE_LOCAL_ADDPATH", "MESSAGE_AS4_LOCAL_ADDPATH",
    ]
    private static let bgpNames = ["NULL", "UPDATE", "PREF_UPDATE", "STATE_CHANGE", "SYNC", "OPEN", "NOTIFY", "KEEPALIVE"]

    /// bgpdump-style "TYPE/SUBTYPE" name, e.g. "TABLE_DUMP_V2/RIB_IPV4_UNICAST".
    public var name: String {
        let i = Int(subtype)
        let names: [String] =
            switch type {
            case .tableDumpV2: Self.tableDumpV2Names
            case .bgp4mp, .bgp4mpET: Self.bgp4mpNames
            case .tableDump: ["0", "AFI_IP", "AFI_IP6"]
            case .bgp: Self.bgpNames
            default: []
            }
        return "\(type)/\(i < names.count ? names[i] : String(i))"
    }
}

extension MRTRecord {
    /// Problems that did not stop the record from decoding: malformed attributes (with their
    /// RFC 7606 action) and damaged NLRI lists whose leading prefixes were kept.
    public var warnings: [String] {
        var out: [String] = []
        func attrs(_ a: PathAttributes) { for p in a.problems { out.append(p.description) } }
        func update(_ u: BGPUpdate) {
            for e in u.nlriProblems { out.append("\(e)") }
            attrs(u.attributes)
        }
        switch message {
        case .rib(let r): for e in r.entries where !e.attributes.problems.isEmpty { attrs(e.attributes) }
        case .tableDump(let t): attrs(t.attributes)
        case .bgp4mpMessage(let m): if case .update(let u) = m.message { update(u) }
        case .legacyBGP(let l): if let u = l.update { update(u) }
        default: break
        }
        return out
    }
}

extension MRTRecord {
    /// How many route elements of each kind ``elements(peerTable:)`` would yield, without building
    /// them: (RIB entries, announcements, withdrawals, peer state changes). RIB entries are counted
    /// whatever their peer index.
    public var elementCounts: (rib: Int, announce: Int, withdraw: Int, state: Int) {
        func update(_ u: BGPUpdate) -> (Int, Int, Int, Int) {
            var a = u.announced.count
            var w = u.withdrawn.count
            if u.attributes.has(.mpReachNLRI), let r = u.attributes.mpReach { a += r.nlri.count }
            if u.attributes.has(.mpUnreachNLRI), let m = u.attributes.mpUnreach { w += m.withdrawn.count }
            return (0, a, w, 0)
        }
        switch message {
        case .rib(let r): return (r.entries.count, 0, 0, 0)
        case .tableDump: return (1, 0, 0, 0)
        case .bgp4mpStateChange: return (0, 0, 0, 1)
        case .bgp4mpMessage(let m):
            guard !m.isLocal, case .update(let u) = m.message else { return (0, 0, 0, 0) }
            return update(u)
        case .legacyBGP(let l):
            if let u = l.update { return update(u) }
            return l.subtype == LegacyBGPRecord.stateChange ? (0, 0, 0, 1) : (0, 0, 0, 0)
        case .peerIndexTable, .unsupported: return (0, 0, 0, 0)
        }
    }
}
