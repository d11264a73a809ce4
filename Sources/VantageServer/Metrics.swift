import Foundation
import VantageCore
import VantageStore

/// Process counters for `/metrics` (Prometheus text format 0.0.4); the rest comes from the store.
public final class ServerMetrics: @unchecked Sendable {
    // @unchecked: every field is guarded by `lock`.
    private let lock = NSLock()
    private var requests: [String: Int] = [:]
    private var ingests = 0
    private var ingestFailures = 0
    private var ingestSeconds = 0.0
    private var recordsProcessed = 0
    private var elementsProcessed = 0
    private var lastIngestAt: Double?
    private var alertsSent = 0
    private var alertsFailed = 0

    public init() {}

    func countRequest(status: Int) {
        lock.lock()
        requests["\(status / 100)xx", default: 0] += 1
        lock.unlock()
    }

    /// Records one ingest run made by this process (serve --watch).
    public func recordIngest(records: Int, elements: Int, seconds: Double, failed: Bool) {
        lock.lock()
        ingests += 1
        if failed { ingestFailures += 1 }
        ingestSeconds = seconds
        recordsProcessed += records
        elementsProcessed += elements
        lastIngestAt = Date().timeIntervalSince1970
        lock.unlock()
    }

    public func recordAlerts(sent: Int, failed: Int) {
        lock.lock()
        alertsSent += sent
        alertsFailed += failed
        lock.unlock()
    }

    /// The exposition: store totals (records and elements of the last run, peers up, open events,
    /// processing lag) and this process's counters.
    public func exposition(store: any ObservatoryStore, now: Double = Date().timeIntervalSince1970) throws -> String {
        let t = try store.totals()
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, Double)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (labels, v) in samples {
                let value = v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
                out += "\(name)\(labels.isEmpty ? "" : "{\(labels)}") \(value)\n"
            }
        }
        lock.lock()
        let (req, n, nf, secs, recs, elems, lastAt, aSent, aFailed) = (
            requests, ingests, ingestFailures, ingestSeconds, recordsProcessed, elementsProcessed, lastIngestAt,
            alertsSent, alertsFailed
        )
        lock.unlock()
        metric(
            "vantage_records_processed", "gauge", "MRT records read by the last ingest run (all files of the store).",
            [("", Double(t.records))])
        metric(
            "vantage_elements_processed", "gauge", "Route elements (announcements, withdrawals, RIB entries, state changes) of the last ingest run.",
            [("", Double(t.elements))])
        metric(
            "vantage_process_records_total", "counter", "MRT records read by ingests run by this process.",
            [("", Double(recs))])
        metric(
            "vantage_process_elements_total", "counter", "Route elements read by ingests run by this process.",
            [("", Double(elems))])
        metric("vantage_ingested_files", "gauge", "Archive files in the store.", [("", Double(t.files))])
        metric("vantage_bins", "gauge", "Signal bins in the store.", [("", Double(t.bins))])
        metric("vantage_signal_rows", "gauge", "Stored signal rows (one per entity and bin where it changed).", [("", Double(t.signals))])
        metric(
            "vantage_full_feed_peers_up", "gauge", "Full-feed peers up in the last bin of the data.",
            ["ipv4", "ipv6"].map { ("family=\"\($0)\"", Double(t.fullFeedPeersUp[$0] ?? 0)) })
        metric(
            "vantage_open_events", "gauge", "Events not yet recovered, by kind.",
            t.openEvents.keys.sorted { $0.rawValue < $1.rawValue }.map { ("kind=\"\($0.rawValue)\"", Double(t.openEvents[$0]!)) })
        metric("vantage_events", "gauge", "Events in the store.", [("", Double(t.events))])
        if let last = t.lastRun?.lastTime {
            metric(
                "vantage_data_timestamp_seconds", "gauge", "Newest MRT timestamp processed (Unix seconds).",
                [("", Double(last))])
            metric(
                "vantage_processing_lag_seconds", "gauge",
                "Wall clock minus the newest MRT timestamp processed: how far behind real time the observatory is.",
                [("", max(0, now - Double(last)))])
        }
        if let run = t.lastRun {
            metric(
                "vantage_last_ingest_duration_seconds", "gauge", "Wall-clock duration of the last ingest run.",
                [("", Double(run.finishedAt - run.startedAt))])
            metric("vantage_last_ingest_failed_files", "gauge", "Files the last ingest could not read.", [("", Double(run.failedFiles))])
        }
        metric("vantage_process_ingests_total", "counter", "Ingest runs made by this process.", [("", Double(n))])
        metric("vantage_process_ingest_failures_total", "counter", "Ingest runs of this process that failed.", [("", Double(nf))])
        if lastAt != nil {
            metric("vantage_process_last_ingest_seconds", "gauge", "Duration of this process's last ingest.", [("", secs)])
        }
        metric(
            "vantage_alerts_total", "counter", "Webhook notices recorded in the store, by outcome.",
            [("outcome=\"delivered\"", Double(t.alertsDelivered)), ("outcome=\"failed\"", Double(t.alertsFailed))])
        metric(
            "vantage_process_alerts_total", "counter", "Webhook notices sent by this process, by outcome.",
            [("outcome=\"delivered\"", Double(aSent)), ("outcome=\"failed\"", Double(aFailed))])
        metric(
            "vantage_http_requests_total", "counter", "HTTP requests served, by status class.",
            ["2xx", "3xx", "4xx", "5xx"].map { ("code=\"\($0)\"", Double(req[$0] ?? 0)) })
        return out
    }
}
