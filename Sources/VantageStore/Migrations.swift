import VantageCore

/// Schema migrations, in plain SQL, applied in order and recorded by GRDB's migrator.
///
/// A migration is never edited once shipped: add a new one instead. `VantageStoreTests` pins the
/// SHA-like digest of every shipped migration, so an edit fails the tests.
public enum Migrations {
    public static let all: [(name: String, sql: String)] = [
        ("0001_initial", initial)
    ]

    static let initial = """
        CREATE TABLE ingested_file (
            path TEXT PRIMARY KEY NOT NULL,
            size INTEGER NOT NULL,
            modified INTEGER NOT NULL,
            fingerprint TEXT NOT NULL
        );
        CREATE TABLE run (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            started_at INTEGER NOT NULL,
            finished_at INTEGER NOT NULL,
            files INTEGER NOT NULL,
            failed_files INTEGER NOT NULL,
            records INTEGER NOT NULL,
            elements INTEGER NOT NULL,
            first_time INTEGER,
            last_time INTEGER
        );
        CREATE TABLE setting (
            key TEXT PRIMARY KEY NOT NULL,
            value TEXT NOT NULL
        );
        CREATE TABLE bin (
            start INTEGER PRIMARY KEY NOT NULL,
            width INTEGER NOT NULL,
            data_present INTEGER NOT NULL,
            peers_went_down INTEGER NOT NULL,
            full_feed_ipv4 INTEGER NOT NULL,
            full_feed_ipv6 INTEGER NOT NULL
        );
        -- Sparse: a row only for bins where the entity changed; a missing bin repeats the previous
        -- row with no activity (what the observatory means by an entity absent from a snapshot).
        CREATE TABLE signal (
            scope TEXT NOT NULL,
            id TEXT NOT NULL,
            family TEXT NOT NULL,
            start INTEGER NOT NULL,
            visible_prefixes INTEGER NOT NULL,
            visible_space REAL NOT NULL,
            peer_share REAL NOT NULL,
            min_visible_space REAL NOT NULL,
            announcements INTEGER NOT NULL,
            withdrawals INTEGER NOT NULL,
            flaps INTEGER NOT NULL,
            last_drop INTEGER,
            last_rise INTEGER,
            upstreams TEXT NOT NULL,
            PRIMARY KEY (scope, id, family, start)
        ) WITHOUT ROWID;
        CREATE TABLE event (
            id TEXT PRIMARY KEY NOT NULL,
            kind TEXT NOT NULL,
            scope TEXT NOT NULL,
            entity TEXT NOT NULL,
            family TEXT NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER,
            severity REAL NOT NULL,
            classification TEXT,
            state TEXT NOT NULL,
            baseline REAL NOT NULL,
            worst REAL NOT NULL,
            upstreams_before TEXT NOT NULL,
            upstreams_after TEXT NOT NULL,
            full_feed_peers_up INTEGER NOT NULL,
            evidence TEXT NOT NULL,
            narrative TEXT NOT NULL
        );
        CREATE INDEX event_by_entity ON event (scope, entity, family, start);
        CREATE INDEX event_by_start ON event (start);
        CREATE TABLE entity (
            scope TEXT NOT NULL,
            id TEXT NOT NULL,
            name TEXT,
            country TEXT,
            PRIMARY KEY (scope, id)
        ) WITHOUT ROWID;
        CREATE TABLE upstream (
            scope TEXT NOT NULL,
            id TEXT NOT NULL,
            family TEXT NOT NULL,
            asn INTEGER NOT NULL,
            path_share REAL NOT NULL,
            space_share REAL NOT NULL,
            PRIMARY KEY (scope, id, family, asn)
        ) WITHOUT ROWID;
        -- Alert log: kept across rebuilds so that a transition is notified once.
        CREATE TABLE alert (
            event_id TEXT NOT NULL,
            transition TEXT NOT NULL,
            level INTEGER NOT NULL,
            target TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            delivered INTEGER NOT NULL,
            at INTEGER NOT NULL,
            last_error TEXT,
            PRIMARY KEY (event_id, transition, level, target)
        );
        """

    /// FNV-1a 64 of a migration's text, pinned by the tests.
    public static func digest(_ sql: String) -> String { FNV1a.hex(sql) }
}
