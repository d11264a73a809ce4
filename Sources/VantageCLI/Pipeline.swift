import VantageCore

/// Archives → routing state → signals → events: what `detect`, `report` and `demo` share.
public struct Pipeline {
    public var config = ObservatoryConfig()
    public var registry: Registry?
    public var collector: String?
    /// Entities whose per-bin signal is kept for timelines.
    public var track: Set<EntityKey> = []
    public var onProblem: (String) -> Void = { printError($0) }
    /// Every closed bin, in time order, before the detector sees it (the store keeps them all).
    public var onSnapshot: ((BinSnapshot) -> Void)?
    /// Progress: records and the MRT time reached, every 65,536 records.
    public var onProgress: ((Replay.Stats) -> Void)?

    public init(registry: Registry?) { self.registry = registry }

    public struct Result {
        public var events: [Event]
        public var series: [EntityKey: [(time: UInt32, signal: EntitySignal)]]
        public var health: [(time: UInt32, health: BinHealth)]
        public var observatory: Observatory
        public var stats: Replay.Stats
    }

    public func run(_ paths: [String]) -> Result {
        let state = State(config: config, registry: registry)
        feed(paths, into: state, finish: true)
        return state.result
    }

    /// Routing state, detector and tracked series that outlive one replay: files that arrive later in
    /// time continue the same observatory (`serve --watch`) instead of replaying everything.
    public final class State {
        public let observatory: Observatory
        public internal(set) var detector: Detector
        var series: [EntityKey: [(UInt32, EntitySignal)]] = [:]
        var last: [EntityKey: EntitySignal] = [:]
        var health: [(UInt32, BinHealth)] = []
        /// Totals over every replay fed into this state.
        public internal(set) var stats = Replay.Stats()
        /// False after a replay that ended with `finish` (the last bin is closed: nothing can follow).
        public internal(set) var canContinue = true

        public init(config: ObservatoryConfig, registry: Registry?) {
            observatory = Observatory(config: config, registry: registry)
            detector = Detector(config: config)
        }

        public var result: Result {
            Result(events: detector.events, series: series, health: health, observatory: observatory, stats: stats)
        }
    }

    /// Replays `paths` into `state`. With `finish`, the last bin is closed (end of input); without it the
    /// bin stays open until later data passes it, and `state` can be fed again with later files.
    /// Returns the totals of this replay alone.
    @discardableResult
    public func feed(_ paths: [String], into state: State, finish: Bool) -> Replay.Stats {
        var replay = Replay(paths: paths, collector: collector)
        replay.onProblem = onProblem
        replay.onProgress = onProgress
        replay.finish = finish
        let stats = replay.run(into: state.observatory) { snapshots in
            for s in snapshots {
                onSnapshot?(s)
                state.health.append((s.start, s.health))
                for key in track {
                    // An entity absent from a snapshot did not change in that bin.
                    let sig: EntitySignal
                    if let current = s.signals[key] {
                        sig = current
                    } else if let prev = state.last[key] {
                        sig = prev.quiet
                    } else {
                        continue
                    }
                    state.last[key] = sig
                    state.series[key, default: []].append((s.start, sig))
                }
                _ = state.detector.consume(s)
            }
        }
        if finish {
            _ = state.detector.finish()
            state.canContinue = false
        }
        state.stats.files += stats.files
        state.stats.failedFiles += stats.failedFiles
        state.stats.records += stats.records
        state.stats.elements += stats.elements
        if let t = stats.firstTime { state.stats.firstTime = min(state.stats.firstTime ?? t, t) }
        if let t = stats.lastTime { state.stats.lastTime = max(state.stats.lastTime ?? t, t) }
        return stats
    }
}
