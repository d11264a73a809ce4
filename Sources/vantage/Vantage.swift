import ArgumentParser
import VantageCLI

/// The binary: every command lives in VantageCLI (async root, so `@main` here).
@main struct Vantage: AsyncParsableCommand {
    static let configuration = VantageCommand.configuration
}
