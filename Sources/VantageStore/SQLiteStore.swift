import Foundation
import GRDB
import VantageCore

/// The default store: one SQLite file in WAL mode (readers never wait for an ingest), through GRDB.
public final class SQLiteStore: ObservatoryStore, @unchecked Sendable {
    // @unchecked: the only stored property is GRDB's DatabasePool, which serialises its own access.
    let pool: DatabasePool
    public let path: String

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Opens (creating if needed) the store at `path` and applies pending migrations.
    public init(path: String) throws {
        self.path = path
        var config = Configuration()
        config.busyMode = .timeout(30)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            pool = try DatabasePool(path: path, configuration: config)
            var migrator = DatabaseMigrator()
            for m in Migrations.all {
                let sql = m.sql
                migrator.registerMigration(m.name) { db in try db.execute(sql: sql) }
            }
            try migrator.migrate(pool)
        } catch let e as DatabaseError {
            throw Failure(description: "\(path): cannot open the store: \(e.message ?? "\(e)")")
        }
    }

    /// The journal mode SQLite reports ("wal").
    public func journalMode() throws -> String {
        try pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    /// Migrations applied, in order.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid") }
    }

    /// A digest of every derived and bookkeeping row (tests use it to show that re-ingesting changes nothing).
    public func contentDigest() throws -> String {
        try pool.read { db in
            var h = FNV1a()
            for table in ["ingested_file", "run", "setting", "bin", "signal", "event", "entity", "upstream", "alert"] {
                let rows = try Row.fetchAll(db, sql: "SELECT * FROM \(table)").map(\.description).sorted()
                for r in rows { h.add(table + r) }
            }
            return h.hex
        }
    }

    // MARK: - Files, settings, rebuild

    public func files() throws -> [StoredFile] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT path, size, modified, fingerprint FROM ingested_file ORDER BY path").map {
                StoredFile(path: $0["path"], size: $0["size"], modified: $0["modified"], fingerprint: $0["fingerprint"])
            }
        }
    }

    public func settings() throws -> [String: String] {
        try pool.read { db in
            var out: [String: String] = [:]
            for r in try Row.fetchAll(db, sql: "SELECT key, value FROM setting") { out[r["key"]] = r["value"] }
            return out
        }
    }

    public func rebuild(files: [StoredFile], settings: [String: String], _ body: (StoreWriter) throws -> Void) throws {
        try write(clearing: true, files: files, settings: settings, body)
    }

    public func append(files: [StoredFile], settings: [String: String], _ body: (StoreWriter) throws -> Void) throws {
        try write(clearing: false, files: files, settings: settings, body)
    }

    /// One transaction: optionally clear the results, write through `body`, record files and settings.
    func write(clearing: Bool, files: [StoredFile], settings: [String: String], _ body: (StoreWriter) throws -> Void) throws {
        try pool.write { db in
            if clearing {
                for table in ["bin", "signal", "event", "entity", "upstream", "ingested_file", "setting"] {
                    try db.execute(sql: "DELETE FROM \(table)")
                }
            }
            try body(try SQLiteWriter(db))
            for f in files {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO ingested_file (path, size, modified, fingerprint) VALUES (?, ?, ?, ?)",
                    arguments: [f.path, f.size, f.modified, f.fingerprint])
            }
            for (k, v) in settings {
                try db.execute(sql: "INSERT OR REPLACE INTO setting (key, value) VALUES (?, ?)", arguments: [k, v])
            }
        }
    }

    public func recordRun(_ run: RunRecord) throws {
        try pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO run (started_at, finished_at, files, failed_files, records, elements, first_time, last_time)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    run.startedAt, run.finishedAt, run.files, run.failedFiles, run.records, run.elements,
                    run.firstTime.map { Int64($0) }, run.lastTime.map { Int64($0) },
                ])
        }
    }

    // MARK: - Reads

    /// Minimum full-feed peers for a bin to count (recorded at ingest; the observatory's default otherwise).
    func minPeers(_ db: Database) throws -> Int {
        try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = 'min_full_feed_peers'").flatMap { Int($0) }
            ?? ObservatoryConfig().minFullFeedPeers
    }

    struct BinInfo {
        var start: UInt32
        var width: UInt32
        var health: BinHealth
    }

    static func bin(_ r: Row) -> BinInfo {
        var h = BinHealth()
        h.dataPresent = (r["data_present"] as Int) != 0
        h.peersWentDown = r["peers_went_down"]
        h.fullFeedPeersUp = ["ipv4": r["full_feed_ipv4"], "ipv6": r["full_feed_ipv6"]]
        return BinInfo(start: UInt32(r["start"] as Int64), width: UInt32(r["width"] as Int64), health: h)
    }

    static func signal(_ r: Row) -> EntitySignal {
        var s = EntitySignal()
        s.visiblePrefixes = r["visible_prefixes"]
        s.visibleSpace = r["visible_space"]
        s.peerShare = r["peer_share"]
        s.minVisibleSpace = r["min_visible_space"]
        s.announcements = r["announcements"]
        s.withdrawals = r["withdrawals"]
        s.flaps = r["flaps"]
        s.lastDrop = (r["last_drop"] as Int64?).map { UInt32($0) }
        s.lastRise = (r["last_rise"] as Int64?).map { UInt32($0) }
        s.upstreams = asList(r["upstreams"])
        return s
    }

    static func asList(_ text: String) -> [UInt32] { text.split(separator: ",").compactMap { UInt32($0) } }

    func lastBin(_ db: Database) throws -> BinInfo? {
        try Row.fetchOne(db, sql: "SELECT * FROM bin ORDER BY start DESC LIMIT 1").map(Self.bin)
    }

    public func entities(scope: Scope) throws -> [EntitySummary] {
        try pool.read { db in try summaries(db, scope: scope, id: nil) }
    }

    public func entity(scope: Scope, id: String) throws -> [EntitySummary] {
        try pool.read { db in try summaries(db, scope: scope, id: id) }
    }

    func summaries(_ db: Database, scope: Scope, id: String?) throws -> [EntitySummary] {
        let filter = id == nil ? "" : " AND id = ?"
        var args: StatementArguments = [scope.rawValue]
        if let id { args += [id] }
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT s.id, s.family, s.start, s.visible_prefixes, s.visible_space FROM signal s
                JOIN (SELECT id, family, MAX(start) AS m FROM signal WHERE scope = ?\(filter) GROUP BY id, family) l
                ON s.scope = '\(scope.rawValue)' AND s.id = l.id AND s.family = l.family AND s.start = l.m
                """, arguments: args)
        var out: [EntityKey: EntitySummary] = [:]
        let last = try lastBin(db)
        let minPeers = try minPeers(db)
        for r in rows {
            let key = EntityKey(scope: scope, id: r["id"], family: r["family"])
            out[key] = EntitySummary(
                key: key, info: EntityInfo(scope: scope, id: key.id), status: .normal,
                lastTime: last?.start ?? UInt32(r["start"] as Int64), visiblePrefixes: r["visible_prefixes"],
                visibleSpace: r["visible_space"], openEvents: 0, eventCount: 0)
        }
        // Events: counts, open ones, and entities known only through events.
        let events = try Row.fetchAll(
            db,
            sql: """
                SELECT entity, family, kind, "end" IS NULL AS open, COUNT(*) AS n FROM event
                WHERE scope = ?\(id == nil ? "" : " AND entity = ?") GROUP BY entity, family, kind, open
                """, arguments: args)
        var openKinds: [EntityKey: Set<String>] = [:]
        for r in events {
            let key = EntityKey(scope: scope, id: r["entity"], family: r["family"])
            if out[key] == nil {
                out[key] = EntitySummary(
                    key: key, info: EntityInfo(scope: scope, id: key.id), status: .normal, lastTime: last?.start,
                    visiblePrefixes: 0, visibleSpace: 0, openEvents: 0, eventCount: 0)
            }
            let n: Int = r["n"]
            out[key]!.eventCount += n
            if (r["open"] as Int) != 0 {
                out[key]!.openEvents += n
                openKinds[key, default: []].insert(r["kind"])
            }
        }
        // Measurement gaps are global (entity "*"): an open one makes every entity of the family unknown.
        var gapOpen: Set<String> = []
        for r in try Row.fetchAll(
            db, sql: "SELECT DISTINCT family FROM event WHERE kind = 'measurement-gap' AND \"end\" IS NULL")
        {
            gapOpen.insert(r["family"])
        }
        let infos = try infoMap(db, scope: scope, ids: id.map { [$0] })
        for key in out.keys {
            let kinds = openKinds[key] ?? []
            let lastGood = last.map { $0.health.isGood(family: key.family, minPeers: minPeers) } ?? false
            out[key]!.status =
                kinds.contains(EventKind.outage.rawValue)
                ? .outage
                : kinds.contains(EventKind.instability.rawValue)
                    ? .unstable : (!lastGood || gapOpen.contains(key.family)) ? .unknown : .normal
            if let info = infos[key.id] { out[key]!.info = info }
        }
        return out.values.sorted { $0.key < $1.key }
    }

    public func info(scope: Scope, ids: [String]) throws -> [String: EntityInfo] {
        try pool.read { db in try infoMap(db, scope: scope, ids: ids) }
    }

    func infoMap(_ db: Database, scope: Scope, ids: [String]?) throws -> [String: EntityInfo] {
        var out: [String: EntityInfo] = [:]
        let rows: [Row]
        if let ids {
            guard !ids.isEmpty else { return [:] }
            let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
            rows = try Row.fetchAll(
                db, sql: "SELECT * FROM entity WHERE scope = ? AND id IN (\(marks))",
                arguments: StatementArguments([scope.rawValue] + ids))
        } else {
            rows = try Row.fetchAll(db, sql: "SELECT * FROM entity WHERE scope = ?", arguments: [scope.rawValue])
        }
        for r in rows {
            out[r["id"]] = EntityInfo(scope: scope, id: r["id"], name: r["name"], country: r["country"])
        }
        return out
    }

    /// Longer runs of missing bins come back as a single unknown point spanning the run.
    public static let maxGapBins: UInt32 = 288

    public func series(_ key: EntityKey, from: UInt32?, to: UInt32?) throws -> [SeriesPoint] {
        try pool.read { db in
            let lo = Int64(from ?? 0)
            let hi = Int64(to ?? UInt32.max)
            let minPeers = try minPeers(db)
            let bins = try Row.fetchAll(
                db, sql: "SELECT * FROM bin WHERE start >= ? AND start <= ? ORDER BY start", arguments: [lo, hi]
            ).map(Self.bin)
            let args: StatementArguments = [key.scope.rawValue, key.id, key.family]
            var rows = try Row.fetchAll(
                db,
                sql: "SELECT * FROM signal WHERE scope = ? AND id = ? AND family = ? AND start >= ? AND start <= ? ORDER BY start",
                arguments: args + [lo, hi]
            ).map { (UInt32($0["start"] as Int64), Self.signal($0)) }[...]
            var current = try Row.fetchOne(
                db,
                sql: "SELECT * FROM signal WHERE scope = ? AND id = ? AND family = ? AND start < ? ORDER BY start DESC LIMIT 1",
                arguments: args + [lo]
            ).map { Self.signal($0).quiet }
            var out: [SeriesPoint] = []
            out.reserveCapacity(bins.count)
            var expected: UInt32?
            for b in bins {
                // Bins the observatory never closed (no input data at all) are unknown, not absent: one
                // point per missing bin, or one point spanning the whole gap when it is long (archives
                // years apart must not become millions of points).
                if let t = expected, t < b.start, b.width > 0 {
                    var missing = BinHealth()
                    missing.dataPresent = false
                    let count = (b.start - t) / b.width
                    if count <= Self.maxGapBins {
                        for i in 0..<count {
                            out.append(point(BinInfo(start: t + i * b.width, width: b.width, health: missing), current, key.family, minPeers))
                        }
                    } else {
                        out.append(point(BinInfo(start: t, width: b.start - t, health: missing), current, key.family, minPeers))
                    }
                }
                expected = b.start + b.width
                if let (t, s) = rows.first, t <= b.start {
                    rows.removeFirst()
                    current = s
                    out.append(point(b, s, key.family, minPeers))
                    current = s.quiet
                } else {
                    out.append(point(b, current, key.family, minPeers))
                }
            }
            return out
        }
    }

    func point(_ b: BinInfo, _ s: EntitySignal?, _ family: String, _ minPeers: Int) -> SeriesPoint {
        SeriesPoint(
            time: b.start, width: b.width, known: b.health.isGood(family: family, minPeers: minPeers),
            fullFeedPeersUp: b.health.fullFeedPeersUp[family] ?? 0, signal: s)
    }

    static let decoder = JSONDecoder()
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    static func event(_ r: Row) -> StoredEvent {
        let key = EntityKey(scope: Scope(rawValue: r["scope"]) ?? .country, id: r["entity"], family: r["family"])
        let evidence = (try? decoder.decode(EntityEvidence.self, from: Data((r["evidence"] as String).utf8)))
            ?? EntityEvidence()
        var e = Event(
            kind: EventKind(rawValue: r["kind"]) ?? .outage, entity: key, start: UInt32(r["start"] as Int64),
            end: (r["end"] as Int64?).map { UInt32($0) }, severity: r["severity"],
            classification: (r["classification"] as String?).flatMap(OutageClass.init(rawValue:)),
            state: EventState(rawValue: r["state"]) ?? .opened, baseline: r["baseline"], worst: r["worst"],
            upstreamsBefore: asList(r["upstreams_before"]), upstreamsAfter: asList(r["upstreams_after"]),
            evidence: evidence, fullFeedPeersUp: r["full_feed_peers_up"])
        e.id = r["id"]
        return StoredEvent(event: e, narrative: r["narrative"])
    }

    public func events(_ q: EventQuery) throws -> [StoredEvent] {
        var clauses: [String] = []
        var args: StatementArguments = []
        if let s = q.scope { clauses.append("scope = ?"); args += [s.rawValue] }
        if let e = q.entity { clauses.append("entity = ?"); args += [e] }
        if let f = q.family { clauses.append("family = ?"); args += [f] }
        if let k = q.kind { clauses.append("kind = ?"); args += [k.rawValue] }
        if let from = q.from { clauses.append("(\"end\" IS NULL OR \"end\" >= ?)"); args += [Int64(from)] }
        if let to = q.to { clauses.append("start <= ?"); args += [Int64(to)] }
        switch q.state {
        case .open?: clauses.append("\"end\" IS NULL")
        case .closed?: clauses.append("\"end\" IS NOT NULL")
        case nil: break
        }
        let whereSQL = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
        args += [q.limit, q.offset]
        return try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM event\(whereSQL) ORDER BY start DESC, id LIMIT ? OFFSET ?", arguments: args
            ).map(Self.event)
        }
    }

    public func event(id: String) throws -> StoredEvent? {
        try pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM event WHERE id = ?", arguments: [id]).map(Self.event) }
    }

    public func upstreams(_ key: EntityKey) throws -> [UpstreamShare] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM upstream WHERE scope = ? AND id = ? AND family = ? ORDER BY path_share DESC, asn",
                arguments: [key.scope.rawValue, key.id, key.family]
            ).map { UpstreamShare(asn: UInt32($0["asn"] as Int64), pathShare: $0["path_share"], spaceShare: $0["space_share"]) }
        }
    }

    public func totals() throws -> StoreTotals {
        try pool.read { db in
            func count(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql) ?? 0 }
            var open: [EventKind: Int] = [:]
            for k in [EventKind.outage, .instability, .upstreamChange, .measurementGap] { open[k] = 0 }
            for r in try Row.fetchAll(db, sql: "SELECT kind, COUNT(*) AS n FROM event WHERE \"end\" IS NULL GROUP BY kind") {
                if let k = EventKind(rawValue: r["kind"]) { open[k] = r["n"] }
            }
            let run = try Row.fetchOne(db, sql: "SELECT * FROM run ORDER BY id DESC LIMIT 1").map { r in
                RunRecord(
                    startedAt: r["started_at"], finishedAt: r["finished_at"], files: r["files"],
                    failedFiles: r["failed_files"], records: r["records"], elements: r["elements"],
                    firstTime: (r["first_time"] as Int64?).map { UInt32($0) },
                    lastTime: (r["last_time"] as Int64?).map { UInt32($0) })
            }
            let last = try lastBin(db)
            return StoreTotals(
                files: try count("SELECT COUNT(*) FROM ingested_file"), records: run?.records ?? 0,
                elements: run?.elements ?? 0, bins: try count("SELECT COUNT(*) FROM bin"),
                signals: try count("SELECT COUNT(*) FROM signal"), events: try count("SELECT COUNT(*) FROM event"),
                openEvents: open, lastRun: run, lastBin: last?.start, fullFeedPeersUp: last?.health.fullFeedPeersUp ?? [:],
                alertsDelivered: try count("SELECT COUNT(*) FROM alert WHERE delivered = 1"),
                alertsFailed: try count("SELECT COUNT(*) FROM alert WHERE delivered = 0"))
        }
    }

    // MARK: - Alerts

    public func alerts(eventID: String?) throws -> [AlertRecord] {
        try pool.read { db in
            let rows =
                try eventID.map {
                    try Row.fetchAll(db, sql: "SELECT * FROM alert WHERE event_id = ? ORDER BY at", arguments: [$0])
                } ?? Row.fetchAll(db, sql: "SELECT * FROM alert ORDER BY at")
            return rows.map {
                AlertRecord(
                    eventID: $0["event_id"], transition: $0["transition"], level: $0["level"], target: $0["target"],
                    attempts: $0["attempts"], delivered: ($0["delivered"] as Int) != 0, at: $0["at"],
                    lastError: $0["last_error"])
            }
        }
    }

    public func recordAlert(_ a: AlertRecord) throws {
        try pool.write { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO alert (event_id, transition, level, target, attempts, delivered, at, last_error)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [a.eventID, a.transition, a.level, a.target, a.attempts, a.delivered ? 1 : 0, a.at, a.lastError])
        }
    }
}

/// Inserts into the tables of one rebuild transaction with prepared statements.
final class SQLiteWriter: StoreWriter {
    let db: Database
    let binStmt: Statement
    let signalStmt: Statement
    let eventStmt: Statement
    let entityStmt: Statement
    let upstreamStmt: Statement
    let clearUpstreams: Statement

    init(_ db: Database) throws {
        self.db = db
        binStmt = try db.makeStatement(
            sql: "INSERT OR REPLACE INTO bin (start, width, data_present, peers_went_down, full_feed_ipv4, full_feed_ipv6) VALUES (?, ?, ?, ?, ?, ?)"
        )
        signalStmt = try db.makeStatement(
            sql: """
                INSERT OR REPLACE INTO signal (scope, id, family, start, visible_prefixes, visible_space, peer_share,
                min_visible_space, announcements, withdrawals, flaps, last_drop, last_rise, upstreams)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        eventStmt = try db.makeStatement(
            sql: """
                INSERT OR REPLACE INTO event (id, kind, scope, entity, family, start, "end", severity, classification,
                state, baseline, worst, upstreams_before, upstreams_after, full_feed_peers_up, evidence, narrative)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        entityStmt = try db.makeStatement(sql: "INSERT OR REPLACE INTO entity (scope, id, name, country) VALUES (?, ?, ?, ?)")
        clearUpstreams = try db.makeStatement(sql: "DELETE FROM upstream WHERE scope = ? AND id = ? AND family = ?")
        upstreamStmt = try db.makeStatement(
            sql: "INSERT OR REPLACE INTO upstream (scope, id, family, asn, path_share, space_share) VALUES (?, ?, ?, ?, ?, ?)")
    }

    func addBin(start: UInt32, width: UInt32, health: BinHealth) throws {
        try binStmt.execute(arguments: [
            Int64(start), Int64(width), health.dataPresent ? 1 : 0, health.peersWentDown,
            health.fullFeedPeersUp["ipv4"] ?? 0, health.fullFeedPeersUp["ipv6"] ?? 0,
        ])
    }

    func addSignal(_ key: EntityKey, at time: UInt32, _ s: EntitySignal) throws {
        try signalStmt.execute(arguments: [
            key.scope.rawValue, key.id, key.family, Int64(time), s.visiblePrefixes, s.visibleSpace, s.peerShare,
            s.minVisibleSpace, s.announcements, s.withdrawals, s.flaps, s.lastDrop.map { Int64($0) },
            s.lastRise.map { Int64($0) }, s.upstreams.map(String.init).joined(separator: ","),
        ])
    }

    func addEvent(_ stored: StoredEvent) throws {
        let e = stored.event
        let evidence = String(decoding: try SQLiteStore.encoder.encode(e.evidence), as: UTF8.self)
        try eventStmt.execute(arguments: [
            e.id, e.kind.rawValue, e.entity.scope.rawValue, e.entity.id, e.entity.family, Int64(e.start),
            e.end.map { Int64($0) }, e.severity, e.classification?.rawValue, e.state.rawValue, e.baseline, e.worst,
            e.upstreamsBefore.map(String.init).joined(separator: ","),
            e.upstreamsAfter.map(String.init).joined(separator: ","), e.fullFeedPeersUp, evidence, stored.narrative,
        ])
    }

    func addEntity(_ info: EntityInfo) throws {
        try entityStmt.execute(arguments: [info.scope.rawValue, info.id, info.name, info.country])
    }

    func setUpstreams(_ key: EntityKey, _ upstreams: [UpstreamShare]) throws {
        try clearUpstreams.execute(arguments: [key.scope.rawValue, key.id, key.family])
        for u in upstreams {
            try upstreamStmt.execute(arguments: [
                key.scope.rawValue, key.id, key.family, Int64(u.asn), u.pathShare, u.spaceShare,
            ])
        }
    }
}
