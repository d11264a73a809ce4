/// Path attribute type code (IANA "BGP Path Attributes"). An open set: unknown codes are kept raw.
public struct AttributeType: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let origin = Self(rawValue: 1)  // RFC 4271
    public static let asPath = Self(rawValue: 2)  // RFC 4271
    public static let nextHop = Self(rawValue: 3)  // RFC 4271
    public static let multiExitDisc = Self(rawValue: 4)  // RFC 4271
    public static let localPref = Self(rawValue: 5)  // RFC 4271
    public static let atomicAggregate = Self(rawValue: 6)  // RFC 4271
    public static let aggregator = Self(rawValue: 7)  // RFC 4271, 4-byte ASN per RFC 6793
    public static let communities = Self(rawValue: 8)  // RFC 1997
    public static let originatorID = Self(rawValue: 9)  // RFC 4456
    public static let clusterList = Self(rawValue: 10)  // RFC 4456
    public static let mpReachNLRI = Self(rawValue: 14)  // RFC 4760
    public static let mpUnreachNLRI = Self(rawValue: 15)  // RFC 4760
    public static let extendedCommunities = Self(rawValue: 16)  // RFC 4360
    public static let as4Path = Self(rawValue: 17)  // RFC 6793
    public static let as4Aggregator = Self(rawValue: 18)  // RFC 6793
    public static let largeCommunities = Self(rawValue: 32)  // RFC 8092

    public var description: String {
        switch rawValue {
        case 1: "ORIGIN"
        case 2: "AS_PATH"
        case 3: "NEXT_HOP"
        case 4: "MULTI_EXIT_DISC"
        case 5: "LOCAL_PREF"
        case 6: "ATOMIC_AGGREGATE"
        case 7: "AGGREGATOR"
        case 8: "COMMUNITIES"
        case 9: "ORIGINATOR_ID"
        case 10: "CLUSTER_LIST"
        case 14: "MP_REACH_NLRI"
        case 15: "MP_UNREACH_NLRI"
        case 16: "EXTENDED_COMMUNITIES"
        case 17: "AS4_PATH"
        case 18: "AS4_AGGREGATOR"
        case 32: "LARGE_COMMUNITIES"
        default: "ATTR_\(rawValue)"
        }
    }
}

/// Attribute flags octet (RFC 4271 §4.3).
public struct AttributeFlags: OptionSet, Hashable, Sendable, Codable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let optional = Self(rawValue: 0x80)
    public static let transitive = Self(rawValue: 0x40)
    public static let partial = Self(rawValue: 0x20)
    public static let extendedLength = Self(rawValue: 0x10)
}

/// ORIGIN values (RFC 4271 §5.1.1). An open set.
public struct Origin: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let igp = Self(rawValue: 0)
    public static let egp = Self(rawValue: 1)
    public static let incomplete = Self(rawValue: 2)
    public var description: String {
        switch rawValue {
        case 0: "IGP"
        case 1: "EGP"
        case 2: "INCOMPLETE"
        default: "ORIGIN_\(rawValue)"
        }
    }
}

/// AGGREGATOR / AS4_AGGREGATOR value.
public struct Aggregator: Hashable, Sendable {
    public var asn: UInt32
    public var address: IPv4Address
    public init(asn: UInt32, address: IPv4Address) {
        self.asn = asn
        self.address = address
    }
}

/// A standard community (RFC 1997): high 16 bits an ASN, low 16 bits a value.
public struct Community: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(asn: UInt16, value: UInt16) { rawValue = UInt32(asn) << 16 | UInt32(value) }
    public static let noExport = Self(rawValue: 0xFFFF_FF01)
    public static let noAdvertise = Self(rawValue: 0xFFFF_FF02)
    public static let noExportSubconfed = Self(rawValue: 0xFFFF_FF03)
    public var asn: UInt16 { UInt16(rawValue >> 16) }
    public var value: UInt16 { UInt16(truncatingIfNeeded: rawValue) }
    public var description: String {
        switch self {
        case .noExport: "no-export"
        case .noAdvertise: "no-advertise"
        case .noExportSubconfed: "local-AS"
        default: "\(asn):\(value)"
        }
    }
}

/// A large community (RFC 8092).
public struct LargeCommunity: Hashable, Sendable, CustomStringConvertible {
    public var globalAdmin: UInt32
    public var local1: UInt32
    public var local2: UInt32
    public init(_ globalAdmin: UInt32, _ local1: UInt32, _ local2: UInt32) {
        self.globalAdmin = globalAdmin
        self.local1 = local1
        self.local2 = local2
    }
    public var description: String { "\(globalAdmin):\(local1):\(local2)" }
}

/// MP_REACH_NLRI (RFC 4760 §3). In TABLE_DUMP_V2 RIB entries the attribute is abbreviated to the
/// next-hop length and next hop (RFC 6396 §4.3.4); then `isAbbreviated` is set and afi/safi come
/// from the RIB record.
public struct MPReach: Hashable, Sendable {
    public var afi: AFI
    public var safi: SAFI
    /// The next-hop field exactly as carried (4, 16, 32 bytes, or RD-prefixed forms).
    public var nextHopBytes: [UInt8]
    /// RFC 2858 SNPA list as raw bytes, count octet included ([0] for the usual RFC 4760 reserved zero).
    public var snpa: [UInt8]
    public var nlri: [NLRI]
    /// NLRI of a family this codec does not interpret, kept as bytes.
    public var opaqueNLRI: [UInt8]
    public var isAbbreviated: Bool

    public init(
        afi: AFI, safi: SAFI, nextHopBytes: [UInt8], snpa: [UInt8] = [0], nlri: [NLRI], opaqueNLRI: [UInt8] = [],
        isAbbreviated: Bool = false
    ) {
        self.afi = afi
        self.safi = safi
        self.nextHopBytes = nextHopBytes
        self.snpa = snpa
        self.nlri = nlri
        self.opaqueNLRI = opaqueNLRI
        self.isAbbreviated = isAbbreviated
    }

    /// The next hops the field holds: one IPv4 (4 bytes), one IPv6 (16), or a global and a link-local
    /// IPv6 (32); route-distinguisher forms (12, 24) yield their addresses. Empty otherwise.
    public var nextHops: [IPAddress] {
        var r = WireReader(nextHopBytes[...])
        switch nextHopBytes.count {
        case 4: return [.v4(try! r.ipv4("next hop"))]
        case 12:
            try! r.skip(8, "rd")
            return [.v4(try! r.ipv4("next hop"))]
        case 16: return [.v6(try! r.ipv6("next hop"))]
        case 24:
            try! r.skip(8, "rd")
            return [.v6(try! r.ipv6("next hop"))]
        case 32: return [.v6(try! r.ipv6("next hop")), .v6(try! r.ipv6("link-local next hop"))]
        default: return []
        }
    }
}

/// MP_UNREACH_NLRI (RFC 4760 §4).
public struct MPUnreach: Hashable, Sendable {
    public var afi: AFI
    public var safi: SAFI
    public var withdrawn: [NLRI]
    /// NLRI of a family this codec does not interpret, kept as bytes.
    public var opaqueNLRI: [UInt8]
    public init(afi: AFI, safi: SAFI, withdrawn: [NLRI], opaqueNLRI: [UInt8] = []) {
        self.afi = afi
        self.safi = safi
        self.withdrawn = withdrawn
        self.opaqueNLRI = opaqueNLRI
    }
}

/// A fully decoded path attribute value.
public enum PathAttributeValue: Hashable, Sendable {
    case origin(Origin)
    case asPath(ASPath)
    case nextHop(IPv4Address)
    case multiExitDisc(UInt32)
    case localPref(UInt32)
    case atomicAggregate
    case aggregator(Aggregator)
    case communities([Community])
    case originatorID(IPv4Address)
    case clusterList([IPv4Address])
    case mpReach(MPReach)
    case mpUnreach(MPUnreach)
    case extendedCommunities([UInt64])
    case as4Path(ASPath)
    case as4Aggregator(Aggregator)
    case largeCommunities([LargeCommunity])
    /// A type this codec does not interpret, kept byte for byte.
    case unknown([UInt8])
    /// A known type whose value failed to decode (RFC 7606), kept byte for byte.
    case malformed([UInt8])
}

/// One path attribute: flags, type code and value.
public struct PathAttribute: Hashable, Sendable {
    public var flags: AttributeFlags
    public var type: AttributeType
    public var value: PathAttributeValue
    public init(flags: AttributeFlags, type: AttributeType, value: PathAttributeValue) {
        self.flags = flags
        self.type = type
        self.value = value
    }
}

/// What RFC 7606 says to do about a malformed attribute.
public enum ErrorAction: String, Sendable, Hashable {
    case treatAsWithdraw = "treat-as-withdraw"
    case attributeDiscard = "attribute-discard"
    case sessionReset = "session-reset"

    static func forMalformed(_ type: AttributeType) -> ErrorAction {
        switch type {
        case .mpReachNLRI, .mpUnreachNLRI: .sessionReset
        case .atomicAggregate, .aggregator, .as4Path, .as4Aggregator: .attributeDiscard
        default: .treatAsWithdraw
        }
    }
}

/// A problem found in one attribute; the rest of the message is still usable.
public struct AttributeProblem: Hashable, Sendable, CustomStringConvertible {
    public var type: AttributeType
    public var error: WireError
    public var action: ErrorAction
    public var description: String { "\(type): \(error) → \(action.rawValue)" }
}
