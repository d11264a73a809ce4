/// Byte-level text output helpers: decimal integers and addresses written straight into a byte
/// buffer, with no intermediate `String`s (the `dump -m` hot path).
public enum TextWriter {
    @inline(__always)
    public static func append(_ s: StaticString, to out: inout [UInt8]) {
        s.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    @inline(__always)
    public static func append(_ v: UInt32, to out: inout [UInt8]) { append(UInt64(v), to: &out) }

    public static func append(_ v: UInt64, to out: inout [UInt8]) {
        // Most numbers printed are address octets, ports of AS paths and small counters.
        if v < 10 {
            out.append(0x30 &+ UInt8(truncatingIfNeeded: v))
        } else if v < 100 {
            out.append(0x30 &+ UInt8(truncatingIfNeeded: v / 10))
            out.append(0x30 &+ UInt8(truncatingIfNeeded: v % 10))
        } else if v < 1000 {
            out.append(0x30 &+ UInt8(truncatingIfNeeded: v / 100))
            out.append(0x30 &+ UInt8(truncatingIfNeeded: (v / 10) % 10))
            out.append(0x30 &+ UInt8(truncatingIfNeeded: v % 10))
        } else {
            var divisor: UInt64 = 1000
            while divisor <= v / 10 { divisor &*= 10 }
            var n = v
            while divisor > 0 {
                out.append(0x30 &+ UInt8(truncatingIfNeeded: n / divisor))
                n %= divisor
                divisor /= 10
            }
        }
    }

    public static func append(signed v: Int64, to out: inout [UInt8]) {
        if v < 0 {
            out.append(UInt8(ascii: "-"))
            append(v.magnitude, to: &out)
        } else {
            append(UInt64(v), to: &out)
        }
    }

    public static func appendIPv4(_ v: UInt32, to out: inout [UInt8]) {
        append(v >> 24, to: &out)
        out.append(UInt8(ascii: "."))
        append((v >> 16) & 0xFF, to: &out)
        out.append(UInt8(ascii: "."))
        append((v >> 8) & 0xFF, to: &out)
        out.append(UInt8(ascii: "."))
        append(v & 0xFF, to: &out)
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// IPv6 text as bgpdump's `fmt_ipv6` writes it: IPv4-mapped (`::ffff:a.b.c.d`) and IPv4-compatible
    /// (`::a.b.c.d`) forms; otherwise lower-case groups without leading zeros, and the first longest
    /// run of zero groups (even a single one) written as `::`.
    public static func appendIPv6(_ a: IPv6Address, to out: inout [UInt8]) {
        if a.high == 0 && (a.low >> 32 == 0xFFFF || (a.low >> 32 == 0 && a.low > 1)) {
            append("::", to: &out)
            if a.low >> 32 == 0xFFFF { append("ffff:", to: &out) }
            appendIPv4(UInt32(truncatingIfNeeded: a.low), to: &out)
            return
        }
        var g: (UInt16, UInt16, UInt16, UInt16, UInt16, UInt16, UInt16, UInt16) = (0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &g) { raw in
            let p = raw.bindMemory(to: UInt16.self)
            for i in 0..<4 {
                p[i] = UInt16(truncatingIfNeeded: a.high >> UInt64(48 - 16 * i))
                p[4 + i] = UInt16(truncatingIfNeeded: a.low >> UInt64(48 - 16 * i))
            }
            var bestStart = -1
            var bestLen = 0
            var i = 0
            while i < 8 {
                if p[i] == 0 {
                    var j = i
                    while j < 8 && p[j] == 0 { j += 1 }
                    if j - i > bestLen {
                        bestStart = i
                        bestLen = j - i
                    }
                    i = j
                } else {
                    i += 1
                }
            }
            i = 0
            while i < 8 {
                if i == bestStart {
                    if i == 0 { out.append(UInt8(ascii: ":")) }
                    out.append(UInt8(ascii: ":"))
                    i += bestLen
                    continue
                }
                let v = p[i]
                var started = false
                for shift in stride(from: 12, through: 0, by: -4) {
                    let d = Int((v >> UInt16(shift)) & 0xF)
                    if d != 0 || started || shift == 0 {
                        out.append(hex[d])
                        started = true
                    }
                }
                if i != 7 { out.append(UInt8(ascii: ":")) }
                i += 1
            }
        }
    }

    public static func appendIP(_ a: IPAddress, to out: inout [UInt8]) {
        switch a {
        case .v4(let v): appendIPv4(v.value, to: &out)
        case .v6(let v): appendIPv6(v, to: &out)
        }
    }

    /// The same text as ``appendASPath(_:to:)``, read straight from AS_PATH bytes already validated
    /// for `width` (no arrays built).
    public static func appendASPath(raw: ArraySlice<UInt8>, width: ASNWidth, to out: inout [UInt8]) {
        var i = raw.startIndex
        var first = true
        while i + 2 <= raw.endIndex {
            let type = ASPathSegmentType(rawValue: raw[i])
            let count = Int(raw[i + 1])
            i += 2
            if !first { out.append(UInt8(ascii: " ")) }
            first = false
            let sep: UInt8 = type.isSet ? UInt8(ascii: ",") : UInt8(ascii: " ")
            switch type {
            case .set: out.append(UInt8(ascii: "{"))
            case .confedSequence: out.append(UInt8(ascii: "("))
            case .confedSet: out.append(UInt8(ascii: "["))
            default: break
            }
            for k in 0..<count {
                if k > 0 { out.append(sep) }
                var asn: UInt32 = 0
                for _ in 0..<width.rawValue where i < raw.endIndex {
                    asn = asn << 8 | UInt32(raw[i])
                    i += 1
                }
                append(asn, to: &out)
            }
            switch type {
            case .set: out.append(UInt8(ascii: "}"))
            case .confedSequence: out.append(UInt8(ascii: ")"))
            case .confedSet: out.append(UInt8(ascii: "]"))
            default: break
            }
        }
    }

    /// AS path in bgpdump's notation (see ``ASPath/description``).
    public static func appendASPath(_ path: ASPath, to out: inout [UInt8]) {
        var first = true
        for seg in path.segments {
            if !first { out.append(UInt8(ascii: " ")) }
            first = false
            let (open, close, sep): (UInt8?, UInt8?, UInt8) =
                switch seg.type {
                case .set: (UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: ","))
                case .confedSequence: (UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: " "))
                case .confedSet: (UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: ","))
                default: (nil, nil, UInt8(ascii: " "))
                }
            if let open { out.append(open) }
            for (i, asn) in seg.asns.enumerated() {
                if i > 0 { out.append(sep) }
                append(asn, to: &out)
            }
            if let close { out.append(close) }
        }
    }
}
