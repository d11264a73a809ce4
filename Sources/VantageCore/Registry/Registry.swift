import BGPWire

/// Who holds what: RIR delegations (address space and AS numbers by country), AS names, CAIDA
/// prefix-to-AS and AS relationships. Built from already parsed files; no I/O.
///
/// Combining delegation files: every record is kept at its own prefixes (IPv4 ranges split into CIDR
/// blocks) or AS range, and a lookup answers with the most specific one (longest prefix, smallest AS
/// range). When two records cover exactly the same prefix or AS range, the one from the file with the
/// later ``DelegationFile/date`` wins (on equal dates, the file added last).
///
/// Available and reserved records (extended files) carry no country: when such a record is the answer
/// (it is the most specific, or the most recent for exactly that space) the resource counts as not
/// delegated, so it also masks an older or less specific allocation of the same space.
public struct Registry: Sendable {
    /// One delegation record's answer for a piece of address space or an AS range.
    public struct Delegation: Hashable, Sendable {
        /// As written (upper case); "" or "ZZ" when the record names no country.
        public var country: String
        public var status: DelegationStatus
        public var registry: String
        /// The record's date (`yyyymmdd`), nil if unknown.
        public var date: UInt32?
        /// The date of the file it came from, which ranks records for exactly the same space.
        public var fileDate: UInt32

        /// The country holding the resource: nil unless allocated/assigned with a country other than "ZZ".
        public var delegatedCountry: String? {
            status.isDelegated && !country.isEmpty && country != "ZZ" ? country : nil
        }
    }

    /// Delegated (and available/reserved) address space, IPv4 ranges split into CIDR blocks.
    public private(set) var addressSpace = PrefixTrie<Delegation>()
    public var asNames: ASNames
    public var prefixOrigins: PrefixOrigins
    public var relationships: ASRelationships
    /// Every AS range record, in the order added.
    private var asnRanges: [(first: UInt32, last: UInt32, delegation: Delegation)] = []
    /// Disjoint, sorted pieces of the AS number space, each with the index of its winning range.
    private var asnSegments: [(first: UInt32, last: UInt32, range: Int)] = []

    public init(
        delegations: [DelegationFile] = [], asNames: ASNames = ASNames(),
        prefixOrigins: PrefixOrigins = PrefixOrigins(),
        relationships: ASRelationships = ASRelationships()
    ) {
        self.asNames = asNames
        self.prefixOrigins = prefixOrigins
        self.relationships = relationships
        add(delegations)
    }

    /// Adds delegation files (see the type's documentation for how overlapping records combine).
    public mutating func add(_ files: [DelegationFile]) {
        for file in files {
            let fileDate = file.date
            for r in file.records {
                let d = Delegation(
                    country: r.country, status: r.status, registry: r.registry, date: r.date, fileDate: fileDate)
                switch r.resource {
                case .asn(let first, let count):
                    asnRanges.append((first, first + (count - 1), d))
                default:
                    for p in r.prefixes {
                        addressSpace.insert(p, d) { old, new in new.fileDate >= old.fileDate ? new : old }
                    }
                }
            }
        }
        rebuildASNSegments()
    }

    public mutating func add(_ file: DelegationFile) { add([file]) }

    // MARK: Address space

    /// The most specific delegation record containing `address`, with its prefix.
    public func delegation(of address: IPAddress) -> (prefix: IPPrefix, delegation: Delegation)? {
        addressSpace.longestMatch(address).map { ($0.prefix, $0.value) }
    }

    /// The country `address` is delegated to (nil: not delegated, or available/reserved).
    public func country(of address: IPAddress) -> String? { addressSpace.longestMatch(address)?.value.delegatedCountry }

    /// The country of the most specific delegation covering the whole of `prefix` (see ``countryShares(of:)``
    /// for prefixes that span several).
    public func country(of prefix: IPPrefix) -> String? { addressSpace.longestMatch(prefix)?.value.delegatedCountry }

    /// How the space of `prefix` divides between countries: each address counts for the country of the
    /// most specific record containing it. Space that no allocated/assigned record covers is reported as
    /// country "??", so the shares always add up to the size of `prefix`. Units: IPv4 in addresses,
    /// IPv6 in /48s (fractional below a /48: a /64 is 1/65536). Largest share first, ties by country.
    public func countryShares(of prefix: IPPrefix) -> [(country: String, addresses: Double)] {
        var out: [(country: String, addresses: Double)] = []
        for part in addressSpace.coverage(of: prefix, unitLength: prefix.afi == .ipv4 ? 32 : 48) {
            let cc = part.match?.value.delegatedCountry ?? "??"
            if let i = out.firstIndex(where: { $0.country == cc }) {
                out[i].addresses += part.size
            } else {
                out.append((cc, part.size))
            }
        }
        if out.count > 1 {
            out.sort { $0.addresses != $1.addresses ? $0.addresses > $1.addresses : $0.country < $1.country }
        }
        return out
    }

    // MARK: AS numbers

    /// The most specific delegation record for `asn` (smallest range; for equal ranges the latest file).
    public func delegation(ofASN asn: UInt32) -> Delegation? {
        var lo = 0
        var hi = asnSegments.count
        while lo < hi {  // first segment starting after asn
            let mid = (lo + hi) / 2
            if asnSegments[mid].first <= asn { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0, asnSegments[lo - 1].last >= asn else { return nil }
        return asnRanges[asnSegments[lo - 1].range].delegation
    }

    /// The country `asn` is delegated to (nil: not delegated, or available/reserved).
    public func country(ofASN asn: UInt32) -> String? { delegation(ofASN: asn)?.delegatedCountry }

    /// The AS's name from the AS names list.
    public func name(ofASN asn: UInt32) -> String? { asNames[asn] }

    /// Splits the AS number space into disjoint segments, each answered by the best range covering it.
    private mutating func rebuildASNSegments() {
        let ranges = asnRanges
        func better(_ a: Int, _ b: Int) -> Bool {
            let (x, y) = (ranges[a], ranges[b])
            if x.last - x.first != y.last - y.first { return x.last - x.first < y.last - y.first }
            if x.delegation.fileDate != y.delegation.fileDate { return x.delegation.fileDate > y.delegation.fileDate }
            return a > b
        }
        let byStart = ranges.indices.sorted { ranges[$0].first < ranges[$1].first }
        var bounds: [UInt64] = []
        for b in ranges.flatMap({ [UInt64($0.first), UInt64($0.last) + 1] }).sorted() where b != bounds.last {
            bounds.append(b)
        }
        var segments: [(first: UInt32, last: UInt32, range: Int)] = []
        var active: [Int] = []
        var next = 0
        for (b, end) in zip(bounds, bounds.dropFirst()) {
            active.removeAll { UInt64(ranges[$0].last) < b }
            while next < byStart.count && UInt64(ranges[byStart[next]].first) <= b {
                active.append(byStart[next])
                next += 1
            }
            guard let win = active.min(by: better) else { continue }
            if let last = segments.last, last.range == win, UInt64(last.last) + 1 == b {
                segments[segments.count - 1].last = UInt32(end - 1)
            } else {
                segments.append((UInt32(b), UInt32(end - 1), win))
            }
        }
        asnSegments = segments
    }

    // MARK: Routing data (CAIDA)

    /// The origin ASes of exactly `prefix` in the prefix-to-AS data ([] if not listed).
    public func origins(of prefix: IPPrefix) -> [UInt32] { prefixOrigins.origins(of: prefix) }

    /// The most specific prefix-to-AS entry containing `address`.
    public func originMatch(_ address: IPAddress) -> (prefix: IPPrefix, origins: [UInt32])? {
        prefixOrigins.longestMatch(address)
    }

    /// The most specific prefix-to-AS entry covering the whole of `prefix`.
    public func originMatch(_ prefix: IPPrefix) -> (prefix: IPPrefix, origins: [UInt32])? {
        prefixOrigins.longestMatch(prefix)
    }

    public func providers(of asn: UInt32) -> [UInt32] { relationships.providers(of: asn) }
    public func customers(of asn: UInt32) -> [UInt32] { relationships.customers(of: asn) }
    public func peers(of asn: UInt32) -> [UInt32] { relationships.peers(of: asn) }
    /// How `a` relates to `b` (`.providerOf`: a is a provider of b).
    public func relationship(_ a: UInt32, _ b: UInt32) -> ASRelationship? { relationships.relationship(a, b) }
}
