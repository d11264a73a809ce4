/// AS_PATH segment type (RFC 4271 §4.3, RFC 5065 for confederations). An open set.
public struct ASPathSegmentType: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let set = Self(rawValue: 1)
    public static let sequence = Self(rawValue: 2)
    public static let confedSequence = Self(rawValue: 3)
    public static let confedSet = Self(rawValue: 4)
    public var isKnown: Bool { (1...4).contains(rawValue) }
    /// AS_SET and AS_CONFED_SET count as one hop, whatever their size (RFC 4271 §9.1.2.2).
    public var isSet: Bool { self == .set || self == .confedSet }
    public var description: String {
        switch rawValue {
        case 1: "set"
        case 2: "sequence"
        case 3: "confed-sequence"
        case 4: "confed-set"
        default: "type\(rawValue)"
        }
    }
}

public struct ASPathSegment: Hashable, Sendable {
    public var type: ASPathSegmentType
    public var asns: [UInt32]
    public init(_ type: ASPathSegmentType, _ asns: [UInt32]) {
        self.type = type
        self.asns = asns
    }
}

/// An AS path, decoded from AS_PATH or AS4_PATH.
public struct ASPath: Hashable, Sendable, CustomStringConvertible {
    public var segments: [ASPathSegment]
    public init(_ segments: [ASPathSegment]) { self.segments = segments }

    /// Path length for route selection: a sequence counts each AS, a set counts one.
    public var hopCount: Int { segments.reduce(0) { $0 + ($1.type.isSet ? 1 : $1.asns.count) } }

    /// The origin AS: the last AS of a final sequence; nil when the path is empty or ends in a set.
    public var origin: UInt32? {
        guard let last = segments.last, last.type == .sequence else { return nil }
        return last.asns.last
    }

    /// The AS a route was learned from (first AS of a leading sequence).
    public var firstASN: UInt32? {
        guard let first = segments.first, first.type == .sequence else { return nil }
        return first.asns.first
    }

    /// Rebuilds the 4-byte path from a 2-byte AS_PATH and an AS4_PATH (RFC 6793 §4.2.3): when AS_PATH
    /// has fewer hops than AS4_PATH, AS4_PATH is ignored; otherwise the leading
    /// `hops(AS_PATH) − hops(AS4_PATH)` hops of AS_PATH are kept and AS4_PATH is appended.
    /// Confederation segments are counted like their plain counterparts, as bgpdump does.
    public func merged(withAS4Path as4: ASPath) -> ASPath {
        let keep = hopCount - as4.hopCount
        guard keep >= 0 else { return self }
        var out: [ASPathSegment] = []
        var kept = 0
        for seg in segments where kept < keep {
            if seg.type.isSet {
                out.append(seg)
                kept += 1
            } else {
                let take = min(seg.asns.count, keep - kept)
                out.append(ASPathSegment(seg.type, Array(seg.asns.prefix(take))))
                kept += take
            }
        }
        return ASPath(out + as4.segments)
    }

    /// bgpdump's notation: sequences space-separated, `{a,b}` sets, `(a b)` confed sequences, `[a,b]` confed sets.
    public var description: String {
        var out: [UInt8] = []
        TextWriter.appendASPath(self, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes segments of `width`-byte ASNs. Throws on an unknown segment type or a segment that
    /// runs past the attribute (RFC 7606 §7.2: such an AS_PATH is malformed).
    public init(decoding bytes: ArraySlice<UInt8>, width: ASNWidth, baseOffset: Int = 0) throws(WireError) {
        var r = WireReader(bytes, baseOffset: baseOffset)
        var segs: [ASPathSegment] = []
        while !r.isAtEnd {
            let at = r.fileOffset
            let type = ASPathSegmentType(rawValue: try r.u8("AS_PATH segment type"))
            guard type.isKnown else {
                throw WireError(.invalid, field: "AS_PATH segment type", offset: at, detail: "type \(type.rawValue)")
            }
            let count = Int(try r.u8("AS_PATH segment length"))
            var asns: [UInt32] = []
            asns.reserveCapacity(count)
            var seg = try r.subReader(count * width.rawValue, "AS_PATH segment ASNs")
            for _ in 0..<count { asns.append(try seg.asn(width: width, "AS_PATH ASN")) }
            segs.append(ASPathSegment(type, asns))
        }
        self.segments = segs
    }

    /// Checks what `init(decoding:)` checks on `bytes[start..<start+count]`, without building arrays
    /// or slices (it runs for every route read).
    static func validate(
        _ bytes: ArraySlice<UInt8>, _ start: Int, _ count: Int, width: ASNWidth, baseOffset: Int
    ) throws(WireError) {
        var i = start
        let end = start + count
        while i < end {
            let at = baseOffset + (i - start)
            let type = ASPathSegmentType(rawValue: bytes[i])
            guard type.isKnown else {
                throw WireError(.invalid, field: "AS_PATH segment type", offset: at, detail: "type \(type.rawValue)")
            }
            guard end - i >= 2 else {
                throw WireError(.truncated, field: "AS_PATH segment length", offset: at + 1, needed: 1, available: 0)
            }
            let need = Int(bytes[i + 1]) * width.rawValue
            guard end - i - 2 >= need else {
                throw WireError(.truncated, field: "AS_PATH segment ASNs", offset: at + 2, needed: need, available: end - i - 2)
            }
            i += 2 + need
        }
    }
}
