// BGP-4 message encoders (RFC 4271 §4, RFC 5492 capabilities, RFC 9072 extended OPEN parameters,
// RFC 2918 ROUTE-REFRESH, RFC 7911 ADD-PATH).

extension Capability {
    /// Code, 1-byte length, value (RFC 5492 §4).
    public func encode(into w: inout WireWriter) {
        w.u8(code)
        w.lengthPrefixed(.u8, "capability length") { v in
            switch self {
            case .multiprotocol(let afi, let safi):
                v.u16(afi.rawValue)
                v.u8(0)  // reserved
                v.u8(safi.rawValue)
            case .routeRefresh: break
            case .fourOctetAS(let asn): v.u32(asn)
            case .addPath(let families):
                for f in families {
                    v.u16(f.afi.rawValue)
                    v.u8(f.safi.rawValue)
                    v.u8(f.sendReceive)
                }
            case .other(_, let value): v.append(value)
            }
        }
    }
}

extension OptionalParameter {
    /// A capabilities parameter (type 2, RFC 5492) holding all of `capabilities`.
    public init(capabilities: [Capability]) {
        var w = WireWriter()
        for c in capabilities { c.encode(into: &w) }
        self.init(type: 2, value: w.bytes)
    }
}

extension BGPOpen {
    /// Whether the parameters need RFC 9072's extended (2-byte) lengths.
    var needsExtendedParameters: Bool {
        parameters.contains { $0.value.count > 255 } || parameters.reduce(0) { $0 + 2 + $1.value.count } > 255
    }

    /// The body after the BGP header. Parameters use 1-byte lengths unless one of them, or the whole
    /// list, does not fit; then the RFC 9072 extended form (255, 255, 2-byte lengths) is written.
    public func encodeBody(into w: inout WireWriter) {
        w.u8(version)
        w.u16(myAS)
        w.u16(holdTime)
        w.ipv4(bgpIdentifier)
        let extended = needsExtendedParameters
        if extended {
            w.u8(255)  // non-extended length
            w.u8(255)  // non-extended type: extended form follows
        }
        w.lengthPrefixed(extended ? .u16 : .u8, "OPEN optional parameters length") { p in
            for param in parameters {
                p.u8(param.type)
                p.lengthPrefixed(extended ? .u16 : .u8, "OPEN parameter length") { $0.append(param.value) }
            }
        }
    }
}

extension BGPUpdate {
    /// The body after the BGP header: withdrawn routes, path attributes, NLRI (RFC 4271 §4.3), with
    /// path identifiers when `context.addPath` is set.
    public func encodeBody(into w: inout WireWriter, context: MessageContext) {
        w.lengthPrefixed(.u16, "withdrawn routes length") { $0.nlriList(withdrawn, addPath: context.addPath) }
        w.lengthPrefixed(.u16, "total path attribute length") {
            attributes.encode(
                into: &$0, context: AttributeContext(asnWidth: context.asnWidth, addPath: context.addPath))
        }
        w.nlriList(announced, addPath: context.addPath)
    }

    /// An UPDATE whose attributes are encoded from `attributes` for `context`.
    public init(withdrawn: [NLRI], attributes: [PathAttribute], announced: [NLRI], context: MessageContext) {
        self.init(
            withdrawn: withdrawn,
            attributes: PathAttributes(
                encoding: attributes, context: AttributeContext(asnWidth: context.asnWidth, addPath: context.addPath)),
            announced: announced)
    }
}

extension BGPMessage {
    /// The whole message: 16-byte all-ones marker, 2-byte length (header included), type, body.
    public func encode(into w: inout WireWriter, context: MessageContext) {
        let start = w.count
        w.append(repeatElement(0xFF, count: 16))
        w.u16(0)
        w.u8(type.rawValue)
        switch self {
        case .open(let o): o.encodeBody(into: &w)
        case .update(let u): u.encodeBody(into: &w, context: context)
        case .notification(let n):
            w.u8(n.code)
            w.u8(n.subcode)
            w.append(n.data)
        case .keepalive: break
        case .routeRefresh(let r):
            w.u16(r.afi.rawValue)
            w.u8(r.subtype)
            w.u8(r.safi.rawValue)
        case .unknown(_, let body): w.append(body)
        }
        let n = w.count - start
        precondition(n <= BGPMessage.maxLength, "BGP message of \(n) bytes exceeds \(BGPMessage.maxLength)")
        w.bytes[start + 16] = UInt8(n >> 8)
        w.bytes[start + 17] = UInt8(n & 0xFF)
    }

    public func encode(context: MessageContext) -> [UInt8] {
        var w = WireWriter()
        encode(into: &w, context: context)
        return w.bytes
    }
}
