import ArgumentParser
import Foundation
import VantageCore
import VantageSim
import VantageStore

/// `vantage demo`: North Korea, December 2014, replayed end to end — simulate, detect, explain.
public struct DemoCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Replay North Korea's December 2014 outage (a reconstruction from public reports) and explain it.",
        discussion: """
            Generates the built-in north-korea-2014 scenario into a cache folder (reused while the simulator version and the scenario are unchanged), runs detection over it with default settings, and prints the report for country KP beside the published timeline.

            The archives are simulated: a reconstruction from public reports (Dyn Research), not recorded BGP data.
            """)

    @Flag(name: .customLong("no-serve"), help: "Only print the report; do not serve the dashboard.")
    var noServe = false
    @Option(help: "Port for the dashboard (0: any free port).")
    var port: Int = 8080
    @Option(help: "Address for the dashboard.")
    var host: String = "127.0.0.1"
    @Option(help: "Cache folder for the generated archives (default ~/.cache/vantage/demo, else $TMPDIR/vantage-demo).")
    var cache: String?

    public init() {}

    public func run() async throws {
        let sink = OutputSink()
        let dir = cache ?? Self.defaultCache()
        sink.write("North Korea, 20–24 December 2014\n\(BuiltinScenarios.northKoreaDisclaimer)\n\n")
        sink.flush()
        let t0 = Date()
        let (archives, generated) = try Self.prepare(directory: dir) {
            sink.write("  \($0)\n")
            sink.flush()
        }
        let t1 = Date()
        sink.write(
            generated
                ? "Generated \(archives.count) archives in \(dir) (\(Self.seconds(t1, t0)))\n"
                : "Using the archives cached in \(dir)\n")
        sink.flush()
        // Serving: detection runs once, inside the ingest that fills the store (a store that already
        // holds these archives is reused and the report comes from a plain detection run).
        var store: SQLiteStore?
        var run: (result: Pipeline.Result, report: EntityReport)?
        if !noServe {
            let s = try SQLiteStore(path: dir + "/vantage.db")
            var ingest = StoreIngest(store: s)
            ingest.registryFiles = Self.registryFiles(dir)
            ingest.track = Set(Self.keys)
            let outcome = try ingest.ingest(archives)
            if let result = outcome.result {
                run = (result, EntityReport.build(keys: Self.keys, result: result, registry: result.observatory.registry))
            }
            store = s
        }
        let done = try run ?? Self.detect(directory: dir, archives: archives)
        let t2 = Date()
        sink.write("Detection over \(archives.count) archives, default settings: \(Self.seconds(t2, t1))")
        sink.write(store.map { " (results in \($0.path))\n\n" } ?? "\n\n")
        sink.write(done.report.text)
        sink.write("\n" + DemoFindings.find(done.result.events, report: done.report).text)
        sink.flush()
        guard let store else { return }
        let host = host
        try await ServeCommand.serve(
            store: store, host: host, port: port, watch: nil, ingest: StoreIngest(store: store), dispatcher: nil,
            interval: 5,
            banner: { port in
                """

                Dashboard: http://\(host):\(port)/country/KP  (North Korea; all countries at http://\(host):\(port)/)
                API: http://\(host):\(port)/openapi.json · metrics: http://\(host):\(port)/metrics · Ctrl-C stops.

                """
            })
    }

    static let keys: [EntityKey] = [.country("KP", .ipv4), .country("KP", .ipv6)]

    static func registryFiles(_ directory: String) -> [String] {
        let folder = directory + "/registry"
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted().map { folder + "/" + $0 }
    }

    /// The demo's store (`DIR/vantage.db`), filled from the archives and the registry beside them.
    /// Ingest skips the work when the store already holds exactly these files.
    public static func store(directory: String, archives: [String]) throws -> SQLiteStore {
        let store = try SQLiteStore(path: directory + "/vantage.db")
        var ingest = StoreIngest(store: store)
        ingest.registryFiles = registryFiles(directory)
        _ = try ingest.ingest(archives)
        return store
    }

    static func seconds(_ a: Date, _ b: Date) -> String { String(format: "%.1f s", a.timeIntervalSince(b)) }

    /// `$XDG_CACHE_HOME/vantage/demo`, `~/.cache/vantage/demo`, or `$TMPDIR/vantage-demo`.
    static func defaultCache() -> String {
        let env = ProcessInfo.processInfo.environment
        if let xdg = env["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/vantage/demo" }
        if let home = env["HOME"], !home.isEmpty, FileManager.default.isWritableFile(atPath: home) {
            return home + "/.cache/vantage/demo"
        }
        return (env["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp") + "/vantage-demo"
    }

    /// What a cached folder must say to be reused: simulator version and the scenario's text.
    static func stamp(_ yaml: String) -> String {
        "\(Simulator.version)\nnorth-korea-2014 \(FNV1a.hex(yaml))\n"
    }

    /// The scenario's archives in `directory`, generated unless a complete earlier run is there.
    /// `worldSize` overrides the built-in world's number of IPv4 prefixes (tests use a smaller world);
    /// `rib` and `registryFiles` build the world from a real RIB instead (`vantage simulate --rib`).
    public static func prepare(
        directory: String, worldSize: Int? = nil, rib: String? = nil, registryFiles: [String] = [],
        log: (String) -> Void
    ) throws -> (archives: [String], generated: Bool) {
        var yaml = BuiltinScenarios.northKorea2014
        if let worldSize {
            yaml = yaml.replacingOccurrences(of: "ipv4_prefixes: 110000", with: "ipv4_prefixes: \(worldSize)")
        }
        let stampPath = directory + "/.vantage-demo"
        let want = stamp(yaml + (rib.map { "\n# rib \($0) \(registryFiles)" } ?? ""))
        if let have = FileManager.default.contents(atPath: stampPath), String(decoding: have, as: UTF8.self) == want {
            let archives = archives(in: directory)
            if archives.count > 1 { return (archives, false) }
        }
        try? FileManager.default.removeItem(atPath: stampPath)
        let scenario = try Scenario.parse(yaml: yaml)
        var options = Simulator.Options(outputDirectory: directory)
        if let rib {
            options.ribPath = rib
            options.registryPaths = registryFiles
            options.registry = try RegistryLoader.load(registryFiles)
        }
        let result = try Simulator.run(scenario, options: options, log: log)
        guard FileManager.default.createFile(atPath: stampPath, contents: Data(want.utf8)) else {
            throw ValidationError("\(directory): cannot write the cache stamp")
        }
        return (result.archives, true)
    }

    static func archives(in dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
            .filter { ($0.hasPrefix("rib.") || $0.hasPrefix("updates.")) && $0.hasSuffix(".bz2") }.sorted().map {
                dir + "/" + $0
            }
    }

    /// Detection (default settings unless a test passes others) with the registry files written beside
    /// the archives; the KP report.
    public static func detect(directory: String, archives: [String], config: ObservatoryConfig = ObservatoryConfig())
        throws -> (
            result: Pipeline.Result, report: EntityReport
        )
    {
        let registry = try RegistryLoader.load(registryFiles(directory))
        var pipeline = Pipeline(registry: registry)
        pipeline.config = config
        let keys: [EntityKey] = [.country("KP", .ipv4), .country("KP", .ipv6)]
        pipeline.track = Set(keys)
        let result = pipeline.run(archives)
        return (result, EntityReport.build(keys: keys, result: result, registry: registry))
    }
}

/// The demo's findings set against the published timeline (also what the tests check).
public struct DemoFindings {
    public struct Row {
        public var published: String
        public var publishedStart: UInt32
        public var publishedEnd: UInt32?
        public var event: Event?
    }
    public var rows: [Row]
    public var upstreams: [UInt32]
    public var singleUpstream: Bool

    /// For each published item, the KP IPv4 event that matches it: the instability event open at the
    /// published start (or starting closest to it), and the outage starting closest to each published
    /// outage (within an hour).
    public static func find(_ events: [Event], report: EntityReport) -> DemoFindings {
        let kp = events.filter { $0.entity == .country("KP", .ipv4) }
        var rows: [Row] = []
        for item in BuiltinScenarios.northKoreaTimeline {
            let kind: EventKind = item.what.hasPrefix("route instability") ? .instability : .outage
            let candidates = kp.filter { $0.kind == kind }
            var best: Event?
            if kind == .instability {
                best = candidates.filter { $0.start < item.end ?? .max }.min {
                    dist($0.start, item.start) < dist($1.start, item.start)
                }
            } else {
                best = candidates.filter { dist($0.start, item.start) <= 3600 }.min {
                    dist($0.start, item.start) < dist($1.start, item.start)
                }
            }
            rows.append(Row(published: item.what, publishedStart: item.start, publishedEnd: item.end, event: best))
        }
        let v4 = report.families.first { $0.key == .country("KP", .ipv4) }
        let ups = v4?.upstreams.map(\.asn) ?? []
        return DemoFindings(rows: rows, upstreams: ups, singleUpstream: v4?.singleUpstream ?? false)
    }

    /// |a − b| in seconds.
    public static func dist(_ a: UInt32, _ b: UInt32) -> UInt32 { a > b ? a - b : b - a }

    static func hms(_ t: UInt32) -> String { String(UTC.iso8601(t).dropFirst(11).dropLast()) }

    static func offset(_ got: UInt32, _ want: UInt32) -> String {
        got >= want ? "+\(UTC.duration(got - want))" : "-\(UTC.duration(want - got))"
    }

    public var text: String {
        var out = "Published timeline (Dyn Research) and what vantage found in the simulated archives:\n"
        for r in rows {
            let published = UTC.short(r.publishedStart) + (r.publishedEnd.map { " → " + UTC.short($0) } ?? "")
            out += "  \(r.published): \(published)\n"
            guard let e = r.event else {
                out += "    not detected\n"
                continue
            }
            var line = "    detected \(e.kind.rawValue) \(UTC.iso8601(e.start))"
            if let end = e.end {
                line += " → \(UTC.iso8601(end)) (\(UTC.duration(end - min(end, e.start))))"
            } else {
                line += ", still open"
            }
            if e.kind == .outage {
                line += "; start \(Self.offset(e.start, r.publishedStart))"
                if let end = e.end, let want = r.publishedEnd { line += ", end \(Self.offset(end, want))" }
            }
            if let c = e.classification { line += "; \(c.rawValue)" }
            out += line + "\n"
        }
        out += "  upstream: " + (upstreams.isEmpty ? "none seen" : upstreams.map { "AS\($0)" }.joined(separator: ", "))
        out += singleUpstream ? " (single upstream)\n" : "\n"
        return out
    }
}
