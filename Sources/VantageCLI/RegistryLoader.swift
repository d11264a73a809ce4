import ArchiveIO
import VantageCore

/// Loads registry files given with `--registry`, whatever their kind, recognised by content: RIR
/// delegation statistics, AS names, CAIDA prefix-to-AS and CAIDA AS relationships (plain or gzip).
public enum RegistryLoader {
    public enum Kind: String, Sendable { case delegation, asNames = "as-names", prefixToAS = "pfx2as", relationships = "as-rel" }

    /// What a file holds, from its first data line.
    public static func kind(of bytes: [UInt8]) -> Kind? {
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            let line = String(decoding: bytes[start..<min(end, start + 200)], as: UTF8.self)
            start = end + 1
            if line.isEmpty || line.hasPrefix("#") { continue }
            let bars = line.split(separator: "|", omittingEmptySubsequences: false)
            if bars.count == 3 || bars.count == 4, bars.allSatisfy({ Int($0) != nil }) { return .relationships }
            if bars.count >= 6 { return .delegation }
            if line.hasPrefix("AS"), line.dropFirst(2).first?.isNumber == true { return .asNames }
            let tabs = line.split(separator: "\t")
            if tabs.count >= 3, IPPrefixText.isAddress(tabs[0]), Int(tabs[1]) != nil { return .prefixToAS }
            if line.first?.isNumber == true, line.contains("|") { return .delegation }  // version line "2|apnic|…"
            return nil
        }
        return nil
    }

    /// Reads every file and builds one registry. Throws on unreadable or unrecognised files.
    public static func load(_ paths: [String]) throws -> Registry {
        var delegations: [DelegationFile] = []
        var names = ASNames()
        var origins = PrefixOrigins()
        var relationships = ASRelationships()
        for path in paths {
            let bytes = try readAll(path)
            switch kind(of: bytes) {
            case .delegation: delegations.append(DelegationFile(bytes: bytes))
            case .asNames: names = ASNames(bytes: bytes)
            case .prefixToAS: origins = PrefixOrigins(bytes: bytes)
            case .relationships: relationships = ASRelationships(bytes: bytes)
            case nil: throw ArchiveError(file: path, compressedOffset: nil, message: "not a registry file this version reads")
            }
        }
        return Registry(delegations: delegations, asNames: names, prefixOrigins: origins, relationships: relationships)
    }

    static func readAll(_ path: String) throws -> [UInt8] { try ArchiveIO.readAll(openArchive(path: path, threads: 1)) }
}

enum IPPrefixText {
    static func isAddress(_ s: Substring) -> Bool { !s.isEmpty && s.allSatisfy { $0.isHexDigit || $0 == "." || $0 == ":" } }
}
