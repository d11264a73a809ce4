import BGPWire

/// AS names, one `AS<number><spaces or tab><name>` per line (the "asnames" list, e.g. asnames_20140524.dat).
/// The number may be plain ("AS131279") or asdot ("AS2.1999" = 2 * 65536 + 1999); names are UTF-8
/// (invalid bytes replaced). Blank lines and `#` comments are skipped; a repeated AS keeps the last name.
public struct ASNames: Sendable {
    public private(set) var names: [UInt32: String] = [:]
    public private(set) var problems: [RegistryProblem] = []

    public init() {}
    public init(_ text: String) { self = RegistryText.withBytes(text, Self.parse) }
    public init(bytes: [UInt8]) { self = RegistryText.withBytes(bytes, Self.parse) }

    public subscript(asn: UInt32) -> String? { names[asn] }
    public var count: Int { names.count }

    private static func parse(_ buf: UnsafeBufferPointer<UInt8>) -> ASNames {
        var out = ASNames()
        out.names.reserveCapacity(buf.count / 32)
        RegistryText.forEachLine(buf) { number, line in
            guard let first = line.first, first != UInt8(ascii: "#") else { return }
            let isSpace = { (c: UInt8) in c == 0x20 || c == 0x09 }
            let tokenEnd = line.firstIndex(where: isSpace) ?? line.endIndex
            let nameStart = line[tokenEnd...].firstIndex { !isSpace($0) } ?? line.endIndex
            let nameEnd = (line[nameStart...].lastIndex { !isSpace($0) }).map { $0 + 1 } ?? nameStart
            guard line.count > 2, line[line.startIndex] == UInt8(ascii: "A"),
                line[line.startIndex + 1] == UInt8(ascii: "S"),
                let asn = RegistryText.asn(line[(line.startIndex + 2)..<tokenEnd]), nameStart < nameEnd
            else { return out.problems.append(RegistryProblem(line: number, "expected AS<number> <name>")) }
            out.names[asn] = RegistryText.string(line[nameStart..<nameEnd])
        }
        return out
    }
}

/// CAIDA RouteViews prefix-to-AS mappings (routeviews-rv2-*.pfx2as, decompressed by the caller):
/// `address<TAB>length<TAB>origins` per line, where `origins` lists the origin ASes of a prefix seen with
/// several (MOAS) separated by `_`, each of which may be an AS set written with `,` ("31200_50923,65500_50923").
/// ``origins(of:)`` flattens both into the distinct ASes, in order of first appearance.
public struct PrefixOrigins: Sendable {
    public private(set) var trie = PrefixTrie<[UInt32]>()
    public private(set) var problems: [RegistryProblem] = []

    public init() {}
    public init(_ text: String) { self = RegistryText.withBytes(text, Self.parse) }
    public init(bytes: [UInt8]) { self = RegistryText.withBytes(bytes, Self.parse) }

    /// The number of prefixes.
    public var count: Int { trie.count }

    /// The origin ASes announced for exactly `prefix` ([] if it is not listed).
    public func origins(of prefix: IPPrefix) -> [UInt32] { trie.value(at: prefix) ?? [] }

    /// The most specific listed prefix containing `address`, with its origins.
    public func longestMatch(_ address: IPAddress) -> (prefix: IPPrefix, origins: [UInt32])? {
        trie.longestMatch(address).map { ($0.prefix, $0.value) }
    }

    /// The most specific listed prefix covering the whole of `prefix`, with its origins.
    public func longestMatch(_ prefix: IPPrefix) -> (prefix: IPPrefix, origins: [UInt32])? {
        trie.longestMatch(prefix).map { ($0.prefix, $0.value) }
    }

    private static func parse(_ buf: UnsafeBufferPointer<UInt8>) -> PrefixOrigins {
        var out = PrefixOrigins()
        var fields: [RegistryText.Bytes] = []
        var asns: [RegistryText.Bytes] = []
        RegistryText.forEachLine(buf) { number, line in
            guard let first = line.first, first != UInt8(ascii: "#") else { return }
            RegistryText.split(line, 0x09, into: &fields)
            if fields.count != 3 {  // tolerate spaces instead of tabs
                RegistryText.split(line, 0x20, into: &fields)
                fields.removeAll { $0.isEmpty }
            }
            guard fields.count == 3, let address = RegistryText.address(fields[0]),
                let length = RegistryText.number(fields[1]),
                length <= (address.afi == .ipv4 ? 32 : 128)
            else { return out.problems.append(RegistryProblem(line: number, "expected address, length, origins")) }
            RegistryText.split(fields[2], UInt8(ascii: "_"), into: &asns)
            var origins: [UInt32] = []
            for moas in asns {
                for set in moas.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
                    guard let asn = RegistryText.asn(set) else {
                        return out.problems.append(RegistryProblem(line: number, "bad origin AS"))
                    }
                    if !origins.contains(asn) { origins.append(asn) }
                }
            }
            out.trie.insert(IPPrefix(address, UInt8(length)).masked, origins)
        }
        return out
    }
}

/// How AS `a` relates to AS `b` in ``ASRelationships``.
public enum ASRelationship: Hashable, Sendable {
    /// `a` is a provider (transit) of `b`.
    case providerOf
    /// `a` is a customer of `b`.
    case customerOf
    /// Settlement-free peers.
    case peer
}

/// CAIDA inferred AS relationships (serial-1 `*.as-rel.txt`): `a|b|-1` means a is a provider of b,
/// `a|b|0` that a and b are peers; further fields (serial-2 adds a source) are ignored, `#` lines skipped.
/// A link listed again (either order) is ignored; one contradicting an earlier line is reported and ignored
/// (20141201.as-rel.txt repeats 6 peer links).
public struct ASRelationships: Sendable {
    /// Keyed by `a << 32 | b` as written: -1 (a provider of b) or 0 (peers).
    private var pairs: [UInt64: Int8] = [:]
    private var providerLists: [UInt32: [UInt32]] = [:]
    private var customerLists: [UInt32: [UInt32]] = [:]
    private var peerLists: [UInt32: [UInt32]] = [:]
    public private(set) var problems: [RegistryProblem] = []

    public init() {}
    public init(_ text: String) { self = RegistryText.withBytes(text, Self.parse) }
    public init(bytes: [UInt8]) { self = RegistryText.withBytes(bytes, Self.parse) }

    /// The number of distinct links (AS pairs).
    public var count: Int { pairs.count }

    /// The providers of `asn`, ascending.
    public func providers(of asn: UInt32) -> [UInt32] { providerLists[asn] ?? [] }
    /// The customers of `asn`, ascending.
    public func customers(of asn: UInt32) -> [UInt32] { customerLists[asn] ?? [] }
    /// The peers of `asn`, ascending.
    public func peers(of asn: UInt32) -> [UInt32] { peerLists[asn] ?? [] }

    /// How `a` relates to `b`, or nil when the file has no link between them.
    public func relationship(_ a: UInt32, _ b: UInt32) -> ASRelationship? {
        if let r = pairs[UInt64(a) << 32 | UInt64(b)] { return r == 0 ? .peer : .providerOf }
        if let r = pairs[UInt64(b) << 32 | UInt64(a)] { return r == 0 ? .peer : .customerOf }
        return nil
    }

    private static func parse(_ buf: UnsafeBufferPointer<UInt8>) -> ASRelationships {
        var out = ASRelationships()
        var fields: [RegistryText.Bytes] = []
        RegistryText.forEachLine(buf) { number, line in
            guard let first = line.first, first != UInt8(ascii: "#") else { return }
            RegistryText.split(line, UInt8(ascii: "|"), into: &fields)
            guard fields.count >= 3, let a = RegistryText.asn(fields[0]), let b = RegistryText.asn(fields[1]), a != b
            else {
                return out.problems.append(RegistryProblem(line: number, "expected a|b|relationship"))
            }
            let r: Int8
            if RegistryText.equals(fields[2], "-1") {
                r = -1
            } else if RegistryText.equals(fields[2], "0") {
                r = 0
            } else {
                return out.problems.append(RegistryProblem(line: number, "relationship must be -1 or 0"))
            }
            if let known = out.relationship(a, b) {  // repeated link: ignored, a contradicting one reported
                if known != (r == 0 ? .peer : .providerOf) {
                    out.problems.append(RegistryProblem(line: number, "contradicts an earlier line for \(a)|\(b)"))
                }
                return
            }
            out.pairs[UInt64(a) << 32 | UInt64(b)] = r
            if r == -1 {
                out.customerLists[a, default: []].append(b)
                out.providerLists[b, default: []].append(a)
            } else {
                out.peerLists[a, default: []].append(b)
                out.peerLists[b, default: []].append(a)
            }
        }
        out.providerLists = out.providerLists.mapValues { $0.sorted() }
        out.customerLists = out.customerLists.mapValues { $0.sorted() }
        out.peerLists = out.peerLists.mapValues { $0.sorted() }
        return out
    }
}
