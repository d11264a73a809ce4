import ArgumentParser

public struct VantageCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "vantage",
        abstract: "Vantage: an Internet outage observatory built on BGP archives.",
        subcommands: [DumpCommand.self, DetectCommand.self, ReportCommand.self, SimulateCommand.self, DemoCommand.self, IngestCommand.self, ServeCommand.self])
    public init() {}
}
