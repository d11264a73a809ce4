import Foundation
import VantageCLI
import VantageCore
import XCTest

/// `vantage detect` over every real update file in ../shared/data/mrt reports no country outage —
/// alone, and the RouteViews update file after its collector's RIB (the only pair from one collector).
final class RealUpdatesTests: XCTestCase {
    func testNoCountryOutageInRealUpdateFiles() throws {
        let data = try SharedData.require()
        let registry = try RegistryLoader.load(
            ["delegated-apnic-latest.20141009", "delegated-ripencc-latest.20140520", "delegated-arin-latest.20130813",
             "delegated-lacnic-latest.20141008", "delegated-afrinic-extended.20260505"]
                .map { data.appendingPathComponent("registry/\($0)").path })
        let updates = try SharedData.mrtFiles().filter { f in
            let n = f.lastPathComponent
            return n.contains("updates") || n.hasSuffix("_bgp")
        }
        XCTAssertGreaterThanOrEqual(updates.count, 16)
        let rib = data.appendingPathComponent("mrt/routeviews.route-views.jinx.ribs.1401487200.bz2").path
        let runs: [[String]] = updates.map { [$0.path] }
            + [[rib, data.appendingPathComponent("mrt/routeviews.route-views.jinx.updates.1401493500.bz2").path]]
        for files in runs {
            var pipeline = Pipeline(registry: registry)
            pipeline.onProblem = { _ in }  // damaged lab captures report problems; not what is tested here
            let result = pipeline.run(files)
            let outages = result.events.filter { $0.kind == .outage && $0.entity.scope == .country }
            XCTAssertEqual(outages.map(\.id), [], files.map { ($0 as NSString).lastPathComponent }.joined(separator: " + "))
        }
    }
}
