/// An IP prefix exactly as carried on the wire: the address keeps any bits past `length`
/// (some archives carry them, see RIPE bgpdump issue "nlri mask trailing bits"); ``masked``
/// clears them.
public struct IPPrefix: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var address: IPAddress
    public var length: UInt8

    public init(_ address: IPAddress, _ length: UInt8) {
        self.address = address
        self.length = length
    }

    public var afi: AFI { address.afi }

    /// The same prefix with every bit past `length` cleared.
    public var masked: IPPrefix {
        switch address {
        case .v4(let a):
            let mask: UInt32 = length == 0 ? 0 : ~UInt32(0) << (32 - UInt32(min(length, 32)))
            return IPPrefix(.v4(IPv4Address(a.value & mask)), length)
        case .v6(let a):
            let l = UInt64(min(length, 128))
            let hiMask: UInt64 = l == 0 ? 0 : l >= 64 ? ~0 : ~UInt64(0) << (64 - l)
            let loMask: UInt64 = l <= 64 ? 0 : l >= 128 ? ~0 : ~UInt64(0) << (128 - l)
            return IPPrefix(.v6(IPv6Address(high: a.high & hiMask, low: a.low & loMask)), length)
        }
    }

    /// Parses "a.b.c.d/n" or "x::/n".
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let addr = IPAddress(parts[0]), let len = UInt8(parts[1]),
            Int(len) <= (addr.afi == .ipv4 ? 32 : 128)
        else { return nil }
        self.init(addr, len)
    }

    public static func < (a: Self, b: Self) -> Bool { (a.address, a.length) < (b.address, b.length) }
    public var description: String { "\(address)/\(length)" }
}

/// One NLRI entry: a prefix, and its ADD-PATH path identifier (RFC 7911) when the session uses one.
public struct NLRI: Hashable, Sendable, CustomStringConvertible {
    public var prefix: IPPrefix
    public var pathID: UInt32?
    public init(_ prefix: IPPrefix, pathID: UInt32? = nil) {
        self.prefix = prefix
        self.pathID = pathID
    }
    public var description: String { pathID.map { "\(prefix) path-id \($0)" } ?? prefix.description }
}

extension WireReader {
    /// One RFC 4271 §4.3 prefix: a length in bits, then the fewest whole bytes that hold it.
    public mutating func prefix(afi: AFI, _ field: StaticString) throws(WireError) -> IPPrefix {
        let at = fileOffset
        let bits = try u8(field)
        guard let maxBits = afi.maxPrefixLength else {
            throw WireError(.unsupported, field: field, offset: at, detail: "address family \(afi.rawValue)")
        }
        guard Int(bits) <= maxBits else {
            throw WireError(.invalid, field: field, offset: at, detail: "prefix length \(bits) > \(maxBits)")
        }
        let count = (Int(bits) + 7) / 8
        let raw = try slice(count, field)
        if afi == .ipv4 {
            var v: UInt32 = 0
            var shift: UInt32 = 24
            for b in raw {
                v |= UInt32(b) << shift
                shift &-= 8
            }
            return IPPrefix(.v4(IPv4Address(v)), bits)
        }
        var hi: UInt64 = 0
        var lo: UInt64 = 0
        for (i, b) in raw.enumerated() {
            if i < 8 { hi |= UInt64(b) << UInt64(56 - 8 * i) } else { lo |= UInt64(b) << UInt64(56 - 8 * (i - 8)) }
        }
        return IPPrefix(.v6(IPv6Address(high: hi, low: lo)), bits)
    }

    /// A list of prefixes filling the rest of this reader, each preceded by a path identifier
    /// when `addPath` is set.
    public mutating func nlriList(afi: AFI, addPath: Bool, _ field: StaticString) throws(WireError) -> [NLRI] {
        let (list, error) = nlriListKeepingValid(afi: afi, addPath: addPath, field)
        if let error { throw error }
        return list
    }

    /// Like ``nlriList(afi:addPath:_:)``, but a bad or cut entry ends the list instead of failing
    /// it: the entries before it are returned with the error (archives from buggy speakers carry
    /// such lists; bgpdump likewise keeps the prefixes before the damage). The rest is consumed.
    public mutating func nlriListKeepingValid(afi: AFI, addPath: Bool, _ field: StaticString) -> ([NLRI], WireError?) {
        var out: [NLRI] = []
        while !isAtEnd {
            do throws(WireError) {
                let id: UInt32? = addPath ? try u32(field) : nil
                out.append(NLRI(try prefix(afi: afi, field), pathID: id))
            } catch {
                _ = rest()
                return (out, error)
            }
        }
        return (out, nil)
    }
}
