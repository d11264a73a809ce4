import Foundation
import VantageCore
import VantageStore

/// Archives → observatory → store. What `vantage ingest`, `serve --watch` and `demo` share.
///
/// Signals and events are a function of the whole set of files (routing state carries over from one
/// file to the next, baselines span days), so an ingest replays the files already in the store that
/// are still on disk together with the new ones, and replaces the derived data in one transaction.
/// Ingesting files that are all already in the store, unchanged, changes nothing.
public struct StoreIngest {
    public var store: any ObservatoryStore
    /// Registry files; nil keeps the ones recorded by the previous ingest.
    public var registryFiles: [String]?
    /// Bin width; nil keeps the recorded one (default 5 minutes).
    public var binSeconds: UInt32?
    public var collector: String?
    /// Entities whose per-bin series is kept in the outcome's pipeline result (the demo's report).
    public var track: Set<EntityKey> = []
    /// Keep the routing state between ingests (`serve --watch`): files that start no earlier than the
    /// data already replayed then cost only their own replay. The last bin stays open until later data
    /// closes it. Without it (one-shot `ingest`), every ingest replays the whole set and closes the last bin.
    public var keepState = false
    let live = LiveState()

    /// What a `keepState` ingester carries from one ingest to the next.
    final class LiveState: @unchecked Sendable {
        var state: Pipeline.State?
        var files: Set<StoredFile> = []
        var settings: [String: String] = [:]
    }

    /// Settings other than the bin width (tests scale the full-feed minimum to a small world).
    public var baseConfig = ObservatoryConfig()
    public var onProblem: (String) -> Void = { printError($0) }
    public var onProgress: ((Replay.Stats) -> Void)?

    public init(store: any ObservatoryStore) { self.store = store }

    public struct Outcome {
        /// Files given that were new or changed.
        public var newFiles: [String]
        /// Files replayed (new ones and those already in the store).
        public var replayed: [String]
        /// Files in the store that are no longer on disk (their data is gone from the store).
        public var missing: [String]
        /// False when nothing was new: the store was left as it was.
        public var changed: Bool
        public var stats: Replay.Stats?
        public var events: [StoredEvent]
        /// The replay's full result (routing state, tracked series), when something was replayed.
        public var result: Pipeline.Result?
        public var bins = 0
        public var signals = 0
    }

    public func ingest(_ paths: [String]) throws -> Outcome {
        let started = Int64(Date().timeIntervalSince1970)
        let known = try store.files()
        let knownByPath = Dictionary(known.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        let previous = try store.settings()
        var given: [StoredFile] = []
        for p in paths {
            let abs = Self.absolute(p)
            do {
                given.append(try FileFingerprint.of(path: abs))
            } catch {
                throw ValidationErrorText("\(p): cannot read: \(error.localizedDescription)")
            }
        }
        let newFiles = given.filter { knownByPath[$0.path] != $0 }.map(\.path)
        var settings = previous
        if let registryFiles { settings["registry"] = registryFiles.map(Self.absolute).joined(separator: "\n") }
        if let binSeconds { settings["bin_seconds"] = "\(binSeconds)" }
        if let collector { settings["collector"] = collector }
        var config = baseConfig
        if let b = settings["bin_seconds"].flatMap(UInt32.init) { config.binSeconds = b }
        settings["bin_seconds"] = "\(config.binSeconds)"
        settings["min_full_feed_peers"] = "\(config.minFullFeedPeers)"
        if newFiles.isEmpty && settings == previous {
            return Outcome(newFiles: [], replayed: [], missing: [], changed: false, stats: nil, events: [])
        }
        var pipeline = Pipeline(registry: nil)
        pipeline.config = config
        pipeline.collector = settings["collector"]
        pipeline.onProblem = onProblem
        pipeline.onProgress = onProgress
        pipeline.track = track

        // Fast path (keepState): the same store and settings as the kept state, and only new files that
        // start no earlier than the data already replayed: continue the kept observatory.
        let addedOnly = given.filter { knownByPath[$0.path] == nil }
        if keepState, let state = live.state, state.canContinue, live.settings == settings,
            Set(known) == live.files, addedOnly.count == newFiles.count, let last = state.stats.lastTime,
            addedOnly.allSatisfy({ ((try? Replay.firstTimestamp(path: $0.path)) ?? 0) >= last })
        {
            pipeline.registry = state.observatory.registry
            var outcome = Outcome(
                newFiles: newFiles, replayed: addedOnly.map(\.path), missing: [], changed: true, stats: nil, events: [])
            try store.append(files: addedOnly, settings: settings) { writer in
                try replay(addedOnly.map(\.path), state: state, pipeline: pipeline, finish: false, writer: writer, outcome: &outcome)
            }
            live.files.formUnion(addedOnly)
            try recordRun(outcome, started: started, files: live.files.count)
            return outcome
        }

        // The full set: what the store had (still on disk, refreshed) plus what was given.
        var set: [String: StoredFile] = [:]
        var missing: [String] = []
        for f in known {
            if let fresh = try? FileFingerprint.of(path: f.path) { set[f.path] = fresh } else { missing.append(f.path) }
        }
        for f in given { set[f.path] = f }
        let files = set.values.sorted { $0.path < $1.path }

        let regPaths = settings["registry"].map { $0.split(separator: "\n").map(String.init) } ?? []
        let registry = regPaths.isEmpty ? nil : try RegistryLoader.load(regPaths)
        pipeline.registry = registry
        let state = Pipeline.State(config: config, registry: registry)
        var outcome = Outcome(
            newFiles: newFiles, replayed: files.map(\.path), missing: missing, changed: true, stats: nil, events: [])
        try store.rebuild(files: files, settings: settings) { writer in
            try replay(files.map(\.path), state: state, pipeline: pipeline, finish: !keepState, writer: writer, outcome: &outcome)
        }
        if keepState {
            live.state = state
            live.files = Set(files)
            live.settings = settings
        }
        try recordRun(outcome, started: started, files: files.count)
        return outcome
    }

    /// Feeds `paths` into `state`, writing every closed bin, the events (all, latest version) and the
    /// entities and upstreams of what changed.
    func replay(
        _ paths: [String], state: Pipeline.State, pipeline: Pipeline, finish: Bool, writer: StoreWriter,
        outcome: inout Outcome
    ) throws {
        var failure: Error?
        var touched = Set<EntityKey>()
        var bins = 0
        var signals = 0
        var p = pipeline
        p.onSnapshot = { snap in
            guard failure == nil else { return }
            do {
                try writer.addBin(start: snap.start, width: snap.width, health: snap.health)
                bins += 1
                for (key, signal) in snap.signals where !key.isMeasurement {
                    try writer.addSignal(key, at: snap.start, signal)
                    touched.insert(key)
                    signals += 1
                }
            } catch {
                failure = error
            }
        }
        let stats = p.feed(paths, into: state, finish: finish)
        if let failure { throw failure }
        let r = state.result
        let stored = Self.storedEvents(r.events, registry: pipeline.registry)
        for e in stored { try writer.addEvent(e) }
        try Self.writeEntities(keys: touched, result: r, events: stored, registry: pipeline.registry, writer: writer)
        outcome.stats = stats
        outcome.result = r
        outcome.events = stored
        outcome.bins = bins
        outcome.signals = signals
    }

    func recordRun(_ o: Outcome, started: Int64, files: Int) throws {
        guard let s = o.stats else { return }
        try store.recordRun(
            RunRecord(
                startedAt: started, finishedAt: Int64(Date().timeIntervalSince1970), files: files, failedFiles: s.failedFiles,
                records: s.records, elements: s.elements, firstTime: s.firstTime, lastTime: s.lastTime))
    }

    /// Events with their narratives (names from the registry).
    static func storedEvents(_ events: [Event], registry: Registry?) -> [StoredEvent] {
        events.map { StoredEvent(event: $0, narrative: Narrative.describe($0, registry: registry)) }
    }

    /// Names and countries of the ASes and countries seen, and each entity's upstreams at the end of the data.
    static func writeEntities(
        keys: Set<EntityKey>, result r: Pipeline.Result, events: [StoredEvent], registry: Registry?, writer: StoreWriter
    ) throws {
        var asns = Set<UInt32>()
        var countries = Set<String>()
        for key in keys.sorted() {
            switch key.scope {
            case .asn: if let n = UInt32(key.id.dropFirst(2)) { asns.insert(n) }
            case .country: countries.insert(key.id)
            case .prefix: break
            }
            guard key.scope != .prefix else { continue }
            let ups = r.observatory.upstreamShares(of: key)
            for u in ups { asns.insert(u.asn) }
            try writer.setUpstreams(key, ups.map { UpstreamShare(asn: $0.asn, pathShare: $0.pathShare, spaceShare: $0.spaceShare) })
        }
        for e in events {
            for a in e.event.upstreamsBefore + e.event.upstreamsAfter { asns.insert(a) }
            if e.event.entity.scope == .country, !e.event.entity.isMeasurement { countries.insert(e.event.entity.id) }
        }
        for cc in countries.sorted() { try writer.addEntity(EntityInfo(scope: .country, id: cc, name: CountryNames.name(cc))) }
        for a in asns.sorted() {
            try writer.addEntity(
                EntityInfo(scope: .asn, id: "AS\(a)", name: registry?.name(ofASN: a), country: registry?.country(ofASN: a)))
        }
    }

    static func absolute(_ p: String) -> String {
        let url = URL(fileURLWithPath: p)
        return url.standardizedFileURL.path
    }
}

/// An error whose text is shown as is.
public struct ValidationErrorText: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}
