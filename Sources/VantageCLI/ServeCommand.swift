import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import VantageAlerts
import VantageCore
import VantageServer
import VantageStore

/// Options of the commands that work on a store.
struct StoreOptions: ParsableArguments {
    @Option(help: "The store: an SQLite file (created if missing; WAL mode).")
    var db: String = "vantage.db"

    @Option(name: .customLong("registry"), help: "Registry file (RIR delegation stats, AS names, CAIDA pfx2as or as-rel). Repeatable; kept in the store for later ingests.")
    var registryFiles: [String] = []

    @Option(help: "Signal bin width, 1m to 60m (default: the store's, else 5m).")
    var bin: String?

    @Option(help: "Collector name for all files (default: from each file's name or folder).")
    var collector: String?

    @Option(help: "Webhook alert configuration (YAML); see README.")
    var alerts: String?

    func binSeconds() throws -> UInt32? {
        guard let bin else { return nil }
        let digits = bin.hasSuffix("m") ? bin.dropLast() : bin[...]
        guard let minutes = UInt32(digits), (1...60).contains(minutes) else {
            throw ValidationError("--bin must be between 1m and 60m, e.g. 5m")
        }
        return minutes * 60
    }

    func open() throws -> SQLiteStore {
        do { return try SQLiteStore(path: db) } catch { throw ValidationError("\(error)") }
    }

    func ingester(_ store: SQLiteStore) throws -> StoreIngest {
        var ingest = StoreIngest(store: store)
        ingest.registryFiles = registryFiles.isEmpty ? nil : registryFiles
        ingest.binSeconds = try binSeconds()
        ingest.collector = collector
        return ingest
    }

    func alertDispatcher(_ store: SQLiteStore) throws -> AlertDispatcher? {
        guard let alerts else { return nil }
        do {
            return AlertDispatcher(config: try AlertConfig.load(path: alerts), store: store, log: { printError($0) })
        } catch {
            throw ValidationError("\(error)")
        }
    }
}

/// Progress on a terminal: one line rewritten in place (nothing when stderr is not a terminal).
final class ProgressLine: @unchecked Sendable {
    let enabled = isatty(2) != 0
    var last = Date.distantPast
    func show(_ stats: Replay.Stats) {
        guard enabled, Date().timeIntervalSince(last) > 0.2 else { return }
        last = Date()
        let at = stats.lastTime.map { UTC.short($0) } ?? ""
        FileHandle.standardError.write(Data("\r\u{1B}[K  \(grouped(stats.records)) records, \(grouped(stats.elements)) elements, at \(at)".utf8))
    }
    func done() { if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) } }
}

/// Runs an ingest off the Swift concurrency pool (it is CPU-bound and synchronous).
func ingestInBackground(_ ingest: StoreIngest, _ paths: [String]) async throws -> StoreIngest.Outcome {
    try await withCheckedThrowingContinuation { (c: CheckedContinuation<StoreIngest.Outcome, Error>) in
        let box = UncheckedBox(ingest)
        Thread.detachNewThread {
            do { c.resume(returning: try box.value.ingest(paths)) } catch { c.resume(throwing: error) }
        }
    }
}

final class UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ v: T) { value = v }
}

func describe(_ o: StoreIngest.Outcome, db: String, seconds: Double) -> String {
    guard o.changed else { return "\(db): nothing new (every file is already in the store, unchanged)\n" }
    var s = "\(db): \(o.newFiles.count) new file\(o.newFiles.count == 1 ? "" : "s"), \(o.replayed.count) replayed"
    if let st = o.stats {
        s += ": \(grouped(st.records)) records, \(grouped(st.elements)) elements"
        if let a = st.firstTime, let b = st.lastTime { s += ", \(UTC.short(a)) → \(UTC.short(b))" }
    }
    s += String(format: " in %.1f s\n", seconds)
    s += "  \(grouped(o.bins)) bins, \(grouped(o.signals)) signal rows, \(o.events.count) events"
    let open = o.events.filter { $0.event.end == nil }.count
    s += " (\(open) open)\n"
    if let f = o.stats?.failedFiles, f > 0 { s += "  \(f) file\(f == 1 ? "" : "s") could not be read (see above)\n" }
    for m in o.missing { s += "  no longer on disk, dropped from the store: \(m)\n" }
    return s
}

/// `vantage ingest`: archives into the store.
public struct IngestCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Process MRT archives into the store (signals per bin, events with evidence, upstreams).",
        discussion: """
            Signals and events depend on every file together (routing state and baselines carry over), so the files \
            already in the store that are still on disk are replayed with the new ones and the store's results are \
            replaced in one transaction. Files already ingested and unchanged are skipped: ingesting the same files \
            twice changes nothing. With --alerts, webhooks are sent for events that opened, changed severity or \
            recovered and were not notified before.

            Exit status: 0 on success, 2 when some file could not be read (the rest is kept), 3 when an alert \
            could not be delivered after its retries.
            """)

    @OptionGroup var options: StoreOptions
    @Argument(help: "MRT archives (RIB dumps and update dumps; .gz, .bz2 or plain).")
    var files: [String]

    public init() {}

    public func run() async throws {
        let store = try options.open()
        var ingest = try options.ingester(store)
        let progress = ProgressLine()
        ingest.onProgress = { progress.show($0) }
        let dispatcher = try options.alertDispatcher(store)
        let t0 = Date()
        let outcome = try await ingestInBackground(ingest, files)
        progress.done()
        let out = OutputSink()
        out.write(describe(outcome, db: options.db, seconds: Date().timeIntervalSince(t0)))
        out.flush()
        if let dispatcher {
            let s = try await dispatcher.dispatch()
            out.write("alerts: \(s.delivered) delivered, \(s.failed) failed (\(s.attempts) attempts)\n")
            out.flush()
            if s.failed > 0 { throw ExitCode(3) }
        }
        if let f = outcome.stats?.failedFiles, f > 0 { throw ExitCode(2) }
    }
}

/// Watches a folder and ingests new archive files once their size is stable between two looks.
struct FolderWatcher: Service {
    let folder: String
    // StoreIngest holds closures and a store; the watcher only reads it from its own task.
    let box: UncheckedBox<StoreIngest>
    var ingest: StoreIngest { box.value }
    let dispatcher: AlertDispatcher?
    let metrics: ServerMetrics
    let interval: Double
    let logger: Logger

    static func isArchive(_ name: String) -> Bool {
        !name.hasPrefix(".") && !name.hasSuffix(".tmp") && !name.hasSuffix(".part") && !name.hasSuffix(".db")
            && !name.hasSuffix("-wal") && !name.hasSuffix("-shm")
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var sizes: [String: Int64] = [:]
            while !Task.isCancelled {
                await scan(&sizes)
                try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
            }
        }
    }

    func scan(_ sizes: inout [String: Int64]) async {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter(Self.isArchive).sorted()
        let known = Set(((try? ingest.store.files()) ?? []).map(\.path))
        var ready: [String] = []
        for n in names {
            let path = StoreIngest.absolute(folder + "/" + n)
            guard !known.contains(path) else { continue }
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else { continue }
            let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? -1
            if sizes[path] == size, size > 0 { ready.append(path) } else { sizes[path] = size }
        }
        guard !ready.isEmpty else { return }
        logger.info("watch: ingesting \(ready.count) new file(s) from \(folder)")
        let t0 = Date()
        do {
            let outcome = try await ingestInBackground(ingest, ready)
            let secs = Date().timeIntervalSince(t0)
            metrics.recordIngest(
                records: outcome.stats?.records ?? 0, elements: outcome.stats?.elements ?? 0, seconds: secs, failed: false)
            logger.info("\(describe(outcome, db: "watch", seconds: secs).trimmingCharacters(in: .newlines))")
            for p in ready { sizes[p] = nil }
            if let dispatcher {
                let s = try await dispatcher.dispatch()
                metrics.recordAlerts(sent: s.delivered, failed: s.failed)
            }
        } catch {
            metrics.recordIngest(records: 0, elements: 0, seconds: Date().timeIntervalSince(t0), failed: true)
            logger.error("watch: \(error)")
        }
    }
}

/// `vantage serve`: the dashboard, API and metrics over a store; optionally a watched folder and alerts.
public struct ServeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the dashboard, JSON API (/openapi.json) and /metrics over a store.",
        discussion: "Stops gracefully on SIGINT or SIGTERM (requests in flight finish, a running ingest completes).")

    @OptionGroup var options: StoreOptions
    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"
    @Option(help: "TCP port.")
    var port: Int = 8080
    @Option(help: "Ingest new archive files appearing in this folder.")
    var watch: String?
    @Option(help: "Seconds between two looks at the watched folder.")
    var interval: Double = 5

    public init() {}

    public func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535") }
        guard interval >= 0.1 else { throw ValidationError("--interval must be at least 0.1 s") }
        if let watch {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: watch, isDirectory: &isDir), isDir.boolValue else {
                throw ValidationError("--watch \(watch): not a folder")
            }
        }
    }

    public func run() async throws {
        let store = try options.open()
        try await Self.serve(
            store: store, host: host, port: port, watch: watch, ingest: try options.ingester(store),
            dispatcher: try options.alertDispatcher(store), interval: interval, banner: nil)
    }

    /// Runs the server until SIGINT/SIGTERM. `banner` is printed once the port is bound.
    static func serve(
        store: SQLiteStore, host: String, port: Int, watch: String?, ingest: StoreIngest, dispatcher: AlertDispatcher?,
        interval: Double, banner: (@Sendable (Int) -> String)?
    ) async throws {
        var logger = Logger(label: "vantage")
        logger.logLevel = .info
        let metrics = ServerMetrics()
        let http = VantageHTTP(store: store, metrics: metrics)
        var services: [any Service] = []
        if let watch {
            var ingest = ingest
            ingest.keepState = true  // later files continue the kept routing state
            services.append(
                FolderWatcher(
                    folder: watch, box: UncheckedBox(ingest), dispatcher: dispatcher, metrics: metrics, interval: interval,
                    logger: logger))
        }
        let db = store.path
        let app = Application(
            router: http.router(), configuration: .init(address: .hostname(host, port: port), serverName: "vantage"),
            services: services,
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                let text = banner?(bound) ?? "vantage: serving \(db) on http://\(host):\(bound)/ (Ctrl-C stops)\n"
                FileHandle.standardOutput.write(Data(text.utf8))
            }, logger: logger)
        try await app.runService()
    }
}
