import Foundation
import Hummingbird
import VantageCore
import VantageStore

/// The dashboard: server-rendered HTML with inline SVG charts. No JavaScript, nothing from the internet.
struct Dashboard: Sendable {
    let store: any ObservatoryStore

    func routes(_ router: Router<BasicRequestContext>) {
        router.read("/") { req, _ in page(req) { try home() } }
        router.read("country/:id") { req, ctx in
            page(req) { try entity(.country, try VantageHTTP.entityID(.country, ctx.parameters.get("id") ?? ""), req) }
        }
        router.read("as/:id") { req, ctx in
            page(req) { try entity(.asn, try VantageHTTP.entityID(.asn, ctx.parameters.get("id") ?? ""), req) }
        }
        router.read("ases") { req, _ in page(req) { try asList(req) } }
        router.read("event/:id") { req, ctx in page(req) { try event(ctx.parameters.get("id") ?? "", req) } }
    }

    // MARK: - Pages

    func home() throws -> String {
        let totals = try store.totals()
        let countries = try store.entities(scope: .country)
        var byCountry: [String: [EntitySummary]] = [:]
        for c in countries { byCountry[c.key.id, default: []].append(c) }
        let order: [EntityStatus: Int] = [.outage: 0, .unstable: 1, .unknown: 2, .normal: 3]
        let rows = byCountry.values.sorted {
            let a = $0.map { order[$0.status]! }.min()!
            let b = $1.map { order[$0.status]! }.min()!
            return (a, $0[0].key.id) < (b, $1[0].key.id)
        }
        var q = EventQuery()
        q.limit = 25
        let recent = try store.events(q).filter { !$0.event.entity.isMeasurement || $0.event.kind == .measurementGap }
        var body = "<h1>Vantage <small>Internet outage observatory</small></h1>"
        body += measurementLine(totals)
        body += "<h2>Recent events</h2>" + eventTable(recent, showEntity: true)
        body += "<p class=more><a href=\"/api/v1/events.csv\">Export all events (CSV)</a> · <a href=\"/api/v1/events\">JSON</a> · <a href=\"/ases\">ASes</a> · <a href=\"/openapi.json\">API (OpenAPI)</a> · <a href=\"/metrics\">metrics</a></p>"
        body += "<h2>Countries</h2><table><tr><th>Country</th><th>Status</th><th class=n>IPv4 prefixes</th><th class=n>/24s</th><th class=n>IPv6 prefixes</th><th class=n>/48s</th><th class=n>Events</th></tr>"
        for fams in rows {
            let v4 = fams.first { $0.key.family == "ipv4" }
            let v6 = fams.first { $0.key.family == "ipv6" }
            let first = fams[0]
            let worst = fams.min { order[$0.status]! < order[$1.status]! }!.status
            body += "<tr><td><a href=\"/country/\(first.key.id)\">\(first.key.id)</a> \(Web.html(first.info.name ?? ""))</td>"
            body += "<td>\(badge(worst))</td>"
            body += "<td class=n>\(v4.map { grouped($0.visiblePrefixes) } ?? "–")</td><td class=n>\(v4.map { num($0.visibleSpace) } ?? "–")</td>"
            body += "<td class=n>\(v6.map { grouped($0.visiblePrefixes) } ?? "–")</td><td class=n>\(v6.map { num($0.visibleSpace) } ?? "–")</td>"
            body += "<td class=n>\(fams.map(\.eventCount).reduce(0, +))</td></tr>"
        }
        body += "</table>"
        if rows.isEmpty { body += "<p>No data yet: ingest archives with <code>vantage ingest</code>.</p>" }
        return layout("Vantage", body)
    }

    func asList(_ req: Request) throws -> String {
        let all = try store.entities(scope: .asn)
        let order: [EntityStatus: Int] = [.outage: 0, .unstable: 1, .unknown: 2, .normal: 3]
        let list = all.sorted { (order[$0.status]!, -$0.eventCount, -$0.visibleSpace) < (order[$1.status]!, -$1.eventCount, -$1.visibleSpace) }
        var body = "<p><a href=\"/\">← countries</a></p><h1>ASes</h1><p>\(all.count) AS/family pairs; the 500 first by status, events and visible space. <a href=\"/api/v1/ases\">All as JSON</a>.</p>"
        body += "<table><tr><th>AS</th><th>Name</th><th>Family</th><th>Status</th><th class=n>Prefixes</th><th class=n>Space</th><th class=n>Events</th></tr>"
        for a in list.prefix(500) {
            body += "<tr><td><a href=\"\(DTO.page(.asn, a.key.id))\">\(a.key.id)</a></td><td>\(Web.html(a.info.name ?? ""))</td><td>\(a.key.family)</td>"
            body += "<td>\(badge(a.status))</td><td class=n>\(a.visiblePrefixes)</td><td class=n>\(num(a.visibleSpace))</td><td class=n>\(a.eventCount)</td></tr>"
        }
        return layout("ASes — Vantage", body + "</table>")
    }

    func entity(_ scope: Scope, _ id: String, _ req: Request) throws -> String {
        let fams = try store.entity(scope: scope, id: id)
        guard !fams.isEmpty else {
            throw APIError.notFound("\(scope == .country ? "Country" : "AS") \(id) has no data in this store.")
        }
        let from = req.uri.queryParameters.get("from").flatMap(Web.parseTime)
        let to = req.uri.queryParameters.get("to").flatMap(Web.parseTime)
        let info = fams[0].info
        let apiBase = "/api/v1/" + (scope == .country ? "countries/\(id)" : "ases/\(id.dropFirst(2))")
        var title = scope == .country ? "\(id) — \(info.name ?? "country \(id)")" : id + (info.name.map { " — \($0)" } ?? "")
        if scope == .asn, let cc = info.country { title += " (\(cc))" }
        var body = "<p><a href=\"/\">← all countries</a></p><h1>\(Web.html(title))</h1>"
        body += "<p>" + fams.map { "\($0.key.family == "ipv4" ? "IPv4" : "IPv6"): \(badge($0.status))" }.joined(separator: " ") + "</p>"
        var q = EventQuery()
        q.scope = scope
        q.entity = id
        q.limit = 200
        let events = try store.events(q)
        if let f = from, let t = to { body += "<p>Showing \(UTC.short(f)) → \(UTC.short(t)). <a href=\"?\">Whole period</a></p>" }
        for s in fams {
            let v4 = s.key.family == "ipv4"
            let fam = v4 ? "IPv4" : "IPv6"
            let unit = v4 ? "/24s" : "/48s"
            let points = try store.series(s.key, from: from, to: to)
            let evs = events.map(\.event).filter { $0.entity.family == s.key.family }
            body += "<section><h2>\(fam)</h2>"
            body += "<p>Now: \(s.visiblePrefixes) visible prefixes, \(num(s.visibleSpace)) \(unit)"
            body += s.lastTime.map { " (as of \(UTC.short($0)))" } ?? ""
            body += ". Export: <a href=\"\(apiBase)/series.csv?family=\(s.key.family)\">series CSV</a> · <a href=\"\(apiBase)/series?family=\(s.key.family)\">JSON</a></p>"
            if points.isEmpty {
                body += "<p>No bins in this period.</p>"
            } else {
                body += Charts.timeline(
                    points, events: evs, title: "Visible \(unit) (\(fam))", id: "space-\(s.key.family)") { $0.visibleSpace }
                body += Charts.timeline(
                    points, events: evs, title: "Visible prefixes (\(fam))", id: "prefixes-\(s.key.family)") {
                        Double($0.visiblePrefixes)
                    }
                body += Charts.bars(points, events: evs, title: "Instability: withdrawals and flaps per bin (\(fam))", id: "instability-\(s.key.family)")
            }
            let ups = try store.upstreams(s.key)
            let names = try store.info(scope: .asn, ids: ups.map { "AS\($0.asn)" })
            body += "<h3>Upstreams (\(fam), end of data)</h3>"
            if ups.isEmpty {
                body += "<p>None observed.</p>"
            } else {
                body += "<table class=ups><tr><th>AS</th><th>Name</th><th class=n>Paths</th><th class=n>Address space</th></tr>"
                for u in ups.prefix(20) {
                    body += "<tr><td><a href=\"/as/\(u.asn)\">AS\(u.asn)</a></td><td>\(Web.html(names["AS\(u.asn)"]?.name ?? ""))</td><td class=n>\(percent(u.pathShare))</td><td class=n>\(percent(u.spaceShare))</td></tr>"
                }
                body += "</table>"
                if ups.count == 1 { body += "<p class=note>Single upstream: every path goes through AS\(ups[0].asn).</p>" }
            }
            body += "</section>"
        }
        body += "<h2>Events</h2>" + eventTable(events, showEntity: false)
        body += "<p class=more>Export: <a href=\"/api/v1/events.csv?scope=\(scope.rawValue)&amp;entity=\(id)\">events CSV</a> · <a href=\"/api/v1/events?scope=\(scope.rawValue)&amp;entity=\(id)\">JSON</a></p>"
        return layout(title + " — Vantage", body)
    }

    func event(_ raw: String, _ req: Request) throws -> String {
        let id = raw.removingPercentEncoding ?? raw
        guard let stored = try store.event(id: id) else { throw APIError.notFound("No event with id \(id).") }
        let e = stored.event
        let entityLink = e.entity.isMeasurement ? "all entities" : "<a href=\"\(DTO.page(e.entity.scope, e.entity.id))\">\(Web.html(e.entity.id))</a>"
        var body = "<p><a href=\"/\">← all countries</a></p>"
        body += "<h1>\(kindLabel(e.kind)): \(Web.html(e.entity.isMeasurement ? "measurement" : e.entity.id)) \(e.entity.family == "ipv4" ? "IPv4" : "IPv6")</h1>"
        body += "<p class=narrative>\(Web.html(stored.narrative))</p>"
        let host = req.head.authority ?? "localhost"
        let permalink = "http://\(host)/event/\(Web.pathEscape(e.id))"
        body += "<table class=facts>"
        body += "<tr><th>Entity</th><td>\(entityLink) (\(e.entity.scope.rawValue), \(e.entity.family))</td></tr>"
        body += "<tr><th>Start</th><td>\(UTC.iso8601(e.start))</td></tr>"
        body += "<tr><th>End</th><td>\(e.end.map { UTC.iso8601($0) + " (\(UTC.duration(e.duration ?? 0)))" } ?? "open")</td></tr>"
        body += "<tr><th>Severity</th><td>\(String(format: "%.2f", e.severity))</td></tr>"
        if let c = e.classification { body += "<tr><th>Classification</th><td>\(c.rawValue)</td></tr>" }
        body += "<tr><th>Baseline → worst</th><td>\(num(e.baseline)) → \(num(e.worst)) \(e.entity.family == "ipv4" ? "/24s" : "/48s")</td></tr>"
        if !e.upstreamsBefore.isEmpty || !e.upstreamsAfter.isEmpty {
            body += "<tr><th>Upstreams</th><td>before: \(asLinks(e.upstreamsBefore)); after: \(asLinks(e.upstreamsAfter))</td></tr>"
        }
        body += "<tr><th>Measurement</th><td>\(e.fullFeedPeersUp) full-feed peer\(e.fullFeedPeersUp == 1 ? "" : "s") up when it opened</td></tr>"
        body += "<tr><th>Permalink</th><td><a href=\"\(Web.html(permalink))\">\(Web.html(permalink))</a> · <a href=\"/api/v1/events/\(Web.pathEscape(e.id))\">JSON</a></td></tr>"
        body += "</table>"
        if !e.entity.isMeasurement {
            let pad: UInt32 = 12 * 3600
            let from = e.start > pad ? e.start - pad : 0
            let to = (e.end ?? e.start) + pad
            let points = try store.series(e.entity, from: from, to: to)
            if !points.isEmpty {
                // This event and the entity's others in the window (the instability before an outage).
                var q = EventQuery()
                q.scope = e.entity.scope
                q.entity = e.entity.id
                q.family = e.entity.family
                q.from = from
                q.to = to
                let around = try store.events(q).map(\.event)
                let unit = e.entity.family == "ipv4" ? "/24s" : "/48s"
                body += Charts.timeline(points, events: around, title: "Visible \(unit) around the event", id: "event-space") { $0.visibleSpace }
                body += Charts.bars(points, events: around, title: "Withdrawals and flaps per bin", id: "event-instability")
            }
        }
        body += "<h2>Evidence</h2>"
        let ev = e.evidence
        body += list("Prefixes lost", ev.prefixesLost) + list("Prefixes regained", ev.prefixesRegained)
        body += list("Peers that withdrew", ev.withdrawingPeers) + list("Last AS paths seen", ev.lastPaths)
        if ev.prefixesLost.isEmpty && ev.prefixesRegained.isEmpty && ev.withdrawingPeers.isEmpty && ev.lastPaths.isEmpty {
            body += "<p>No prefix-level evidence recorded for this event.</p>"
        }
        return layout("\(kindLabel(e.kind)) \(e.entity.id) — Vantage", body)
    }

    // MARK: - Pieces

    func measurementLine(_ t: StoreTotals) -> String {
        guard let last = t.lastBin else { return "<p class=note>The store is empty.</p>" }
        let v4 = t.fullFeedPeersUp["ipv4"] ?? 0
        let v6 = t.fullFeedPeersUp["ipv6"] ?? 0
        var s = "<p class=note>Data until \(UTC.short(last)); full-feed peers up: \(v4) IPv4, \(v6) IPv6"
        if let run = t.lastRun {
            s += "; \(t.files) archive files, \(grouped(run.records)) MRT records"
        }
        let open = t.openEvents.values.reduce(0, +)
        return s + "; \(open) open event\(open == 1 ? "" : "s").</p>"
    }

    func eventTable(_ events: [StoredEvent], showEntity: Bool) -> String {
        guard !events.isEmpty else { return "<p>No events.</p>" }
        var s = "<table class=events><tr><th>Kind</th>\(showEntity ? "<th>Entity</th>" : "")<th>Family</th><th>Start</th><th>End</th><th>Duration</th><th class=n>Severity</th><th>Pattern</th></tr>"
        for stored in events {
            let e = stored.event
            let link = "/event/\(Web.pathEscape(e.id))"
            s += "<tr class=\"\(e.kind.rawValue)\"><td><a href=\"\(link)\">\(kindLabel(e.kind))</a></td>"
            if showEntity {
                s += e.entity.isMeasurement
                    ? "<td>all</td>" : "<td><a href=\"\(DTO.page(e.entity.scope, e.entity.id))\">\(Web.html(e.entity.id))</a></td>"
            }
            s += "<td>\(e.entity.family)</td><td>\(UTC.short(e.start))</td><td>\(e.end.map(UTC.short) ?? "<b>open</b>")</td>"
            s += "<td>\(e.duration.map(UTC.duration) ?? "")</td><td class=n>\(String(format: "%.2f", e.severity))</td><td>\(e.classification?.rawValue ?? "")</td></tr>"
        }
        return s + "</table>"
    }

    func list(_ title: String, _ items: [String]) -> String {
        guard !items.isEmpty else { return "" }
        return "<h3>\(title) (\(items.count))</h3><ul class=evidence>" + items.map { "<li><code>\(Web.html($0))</code></li>" }.joined() + "</ul>"
    }

    func asLinks(_ a: [UInt32]) -> String { a.isEmpty ? "none" : a.map { "<a href=\"/as/\($0)\">AS\($0)</a>" }.joined(separator: ", ") }

    func kindLabel(_ k: EventKind) -> String {
        switch k {
        case .outage: return "Outage"
        case .instability: return "Instability"
        case .upstreamChange: return "Upstream change"
        case .measurementGap: return "Measurement gap"
        }
    }

    func badge(_ s: EntityStatus) -> String { "<span class=\"badge \(s.rawValue)\">\(s.rawValue)</span>" }
    func num(_ x: Double) -> String { x == x.rounded() ? grouped(Int(x)) : String(format: "%.1f", x) }

    func layout(_ title: String, _ body: String) -> String {
        """
        <!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport content="width=device-width, initial-scale=1">
        <title>\(Web.html(title))</title><style>\(Self.css)</style></head><body>\(body)
        <footer>Vantage · BGP visibility from MRT archives · hatched bands: measurement unknown (never counted as an outage)</footer></body></html>
        """
    }

    static let css = """
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1000px;color:#1d2330;padding:0 16px}
        h1 small{font-size:55%;color:#667;font-weight:normal}h2{margin-top:28px;border-bottom:1px solid #dde;padding-bottom:4px}
        table{border-collapse:collapse;width:100%;margin:8px 0}th,td{padding:4px 8px;border-bottom:1px solid #eef;text-align:left}
        th{background:#f4f5f9;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
        a{color:#1b5fbf;text-decoration:none}a:hover{text-decoration:underline}
        .badge{display:inline-block;padding:1px 8px;border-radius:9px;font-size:12px;font-weight:600;color:#fff}
        .badge.outage{background:#c62828}.badge.unstable{background:#ef8f00}.badge.unknown{background:#8a8f99}.badge.normal{background:#2e7d32}
        tr.outage td:first-child a{color:#c62828;font-weight:600}tr.instability td:first-child a{color:#b26a00}
        .note{color:#556}.narrative{font-size:16px;background:#f7f7fb;border-left:4px solid #c62828;padding:10px 14px}
        svg.chart{width:100%;height:auto;background:#fff;border:1px solid #e4e6ee;margin:6px 0 2px}
        svg text{font:11px system-ui,sans-serif;fill:#556}.legend{font-size:12px;color:#556;margin-bottom:10px}
        .legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px;vertical-align:middle}
        code{font-size:12px}ul.evidence{columns:2;font-size:13px}footer{margin-top:40px;color:#889;font-size:12px}
        table.facts th{width:180px}table.events td{white-space:nowrap}
        """
}

/// Runs a page handler; a not-found or bad request becomes an HTML error page with its status.
func page(_ req: Request, _ body: () throws -> String) -> Response {
    func html(_ status: HTTPResponse.Status, _ s: String) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: s)))
    }
    do {
        return html(.ok, try body())
    } catch let e as APIError {
        return html(e.status, "<!doctype html><meta charset=utf-8><title>\(e.status.code)</title><p>\(Web.html(e.message))</p><p><a href=\"/\">Vantage home</a></p>")
    } catch {
        return html(.internalServerError, "<!doctype html><meta charset=utf-8><title>500</title><p>Store error: \(Web.html("\(error)"))</p>")
    }
}
