import ArchiveIO
import BGPWire
import VantageCore

/// Feeds MRT archives to an ``Observatory`` in time order: RIB dumps and update dumps given in any
/// order, from any number of collectors, merged by timestamp.
///
/// Files are opened lazily (a day of 15-minute update files is ~100 files): each file's first
/// timestamp is read once, then files join the merge when the merge reaches that time, so only the
/// files whose time ranges overlap are open together.
public struct Replay {
    public var paths: [String]
    /// Collector name for every file; when nil it comes from the file name (see ``collectorName(for:)``).
    public var collector: String?
    public var threads: Int = 0
    public var onProblem: (String) -> Void = { printError($0) }
    /// Called every `progressEvery` records with the totals so far (for a progress line).
    public var onProgress: ((Stats) -> Void)?
    public var progressEvery = 1 << 16
    /// Close the last bin at the end (end of input). Off when later files will continue the replay.
    public var finish = true

    public init(paths: [String], collector: String? = nil) {
        self.paths = paths
        self.collector = collector
    }

    public struct Stats: Sendable {
        public var files = 0
        public var failedFiles = 0
        public var records = 0
        public var elements = 0
        public var firstTime: UInt32?
        public var lastTime: UInt32?
    }

    /// Timestamp of a file's first MRT record (nil when it has none); throws when it cannot be read.
    public static func firstTimestamp(path: String) throws -> UInt32? {
        try MRTRecordStream(path: path, threads: 1, onProblem: { _ in }).next()?.header.timestamp
    }

    /// The collector a file belongs to: RouteViews/CAIDA names keep what comes before `.ribs.`/`.updates.`
    /// (`routeviews.route-views.jinx`); RIPE RIS (`bview.*`, `updates.*`) and RouteViews archive layouts
    /// (`rib.*`, `updates.*`) use the folder name (`rrc06`); anything else its folder.
    public static func collectorName(for path: String) -> String {
        let parts = path.split(separator: "/")
        let file = parts.last.map(String.init) ?? path
        for marker in [".ribs.", ".updates.", ".bview.", ".rib."] {
            if let r = file.range(of: marker) { return String(file[..<r.lowerBound]) }
        }
        return parts.count >= 2 ? String(parts[parts.count - 2]) : "."
    }

    private final class Source {
        let path: String
        let collector: String
        let firstTime: UInt32
        var stream: MRTRecordStream?
        var current: MRTRecord?
        var peerTable: PeerIndexTable?
        var isRIB = false
        init(path: String, collector: String, firstTime: UInt32) {
            self.path = path
            self.collector = collector
            self.firstTime = firstTime
        }
    }

    /// Runs the merge, calling `body` with each batch of closed bins, and returns totals.
    public func run(into observatory: Observatory, _ body: ([BinSnapshot]) -> Void) -> Stats {
        var stats = Stats()
        let report = onProblem
        var pending: [Source] = []
        for path in paths {
            stats.files += 1
            do {
                guard let first = try Self.firstTimestamp(path: path) else { continue }
                pending.append(Source(path: path, collector: collector ?? Self.collectorName(for: path), firstTime: first))
            } catch {
                stats.failedFiles += 1
                report("vantage: \(error)")
            }
        }
        pending.sort { ($0.firstTime, $0.path) < ($1.firstTime, $1.path) }
        var next = 0
        var active: [Source] = []  // small: files overlapping in time

        func open(_ s: Source) {
            do {
                let stream = try MRTRecordStream(path: s.path, threads: threads, onProblem: { report("vantage: \($0)") })
                s.stream = stream
                s.current = try stream.next()
                guard let r = s.current else { return }
                if case .peerIndexTable = r.message {
                    s.isRIB = true
                    observatory.beginRIB(collector: s.collector, time: r.header.timestamp)
                }
                active.append(s)
            } catch {
                stats.failedFiles += 1
                report("vantage: \(error)")
            }
        }

        while true {
            // Open every file that starts no later than the earliest record in the merge.
            while next < pending.count {
                let earliest = active.compactMap { $0.current?.header.timestamp }.min()
                if let earliest, pending[next].firstTime > earliest { break }
                open(pending[next])
                next += 1
            }
            guard
                let i = active.indices.min(by: {
                    active[$0].current!.header.timestamp < active[$1].current!.header.timestamp
                })
            else { break }
            let s = active[i]
            let record = s.current!
            stats.records += 1
            let t = record.header.timestamp
            stats.firstTime = min(stats.firstTime ?? t, t)
            stats.lastTime = max(stats.lastTime ?? t, t)
            if case .peerIndexTable(let table) = record.message { s.peerTable = table }
            let elements = record.elements(peerTable: s.peerTable)
            stats.elements += elements.count
            if let onProgress, stats.records % progressEvery == 0 { onProgress(stats) }
            for e in elements { observatory.apply(e, collector: s.collector) }
            if case .bgp4mpMessage(let m) = record.message, case .update(let u) = m.message, u.endOfRIB != nil {
                observatory.endOfRIB(peer: PeerID(collector: s.collector, address: m.peerAddress, asn: m.peerAS))
            }
            let snaps = observatory.takeSnapshots()
            if !snaps.isEmpty { body(snaps) }
            do {
                s.current = try s.stream?.next()
            } catch {
                report("vantage: \(error)")
                s.current = nil
            }
            if s.current == nil {
                if s.isRIB { observatory.endRIB(collector: s.collector, time: t) }
                s.stream = nil
                active.remove(at: i)
            }
        }
        body(finish ? observatory.finish() : observatory.takeSnapshots())
        return stats
    }
}
