import ArgumentParser
import BGPWire
import VantageCore

/// `vantage report`: one country or AS, explained.
public struct ReportCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Describe a country or AS: its networks, origin ASes, upstreams, timeline and events in plain English.")

    @Option(help: "ISO 3166 country code, e.g. KP.")
    var country: String?
    @Option(help: "AS number, e.g. 131279.")
    var asn: UInt32?
    @OptionGroup var options: ObservatoryOptions
    @Argument(help: "MRT files (RIB and update dumps, any order).")
    var files: [String]

    public init() {}

    public func validate() throws {
        guard (country == nil) != (asn == nil) else { throw ValidationError("give exactly one of --country or --asn") }
        if country != nil && options.registryFiles.isEmpty {
            throw ValidationError("--country needs --registry delegation files to map prefixes to countries")
        }
    }

    public func run() throws {
        var pipeline = try options.pipeline()
        let keys: [EntityKey] =
            if let cc = country?.uppercased() { [.country(cc, .ipv4), .country(cc, .ipv6)] } else { [.asn(asn!, .ipv4), .asn(asn!, .ipv6)] }
        pipeline.track = Set(keys)
        let result = pipeline.run(files)
        let sink = OutputSink()
        sink.write(EntityReport.build(keys: keys, result: result, registry: pipeline.registry).text)
        sink.flush()
        if result.stats.failedFiles > 0 { throw ExitCode(2) }
    }
}

/// The facts of a report, computed once (tests assert on them) and rendered as text.
public struct EntityReport {
    public struct Family {
        public var key: EntityKey
        public var prefixes: [(prefix: IPPrefix, visible: Bool)]
        /// Unique addresses covered by the prefixes (IPv4), or /48s (IPv6).
        public var addressCount: Double
        public var origins: [(asn: UInt32, prefixes: Int)]
        public var upstreams: [(asn: UInt32, pathShare: Double, spaceShare: Double)]
        public var series: [(time: UInt32, signal: EntitySignal)]
        public var events: [Event]
        public var singleUpstream: Bool { upstreams.count == 1 }
    }
    public var title: String
    public var families: [Family]
    public var fullFeedPeers: [String: Int]
    var registry: Registry?

    public static func build(keys: [EntityKey], result: Pipeline.Result, registry: Registry?) -> EntityReport {
        let obs = result.observatory
        var fams: [Family] = []
        for key in keys {
            let prefixes = obs.prefixes(of: key)
            let events = result.events.filter { $0.entity == key }
            guard !prefixes.isEmpty || !events.isEmpty else { continue }
            fams.append(
                Family(
                    key: key, prefixes: prefixes, addressCount: uniqueSpace(prefixes.map(\.prefix)), origins: obs.origins(of: key),
                    upstreams: obs.upstreamShares(of: key), series: result.series[key] ?? [], events: events))
        }
        let title: String
        if let key = keys.first, key.scope == .asn, let n = UInt32(key.id.dropFirst(2)) {
            title = "\(key.id)" + (registry?.name(ofASN: n).map { " — \($0)" } ?? "")
                + (registry?.country(ofASN: n).map { " (\($0))" } ?? "")
        } else {
            title = "Country \(keys.first?.id ?? "?")"
        }
        return EntityReport(
            title: title, families: fams, fullFeedPeers: obs.fullFeedPeers.mapValues(\.count), registry: registry)
    }

    /// Addresses (IPv4) or /48s (IPv6) covered by the union of the prefixes.
    public static func uniqueSpace(_ prefixes: [IPPrefix]) -> Double {
        var ranges: [(Double, Double)] = prefixes.map { p in
            switch p.masked.address {
            case .v4(let a):
                return (Double(a.value), Double(a.value) + Double(sign: .plus, exponent: 32 - Int(p.length), significand: 1))
            case .v6(let a):
                let start = Double(a.high >> 16)  // in /48 units
                let size = p.length >= 48 ? 1 : Double(sign: .plus, exponent: 48 - Int(p.length), significand: 1)
                return (start, start + size)
            }
        }
        ranges.sort { $0.0 < $1.0 }
        var total = 0.0
        var end = -1.0
        for (s, e) in ranges {
            if e <= end { continue }
            total += e - max(s, end)
            end = e
        }
        return total
    }

    func asName(_ asn: UInt32) -> String {
        guard let n = registry?.name(ofASN: asn) else { return "AS\(asn)" }
        return "AS\(asn) (\(n))"
    }

    public var text: String {
        var out = "\(title)\n"
        out += "Full-feed peers at the end of the data: \(fullFeedPeers["ipv4"] ?? 0) IPv4, \(fullFeedPeers["ipv6"] ?? 0) IPv6\n"
        if families.isEmpty { out += "\nNo routed networks found for this entity in the data.\n" }
        for f in families {
            let v4 = f.key.family == "ipv4"
            out += "\n\(v4 ? "IPv4" : "IPv6"): \(f.prefixes.count) prefixes, "
            out += v4 ? "\(grouped(Int(f.addressCount))) addresses\n" : "\(grouped(Int(f.addressCount))) /48s\n"
            for p in f.prefixes.prefix(20) { out += "  \(p.prefix)\(p.visible ? "" : "  (not visible)")\n" }
            if f.prefixes.count > 20 { out += "  … \(f.prefixes.count - 20) more\n" }
            out += "Origin ASes: " + f.origins.prefix(10).map { "\(asName($0.asn)) \($0.prefixes) prefixes" }.joined(separator: "; ") + "\n"
            if f.upstreams.isEmpty {
                out += "Upstreams: none observed at the end of the data\n"
            } else {
                out += "Upstreams (first AS outside \(f.key.id) on the paths of full-feed peers):\n"
                for u in f.upstreams.prefix(10) {
                    out += "  \(asName(u.asn)): \(percent(u.pathShare)) of paths, \(percent(u.spaceShare)) of address space\n"
                }
                if f.singleUpstream { out += "  Single upstream: every path goes through \(asName(f.upstreams[0].asn)).\n" }
            }
            if f.series.count > 1 {
                let values = f.series.map(\.signal.visibleSpace)
                out += "Timeline (visible \(v4 ? "/24" : "/48") equivalents per \(binLabel(f.series)) bin, "
                out += "\(UTC.short(f.series.first!.time)) → \(UTC.short(f.series.last!.time))):\n  "
                out += Sparkline.render(values, width: 72) + "  max \(grouped(Int(values.max() ?? 0)))\n"
            }
            if f.events.isEmpty {
                out += "Events: none.\n"
            } else {
                out += "Events:\n"
                for e in f.events { out += "  - " + Narrative.describe(e, report: self, family: f) + "\n" }
            }
        }
        return out
    }

    func binLabel(_ s: [(time: UInt32, signal: EntitySignal)]) -> String {
        guard s.count > 1 else { return "" }
        return UTC.duration(s[1].time - s[0].time)
    }
}



/// Terminal sparklines.
public enum Sparkline {
    static let ticks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// `values` squeezed to `width` columns (each column the minimum of its values, so short drops show).
    public static func render(_ values: [Double], width: Int) -> String {
        guard !values.isEmpty else { return "" }
        let cols = min(width, values.count)
        var out = ""
        let maxV = values.max()!
        for c in 0..<cols {
            let lo = c * values.count / cols
            let hi = max(lo + 1, (c + 1) * values.count / cols)
            let v = values[lo..<hi].min()!
            if maxV <= 0 { out.append(" "); continue }
            out.append(v <= 0 ? " " : ticks[min(7, Int(v / maxV * 7.999))])
        }
        return out
    }
}

/// Plain-English descriptions of events.
public enum Narrative {
    /// The same sentence outside a report: it needs only the entity and the AS names.
    public static func describe(_ e: Event, registry: Registry?) -> String {
        let names = EntityReport(title: "", families: [], fullFeedPeers: [:], registry: registry)
        let family = EntityReport.Family(
            key: e.entity, prefixes: [], addressCount: 0, origins: [], upstreams: [], series: [], events: [e])
        return describe(e, report: names, family: family)
    }

    public static func describe(_ e: Event, report: EntityReport, family f: EntityReport.Family) -> String {
        let who = f.key.id
        let fam = f.key.family == "ipv4" ? "IPv4" : "IPv6"
        let when = e.end.map { "from \(UTC.short(e.start)) to \(UTC.short($0)) (\(UTC.duration($0 - min($0, e.start))))" }
            ?? "since \(UTC.short(e.start)), still ongoing when the data ends"
        switch e.kind {
        case .outage:
            var s = "Outage: \(who) lost \(percent(e.severity)) of its visible \(fam) address space \(when)"
            if !e.evidence.prefixesLost.isEmpty {
                s += "; networks withdrawn: \(e.evidence.prefixesLost.prefix(8).joined(separator: ", "))"
            }
            if !e.upstreamsBefore.isEmpty {
                s += ". Before it, routes went through " + e.upstreamsBefore.map { report.asName($0) }.joined(separator: ", ")
                if e.upstreamsBefore.count == 1 { s += " (single upstream)" }
            }
            if let c = e.classification { s += ". Pattern: \(c.rawValue)" + (c == .instabilityThenWithdrawal ? " — the routes flapped before they were withdrawn" : "") }
            s += ". Measured with \(e.fullFeedPeersUp) full-feed peer\(e.fullFeedPeersUp == 1 ? "" : "s") up."
            return s
        case .instability:
            return "Instability: \(who)'s \(fam) routes were withdrawn and re-announced far above their usual rate \(when) (severity \(String(format2: e.severity)))."
        case .upstreamChange:
            return "Upstream change at \(UTC.short(e.start)): \(EventFormat.asList(e.upstreamsBefore)) → \(EventFormat.asList(e.upstreamsAfter))."
        case .measurementGap:
            return "Measurement gap \(when): peers went down or data was missing, so visibility could not be judged."
        }
    }
}
