import BGPWire

/// The `type` field of a delegation record.
public enum DelegationType: String, Hashable, Sendable, CaseIterable {
    case ipv4, ipv6, asn
}

/// The `status` field. Standard files list only allocated/assigned space; extended files also list
/// the registry's free pool (available) and reserved space, usually with an empty or "ZZ" country.
public enum DelegationStatus: String, Hashable, Sendable, CaseIterable {
    case allocated, assigned, available, reserved
    /// Allocated or assigned: the resource is held by someone in the record's country.
    public var isDelegated: Bool { self == .allocated || self == .assigned }
}

/// One line `registry|cc|type|start|value|date|status[|opaque-id[|extensions...]]` of an RIR
/// statistics file (NRO "RIR statistics exchange format", standard and extended).
public struct DelegationRecord: Hashable, Sendable {
    public enum Resource: Hashable, Sendable {
        /// `start` is the first address, `value` the number of addresses: any count, not necessarily a
        /// power of two nor aligned (see ``DelegationRecord/cidrBlocks(first:count:)``).
        case ipv4(first: IPv4Address, count: UInt64)
        /// `start` is the first address, `value` the prefix length.
        case ipv6(IPPrefix)
        /// `start` is the first AS number, `value` the number of consecutive AS numbers.
        case asn(first: UInt32, count: UInt32)
    }

    /// "afrinic", "apnic", "arin", "lacnic", "ripencc" (as written in the file).
    public var registry: String
    /// ISO 3166 alpha-2 code as written (upper case; "EU"/"AP" are regions; "" or "ZZ" for no country).
    public var country: String
    public var resource: Resource
    /// `yyyymmdd` of the allocation; nil when the field is empty or "00000000".
    public var date: UInt32?
    public var status: DelegationStatus
    /// Extended format only: the holder's opaque id ("" or absent: nil).
    public var opaqueID: String?
    /// Extended format only: any fields after the opaque id.
    public var extensions: [String]
    /// 1-based line number in the file.
    public var line: Int

    public var type: DelegationType {
        switch resource {
        case .ipv4: .ipv4
        case .ipv6: .ipv6
        case .asn: .asn
        }
    }

    /// The CIDR prefixes covering the record's address space exactly (empty for ASNs).
    public var prefixes: [IPPrefix] {
        switch resource {
        case .ipv4(let first, let count): Self.cidrBlocks(first: first, count: count)
        case .ipv6(let p): [p]
        case .asn: []
        }
    }

    /// The fewest CIDR blocks covering exactly `count` addresses from `first` (clamped at the end of
    /// the IPv4 space), in address order: greedily the largest block aligned at the current start
    /// that fits. 1.0.0.0 + 768 → 1.0.0.0/23, 1.0.2.0/24.
    public static func cidrBlocks(first: IPv4Address, count: UInt64) -> [IPPrefix] {
        var start = UInt64(first.value)
        var left = min(count, (1 << 32) - start)
        var out: [IPPrefix] = []
        while left > 0 {
            let aligned = start == 0 ? 32 : start.trailingZeroBitCount
            let bits = min(aligned, 63 - left.leadingZeroBitCount)
            out.append(IPPrefix(.v4(IPv4Address(UInt32(start))), UInt8(32 - bits)))
            start += 1 << bits
            left -= 1 << bits
        }
        return out
    }
}

/// A parsed RIR delegation file ("delegated-<rir>-latest", "delegated-<rir>-extended-latest").
///
/// Layout: `#` comment lines; a version line `version|registry|serial|records|startdate|enddate|UTCoffset`
/// (`records` counts the record lines, summaries excluded); summary lines `registry|*|type|*|count|summary`;
/// then records (see ``DelegationRecord``). Malformed lines are skipped and listed in ``problems``, as are
/// disagreements between the counts of the version/summary lines and the records actually read.
public struct DelegationFile: Sendable {
    public struct Header: Hashable, Sendable {
        /// "2" (standard) or "2.3" (extended).
        public var version: String
        public var registry: String
        /// Usually `yyyymmdd`; RIPE NCC writes a Unix time.
        public var serial: String
        public var records: Int
        public var startDate: String
        public var endDate: String
        public var utcOffset: String
    }

    public var header: Header?
    /// Record counts declared by the summary lines.
    public var summary: [DelegationType: Int] = [:]
    public var records: [DelegationRecord] = []
    public var problems: [RegistryProblem] = []
    /// True when some record carries an opaque id field (extended format).
    public var isExtended = false

    public init(_ text: String) { self = RegistryText.withBytes(text, Self.parse) }
    public init(bytes: [UInt8]) { self = RegistryText.withBytes(bytes, Self.parse) }
    private init() {}

    /// The file's date as `yyyymmdd`, used to rank files: the serial when it is a date, else the
    /// version line's end date, else the latest record date, else 0.
    public var date: UInt32 {
        for s in [header?.serial, header?.endDate] {
            if let s, s.utf8.count == 8, let d = UInt32(s), d >= 19_000_101 { return d }
        }
        return records.lazy.compactMap(\.date).max() ?? 0
    }

    /// The number of records of one type.
    public func count(_ type: DelegationType) -> Int { records.reduce(0) { $0 + ($1.type == type ? 1 : 0) } }

    private static func parse(_ buf: UnsafeBufferPointer<UInt8>) -> DelegationFile {
        var file = DelegationFile()
        var fields: [RegistryText.Bytes] = []
        var summaryLines: [DelegationType: Int] = [:]
        var headerLine = 0
        RegistryText.forEachLine(buf) { number, line in
            guard let first = line.first, first != UInt8(ascii: "#") else { return }
            RegistryText.split(line, UInt8(ascii: "|"), into: &fields)
            let problem = { (message: String) in file.problems.append(RegistryProblem(line: number, message)) }
            if first &- 0x30 < 10 {  // only the version line starts with a digit
                guard file.header == nil, file.records.isEmpty, fields.count >= 7,
                    let n = RegistryText.number(fields[3])
                else { return problem("unexpected or malformed version line") }
                let s = fields.map(RegistryText.string)
                file.header = Header(
                    version: s[0], registry: s[1], serial: s[2], records: Int(n), startDate: s[4], endDate: s[5],
                    utcOffset: s[6])
                headerLine = number
                return
            }
            if fields.count >= 6, RegistryText.equals(fields[1], "*"), RegistryText.equals(fields[5], "summary") {
                guard let type = DelegationType(rawValue: RegistryText.string(fields[2])),
                    let n = RegistryText.number(fields[4])
                else { return problem("malformed summary line") }
                file.summary[type] = Int(n)
                summaryLines[type] = number
                return
            }
            switch record(fields, line: number) {
            case .success(let r):
                if fields.count >= 8 { file.isExtended = true }
                file.records.append(r)
            case .failure(let e): problem(e.message)
            }
        }
        if let h = file.header, h.records != file.records.count {
            file.problems.append(
                RegistryProblem(
                    line: headerLine, "version line declares \(h.records) records, found \(file.records.count)"))
        }
        for type in DelegationType.allCases {
            if let declared = file.summary[type], declared != file.count(type) {
                file.problems.append(
                    RegistryProblem(
                        line: summaryLines[type] ?? 0,
                        "summary declares \(declared) \(type) records, found \(file.count(type))"))
            }
        }
        return file
    }

    private struct Failure: Error { var message: String }

    private static func record(_ f: [RegistryText.Bytes], line: Int) -> Result<DelegationRecord, Failure> {
        guard f.count >= 7 else { return .failure(Failure(message: "\(f.count) fields, expected at least 7")) }
        guard f[1].count <= 3, f[1].allSatisfy({ ($0 | 0x20) &- 0x61 < 26 }) else {
            return .failure(Failure(message: "bad country code \"\(RegistryText.string(f[1]))\""))
        }
        guard let status = DelegationStatus(rawValue: RegistryText.string(f[6]).lowercased()) else {
            return .failure(Failure(message: "unknown status \"\(RegistryText.string(f[6]))\""))
        }
        var date: UInt32?
        if !f[5].isEmpty {
            guard f[5].count == 8, let d = RegistryText.number(f[5]) else {
                return .failure(Failure(message: "bad date \"\(RegistryText.string(f[5]))\""))
            }
            date = d == 0 ? nil : UInt32(d)
        }
        let value = RegistryText.number(f[4])
        let resource: DelegationRecord.Resource
        switch RegistryText.string(f[2]) {
        case "ipv4":
            guard let a = RegistryText.ipv4(f[3]), let n = value, n > 0, UInt64(a.value) + n <= 1 << 32 else {
                return .failure(Failure(message: "bad ipv4 range"))
            }
            resource = .ipv4(first: a, count: n)
        case "ipv6":
            guard let a = IPv6Address(RegistryText.string(f[3])), let n = value, n <= 128 else {
                return .failure(Failure(message: "bad ipv6 prefix"))
            }
            let p = IPPrefix(.v6(a), UInt8(n))
            guard p.masked == p else {
                return .failure(Failure(message: "ipv6 address has bits past the prefix length"))
            }
            resource = .ipv6(p)
        case "asn":
            guard let a = RegistryText.asn(f[3]), let n = value, n > 0, n <= UInt32.max, UInt64(a) + n <= 1 << 32 else {
                return .failure(Failure(message: "bad asn range"))
            }
            resource = .asn(first: a, count: UInt32(n))
        default:
            return .failure(Failure(message: "unknown type \"\(RegistryText.string(f[2]))\""))
        }
        return .success(
            DelegationRecord(
                registry: RegistryText.string(f[0]), country: RegistryText.string(f[1]).uppercased(),
                resource: resource,
                date: date, status: status, opaqueID: f.count > 7 && !f[7].isEmpty ? RegistryText.string(f[7]) : nil,
                extensions: f.count > 8 ? f[8...].map(RegistryText.string) : [], line: line))
    }
}
