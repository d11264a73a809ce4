import Foundation
import FuzzTargets
import XCTest

/// Replays every input under Fuzz/regressions/<target>/ and Fuzz/corpus/<target>/ through the
/// fuzz harness (Sources/FuzzHarness, the same code scripts/fuzz.sh compiles into the libFuzzer
/// targets), in-process: decoding may throw, but nothing may trap.
final class FuzzRegressionTests: XCTestCase {
    static let fuzzDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz")

    func testReplayRegressionsAndCorpus() throws {
        let fm = FileManager.default
        var replayed = 0
        for folder in ["regressions", "corpus"] {
            let base = Self.fuzzDir.appendingPathComponent(folder)
            guard fm.fileExists(atPath: base.path) else { continue }
            // Every folder must belong to a target, or its inputs would silently go unreplayed
            // ("archive" needs ArchiveIO: Tests/VantageCLITests/DamagedArchiveTests.swift replays it).
            let known = Set(FuzzHarness.targets.map(\.name) + ["archive"])
            for sub in try fm.contentsOfDirectory(atPath: base.path) where !sub.hasPrefix(".") {
                XCTAssert(known.contains(sub), "Fuzz/\(folder)/\(sub) is not a fuzz target (\(known.sorted()))")
            }
            for (name, run) in FuzzHarness.targets {
                let dir = base.appendingPathComponent(name)
                guard let files = try? fm.contentsOfDirectory(atPath: dir.path) else { continue }
                let inputs = files.filter { !$0.hasPrefix(".") }.sorted()
                // If a replay traps, this names the folder (its inputs are few: bisect by hand).
                print("FuzzRegressionTests: replaying \(inputs.count) inputs from Fuzz/\(folder)/\(name)")
                for file in inputs {
                    let bytes = [UInt8](try Data(contentsOf: dir.appendingPathComponent(file)))
                    run(bytes)
                    replayed += 1
                }
            }
        }
        XCTAssertGreaterThan(replayed, 0, "no inputs found under \(Self.fuzzDir.path)")
    }

    /// Short and degenerate inputs for every target: empty, each single byte, each mode byte
    /// followed by runs of 0x00 and 0xFF.
    func testDegenerateInputs() {
        for (_, run) in FuzzHarness.targets {
            run([])
            for b in 0...255 { run([UInt8(b)]) }
            for mode in 0...31 {
                for fill: UInt8 in [0x00, 0xFF] {
                    for n in [1, 2, 3, 12, 16, 19, 20, 23, 64] { run([UInt8(mode)] + [UInt8](repeating: fill, count: n)) }
                }
            }
        }
    }
}
