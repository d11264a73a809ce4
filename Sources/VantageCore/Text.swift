/// 1234567 → "1,234,567" (reports and progress lines).
public func grouped(_ n: Int) -> String {
    let s = String(n.magnitude)
    var out = ""
    for (i, c) in s.reversed().enumerated() {
        if i > 0 && i % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return (n < 0 ? "-" : "") + String(out.reversed())
}

/// 0.456 → "46 %" (reports and the dashboard).
public func percent(_ x: Double) -> String { "\(Int((x * 100).rounded())) %" }

/// FNV-1a, 64 bits: cheap content digests (cache stamps, file fingerprints, migration pins). Not cryptographic.
public struct FNV1a: Sendable {
    public private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325
    public init() {}
    public mutating func add<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        for b in bytes { value = (value ^ UInt64(b)) &* 0x100_0000_01B3 }
    }
    public mutating func add(_ s: String) { add(s.utf8) }
    /// Lower-case hex, no leading zeros.
    public var hex: String { String(value, radix: 16) }
    public static func hex(_ s: String) -> String {
        var h = FNV1a()
        h.add(s)
        return h.hex
    }
}

/// A string as one URL path segment: RFC 3986 unreserved characters and sub-delims, ':' and '@' are
/// kept, everything else is percent-encoded as UTF-8 (event ids keep their colons, prefixes lose '/').
public func percentEncodedPathSegment(_ s: String) -> String {
    var out = ""
    for b in s.utf8 {
        let c = Character(Unicode.Scalar(b))
        if (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || "-._~:@!$&'()*+,;=".contains(c) {
            out.append(c)
        } else {
            let hex = String(b, radix: 16, uppercase: true)
            out += "%" + (hex.count == 1 ? "0" : "") + hex
        }
    }
    return out
}
