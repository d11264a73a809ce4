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
        let observatory = Observatory(config: config, registry: registry)
        var detector = Detector(config: config)
        var replay = Replay(paths: paths, collector: collector)
        replay.onProblem = onProblem
        replay.onProgress = onProgress
        var series: [EntityKey: [(UInt32, EntitySignal)]] = [:]
        var last: [EntityKey: EntitySignal] = [:]
        var health: [(UInt32, BinHealth)] = []
        let stats = replay.run(into: observatory) { snapshots in
            for s in snapshots {
                onSnapshot?(s)
                health.append((s.start, s.health))
                for key in track {
                    // An entity absent from a snapshot did not change in that bin.
                    let sig: EntitySignal
                    if let current = s.signals[key] {
                        sig = current
                    } else if let prev = last[key] {
                        sig = prev.quiet
                    } else {
                        continue
                    }
                    last[key] = sig
                    series[key, default: []].append((s.start, sig))
                }
                _ = detector.consume(s)
            }
        }
        _ = detector.finish()
        return Result(events: detector.events, series: series, health: health, observatory: observatory, stats: stats)
    }
}
