/// A bounds-checked, big-endian reader over a slice of bytes.
///
/// Every read either succeeds and advances, or throws a ``WireError`` naming the field, the bytes it
/// needed and the bytes left, and consumes nothing. This is the only way the codec touches untrusted
/// bytes: no raw subscripts elsewhere.
public struct WireReader {
    public let bytes: ArraySlice<UInt8>
    /// Index into `bytes` (absolute, as for any ArraySlice) of the next unread byte.
    public private(set) var index: Int
    /// Absolute offset of `bytes.startIndex` in the enclosing file, for error messages.
    public let baseOffset: Int

    public init(_ bytes: ArraySlice<UInt8>, baseOffset: Int = 0) {
        self.bytes = bytes
        self.index = bytes.startIndex
        self.baseOffset = baseOffset
    }

    public var remaining: Int { bytes.endIndex - index }
    public var isAtEnd: Bool { index >= bytes.endIndex }
    /// Offset of the next unread byte relative to the start of this reader's slice.
    public var position: Int { index - bytes.startIndex }
    /// Offset of the next unread byte in the enclosing file.
    public var fileOffset: Int { baseOffset + position }

    @inline(__always)
    private func need(_ count: Int, _ field: StaticString) throws(WireError) {
        if count > remaining {
            throw WireError(.truncated, field: field, offset: fileOffset, needed: count, available: remaining)
        }
    }

    @inline(__always)
    public mutating func u8(_ field: StaticString) throws(WireError) -> UInt8 {
        try need(1, field)
        defer { index += 1 }
        return bytes[index]
    }

    @inline(__always)
    public mutating func u16(_ field: StaticString) throws(WireError) -> UInt16 {
        try need(2, field)
        defer { index += 2 }
        return UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
    }

    @inline(__always)
    public mutating func u32(_ field: StaticString) throws(WireError) -> UInt32 {
        try need(4, field)
        defer { index += 4 }
        return UInt32(bytes[index]) << 24 | UInt32(bytes[index + 1]) << 16 | UInt32(bytes[index + 2]) << 8
            | UInt32(bytes[index + 3])
    }

    @inline(__always)
    public mutating func u64(_ field: StaticString) throws(WireError) -> UInt64 {
        try need(8, field)
        let hi = try u32(field)
        let lo = try u32(field)
        return UInt64(hi) << 32 | UInt64(lo)
    }

    /// An ASN of `width` bytes (2 or 4), widened to 32 bits.
    @inline(__always)
    public mutating func asn(width: ASNWidth, _ field: StaticString) throws(WireError) -> UInt32 {
        width == .four ? try u32(field) : UInt32(try u16(field))
    }

    /// The next `count` bytes as a slice sharing storage with the input.
    @inline(__always)
    public mutating func slice(_ count: Int, _ field: StaticString) throws(WireError) -> ArraySlice<UInt8> {
        guard count >= 0 else {
            throw WireError(.invalid, field: field, offset: fileOffset, needed: count, available: remaining)
        }
        try need(count, field)
        defer { index += count }
        return bytes[index..<index + count]
    }

    /// A sub-reader over the next `count` bytes; this reader skips past them.
    @inline(__always)
    public mutating func subReader(_ count: Int, _ field: StaticString) throws(WireError) -> WireReader {
        let offset = fileOffset
        let s = try slice(count, field)
        return WireReader(s, baseOffset: offset)
    }

    public mutating func skip(_ count: Int, _ field: StaticString) throws(WireError) {
        try need(count, field)
        index += count
    }

    /// Everything left, consumed.
    public mutating func rest() -> ArraySlice<UInt8> {
        defer { index = bytes.endIndex }
        return bytes[index...]
    }

    public mutating func ipv4(_ field: StaticString) throws(WireError) -> IPv4Address {
        IPv4Address(try u32(field))
    }

    public mutating func ipv6(_ field: StaticString) throws(WireError) -> IPv6Address {
        try need(16, field)
        return IPv6Address(high: try u64(field), low: try u64(field))
    }

    public mutating func ip(afi: AFI, _ field: StaticString) throws(WireError) -> IPAddress {
        switch afi {
        case .ipv4: return .v4(try ipv4(field))
        case .ipv6: return .v6(try ipv6(field))
        default:
            throw WireError(.unsupported, field: field, offset: fileOffset, detail: "address family \(afi.rawValue)")
        }
    }

    /// Throws unless every byte was consumed (for fixed-layout structures).
    public func expectEnd(_ field: StaticString) throws(WireError) {
        if remaining != 0 {
            throw WireError(.trailingBytes, field: field, offset: fileOffset, needed: 0, available: remaining)
        }
    }
}

/// How many bytes an AS number takes in a given context (RFC 6793).
public enum ASNWidth: Int, Sendable, Hashable, Codable {
    case two = 2
    case four = 4
}
