/// BGP message type (RFC 4271 §4.1, RFC 2918 for ROUTE-REFRESH). An open set.
public struct BGPMessageType: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let open = Self(rawValue: 1)
    public static let update = Self(rawValue: 2)
    public static let notification = Self(rawValue: 3)
    public static let keepalive = Self(rawValue: 4)
    public static let routeRefresh = Self(rawValue: 5)
    public var description: String {
        switch rawValue {
        case 1: "OPEN"
        case 2: "UPDATE"
        case 3: "NOTIFICATION"
        case 4: "KEEPALIVE"
        case 5: "ROUTE-REFRESH"
        default: "TYPE_\(rawValue)"
        }
    }
}

/// How to read a BGP message: ASN width and ADD-PATH come from the MRT subtype (RFC 8050) or the
/// session's OPEN exchange.
public struct MessageContext: Hashable, Sendable {
    public var asnWidth: ASNWidth
    public var addPath: Bool
    public init(asnWidth: ASNWidth, addPath: Bool = false) {
        self.asnWidth = asnWidth
        self.addPath = addPath
    }
}

/// A capability advertised in OPEN (RFC 5492), decoded for the codes Vantage uses.
public enum Capability: Hashable, Sendable {
    /// Code 1, RFC 4760.
    case multiprotocol(AFI, SAFI)
    /// Code 2, RFC 2918.
    case routeRefresh
    /// Code 65, RFC 6793.
    case fourOctetAS(UInt32)
    /// Code 69, RFC 7911: (afi, safi, send/receive 1 = receive, 2 = send, 3 = both).
    case addPath([AddPathFamily])
    /// Any other code, or a known code with a malformed value, kept raw.
    case other(code: UInt8, value: [UInt8])

    public struct AddPathFamily: Hashable, Sendable {
        public var afi: AFI
        public var safi: SAFI
        public var sendReceive: UInt8
        public init(afi: AFI, safi: SAFI, sendReceive: UInt8) {
            self.afi = afi
            self.safi = safi
            self.sendReceive = sendReceive
        }
    }

    public var code: UInt8 {
        switch self {
        case .multiprotocol: 1
        case .routeRefresh: 2
        case .fourOctetAS: 65
        case .addPath: 69
        case .other(let code, _): code
        }
    }

    static func decode(code: UInt8, value: ArraySlice<UInt8>) -> Capability {
        var r = WireReader(value)
        switch (code, value.count) {
        case (1, 4):
            let afi = AFI(rawValue: try! r.u16("afi"))
            _ = try! r.u8("reserved")
            return .multiprotocol(afi, SAFI(rawValue: try! r.u8("safi")))
        case (2, 0): return .routeRefresh
        case (65, 4): return .fourOctetAS(try! r.u32("asn"))
        case (69, let n) where n % 4 == 0:
            var fams: [AddPathFamily] = []
            while !r.isAtEnd {
                fams.append(
                    AddPathFamily(
                        afi: AFI(rawValue: try! r.u16("afi")), safi: SAFI(rawValue: try! r.u8("safi")),
                        sendReceive: try! r.u8("send/receive")))
            }
            return .addPath(fams)
        default: return .other(code: code, value: Array(value))
        }
    }
}

/// An OPEN optional parameter (RFC 4271 §4.2). Type 2 holds capabilities (RFC 5492).
public struct OptionalParameter: Hashable, Sendable {
    public var type: UInt8
    public var value: [UInt8]
    public init(type: UInt8, value: [UInt8]) {
        self.type = type
        self.value = value
    }

    /// The capabilities of a type-2 parameter; empty for other types or a malformed list.
    public var capabilities: [Capability] {
        guard type == 2 else { return [] }
        var r = WireReader(value[...])
        var out: [Capability] = []
        while !r.isAtEnd {
            guard let code = try? r.u8("capability code"), let len = try? r.u8("capability length"),
                let v = try? r.slice(Int(len), "capability value")
            else { return out }
            out.append(Capability.decode(code: code, value: v))
        }
        return out
    }
}

public struct BGPOpen: Hashable, Sendable {
    public var version: UInt8
    /// "My Autonomous System" (AS_TRANS 23456 when the real ASN needs 4 bytes; see ``fourOctetASN``).
    public var myAS: UInt16
    public var holdTime: UInt16
    public var bgpIdentifier: IPv4Address
    public var parameters: [OptionalParameter]

    public init(version: UInt8 = 4, myAS: UInt16, holdTime: UInt16, bgpIdentifier: IPv4Address, parameters: [OptionalParameter]) {
        self.version = version
        self.myAS = myAS
        self.holdTime = holdTime
        self.bgpIdentifier = bgpIdentifier
        self.parameters = parameters
    }

    public var capabilities: [Capability] { parameters.flatMap(\.capabilities) }
    /// The speaker's ASN, from the 4-octet AS capability when present.
    public var fourOctetASN: UInt32 {
        for case .fourOctetAS(let asn) in capabilities { return asn }
        return UInt32(myAS)
    }
}

public struct BGPUpdate: Sendable {
    public var withdrawn: [NLRI]
    public var attributes: PathAttributes
    public var announced: [NLRI]
    /// Problems in the withdrawn-routes or NLRI fields: the prefixes before a bad entry are kept
    /// (RFC 7606 would reset the session; an archive reader keeps what it can and says so).
    public var nlriProblems: [WireError] = []

    public init(withdrawn: [NLRI], attributes: PathAttributes, announced: [NLRI]) {
        self.withdrawn = withdrawn
        self.attributes = attributes
        self.announced = announced
    }

    /// Reads an UPDATE body (RFC 4271 §4.3), from the withdrawn-routes length on.
    public init(decoding r: inout WireReader, context: MessageContext) throws(WireError) {
        let wlen = Int(try r.u16("withdrawn routes length"))
        var w = try r.subReader(wlen, "withdrawn routes")
        let (wlist, werror) = w.nlriListKeepingValid(afi: .ipv4, addPath: context.addPath, "withdrawn route")
        withdrawn = wlist
        let alen = Int(try r.u16("total path attribute length"))
        let attrOffset = r.fileOffset
        attributes = try PathAttributes(
            decoding: try r.slice(alen, "path attributes"),
            context: AttributeContext(asnWidth: context.asnWidth, addPath: context.addPath), baseOffset: attrOffset)
        let (alist, aerror) = r.nlriListKeepingValid(afi: .ipv4, addPath: context.addPath, "NLRI")
        announced = alist
        nlriProblems = [werror, aerror].compactMap { $0 }
    }

    /// An UPDATE with no routes and no attributes marks End-of-RIB for IPv4 unicast (RFC 4724 §2);
    /// one whose only attribute is an empty MP_UNREACH_NLRI marks it for that family.
    public var endOfRIB: (afi: AFI, safi: SAFI)? {
        if withdrawn.isEmpty && announced.isEmpty && attributes.raw.isEmpty { return (.ipv4, .unicast) }
        guard withdrawn.isEmpty, announced.isEmpty, attributes.problems.isEmpty else { return nil }
        var only: MPUnreach?
        var count = 0
        attributes.forEach { _ in count += 1 }
        if count == 1, let u = attributes.mpUnreach, u.withdrawn.isEmpty, u.opaqueNLRI.isEmpty { only = u }
        return only.map { ($0.afi, $0.safi) }
    }
}

public struct BGPNotification: Hashable, Sendable {
    public var code: UInt8
    public var subcode: UInt8
    public var data: [UInt8]
    public init(code: UInt8, subcode: UInt8, data: [UInt8]) {
        self.code = code
        self.subcode = subcode
        self.data = data
    }
}

/// ROUTE-REFRESH (RFC 2918; the reserved octet is the RFC 7313 subtype).
public struct RouteRefresh: Hashable, Sendable {
    public var afi: AFI
    public var subtype: UInt8
    public var safi: SAFI
    public init(afi: AFI, subtype: UInt8 = 0, safi: SAFI) {
        self.afi = afi
        self.subtype = subtype
        self.safi = safi
    }
}

/// A BGP message with its 19-byte header removed.
public enum BGPMessage: Sendable {
    case open(BGPOpen)
    case update(BGPUpdate)
    case notification(BGPNotification)
    case keepalive
    case routeRefresh(RouteRefresh)
    case unknown(type: BGPMessageType, body: [UInt8])

    public var type: BGPMessageType {
        switch self {
        case .open: .open
        case .update: .update
        case .notification: .notification
        case .keepalive: .keepalive
        case .routeRefresh: .routeRefresh
        case .unknown(let t, _): t
        }
    }

    /// Largest message length accepted: 65535 allows RFC 8654 extended messages.
    public static let maxLength = 65535

    /// Decodes one message: 16-byte all-ones marker, 2-byte length (header included), type, body.
    /// Bytes after the message inside `r` are left unread.
    public init(decoding r: inout WireReader, context: MessageContext) throws(WireError) {
        let start = r.fileOffset
        let marker = try r.slice(16, "BGP marker")
        guard marker.allSatisfy({ $0 == 0xFF }) else {
            throw WireError(.invalid, field: "BGP marker", offset: start, detail: "not all ones")
        }
        let length = Int(try r.u16("BGP message length"))
        guard length >= 19 else {
            throw WireError(.invalid, field: "BGP message length", offset: start + 16, detail: "\(length) < 19")
        }
        let type = BGPMessageType(rawValue: try r.u8("BGP message type"))
        var body = try r.subReader(length - 19, "BGP message body")
        switch type {
        case .open:
            let version = try body.u8("OPEN version")
            let myAS = try body.u16("OPEN my AS")
            let hold = try body.u16("OPEN hold time")
            let id = try body.ipv4("OPEN BGP identifier")
            var plen = Int(try body.u8("OPEN optional parameters length"))
            var extended = false
            // RFC 9072: a non-extended length of 255 followed by type 255 announces 2-byte lengths.
            if plen == 255, body.remaining >= 3, body.bytes[body.index] == 255 {
                _ = try body.u8("OPEN extended parameters marker")
                plen = Int(try body.u16("OPEN extended parameters length"))
                extended = true
            }
            var p = try body.subReader(plen, "OPEN optional parameters")
            var params: [OptionalParameter] = []
            while !p.isAtEnd {
                let ptype = try p.u8("OPEN parameter type")
                let len = extended ? Int(try p.u16("OPEN parameter length")) : Int(try p.u8("OPEN parameter length"))
                params.append(OptionalParameter(type: ptype, value: Array(try p.slice(len, "OPEN parameter value"))))
            }
            try body.expectEnd("OPEN")
            self = .open(BGPOpen(version: version, myAS: myAS, holdTime: hold, bgpIdentifier: id, parameters: params))
        case .update:
            self = .update(try BGPUpdate(decoding: &body, context: context))
        case .notification:
            let code = try body.u8("NOTIFICATION code")
            let sub = try body.u8("NOTIFICATION subcode")
            self = .notification(BGPNotification(code: code, subcode: sub, data: Array(body.rest())))
        case .keepalive:
            try body.expectEnd("KEEPALIVE")
            self = .keepalive
        case .routeRefresh:
            let afi = AFI(rawValue: try body.u16("ROUTE-REFRESH AFI"))
            let sub = try body.u8("ROUTE-REFRESH subtype")
            let safi = SAFI(rawValue: try body.u8("ROUTE-REFRESH SAFI"))
            try body.expectEnd("ROUTE-REFRESH")
            self = .routeRefresh(RouteRefresh(afi: afi, subtype: sub, safi: safi))
        default:
            self = .unknown(type: type, body: Array(body.rest()))
        }
    }

    /// Decodes a message that fills `bytes` exactly (a public entry point, fuzzed).
    public init(decoding bytes: ArraySlice<UInt8>, context: MessageContext, baseOffset: Int = 0) throws(WireError) {
        var r = WireReader(bytes, baseOffset: baseOffset)
        try self.init(decoding: &r, context: context)
    }
}
