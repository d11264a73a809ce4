import VantageCore

/// An archive file the store has ingested: identified by path, and by size + modification time +
/// a fingerprint of its content so that a rewritten file counts as new.
public struct StoredFile: Sendable, Hashable, Codable {
    public var path: String
    public var size: Int64
    public var modified: Int64
    /// FNV-1a over the first and last 64 KiB and the size (see ``FileFingerprint``).
    public var fingerprint: String
    public init(path: String, size: Int64, modified: Int64, fingerprint: String) {
        self.path = path
        self.size = size
        self.modified = modified
        self.fingerprint = fingerprint
    }
}

/// One processing run: what `ingest` read and when.
public struct RunRecord: Sendable, Hashable, Codable {
    public var startedAt: Int64
    public var finishedAt: Int64
    public var files: Int
    public var failedFiles: Int
    public var records: Int
    public var elements: Int
    /// First and last MRT timestamps read.
    public var firstTime: UInt32?
    public var lastTime: UInt32?
    public init(
        startedAt: Int64, finishedAt: Int64, files: Int, failedFiles: Int, records: Int, elements: Int,
        firstTime: UInt32?, lastTime: UInt32?
    ) {
        (self.startedAt, self.finishedAt, self.files, self.failedFiles) = (startedAt, finishedAt, files, failedFiles)
        (self.records, self.elements, self.firstTime, self.lastTime) = (records, elements, firstTime, lastTime)
    }
}

/// Name and registration country of a country or AS.
public struct EntityInfo: Sendable, Hashable, Codable {
    public var scope: Scope
    public var id: String
    public var name: String?
    public var country: String?
    public init(scope: Scope, id: String, name: String? = nil, country: String? = nil) {
        (self.scope, self.id, self.name, self.country) = (scope, id, name, country)
    }
}

/// An upstream of an entity at the end of the data.
public struct UpstreamShare: Sendable, Hashable, Codable {
    public var asn: UInt32
    /// Share of the entity's paths (from full-feed peers) that go through this AS.
    public var pathShare: Double
    /// Share of the entity's address space reached through this AS.
    public var spaceShare: Double
    public init(asn: UInt32, pathShare: Double, spaceShare: Double) {
        (self.asn, self.pathShare, self.spaceShare) = (asn, pathShare, spaceShare)
    }
}

/// An event as stored: the detector's event plus its plain-English narrative and last update time.
public struct StoredEvent: Sendable, Hashable {
    public var event: Event
    public var narrative: String
    public init(event: Event, narrative: String) {
        self.event = event
        self.narrative = narrative
    }
}

/// One bin of an entity's series, with the measurement health of that bin for the entity's family.
public struct SeriesPoint: Sendable, Hashable {
    public var time: UInt32
    /// The bin width, or the length of a long run of bins without data (one unknown point for all).
    public var width: UInt32
    /// False when the bin cannot be trusted (peers down, missing data, too few full-feed peers): the
    /// value is then unknown, never zero.
    public var known: Bool
    public var fullFeedPeersUp: Int
    /// Nil before the entity was first seen.
    public var signal: EntitySignal?
}

/// What an entity looks like now (at the last bin of the data).
public enum EntityStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// An outage event is open.
    case outage
    /// An instability event is open (and no outage).
    case unstable
    /// The last bin's measurement is not trustworthy, or a measurement gap is open.
    case unknown
    case normal
}

/// A country's or AS's summary for one family.
public struct EntitySummary: Sendable, Hashable {
    public var key: EntityKey
    public var info: EntityInfo
    public var status: EntityStatus
    /// Time of the entity's latest signal and its values then.
    public var lastTime: UInt32?
    public var visiblePrefixes: Int
    public var visibleSpace: Double
    public var openEvents: Int
    public var eventCount: Int
}

/// Filters for ``ObservatoryStore/events(_:)``; nil means any.
public struct EventQuery: Sendable, Hashable {
    public enum State: String, Sendable, CaseIterable { case open, closed }
    public var scope: Scope?
    public var entity: String?
    public var family: String?
    public var kind: EventKind?
    /// Events overlapping [from, to].
    public var from: UInt32?
    public var to: UInt32?
    public var state: State?
    public var limit: Int = 1000
    public var offset: Int = 0
    public init() {}
}

/// A webhook notification the store has recorded (so that the same transition is never sent twice).
public struct AlertRecord: Sendable, Hashable {
    public var eventID: String
    /// "opened", "severity-changed", "recovered".
    public var transition: String
    /// Severity bucket (percent, rounded to 10) for severity changes; 0 otherwise.
    public var level: Int
    public var target: String
    public var attempts: Int
    public var delivered: Bool
    public var at: Int64
    public var lastError: String?
    public init(
        eventID: String, transition: String, level: Int, target: String, attempts: Int, delivered: Bool, at: Int64,
        lastError: String? = nil
    ) {
        (self.eventID, self.transition, self.level, self.target) = (eventID, transition, level, target)
        (self.attempts, self.delivered, self.at, self.lastError) = (attempts, delivered, at, lastError)
    }
}

/// Totals for `/metrics` and the dashboard footer.
public struct StoreTotals: Sendable, Hashable {
    public var files: Int
    public var records: Int
    public var elements: Int
    public var bins: Int
    public var signals: Int
    public var events: Int
    public var openEvents: [EventKind: Int]
    public var lastRun: RunRecord?
    /// Last bin and its health.
    public var lastBin: UInt32?
    public var fullFeedPeersUp: [String: Int]
    public var alertsDelivered: Int
    public var alertsFailed: Int
}

/// Writes one complete derived state (bins, signals, events, entities, upstreams) that replaces the
/// previous one atomically when the rebuild's body returns: readers see the old state until then.
public protocol StoreWriter: AnyObject {
    func addBin(start: UInt32, width: UInt32, health: BinHealth) throws
    func addSignal(_ key: EntityKey, at time: UInt32, _ signal: EntitySignal) throws
    func addEvent(_ event: StoredEvent) throws
    func addEntity(_ info: EntityInfo) throws
    /// Replaces the entity's upstreams.
    func setUpstreams(_ key: EntityKey, _ upstreams: [UpstreamShare]) throws
}

/// Storage of the observatory's results. SQLite (``SQLiteStore``) is the default backend; another
/// (ClickHouse is planned) implements the same protocol. Everything the API and dashboard show comes
/// through here; the store never computes signals itself.
public protocol ObservatoryStore: Sendable {
    /// Files ingested so far.
    func files() throws -> [StoredFile]
    /// Replaces all derived data with what `body` writes and records `files` as the ingested set and
    /// `settings`, in one transaction.
    func rebuild(files: [StoredFile], settings: [String: String], _ body: (StoreWriter) throws -> Void) throws
    /// Adds to the current results without clearing them (rows with the same key are replaced: bins,
    /// signals, events, entities, an entity's upstreams) and records `files` as ingested too.
    func append(files: [StoredFile], settings: [String: String], _ body: (StoreWriter) throws -> Void) throws
    /// Records a finished processing run (for `/metrics` and the dashboard).
    func recordRun(_ run: RunRecord) throws
    /// Settings recorded with the last rebuild (registry files, bin width, minimum full-feed peers).
    func settings() throws -> [String: String]

    func entities(scope: Scope) throws -> [EntitySummary]
    func entity(scope: Scope, id: String) throws -> [EntitySummary]
    func series(_ key: EntityKey, from: UInt32?, to: UInt32?) throws -> [SeriesPoint]
    func events(_ query: EventQuery) throws -> [StoredEvent]
    func event(id: String) throws -> StoredEvent?
    func upstreams(_ key: EntityKey) throws -> [UpstreamShare]
    func info(scope: Scope, ids: [String]) throws -> [String: EntityInfo]
    func totals() throws -> StoreTotals

    func alerts(eventID: String?) throws -> [AlertRecord]
    func recordAlert(_ alert: AlertRecord) throws
}
