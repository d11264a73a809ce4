import Foundation
import Hummingbird
import HummingbirdTesting
import VantageServer
import VantageStore
import XCTest

/// Dashboard pages through Hummingbird's test client, on the store filled from real files.
final class DashboardTests: XCTestCase {
    func testPages() async throws {
        let real = try RealStore.get()
        let outage = try XCTUnwrap(real.store.events(EventQuery()).first { $0.event.kind == .outage })
        let app = Application(router: VantageHTTP(store: real.store).router())
        try await app.test(.router) { client in
            let home = try await client.get("/")
            XCTAssertEqual(home.status, .ok)
            XCTAssertTrue(home.contentType.hasPrefix("text/html"))
            XCTAssertTrue(home.body.contains("<a href=\"/country/KP\">KP</a> North Korea"))
            XCTAssertTrue(home.body.contains("Data until 2014-05-30 23:55 UTC; full-feed peers up: 1 IPv4, 0 IPv6"))
            XCTAssertTrue(home.body.contains("/api/v1/events.csv"))
            XCTAssertFalse(home.body.contains("<script"), "no JavaScript")
            XCTAssertFalse(home.body.contains("https://"), "nothing from the internet")

            let kp = try await client.get("/country/KP")
            XCTAssertEqual(kp.status, .ok)
            XCTAssertTrue(kp.body.contains("<h1>KP — North Korea</h1>"))
            XCTAssertEqual(kp.body.components(separatedBy: "<svg class=chart").count - 1, 3, "visible /24s, prefixes, instability")
            XCTAssertTrue(kp.body.contains("Visible /24s (IPv4)"))
            XCTAssertTrue(kp.body.contains("Visible prefixes (IPv4)"))
            XCTAssertTrue(kp.body.contains("class=unknown"), "the bins without data are shown as unknown")
            XCTAssertTrue(kp.body.contains("<a href=\"/as/4837\">AS4837</a></td><td>CHINA169-BACKBONE CNCGROUP China169 Backbone</td><td class=n>100 %</td>"))
            XCTAssertTrue(kp.body.contains("Single upstream"))
            XCTAssertTrue(kp.body.contains("/api/v1/countries/KP/series.csv?family=ipv4"))
            let window = try await client.get("/country/KP?from=2014-05-30T23:45:00Z&to=2014-05-30T23:55:00Z")
            XCTAssertTrue(window.body.contains("Showing 2014-05-30 23:45 UTC → 2014-05-30 23:55 UTC"))

            let asPage = try await client.get("/as/\(outage.event.entity.id.dropFirst(2))")
            XCTAssertEqual(asPage.status, .ok)
            XCTAssertTrue(asPage.body.contains("class=\"event outage\""), "the outage is shaded on the chart")
            XCTAssertTrue(asPage.body.contains("/event/\(outage.event.id)"))

            let ev = try await client.get("/event/\(outage.event.id)")
            XCTAssertEqual(ev.status, .ok)
            XCTAssertTrue(ev.body.contains(outage.narrative.replacingOccurrences(of: "'", with: "&#39;")))
            XCTAssertTrue(ev.body.contains("Permalink"))
            XCTAssertTrue(ev.body.contains("/api/v1/events/\(outage.event.id)"))
            for p in outage.event.evidence.prefixesLost { XCTAssertTrue(ev.body.contains("<code>\(p)</code>"), p) }
            XCTAssertTrue(ev.body.contains("1 full-feed peer up"))

            let ases = try await client.get("/ases")
            XCTAssertEqual(ases.status, .ok)
            XCTAssertTrue(ases.body.contains("href=\"/as/"))

            for (uri, status) in [
                ("/country/ZZ", HTTPResponse.Status.notFound), ("/as/abc", .badRequest), ("/event/nope", .notFound),
            ] {
                let r = try await client.get(uri)
                XCTAssertEqual(r.status, status, uri)
                XCTAssertTrue(r.contentType.hasPrefix("text/html"), uri)
            }
        }
    }
}
