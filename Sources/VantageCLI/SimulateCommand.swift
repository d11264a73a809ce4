import ArgumentParser
import Foundation
import VantageCore
import VantageSim

/// `vantage simulate`: a scenario written as the archives a RouteViews collector would have kept.
public struct SimulateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Write a simulated archive set (RIB + 15-minute update dumps + registry) for a scenario.",
        discussion: """
            SCENARIO is a YAML file (the schema is in the comment at the top of every file in scenarios/) or the name of a built-in scenario (north-korea-2014).

            The output folder gets rib.YYYYMMDD.HHMM.bz2 (TABLE_DUMP_V2) at the scenario's start, updates.YYYYMMDD.HHMM.bz2 (BGP4MP_AS4) every 15 minutes, registry/ (RIR delegation statistics and AS names describing the world) and README.txt. Then run: vantage detect --registry DIR/registry/delegated-sim.txt DIR/*.bz2

            With --rib, the world is the RIB's table and peers, with countries from the --registry files (copied to DIR/registry/).
            """)

    @Argument(help: "Scenario YAML file, or a built-in scenario name (north-korea-2014).")
    var scenario: String
    @Option(help: "Output folder (created; earlier rib.*/updates.* archives in it are replaced).")
    var out: String
    @Option(help: "Random seed (default: the scenario's). The same seed gives the same bytes.")
    var seed: UInt64?
    @Option(help: "Build the world from this TABLE_DUMP_V2 RIB (its prefixes, paths and peers).")
    var rib: String?
    @Option(
        name: .customLong("registry"), help: "With --rib: registry files (RIR delegation stats, AS names). Repeatable.")
    var registryFiles: [String] = []

    public init() {}

    public func validate() throws {
        if rib != nil && registryFiles.isEmpty {
            throw ValidationError("--rib needs --registry delegation files (to know countries)")
        }
        if rib == nil && !registryFiles.isEmpty {
            throw ValidationError("--registry is for --rib worlds (the built-in world writes its own)")
        }
    }

    public func run() throws {
        let began = Date()
        let (text, base) = try Self.loadScenario(scenario)
        let parsed: Scenario
        do { parsed = try Scenario.parse(yaml: text) } catch { throw Self.fail("\(scenario): \(error)") }
        var options = Simulator.Options(outputDirectory: out, seed: seed)
        var ribPath = rib
        var registryPaths = registryFiles
        if ribPath == nil, parsed.world.kind == .rib {
            ribPath = parsed.world.rib.map { Self.resolve($0, relativeTo: base) }
            registryPaths = parsed.world.registry.map { Self.resolve($0, relativeTo: base) }
        }
        if let ribPath {
            options.ribPath = ribPath
            options.registryPaths = registryPaths
            options.registry = try RegistryLoader.load(registryPaths)
        }
        let sink = OutputSink()
        sink.write(Self.header(parsed))
        sink.flush()
        let result: Simulator.Result
        do {
            result = try Simulator.run(parsed, options: options) { line in
                sink.write("  \(line)\n")
                sink.flush()
            }
        } catch let e as ScenarioError {
            throw Self.fail(e.message)
        }
        sink.write(Self.summary(result, directory: out, seconds: Date().timeIntervalSince(began)))
        sink.flush()
    }

    /// Prints "vantage: MESSAGE" on stderr; the caller throws the exit status (2).
    static func fail(_ message: String) -> ExitCode {
        printError("vantage: \(message)")
        return ExitCode(2)
    }

    /// A scenario's text and the folder relative paths in it are read from.
    static func loadScenario(_ nameOrPath: String) throws -> (String, String) {
        if FileManager.default.fileExists(atPath: nameOrPath) {
            guard let data = FileManager.default.contents(atPath: nameOrPath) else {
                throw fail("\(nameOrPath): cannot read")
            }
            return (String(decoding: data, as: UTF8.self), (nameOrPath as NSString).deletingLastPathComponent)
        }
        if let builtin = BuiltinScenarios.yaml(named: nameOrPath) { return (builtin, ".") }
        throw fail(
            "\(nameOrPath): no such file, and not a built-in scenario (\(BuiltinScenarios.all.keys.sorted().joined(separator: ", ")))"
        )
    }

    static func resolve(_ path: String, relativeTo base: String) -> String {
        path.hasPrefix("/") || base.isEmpty ? path : base + "/" + path
    }

    static func header(_ s: Scenario) -> String {
        var out = "Scenario \(s.name): \(UTC.short(s.start)) → \(UTC.short(s.end))\n"
        let d = s.description.trimmingCharacters(in: .whitespacesAndNewlines)
        if !d.isEmpty { out += wrap(d, indent: "  ") + "\n" }
        if s.name == "north-korea-2014" { out += "  \(BuiltinScenarios.northKoreaDisclaimer)\n" }
        return out
    }

    static func summary(_ r: Simulator.Result, directory dir: String, seconds: Double) -> String {
        var out = "Wrote \(dir) (seed \(r.seed), \(String(format: "%.1f", seconds)) s):\n"
        out +=
            "  \((r.ribFile as NSString).lastPathComponent): \(r.ribEntries) routes of \(r.peers.count) peer sessions "
        out += "(\(r.peers.filter(\.fullFeed).count) full feed)\n"
        out +=
            "  \(r.updateFiles.count) update files, \((r.updateFiles.first.map { ($0 as NSString).lastPathComponent }) ?? "-") … "
        out +=
            "\((r.updateFiles.last.map { ($0 as NSString).lastPathComponent }) ?? "-"): \(r.announcements) announcements, "
        out += "\(r.withdrawals) withdrawals, \(r.stateChanges) state changes\n"
        if !r.missingFiles.isEmpty {
            out +=
                "  not written (missing-file events): "
                + r.missingFiles.map { ($0 as NSString).lastPathComponent }.joined(separator: ", ") + "\n"
        }
        out +=
            "  registry: " + r.registryFiles.map { ($0 as NSString).lastPathComponent }.joined(separator: ", ") + "\n"
        if !r.eventLog.isEmpty {
            out += "Events played:\n" + r.eventLog.map { "  \($0)\n" }.joined()
        }
        for n in r.notes { out += "Note: \(n)\n" }
        let registry = r.registryFiles.map { "--registry \($0)" }.joined(separator: " ")
        out += "Next: vantage detect \(registry) \(dir)/*.bz2\n"
        return out
    }

    static func wrap(_ text: String, indent: String, width: Int = 100) -> String {
        var lines: [String] = []
        var line = indent
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            if line.count + word.count + 1 > width && line != indent {
                lines.append(line)
                line = indent
            }
            line += (line == indent ? "" : " ") + word
        }
        if line != indent { lines.append(line) }
        return lines.joined(separator: "\n")
    }
}
