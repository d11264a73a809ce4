import BGPWire

/// A problem found while parsing a registry text file; the line is skipped.
public struct RegistryProblem: Hashable, Sendable, CustomStringConvertible {
    /// 1-based line number (0 for a problem with the file as a whole).
    public var line: Int
    public var message: String
    public init(line: Int, _ message: String) {
        self.line = line
        self.message = message
    }
    public var description: String { line > 0 ? "line \(line): \(message)" : message }
}

/// Byte-level line and field scanning shared by the registry parsers (all formats are ASCII apart
/// from free-text names, which are decoded as UTF-8 with replacement of invalid bytes).
enum RegistryText {
    typealias Bytes = Slice<UnsafeBufferPointer<UInt8>>

    static func withBytes<R>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        var t = text
        return t.withUTF8(body)
    }

    static func withBytes<R>(_ bytes: [UInt8], _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        bytes.withUnsafeBufferPointer(body)
    }

    /// Calls `body(lineNumber, line)` for every line (1-based; "\n" or "\r\n" endings removed).
    static func forEachLine(_ buf: UnsafeBufferPointer<UInt8>, _ body: (Int, Bytes) -> Void) {
        var start = 0
        var number = 0
        while start < buf.count {
            var end = start
            while end < buf.count && buf[end] != 0x0A { end += 1 }
            number += 1
            let stop = end > start && buf[end - 1] == 0x0D ? end - 1 : end
            body(number, buf[start..<stop])
            start = end + 1
        }
    }

    /// Splits `line` at every `separator` byte (empty fields kept) into `fields`, which is reused.
    static func split(_ line: Bytes, _ separator: UInt8, into fields: inout [Bytes]) {
        fields.removeAll(keepingCapacity: true)
        var from = line.startIndex
        for i in line.indices where line[i] == separator {
            fields.append(line[from..<i])
            from = i + 1
        }
        fields.append(line[from..<line.endIndex])
    }

    static func string(_ b: Bytes) -> String { String(decoding: UnsafeBufferPointer(rebasing: b), as: UTF8.self) }

    static func equals(_ b: Bytes, _ s: StaticString) -> Bool {
        guard b.count == s.utf8CodeUnitCount else { return false }
        var p = s.utf8Start
        for c in b {
            guard c == p.pointee else { return false }
            p += 1
        }
        return true
    }

    /// A decimal number of 1 to 19 digits, nothing else.
    static func number(_ b: Bytes) -> UInt64? {
        guard !b.isEmpty, b.count <= 19 else { return nil }
        var v: UInt64 = 0
        for c in b {
            guard c &- 0x30 < 10 else { return nil }
            v = v * 10 + UInt64(c &- 0x30)
        }
        return v
    }

    static func ipv4(_ b: Bytes) -> IPv4Address? {
        var v: UInt32 = 0
        var part: UInt32 = 0
        var digits = 0
        var dots = 0
        for c in b {
            if c == 0x2E {
                guard digits > 0, dots < 3 else { return nil }
                v = v << 8 | part
                part = 0
                digits = 0
                dots += 1
            } else {
                guard c &- 0x30 < 10, digits < 3 else { return nil }
                part = part * 10 + UInt32(c &- 0x30)
                guard part <= 255 else { return nil }
                digits += 1
            }
        }
        guard dots == 3, digits > 0 else { return nil }
        return IPv4Address(v << 8 | part)
    }

    /// An IPv4 or IPv6 address (IPv4 parsed without allocating).
    static func address(_ b: Bytes) -> IPAddress? {
        if let v4 = ipv4(b) { return .v4(v4) }
        guard b.contains(0x3A), let v6 = IPv6Address(string(b)) else { return nil }
        return .v6(v6)
    }

    /// An AS number, plain ("131279") or asdot ("2.1999", RFC 5396: 2 * 65536 + 1999).
    static func asn(_ b: Bytes) -> UInt32? {
        if let dot = b.firstIndex(of: 0x2E) {
            guard let high = number(b[b.startIndex..<dot]), let low = number(b[(dot + 1)..<b.endIndex]),
                high <= 0xFFFF, low <= 0xFFFF
            else { return nil }
            return UInt32(high << 16 | low)
        }
        guard let n = number(b), n <= UInt64(UInt32.max) else { return nil }
        return UInt32(n)
    }
}
