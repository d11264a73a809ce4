import Foundation
import TestSupport
import VantageCLI
import XCTest

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The `vantage` binary as a user runs it: `serve` on a port, a watched folder, signals, and the
/// dashboard in headless Chromium.
final class LiveServerTests: XCTestCase {
    /// The `vantage` executable built beside this test bundle.
    static func binary() throws -> String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("vantage").path,
            SharedDataRoot.packageRoot.appendingPathComponent(".build/debug/vantage").path,
        ]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("the vantage binary is not built (run `swift build` first); looked in \(candidates)")
        }
        return found
    }

    /// A running `vantage` process whose stdout is watched for the URL it serves on.
    final class Server: @unchecked Sendable {
        let process = Process()
        let out = Pipe()
        private let lock = NSLock()
        private var text = ""

        init(_ args: [String]) throws {
            process.executableURL = URL(fileURLWithPath: try LiveServerTests.binary())
            process.arguments = args
            process.standardOutput = out
            process.standardError = out
            out.fileHandleForReading.readabilityHandler = { [weak self] h in
                let d = h.availableData
                guard let self, !d.isEmpty else { return }
                self.lock.lock()
                self.text += String(decoding: d, as: UTF8.self)
                self.lock.unlock()
            }
            try process.run()
        }

        var output: String {
            lock.lock()
            defer { lock.unlock() }
            return text
        }

        /// Waits for "http://127.0.0.1:PORT/" in the output and returns the base URL.
        func baseURL(timeout: Double) throws -> String {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if let r = output.range(of: #"http://127\.0\.0\.1:[0-9]+/"#, options: .regularExpression) {
                    return String(output[r].dropLast())
                }
                if !process.isRunning { break }
                Thread.sleep(forTimeInterval: 0.1)
            }
            throw NSError(domain: "vantage", code: 1, userInfo: [NSLocalizedDescriptionKey: "no URL in output:\n\(output)"])
        }

        /// Sends `signal` and waits for the exit status.
        func stop(_ signal: Int32, timeout: Double = 20) -> Int32? {
            kill(process.processIdentifier, signal)
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning {
                process.terminate()
                return nil
            }
            return process.terminationStatus
        }
    }

    static func fetch(_ url: String) async throws -> (Int, String) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    static func metric(_ text: String, _ name: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.split(separator: " ")[1])
        }
        return nil
    }

    func testServeWatchesAFolderAndStopsGracefully() async throws {
        let data = try SharedDataRoot.require()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-watch-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/incoming", withIntermediateDirectories: true)
        let server = try Server([
            "serve", "--db", dir + "/v.db", "--port", "0", "--watch", dir + "/incoming", "--interval", "0.2",
            "--registry", data.appendingPathComponent("registry/delegated-ripencc-latest.20140520").path,
        ])
        let base = try server.baseURL(timeout: 30)
        var (status, metrics) = try await Self.fetch(base + "/metrics")
        XCTAssertEqual(status, 200)
        XCTAssertEqual(Self.metric(metrics, "vantage_ingested_files"), 0)
        // A real RIS update file (2014-05-30 22:15) appears in the folder, then a later one (23:45).
        func drop(_ name: String, as target: String, expect files: Double) async throws {
            try FileManager.default.copyItem(
                atPath: data.appendingPathComponent("mrt/\(name)").path, toPath: dir + "/incoming/\(target)")
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                (status, metrics) = try await Self.fetch(base + "/metrics")
                if Self.metric(metrics, "vantage_ingested_files") == files { break }
                try await Task.sleep(nanoseconds: 200_000_000)
            }
            XCTAssertEqual(Self.metric(metrics, "vantage_ingested_files"), files, server.output)
        }
        try await drop("ris.rrc06.updates.1401488100.gz", as: "updates.20140530.2215.gz", expect: 1)
        XCTAssertEqual(Self.metric(metrics, "vantage_process_ingests_total"), 1)
        let firstRecords = try XCTUnwrap(Self.metric(metrics, "vantage_records_processed"))
        XCTAssertGreaterThan(firstRecords, 0)
        XCTAssertEqual(firstRecords, Self.metric(metrics, "vantage_process_records_total"))
        // The watcher keeps the routing state: the last bin stays open until later data closes it.
        var (s2, countries) = try await Self.fetch(base + "/api/v1/countries")
        XCTAssertEqual(s2, 200)
        XCTAssertTrue(countries.contains("\"count\":0"), countries)

        try await drop("routeviews.route-views.jinx.updates.1401493500.bz2", as: "updates.20140530.2345.bz2", expect: 2)
        XCTAssertEqual(Self.metric(metrics, "vantage_process_ingests_total"), 2)
        // The second ingest replayed only the new file.
        let secondRecords = try XCTUnwrap(Self.metric(metrics, "vantage_records_processed"))
        XCTAssertEqual(Self.metric(metrics, "vantage_process_records_total"), firstRecords + secondRecords)
        (s2, countries) = try await Self.fetch(base + "/api/v1/countries")
        XCTAssertTrue(countries.contains("\"scope\":\"country\""), countries)
        XCTAssertGreaterThan(Self.metric(metrics, "vantage_bins") ?? 0, 0)
        // SIGINT: graceful shutdown, exit status 0.
        XCTAssertEqual(server.stop(SIGINT), 0, server.output)
    }

    /// Headless Chromium on the dashboard served by `vantage serve` over the demo's store: the North
    /// Korea page shows the 9 h 31 min outage of 2014-12-22. The screenshot's path is printed.
    func testDashboardInHeadlessChromium() async throws {
        guard let chromium = ExternalTool.which("chromium") ?? ExternalTool.which("chromium-browser") else {
            throw XCTSkip("chromium not installed (Debian package `chromium`): browser test skipped")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-browser-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The demo's data and store, made as `vantage demo` makes them (built-in world, default settings).
        let (archives, _) = try DemoCommand.prepare(directory: dir, log: { _ in })
        let store = try DemoCommand.store(directory: dir, archives: archives)
        let server = try Server(["serve", "--db", store.path, "--port", "0"])
        let base = try server.baseURL(timeout: 30)

        let dom = try ExternalTool.run(
            chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", base + "/country/KP"])
        let html = String(decoding: dom.output, as: UTF8.self)
        XCTAssertEqual(dom.status, 0)
        XCTAssertTrue(html.contains("KP — North Korea"), html)
        XCTAssertTrue(html.contains("2014-12-22 16:15 UTC</td><td>2014-12-23 01:46 UTC</td><td>9 h 31 min</td>"), "the outage row")
        XCTAssertTrue(html.contains("instability-then-withdrawal"))
        XCTAssertTrue(html.contains("class=\"event outage\""), "the outage is shaded on the timeline")
        XCTAssertTrue(html.contains(">AS4837</a>"))

        let shot = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-dashboard-KP.png").path
        try? FileManager.default.removeItem(atPath: shot)
        let r = try ExternalTool.run(
            chromium,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1200,1700",
                "--screenshot=\(shot)", base + "/country/KP",
            ])
        XCTAssertEqual(r.status, 0)
        let size = (try? FileManager.default.attributesOfItem(atPath: shot)[.size] as? NSNumber)?.intValue ?? 0
        XCTAssertGreaterThan(size, 10_000)
        print("dashboard screenshot: \(shot)")
        // SIGTERM: graceful shutdown, exit status 0.
        XCTAssertEqual(server.stop(SIGTERM), 0, server.output)
    }
}
