/// A big-endian byte writer, the counterpart of ``WireReader``.
///
/// Values that cannot be represented (a block longer than its length field allows) stop the
/// program with a precondition failure naming the field: there is no standard-conforming encoding
/// for them, and writing a wrapped length would produce a stream no reader can frame.
public struct WireWriter: Sendable {
    public var bytes: [UInt8]

    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Width of the length field written by ``lengthPrefixed(_:_:_:)``.
    public enum LengthWidth: Int, Sendable {
        case u8 = 1
        case u16 = 2
        case u32 = 4
    }

    public var count: Int { bytes.count }

    @inline(__always)
    public mutating func u8(_ v: UInt8) { bytes.append(v) }

    @inline(__always)
    public mutating func u16(_ v: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: v >> 8))
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    @inline(__always)
    public mutating func u32(_ v: UInt32) {
        bytes.append(UInt8(truncatingIfNeeded: v >> 24))
        bytes.append(UInt8(truncatingIfNeeded: v >> 16))
        bytes.append(UInt8(truncatingIfNeeded: v >> 8))
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    @inline(__always)
    public mutating func u64(_ v: UInt64) {
        u32(UInt32(truncatingIfNeeded: v >> 32))
        u32(UInt32(truncatingIfNeeded: v))
    }

    public mutating func append(_ raw: some Sequence<UInt8>) { bytes.append(contentsOf: raw) }

    /// An ASN in `width` bytes. In a 2-byte field an ASN above 65535 is written as AS_TRANS (23456),
    /// as RFC 6793 §4.2.2 prescribes.
    @inline(__always)
    public mutating func asn(_ v: UInt32, width: ASNWidth) {
        if width == .four { u32(v) } else { u16(v > 0xFFFF ? 23456 : UInt16(v)) }
    }

    public mutating func ipv4(_ a: IPv4Address) { u32(a.value) }

    public mutating func ipv6(_ a: IPv6Address) {
        u64(a.high)
        u64(a.low)
    }

    /// A full address: 4 bytes for IPv4, 16 for IPv6.
    public mutating func ip(_ a: IPAddress) {
        switch a {
        case .v4(let v4): ipv4(v4)
        case .v6(let v6): ipv6(v6)
        }
    }

    /// One RFC 4271 §4.3 prefix: the length in bits, then the fewest whole bytes holding it, taken
    /// from the address as stored (bits past the length inside the last byte are kept, not masked).
    public mutating func prefix(_ p: IPPrefix) {
        u8(p.length)
        var n = (Int(p.length) + 7) / 8
        switch p.address {
        case .v4(let a):
            n = min(n, 4)
            for i in 0..<n { u8(UInt8(truncatingIfNeeded: a.value >> UInt32(24 - 8 * i))) }
        case .v6(let a):
            n = min(n, 16)
            for i in 0..<n {
                let half = i < 8 ? a.high : a.low
                u8(UInt8(truncatingIfNeeded: half >> UInt64(56 - 8 * (i % 8))))
            }
        }
    }

    /// NLRI entries, each preceded by its 4-byte path identifier (0 when absent) if `addPath` is set.
    public mutating func nlriList(_ list: [NLRI], addPath: Bool) {
        for n in list {
            if addPath { u32(n.pathID ?? 0) }
            prefix(n.prefix)
        }
    }

    /// Writes a `width`-byte length, then what `body` writes, and backfills the length with the
    /// number of bytes `body` wrote.
    public mutating func lengthPrefixed(
        _ width: LengthWidth, _ field: StaticString = "length", _ body: (inout WireWriter) -> Void
    ) {
        let at = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: width.rawValue))
        body(&self)
        let n = bytes.count - at - width.rawValue
        let limit: UInt64 = width == .u8 ? 0xFF : width == .u16 ? 0xFFFF : 0xFFFF_FFFF
        precondition(UInt64(n) <= limit, "\(field): \(n) bytes do not fit a \(width.rawValue)-byte length")
        for i in 0..<width.rawValue {
            bytes[at + i] = UInt8(truncatingIfNeeded: n >> (8 * (width.rawValue - 1 - i)))
        }
    }
}
