import Foundation
import Hummingbird
import HummingbirdTesting
import VantageCore
import VantageServer
import VantageStore
import XCTest

/// Every API route through Hummingbird's test client, against the store filled from real RouteViews files.
final class APITests: XCTestCase {
    func app(_ store: any ObservatoryStore) -> some ApplicationProtocol {
        Application(router: VantageHTTP(store: store).router())
    }

    func testIngestOfRealFilesIsIdempotent() throws {
        let real = try RealStore.get()
        XCTAssertTrue(real.outcome.changed)
        XCTAssertEqual(real.outcome.newFiles.count, 2)
        XCTAssertEqual(real.outcome.stats?.failedFiles, 0)
        XCTAssertEqual(real.outcome.stats?.firstTime, 1_401_487_200)  // the RIB's timestamp, 2014-05-30 22:00
        XCTAssertFalse(real.secondIngest.changed, "the same files a second time must change nothing")
        XCTAssertEqual(real.digestAfterSecond, real.digestAfterFirst)
    }

    func testCountriesAndCountry() async throws {
        let real = try RealStore.get()
        try await app(real.store).test(.router) { client in
            let list = try await client.get("/api/v1/countries?family=ipv4")
            XCTAssertEqual(list.status, .ok)
            XCTAssertTrue(list.contentType.hasPrefix("application/json"))
            let entities = try XCTUnwrap(list.object["entities"] as? [[String: Any]])
            XCTAssertEqual(list.object["count"] as? Int, entities.count)
            XCTAssertEqual(list.object["data_until"] as? String, "2014-05-30T23:55:00Z")
            XCTAssertTrue(entities.allSatisfy { $0["family"] as? String == "ipv4" })
            let kp = try XCTUnwrap(entities.first { $0["id"] as? String == "KP" })
            XCTAssertEqual(kp["name"] as? String, "North Korea")
            XCTAssertEqual(kp["visible_prefixes"] as? Int, 4)
            XCTAssertEqual(kp["visible_slash24s"] as? Double, 4)
            XCTAssertEqual(kp["status"] as? String, "normal")
            // Countries come from the delegation files: the big ones are there with many prefixes.
            let us = try XCTUnwrap(entities.first { $0["id"] as? String == "US" })
            XCTAssertGreaterThan(us["visible_prefixes"] as? Int ?? 0, 100_000)

            // IPv6 has no full-feed peer in this RIB, and an open measurement gap: unknown, never an outage.
            let v6 = try await client.get("/api/v1/countries?family=ipv6")
            let v6list = try XCTUnwrap(v6.object["entities"] as? [[String: Any]])
            XCTAssertFalse(v6list.isEmpty)
            XCTAssertTrue(v6list.allSatisfy { $0["status"] as? String == "unknown" })

            let one = try await client.get("/api/v1/countries/kp")
            XCTAssertEqual(one.status, .ok)
            XCTAssertEqual(one.object["id"] as? String, "KP")
            XCTAssertEqual((one.object["families"] as? [[String: Any]])?.count, 1)
            XCTAssertNotNil(one.object["recent_events"] as? [Any])

            let filtered = try await client.get("/api/v1/countries?status=outage")
            XCTAssertEqual(filtered.object["count"] as? Int, 0)
            for (uri, status) in [
                ("/api/v1/countries/ZZ", HTTPResponse.Status.notFound), ("/api/v1/countries/K1", .badRequest),
                ("/api/v1/countries/KPX", .badRequest), ("/api/v1/countries?family=ipv5", .badRequest),
                ("/api/v1/countries?status=bad", .badRequest),
            ] {
                let r = try await client.get(uri)
                XCTAssertEqual(r.status, status, uri)
                let err = try XCTUnwrap(r.object["error"] as? [String: Any], uri)
                XCTAssertEqual(err["status"] as? Int, Int(status.code))
                XCTAssertFalse((err["message"] as? String ?? "").isEmpty)
            }
        }
    }

    func testASes() async throws {
        let real = try RealStore.get()
        try await app(real.store).test(.router) { client in
            let list = try await client.get("/api/v1/ases?family=ipv4")
            XCTAssertEqual(list.status, .ok)
            let entities = try XCTUnwrap(list.object["entities"] as? [[String: Any]])
            XCTAssertGreaterThan(entities.count, 40_000)  // origin ASes of a full table
            XCTAssertEqual(list.object["total"] as? Int, entities.count)
            let page = try await client.get("/api/v1/ases?family=ipv4&limit=10&offset=5")
            let pageList = try XCTUnwrap(page.object["entities"] as? [[String: Any]])
            XCTAssertEqual(pageList.map { $0["id"] as? String }, entities[5..<15].map { $0["id"] as? String })
            XCTAssertEqual(page.object["total"] as? Int, entities.count)
            XCTAssertEqual(page.object["count"] as? Int, 10)
            for bad in ["limit=0", "limit=1000001", "offset=-3", "offset=x"] {
                let s = try await client.get("/api/v1/ases?\(bad)").status
                XCTAssertEqual(s, .badRequest, bad)
            }
            for uri in ["/api/v1/ases/131279", "/api/v1/ases/AS131279"] {
                let one = try await client.get(uri)
                XCTAssertEqual(one.status, .ok, uri)
                XCTAssertEqual(one.object["id"] as? String, "AS131279")
                XCTAssertEqual(one.object["country"] as? String, "KP")
                XCTAssertNil(one.object["name"], "AS131279 is not in the 2014-05-24 AS names file")
            }
            let cu = try await client.get("/api/v1/ases/4837")
            XCTAssertEqual(cu.object["name"] as? String, "CHINA169-BACKBONE CNCGROUP China169 Backbone")
            XCTAssertEqual(cu.object["country"] as? String, "CN")
            let ups = try await client.get("/api/v1/ases/131279/upstreams")
            XCTAssertEqual(ups.status, .ok)
            XCTAssertEqual((ups.object["upstreams"] as? [[String: Any]])?.first?["asn"] as? Int, 4837)
            let series = try await client.get("/api/v1/ases/131279/series")
            XCTAssertEqual((series.object["points"] as? [Any])?.count, 24)
            do { let s = try await client.get("/api/v1/ases/xyz").status; XCTAssertEqual(s, .badRequest) }
            do { let s = try await client.get("/api/v1/ases/4200000000").status; XCTAssertEqual(s, .notFound) }
            do { let s = try await client.get("/api/v1/ases/4200000000/series").status; XCTAssertEqual(s, .notFound) }
        }
    }

    func testSeriesJSONAndCSV() async throws {
        let real = try RealStore.get()
        try await app(real.store).test(.router) { client in
            let s = try await client.get("/api/v1/countries/KP/series?family=ipv4")
            XCTAssertEqual(s.status, .ok)
            XCTAssertEqual(s.object["space_unit"] as? String, "/24")
            XCTAssertEqual(s.object["bin_seconds"] as? Int, 300)
            let points = try XCTUnwrap(s.object["points"] as? [[String: Any]])
            // 22:00 → 23:55 in 5-minute bins: 24 points; the bins between the RIB and the update file
            // have no data at all and are unknown (no values), not zero.
            XCTAssertEqual(points.count, 24)
            XCTAssertEqual(points.first?["time"] as? String, "2014-05-30T22:00:00Z")
            XCTAssertEqual(points.last?["time"] as? String, "2014-05-30T23:55:00Z")
            let unknown = points.filter { $0["known"] as? Bool == false }
            XCTAssertEqual(unknown.count, 20)
            XCTAssertTrue(unknown.allSatisfy { $0["visible_prefixes"] == nil })
            XCTAssertEqual(points.last?["visible_prefixes"] as? Int, 4)
            XCTAssertEqual(points.last?["upstreams"] as? [Int], [4837])

            let window = try await client.get("/api/v1/countries/KP/series?from=2014-05-30T23:45:00Z&to=1401494100")
            XCTAssertEqual((window.object["points"] as? [Any])?.count, 3)

            let csv = try await client.get("/api/v1/countries/KP/series.csv?family=ipv4")
            XCTAssertEqual(csv.status, .ok)
            XCTAssertTrue(csv.contentType.hasPrefix("text/csv"))
            let lines = csv.body.split(separator: "\n")
            XCTAssertEqual(lines.count, 25)
            XCTAssertTrue(lines[0].hasPrefix("time,unix,seconds,known,"))
            XCTAssertEqual(lines.last, "2014-05-30T23:55:00Z,1401494100,300,true,1,4,4.0,4.0,1.0,0,0,0,4837")

            for uri in [
                "/api/v1/countries/KP/series?from=yesterday", "/api/v1/countries/KP/series?from=2014-13-01",
                "/api/v1/countries/KP/series?from=1401494100&to=1401487200", "/api/v1/countries/KP/series?family=v4",
            ] {
                do { let s = try await client.get(uri).status; XCTAssertEqual(s, .badRequest, uri) }
            }
        }
    }

    func testUpstreams() async throws {
        let real = try RealStore.get()
        try await app(real.store).test(.router) { client in
            let u = try await client.get("/api/v1/countries/KP/upstreams")
            XCTAssertEqual(u.status, .ok)
            XCTAssertEqual(u.object["single"] as? Bool, true)
            let ups = try XCTUnwrap(u.object["upstreams"] as? [[String: Any]])
            XCTAssertEqual(ups.count, 1)
            XCTAssertEqual(ups[0]["asn"] as? Int, 4837)
            XCTAssertEqual(ups[0]["name"] as? String, "CHINA169-BACKBONE CNCGROUP China169 Backbone")
            XCTAssertEqual(ups[0]["path_share"] as? Double, 1)
            XCTAssertEqual(ups[0]["space_share"] as? Double, 1)
            do { let s = try await client.get("/api/v1/countries/ZZ/upstreams").status; XCTAssertEqual(s, .notFound) }
        }
    }

    func testEventsFiltersDetailAndCSV() async throws {
        let real = try RealStore.get()
        let stored = try real.store.events(EventQuery())
        XCTAssertFalse(stored.isEmpty)
        try await app(real.store).test(.router) { client in
            let all = try await client.get("/api/v1/events")
            XCTAssertEqual(all.status, .ok)
            let events = try XCTUnwrap(all.object["events"] as? [[String: Any]])
            XCTAssertEqual(events.count, stored.count)
            // Newest first.
            let starts = events.compactMap { $0["start"] as? String }
            XCTAssertEqual(starts, starts.sorted(by: >))
            // The RIB's IPv6 side has no full-feed peer: a measurement gap, open, and never an outage.
            let gaps = try await client.get("/api/v1/events?kind=measurement-gap&family=ipv6&state=open")
            let gapList = try XCTUnwrap(gaps.object["events"] as? [[String: Any]])
            XCTAssertEqual(gapList.count, 1)
            XCTAssertEqual(gapList[0]["entity"] as? String, "*")
            XCTAssertNil(gapList[0]["end"] as? String)
            let countryOutages = try await client.get("/api/v1/events?kind=outage&scope=country")
            XCTAssertEqual(countryOutages.object["count"] as? Int, 0, "no country outage in real data")

            for (query, check) in [
                ("state=open", { (e: [String: Any]) in e["state"] as? String == "open" && e["end"] == nil }),
                ("state=closed", { (e: [String: Any]) in e["state"] as? String == "closed" && e["end"] is String }),
                ("kind=upstream-change", { (e: [String: Any]) in e["kind"] as? String == "upstream-change" }),
                ("scope=asn", { (e: [String: Any]) in e["scope"] as? String == "asn" }),
                ("to=2014-05-30T22:30:00Z", { (e: [String: Any]) in (e["start"] as? String ?? "") <= "2014-05-30T22:30:00Z" }),
            ] {
                let r = try await client.get("/api/v1/events?\(query)")
                XCTAssertEqual(r.status, .ok, query)
                let list = try XCTUnwrap(r.object["events"] as? [[String: Any]])
                XCTAssertFalse(list.isEmpty, query)
                XCTAssertTrue(list.allSatisfy(check), query)
                XCTAssertLessThan(list.count, events.count, query)
            }
            let paged = try await client.get("/api/v1/events?limit=2&offset=1")
            XCTAssertEqual((paged.object["events"] as? [[String: Any]])?.compactMap { $0["id"] as? String }, events[1...2].compactMap { $0["id"] as? String })

            // One event: evidence and narrative.
            let target = try XCTUnwrap(stored.first { $0.event.kind == .outage })
            let path = "/api/v1/events/" + target.event.id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed)!
            let one = try await client.get(path)
            XCTAssertEqual(one.status, .ok)
            XCTAssertEqual(one.object["id"] as? String, target.event.id)
            XCTAssertEqual(one.object["narrative"] as? String, target.narrative)
            let evidence = try XCTUnwrap(one.object["evidence"] as? [String: Any])
            XCTAssertEqual(evidence["prefixes_lost"] as? [String], target.event.evidence.prefixesLost)
            XCTAssertFalse(target.event.evidence.prefixesLost.isEmpty)
            XCTAssertEqual(one.object["full_feed_peers_up"] as? Int, 1)
            do { let s = try await client.get("/api/v1/events/outage:country:ZZ:ipv4:1").status; XCTAssertEqual(s, .notFound) }

            let csv = try await client.get("/api/v1/events.csv")
            XCTAssertEqual(csv.status, .ok)
            XCTAssertTrue(csv.contentType.hasPrefix("text/csv"))
            XCTAssertEqual(csv.body.split(separator: "\n").count, stored.count + 1)
            XCTAssertTrue(csv.body.hasPrefix("id,kind,scope,entity,family,start,end,"))
            let csvOpen = try await client.get("/api/v1/events.csv?state=open")
            XCTAssertEqual(csvOpen.body.split(separator: "\n").count, stored.filter { $0.event.end == nil }.count + 1)

            for uri in [
                "/api/v1/events?kind=storm", "/api/v1/events?state=maybe", "/api/v1/events?limit=0",
                "/api/v1/events?offset=-1", "/api/v1/events?scope=planet", "/api/v1/events?from=2014-05-30T25:00:00Z",
                "/api/v1/events.csv?family=ipv9",
            ] {
                let r = try await client.get(uri)
                XCTAssertEqual(r.status, .badRequest, uri)
                XCTAssertNotNil(r.object["error"], uri)
            }
        }
    }

    func testOpenAPIDocumentDescribesEveryRoute() async throws {
        let real = try RealStore.get()
        let eventID = try XCTUnwrap(real.store.events(EventQuery()).first?.event.id)
        try await app(real.store).test(.router) { client in
            let doc = try await client.get("/openapi.json")
            XCTAssertEqual(doc.status, .ok)
            XCTAssertEqual(doc.object["openapi"] as? String, "3.0.3")
            let paths = try XCTUnwrap(doc.object["paths"] as? [String: Any])
            XCTAssertEqual(paths.count, 15)
            // Every documented path answers 200 on real data (ids filled from examples).
            for p in paths.keys.sorted() {
                var uri = p
                if p.hasPrefix("/api/v1/countries/") { uri = p.replacingOccurrences(of: "{id}", with: "KP") }
                if p.hasPrefix("/api/v1/ases/") { uri = p.replacingOccurrences(of: "{id}", with: "131279") }
                if p.hasPrefix("/api/v1/events/") { uri = p.replacingOccurrences(of: "{id}", with: eventID) }
                let r = try await client.get(uri)
                XCTAssertEqual(r.status, .ok, uri)
            }
            // Every $ref resolves.
            let refs = doc.body.components(separatedBy: "\"$ref\": \"#/").dropFirst().map { $0.prefix { $0 != "\"" } }
            XCTAssertGreaterThan(refs.count, 50)
            for ref in Set(refs) {
                var node: Any? = doc.object
                for part in ref.split(separator: "/") { node = (node as? [String: Any])?[String(part)] }
                XCTAssertNotNil(node, "unresolved $ref #/\(ref)")
            }
            // Read-only: other methods get 405 with Allow.
            for method in [HTTPRequest.Method.post, .put, .delete, .patch] {
                try await client.execute(uri: "/api/v1/events", method: method) { r in
                    XCTAssertEqual(r.status, .methodNotAllowed, "\(method)")
                    XCTAssertEqual(r.headers[.allow], "GET, HEAD")
                }
            }
            try await client.execute(uri: "/api/v1/countries/KP", method: .head) { r in
                XCTAssertEqual(r.status, .ok)
                XCTAssertEqual(r.body.readableBytes, 0)
                XCTAssertTrue((r.headers[.contentType] ?? "").hasPrefix("application/json"))
            }
            try await client.execute(uri: "/api/v1/countries/ZZ", method: .head) { r in XCTAssertEqual(r.status, .notFound) }
            let unknown = try await client.get("/api/v1/does-not-exist")
            XCTAssertEqual(unknown.status, .notFound)
            XCTAssertNotNil(unknown.object["error"])
        }
    }

    func testMetrics() async throws {
        let real = try RealStore.get()
        try await app(real.store).test(.router) { client in
            _ = try await client.get("/api/v1/countries/ZZ")
            let m = try await client.get("/metrics")
            XCTAssertEqual(m.status, .ok)
            XCTAssertTrue(m.contentType.hasPrefix("text/plain; version=0.0.4"))
            var values: [String: Double] = [:]
            for line in m.body.split(separator: "\n") {
                if line.hasPrefix("#") {
                    XCTAssertTrue(line.hasPrefix("# HELP vantage_") || line.hasPrefix("# TYPE vantage_"), String(line))
                    continue
                }
                let parts = line.split(separator: " ")
                XCTAssertEqual(parts.count, 2, String(line))
                XCTAssertNotNil(Double(parts[1]), String(line))
                values[String(parts[0])] = Double(parts[1])
            }
            XCTAssertEqual(values["vantage_records_processed"], Double(real.outcome.stats!.records))
            XCTAssertEqual(values["vantage_elements_processed"], Double(real.outcome.stats!.elements))
            XCTAssertEqual(values["vantage_ingested_files"], 2)
            XCTAssertEqual(values["vantage_full_feed_peers_up{family=\"ipv4\"}"], 1)
            XCTAssertEqual(values["vantage_full_feed_peers_up{family=\"ipv6\"}"], 0)
            XCTAssertEqual(values["vantage_open_events{kind=\"measurement-gap\"}"], 1)
            XCTAssertEqual(values["vantage_data_timestamp_seconds"], Double(real.outcome.stats!.lastTime!))
            XCTAssertGreaterThan(values["vantage_processing_lag_seconds"] ?? 0, 10 * 365 * 86400)
            XCTAssertEqual(values["vantage_http_requests_total{code=\"4xx\"}"], 1)
        }
    }
}
