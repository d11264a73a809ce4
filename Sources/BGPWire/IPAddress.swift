/// An IPv4 address in host order (`value` of 0x01020304 is 1.2.3.4).
public struct IPv4Address: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public var value: UInt32
    public init(_ value: UInt32) { self.value = value }
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }
    /// Parses dotted-quad text; nil if malformed.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for p in parts {
            guard !p.isEmpty, p.count <= 3, let n = UInt32(p), n <= 255 else { return nil }
            v = v << 8 | n
        }
        value = v
    }
    public static func < (a: Self, b: Self) -> Bool { a.value < b.value }
    public var description: String {
        var out: [UInt8] = []
        TextWriter.appendIPv4(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

/// An IPv6 address as two 64-bit halves in host order.
public struct IPv6Address: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public var high: UInt64
    public var low: UInt64
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }
    /// The 8 groups of 16 bits, most significant first.
    public var groups: [UInt16] {
        (0..<8).map { i in UInt16(truncatingIfNeeded: (i < 4 ? high : low) >> (UInt64(3 - i % 4) * 16)) }
    }
    public init(groups g: [UInt16]) {
        precondition(g.count == 8)
        high = g[0..<4].reduce(0) { $0 << 16 | UInt64($1) }
        low = g[4..<8].reduce(0) { $0 << 16 | UInt64($1) }
    }
    /// Parses RFC 4291 text (with `::` and an optional dotted-quad tail); nil if malformed.
    public init?(_ text: some StringProtocol) {
        let chars = Array(text.utf8)
        var halves: [String] = []
        var cur: [UInt8] = []
        var i = 0
        while i < chars.count {
            if chars[i] == UInt8(ascii: ":") && i + 1 < chars.count && chars[i + 1] == UInt8(ascii: ":") {
                halves.append(String(decoding: cur, as: UTF8.self))
                cur = []
                i += 2
            } else {
                cur.append(chars[i])
                i += 1
            }
        }
        halves.append(String(decoding: cur, as: UTF8.self))
        guard halves.count <= 2 else { return nil }
        func parse(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var out: [UInt16] = []
            let fields = part.split(separator: ":", omittingEmptySubsequences: false)
            for (i, f) in fields.enumerated() {
                if i == fields.count - 1, f.contains("."), let v4 = IPv4Address(f) {
                    out += [UInt16(v4.value >> 16), UInt16(v4.value & 0xFFFF)]
                } else {
                    guard !f.isEmpty, f.count <= 4, let n = UInt16(f, radix: 16) else { return nil }
                    out.append(n)
                }
            }
            return out
        }
        guard let head = parse(halves[0]) else { return nil }
        var groups = head
        if halves.count == 2 {
            guard let tail = parse(halves[1]), head.count + tail.count <= 7 else { return nil }
            groups += Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard groups.count == 8 else { return nil }
        self.init(groups: groups)
    }
    public static func < (a: Self, b: Self) -> Bool { (a.high, a.low) < (b.high, b.low) }
    public var description: String {
        var out: [UInt8] = []
        TextWriter.appendIPv6(self, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

/// An IPv4 or IPv6 address.
public enum IPAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    case v4(IPv4Address)
    case v6(IPv6Address)

    public var afi: AFI { if case .v4 = self { .ipv4 } else { .ipv6 } }
    public var description: String {
        switch self {
        case .v4(let a): a.description
        case .v6(let a): a.description
        }
    }
    public init?(_ text: some StringProtocol) {
        if text.contains(":") {
            guard let a = IPv6Address(text) else { return nil }
            self = .v6(a)
        } else {
            guard let a = IPv4Address(text) else { return nil }
            self = .v4(a)
        }
    }
}

/// Address Family Identifier (IANA). An open set: unknown values are kept.
public struct AFI: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let ipv4 = AFI(rawValue: 1)
    public static let ipv6 = AFI(rawValue: 2)
    /// Address length in bytes, or nil for families this codec does not interpret.
    public var addressBytes: Int? { self == .ipv4 ? 4 : self == .ipv6 ? 16 : nil }
    public var maxPrefixLength: Int? { addressBytes.map { $0 * 8 } }
    public var description: String { self == .ipv4 ? "ipv4" : self == .ipv6 ? "ipv6" : "afi\(rawValue)" }
}

/// Subsequent Address Family Identifier (IANA). An open set.
public struct SAFI: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let unicast = SAFI(rawValue: 1)
    public static let multicast = SAFI(rawValue: 2)
    /// RFC 4760 value 3 (unicast and multicast), deprecated but present in old archives.
    public static let unicastMulticast = SAFI(rawValue: 3)
    public var description: String {
        switch rawValue {
        case 1: "unicast"
        case 2: "multicast"
        case 3: "unicast+multicast"
        default: "safi\(rawValue)"
        }
    }
}
