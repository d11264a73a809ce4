import Foundation

/// The simulator's only source of randomness: SplitMix64 (Steele, Lea, Flood 2014), whose whole
/// state is one UInt64, so a seed fixes every draw on every platform. Every helper below is written
/// out (no `Int.random(in:using:)`, whose algorithm the standard library may change), so the same
/// seed gives the same archives byte for byte.
public struct SimRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// SplitMix64's finaliser: a bijective scramble of 64 bits.
    @inline(__always)
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A stable hash of a few numbers (for choices that must not depend on draw order).
    public static func hash(_ values: UInt64...) -> UInt64 {
        var h: UInt64 = 0x5851_F42D_4C95_7F2D
        for v in values { h = mix(h ^ mix(v &+ 0x9E37_79B9_7F4A_7C15)) }
        return h
    }

    /// An independent generator for one part of the simulation, so that drawing more numbers in one
    /// part never shifts another.
    public func fork(_ label: UInt64) -> SimRandom { SimRandom(seed: Self.hash(state, label)) }

    /// Uniform in `0..<n` (n > 0). Modulo bias is below 2^-40 for the sizes used here.
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0)
        return Int(next() % UInt64(n))
    }

    /// Uniform in the closed range.
    public mutating func int(_ r: ClosedRange<Int>) -> Int { r.lowerBound + below(r.upperBound - r.lowerBound + 1) }

    /// Uniform in the closed range of seconds.
    public mutating func seconds(_ r: ClosedRange<UInt32>) -> UInt32 {
        r.lowerBound + UInt32(below(Int(r.upperBound - r.lowerBound) + 1))
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    public mutating func double(_ r: ClosedRange<Double>) -> Double {
        r.lowerBound + unit() * (r.upperBound - r.lowerBound)
    }

    public mutating func chance(_ p: Double) -> Bool { unit() < p }

    public mutating func pick<T>(_ a: [T]) -> T { a[below(a.count)] }

    /// Waiting time of a Poisson process with the given mean (seconds), at least 1.
    public mutating func exponential(mean: Double) -> UInt32 {
        let u = max(unit(), 0x1p-53)
        return UInt32(max(1, min(Double(UInt32.max / 2), (-mean * log(u)).rounded())))
    }

    /// `k` distinct indices of `0..<n`, in increasing order.
    public mutating func sample(_ k: Int, of n: Int) -> [Int] {
        if k >= n { return Array(0..<n) }
        var chosen = Set<Int>()
        var out: [Int] = []
        while out.count < k {
            let i = below(n)
            if chosen.insert(i).inserted { out.append(i) }
        }
        return out.sorted()
    }

    /// Fisher–Yates.
    public mutating func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, below(i + 1)) }
    }
}
