import ArgumentParser
import VantageCore

/// Options shared by the commands that run the observatory over archives.
struct ObservatoryOptions: ParsableArguments {
    @Option(name: .customLong("registry"), help: "Registry file (RIR delegation stats, AS names, CAIDA pfx2as or as-rel; plain or gzip). Repeatable.")
    var registryFiles: [String] = []

    @Option(help: "Signal bin width: 1m to 60m (default 5m).")
    var bin: String = "5m"

    @Option(help: "Collector name for all files (default: from each file's name or folder).")
    var collector: String?

    func config() throws -> ObservatoryConfig {
        var c = ObservatoryConfig()
        let digits = bin.hasSuffix("m") ? bin.dropLast() : bin[...]
        guard let minutes = UInt32(digits), (1...60).contains(minutes) else {
            throw ValidationError("--bin must be between 1m and 60m, e.g. 5m")
        }
        c.binSeconds = minutes * 60
        return c
    }

    func pipeline() throws -> Pipeline {
        var p = Pipeline(registry: registryFiles.isEmpty ? nil : try RegistryLoader.load(registryFiles))
        p.config = try config()
        p.collector = collector
        return p
    }
}

/// `vantage detect`: events from archives.
public struct DetectCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Detect outages, instability, upstream changes and measurement gaps in MRT archives.")

    public enum Format: String, ExpressibleByArgument, Sendable { case text, jsonl }

    @OptionGroup var options: ObservatoryOptions
    @Option(help: "Output: text or jsonl (one JSON object per event).")
    var format: Format = .text
    @Option(help: "Scopes to report: country, asn, prefix (comma-separated).")
    var scopes: String = "country,asn"
    @Argument(help: "MRT files (RIB and update dumps, any order).")
    var files: [String]

    public init() {}

    public func run() throws {
        let wanted = Set(scopes.split(separator: ",").compactMap { Scope(rawValue: String($0)) })
        var pipeline = try options.pipeline()
        pipeline.config.trackPrefixes = wanted.contains(.prefix)
        let result = pipeline.run(files)
        let events = result.events.filter { wanted.contains($0.entity.scope) || $0.kind == .measurementGap }
        let sink = OutputSink()
        for e in events {
            sink.write(format == .jsonl ? EventFormat.json(e) + "\n" : EventFormat.line(e) + "\n")
        }
        if format == .text && events.isEmpty { sink.write("no events\n") }
        sink.flush()
        if result.stats.failedFiles > 0 { throw ExitCode(2) }
    }
}

/// Text and JSON renderings of events.
public enum EventFormat {
    public static func line(_ e: Event) -> String {
        let end = e.end.map { UTC.short($0) } ?? "(open)"
        let dur = e.duration.map { " (\(UTC.duration($0)))" } ?? ""
        var s = "\(UTC.short(e.start)) → \(end)\(dur)  \(e.kind.rawValue)  \(e.entity.scope.rawValue) \(e.entity.id) \(e.entity.family)"
        s += "  severity \(String(format2: e.severity))"
        if let c = e.classification { s += "  \(c.rawValue)" }
        if e.kind == .upstreamChange { s += "  upstreams \(asList(e.upstreamsBefore)) → \(asList(e.upstreamsAfter))" }
        return s
    }

    static func asList(_ a: [UInt32]) -> String { a.isEmpty ? "none" : a.map { "AS\($0)" }.joined(separator: ",") }

    /// The jsonl contract: `kind`, `scope`, `entity`, `family`, `start`, `end` (ISO-8601 UTC or null),
    /// `severity`, `classification`, plus `id`, `state`, `baseline`, `worst`, `upstreams_before`,
    /// `upstreams_after`, `full_feed_peers_up` and `evidence`.
    public static func json(_ e: Event) -> String {
        var o = JSONObject()
        o.add("kind", e.kind.rawValue)
        o.add("scope", e.entity.scope.rawValue)
        o.add("entity", e.entity.id)
        o.add("family", e.entity.family)
        o.add("start", UTC.iso8601(e.start))
        o.add("end", e.end.map(UTC.iso8601))
        o.addNumber("severity", String(format2: e.severity))
        o.add("classification", e.classification?.rawValue)
        o.add("id", e.id)
        o.add("state", e.state.rawValue)
        o.addNumber("duration_seconds", e.duration.map { "\($0)" })
        o.addNumber("baseline", String(format2: e.baseline))
        o.addNumber("worst", String(format2: e.worst))
        o.addNumber("upstreams_before", "[" + e.upstreamsBefore.map(String.init).joined(separator: ",") + "]")
        o.addNumber("upstreams_after", "[" + e.upstreamsAfter.map(String.init).joined(separator: ",") + "]")
        o.addNumber("full_feed_peers_up", "\(e.fullFeedPeersUp)")
        var ev = JSONObject()
        ev.addStrings("prefixes_lost", e.evidence.prefixesLost)
        ev.addStrings("prefixes_regained", e.evidence.prefixesRegained)
        ev.addStrings("withdrawing_peers", e.evidence.withdrawingPeers)
        ev.addStrings("last_paths", e.evidence.lastPaths)
        o.addNumber("evidence", ev.text)
        return o.text
    }
}

/// A tiny JSON object writer (keys in insertion order).
struct JSONObject {
    private var parts: [String] = []
    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
    mutating func add(_ k: String, _ v: String?) { parts.append(Self.quote(k) + ":" + (v.map(Self.quote) ?? "null")) }
    mutating func addNumber(_ k: String, _ raw: String?) { parts.append(Self.quote(k) + ":" + (raw ?? "null")) }
    mutating func addStrings(_ k: String, _ v: [String]) {
        parts.append(Self.quote(k) + ":[" + v.map(Self.quote).joined(separator: ",") + "]")
    }
    var text: String { "{" + parts.joined(separator: ",") + "}" }
}

extension String {
    /// A number with at most 2 decimals, without Foundation ("0.5", "1", "0.33").
    init(format2 v: Double) {
        let r = (v * 100).rounded() / 100
        if r == r.rounded() { self = String(Int(r)) } else { self = String(r) }
    }
}
